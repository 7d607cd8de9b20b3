"""One ingest run: every file checked, loaded in its own transaction, recorded in the ledger, answered
with feedback (the steps are listed in ``ingestion/submissions/__init__.py``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ingestion.common.files import ARCHIVE_EXTENSIONS
from ingestion.submissions import bulk, constants
from ingestion.submissions.archive import Prepared, prepare_file, receipt_id
from ingestion.submissions.arrivals import SOURCE_SCAN
from ingestion.submissions.bulk import Commits, Redo, feedback_many, prepare_many
from ingestion.submissions.landing import Candidate, collect, take_from_landing
from ingestion.submissions.results import (
    LEDGER_FIELDS,
    FileResult,
    error_result,
    waiting_result,
)
from newinfra.atomic import copy_new, write_new


def _local_today(settings, now: dt.datetime) -> dt.date:
    return now.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(settings.timezone)).date()


def _is_late(settings, period: str, received_at: dt.datetime) -> bool:
    from newinfra.periods import due_date

    local = received_at.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(settings.timezone)).date()
    return local > due_date(period, settings.on_time_days)


def _contact_fields(contacts: dict[str, object]) -> dict[str, object]:
    """The ledger's contact columns from the 填报人 / 联系电话 cells: cleaned; a phone number that is not
    plausible is kept as written and flagged (``ingestion.common.contacts``)."""
    from ingestion.common.contacts import clean_name, parse_phone

    phone = parse_phone(contacts.get("contact_phone"))
    return {
        "contact_name": clean_name(contacts.get("contact_name")),
        "contact_phone": phone.text,
        "contact_phone_as_written": phone.as_written,
        "contact_phone_flag_zh": phone.flag_zh,
        "contact_phone_flag_en": phone.flag_en,
    }


class _Run:
    """One ingest run: the settings, the plan, the connection and the clock."""

    def __init__(self, settings, plan, con, now: dt.datetime) -> None:
        self.settings = settings
        self.plan = plan
        self.con = con
        self.now = now
        self.today = _local_today(settings, now)
        from ingestion.submissions.store import RunIndex

        self.commits = Commits(con, background=constants.BACKGROUND_COMMITS)
        self.index = RunIndex(con, before_query=self._settle_in_file)
        self.finished: list[Candidate] = []
        self.feedback_failed: set[str] = set()  # loaded files whose feedback could not be written
        self.pool = None  # a process pool when the run is big enough (see ingest_paths)
        self.feedback_batch: list = []  # (cand, args) not yet handed to a worker
        self.feedback_jobs: list = []  # (batch, future)

    # The file -------------------------------------------------------------------------------------------
    def _prepare_args(self, cand: Candidate, ahead: bool) -> tuple:
        settings = self.settings
        parse = None
        if ahead and cand.sender in self.plan.departments:
            parse = (settings.max_xlsx_uncompressed_bytes, settings.max_xlsx_ratio)
        return (str(cand.path), cand.size, str(settings.home), settings.max_upload_bytes, parse, not ahead)

    def prepare(self, cand: Candidate) -> Prepared:
        """Read, hash and archive the file untouched here (it is parsed later, if it gets that far)."""
        return prepare_file(*self._prepare_args(cand, ahead=False))

    def submit_prepare(self, cands: list[Candidate]) -> list:
        """Hand files to a worker, as one task: read, hash, archive, parse ahead. One handle per file,
        (future, index), or None when there is no pool."""
        if self.pool is None:
            return [None] * len(cands)
        try:
            future = self.pool.submit(prepare_many, [self._prepare_args(c, ahead=True) for c in cands])
        except Exception:  # the pool broke (a worker died): carry on in this process
            self.pool = None
            return [None] * len(cands)
        return [(future, i) for i in range(len(cands))]

    def ingest(self, cand: Candidate, handle=None) -> FileResult:
        prep = None
        if handle is not None:
            future, i = handle
            try:
                prep = future.result()[i]
            except Exception:  # the worker failed (or died): do it here
                prep = None
        if not isinstance(prep, Prepared):
            prep = self.prepare(cand)
        for _attempt in range(3):
            try:
                return self._ingest(cand, prep)
            except Redo:  # the previous file's commit failed: decide this one again, without it
                self._reload_index()
                continue
        raise RuntimeError("the warehouse refused the previous commits")  # pragma: no cover

    def _ingest(self, cand: Candidate, prep: Prepared) -> FileResult:
        sha, archive_rel, ext, name = prep.sha, prep.archive_rel, prep.ext, cand.name

        sender_code = cand.sender if cand.sender in self.plan.departments else None
        existing = self.index.find_receipt(sha, sender_code, name, cand.sender_mtime)
        if existing is not None:
            self._ensure_feedback(existing)
            self.finished.append(cand)
            return self._result_from_ledger(existing, cand, replay=True)

        if cand.declared_sha256 is not None and cand.declared_sha256 != sha:
            # the declaration was for other bytes (the file changed or was resent): the scan times it
            cand = dataclasses.replace(
                cand, received_at=self.now, received_at_source=SOURCE_SCAN,
                received_at_basis="声明的 sha256 与文件不符，按扫描时间 / the declared sha256 does not match: scan time",
                declared_sha256=None,
            )  # fmt: skip
        file_id = receipt_id(sha, cand) if sha in self.index.file_ids else sha
        ledger: dict[str, Any] = dict.fromkeys(LEDGER_FIELDS)
        ledger.update(
            file_id=file_id,
            content_sha256=sha,
            original_name=name,
            archive_path=archive_rel,
            sender_department_code=sender_code,
            file_format=ext,
            received_at=cand.received_at,
            sender_mtime=cand.sender_mtime,
            received_at_source=cand.received_at_source,
            received_at_basis=cand.received_at_basis,
            rows_total=0,
            rows_accepted=0,
            rows_rejected=0,
            rows_flagged=0,
        )
        prior = self.index.seen_content(sha, sender_code)
        if prior is not None:
            return self._duplicate(cand, ledger, prior)
        return self._process(cand, ledger, prep)

    def _process(self, cand: Candidate, ledger: dict[str, Any], prep: Prepared) -> FileResult:
        from ingestion.submissions.paths import feedback_relpath
        from ingestion.submissions.rules import Context, Quarantine, check_metadata, validate

        settings = self.settings
        parsed = None
        try:
            if cand.size == 0:
                raise Quarantine("empty_file")
            if prep.too_large:
                raise Quarantine("file_too_large", size=cand.size, limit=settings.max_upload_bytes)
            if cand.sender == constants.LANDING_ROOT_SENDER:
                raise Quarantine("spoof_landing_root")
            if cand.sender not in self.plan.departments:
                raise Quarantine("sender_unknown", sender=cand.sender)
            parsed = self._parse(prep)
            ledger["file_format"] = parsed.file_format
            ledger["file_encoding"] = parsed.encoding
            ledger.update(_contact_fields(parsed.contacts))
            department, period, version = check_metadata(
                parsed.meta, self.plan, cand.sender, settings.template_secret, self.today
            )
            ledger.update(department_code=department, period=period, template_version=version)
            if parsed.structure_error is not None:
                raise parsed.structure_error
            if not parsed.indicator_rows and not parsed.project_rows:
                raise Quarantine("no_rows")
        except Quarantine as q:
            return self._quarantine(cand, ledger, q, parsed)

        department, period = ledger["department_code"], ledger["period"]
        ctx = Context(
            self.plan,
            department,
            period,
            previous=self.index.previous_values(department, period),
            projects=self.index.department_projects(department),
        )
        result = validate(parsed.indicator_rows, parsed.project_rows, ctx)
        file_id = ledger["file_id"]
        blanks = [
            (file_id, b.sheet, b.row_number, b.indicator_id, b.prefecture_code, b.project_code, b.note)
            for b in result.blanks
        ]
        ledger.update(rows_blank=len(blanks), _blanks=blanks)
        if result.rows_total == 0:  # nothing filled in: 未填报, not a submission (issue 16.8)
            ledger.update(
                status=constants.STATUS_BLANK,
                feedback_path=feedback_relpath(department, period, None, file_id),
            )
            return self._load(cand, ledger, [], [], [])
        version = self.index.next_version(department, period)
        ledger.update(
            version=version,
            status=constants.STATUS_LOADED if result.rows_rejected == 0 else constants.STATUS_PARTIAL,
            rows_total=result.rows_total,
            rows_accepted=result.rows_accepted,
            rows_rejected=result.rows_rejected,
            rows_flagged=result.rows_flagged,
            is_late=_is_late(settings, period, cand.received_at),
            is_after_publication=self.index.is_after_publication(period, cand.received_at),
            feedback_path=feedback_relpath(department, period, version, ledger["content_sha256"]),
        )
        if ledger["rows_total"] != ledger["rows_accepted"] + ledger["rows_rejected"]:  # pragma: no cover
            raise AssertionError("rows_total != rows_accepted + rows_rejected")
        values = [
            (
                file_id, v.sheet, v.row_number, department, period, v.indicator_id, v.prefecture_code, v.value,
                v.value_as_written, v.flag is not None, v.flag.zh if v.flag else None, v.flag.en if v.flag else None,
                v.unit_as_written, v.note,
            )
            for v in result.values
        ]  # fmt: skip
        projects = [
            (
                file_id, p.sheet, p.row_number, department, period, p.project_code, p.project_name, p.sector,
                p.prefecture_code, p.total_investment_yuan, p.completed_this_month_yuan,
                p.cumulative_completed_yuan, p.project_status, p.note,
            )
            for p in result.projects
        ]  # fmt: skip
        rejections = [
            (
                file_id, r.sheet, r.row_number, r.column_name, r.column_letter, r.value_as_written,
                r.reason.code, r.reason.zh, r.reason.en, r.note,
            )
            for r in sorted(result.rejections, key=lambda r: (r.sheet, r.row_number))
        ]  # fmt: skip
        return self._load(cand, ledger, values, projects, rejections)

    def _duplicate(self, cand: Candidate, ledger: dict[str, Any], prior: dict[str, Any]) -> FileResult:
        """The same bytes as a file loaded before: recorded, not loaded again, and answered (issue 16.6)."""
        from ingestion.submissions.paths import feedback_relpath

        first = _local_today(self.settings, prior["received_at"])
        version = f"（第 {prior['version']} 版）" if prior.get("version") else ""
        ledger.update(
            status=constants.STATUS_DUPLICATE,
            duplicate_of=prior["file_id"],
            department_code=prior["department_code"],
            period=prior["period"],
            template_version=prior["template_version"],
            file_encoding=prior["file_encoding"],
            quarantine_reason_code="duplicate",
            quarantine_reason_zh=f"与 {first.isoformat()} 收到的文件{version}内容相同，未重复入库",
            quarantine_reason_en=f"the same bytes as the file received on {first.isoformat()}: not loaded again",
            feedback_path=feedback_relpath(
                prior["department_code"] or ledger["sender_department_code"], prior["period"], None,
                ledger["file_id"],
            ),
        )  # fmt: skip
        return self._load(cand, ledger, [], [], [])

    def _quarantine(self, cand: Candidate, ledger: dict[str, Any], q, parsed) -> FileResult:
        from ingestion.submissions.paths import feedback_relpath, safe_path_part
        from newinfra.periods import is_valid_period

        settings = self.settings
        sha = ledger["content_sha256"]
        folder = safe_path_part(ledger["sender_department_code"], constants.UNKNOWN_SENDER)
        qdir = settings.quarantine / folder
        target = (
            qdir / f"{sha}.{ledger['file_format'] if ledger['file_format'] in ARCHIVE_EXTENSIONS else 'bin'}"
        )
        copy_new(settings.home / ledger["archive_path"], target, sync=False)
        if q.reason.code not in constants.RETRYABLE_QUARANTINE_REASONS:
            from ingestion.common.reasons import Reason

            q = type(q).of(
                Reason(
                    q.reason.code,
                    q.reason.zh + "。重新发送同一文件不会改变结果，请修改后重新报送",
                    q.reason.en
                    + ". Sending the same file again will not change this: correct it and send it again",
                )
            )
        note = (
            f"{q.reason.zh}\n{q.reason.en}\n\ncode: {q.reason.code}\nfile: {ledger['original_name']}\n"
            f"sender: {cand.sender}\nreceived_at: {cand.received_at.isoformat()}Z\nsha256: {sha}\n"
        )
        reason_path = qdir / f"{sha}.reason.txt"
        if not reason_path.exists():
            write_new(reason_path, note.encode("utf-8"), sync=False)
        claimed_period = (parsed.meta or {}).get(constants.META_PERIOD, "") if parsed else ""
        period = ledger["period"] or (
            claimed_period.strip() if is_valid_period(claimed_period or "") else None
        )
        ledger.update(
            status=constants.STATUS_QUARANTINED,
            quarantine_reason_code=q.reason.code,
            quarantine_reason_zh=q.reason.zh,
            quarantine_reason_en=q.reason.en,
            # whose file it is: the sender's (a spoofed claim is in the reason, not here)
            department_code=ledger["sender_department_code"],
            period=period,
            version=None,
            feedback_path=feedback_relpath(folder, period, None, sha),
        )
        return self._load(cand, ledger, [], [], [])

    def _load(self, cand: Candidate, ledger: dict[str, Any], values, projects, rejections) -> FileResult:
        """One transaction per file. It is staged here (begin, inserts, ledger row) and committed in
        the background while the next file is staged on the other connection; commits stay one at a
        time and in arrival order, so what is committed is always a prefix of the run. The index
        learns the file at once (the next file's version and duplicate checks need it); the feedback
        is written and the landing file queued to leave (after one sync at the end) only once the
        commit is done (:meth:`_settle`)."""
        from ingestion.submissions import store

        commits = self.commits
        con = commits.connection()
        try:
            store.stage_file(con, ledger, values, projects, rejections, begin=commits.needs_begin())
        except BaseException:
            commits.rolled_back()
            raise
        commits.staged()
        try:
            self._settle(redo=True)  # the previous file's commit: done before this one is queued
        except BaseException:
            con.execute("rollback")
            commits.rolled_back()
            raise
        commits.begin_next()
        result = self._result(ledger, cand)
        self.index.record(ledger, values)
        self.commits.submit(con, ledger["file_id"], (cand, ledger, values, projects, rejections, result))
        if not self.commits.background:
            self._settle()
        return result

    def _settle(self, redo: bool = False) -> None:
        """Wait for the commit in flight, if any, then write its feedback and queue its landing file.

        A failed commit makes that file's result an error (nothing of it recorded, the file stays in
        the landing folder) and the index is read again from the warehouse; with ``redo`` the file
        being handled now is handled again from the start (its checks saw the failed file): Redo,
        and the caller reads the index again once it has rolled back what it staged."""
        done = self.commits.wait()
        if done is None:
            return
        (cand, ledger, values, projects, rejections, result), exc = done
        if exc is None:
            try:
                self._write_feedback(ledger, values, projects, rejections, cand)
            except Exception:  # loaded, but no feedback: the file stays, the next run writes it
                self.feedback_failed.add(str(cand.path))
            else:
                self.finished.append(cand)
            return
        vars(result).update(vars(error_result(cand, exc)))
        if redo:
            raise Redo
        self._reload_index()

    def _reload_index(self) -> None:
        from ingestion.submissions.store import RunIndex

        self.index = RunIndex(self.con, before_query=self._settle_in_file)

    def _settle_in_file(self) -> None:
        """Before the index reads the warehouse while a file is being handled."""
        self._settle(redo=True)

    def finish(self) -> set[str]:
        """Make the archive durable (one sync for the run), then take the handled files out of the
        landing folder. A crash before this leaves them there: the next run sees exact replays.
        Returns the paths whose feedback could not be written (they stay in the landing folder)."""
        from ingestion.submissions.feedback import write_feedback

        try:
            self._settle()  # the last commit
        finally:
            self.commits.close()
        self._submit_feedback()
        failed: set[int] = set()
        failed_paths: set[str] = set()
        for batch, future in self.feedback_jobs:
            try:
                redo = future.result()
            except Exception:  # the worker failed (or died): all of them
                redo = range(len(batch))
            for i in redo:  # written here; if that fails too, the file stays in the landing folder
                cand, args = batch[i]
                try:
                    write_feedback(*args, self.plan, self.settings.timezone)
                except Exception:
                    failed.add(id(cand))
                    failed_paths.add(str(cand.path))
        self.feedback_jobs.clear()
        if any(c.in_landing for c in self.finished):
            os.sync()
        done = [c for c in self.finished if id(c) not in failed and c.in_landing]
        if len(done) > 8:  # unlink waits on the disk (discard); a few threads overlap the waits
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(4) as threads:
                list(threads.map(take_from_landing, done))
        else:
            for cand in done:
                take_from_landing(cand)
        self.finished.clear()
        return failed_paths | self.feedback_failed

    # Feedback -----------------------------------------------------------------------------------------------
    def _parse(self, prep: Prepared):
        """The parsed file: as parsed ahead by a worker, or parsed here."""
        from ingestion.submissions import readers

        if prep.outcome is not None:
            kind, value = prep.outcome
            if kind == "quarantine":
                raise value
            return value
        data = prep.data if prep.data is not None else (self.settings.home / prep.archive_rel).read_bytes()
        settings = self.settings
        return readers.read(data, prep.ext, settings.max_xlsx_uncompressed_bytes, settings.max_xlsx_ratio)

    def _write_feedback(self, ledger, values, projects, rejections, cand: Candidate | None = None) -> None:
        from ingestion.submissions.feedback import write_feedback

        if not ledger.get("feedback_path"):
            return
        if self.pool is not None and cand is not None:
            args = (self.settings.home / ledger["feedback_path"], ledger, values, projects, rejections)
            self.feedback_batch.append((cand, args))
            if len(self.feedback_batch) >= constants.WORKER_BATCH:
                self._submit_feedback()
            return
        write_feedback(
            self.settings.home / ledger["feedback_path"],
            ledger,
            values,
            projects,
            rejections,
            self.plan,
            self.settings.timezone,
        )

    def _submit_feedback(self) -> None:
        """Hand the waiting feedback workbooks to a worker, as one task (written here if the pool broke)."""
        batch, self.feedback_batch = self.feedback_batch, []
        if not batch:
            return
        if self.pool is not None:
            try:
                future = self.pool.submit(feedback_many, [args for _, args in batch], self.settings.timezone)
            except Exception:  # the pool broke (a worker died)
                self.pool = None
            else:
                self.feedback_jobs.append((batch, future))
                return
        from concurrent.futures import Future

        future = Future()
        future.set_result(list(range(len(batch))))  # finish() writes them all here
        self.feedback_jobs.append((batch, future))

    def _ensure_feedback(self, ledger: dict[str, Any]) -> None:
        """A replayed receipt whose feedback file is missing (a crash after the commit): write it
        again from the warehouse, which gives the same bytes."""
        from ingestion.submissions import store

        path = ledger.get("feedback_path")
        if not path or (self.settings.home / path).exists():
            return
        self._settle(redo=True)
        values, projects, rejections = store.file_rows(self.con, ledger["file_id"])
        ledger = {**ledger, "_blanks": store.file_blanks(self.con, ledger["file_id"])}
        self._write_feedback(ledger, values, projects, rejections)

    # Results ----------------------------------------------------------------------------------------------
    def _result(self, ledger: dict[str, Any], cand: Candidate, replay: bool = False) -> FileResult:
        fields = {k: ledger.get(k) for k in LEDGER_FIELDS}
        return FileResult(source_path=str(cand.path), is_replay=replay, **fields)

    def _result_from_ledger(self, row: dict[str, Any], cand: Candidate, replay: bool) -> FileResult:
        return self._result(row, cand, replay)


def ingest_paths(
    settings=None,
    paths: list[Path] | list[str] | None = None,
    department: str | None = None,
    now: dt.datetime | None = None,
    workers: int | None = None,
    received_at: dt.datetime | None = None,
    arrivals: Path | None = None,
    progress=None,
    retry_quarantined: bool = False,
) -> list[FileResult]:
    """Ingest files (``paths``: files or folders; None = the landing folder) and return one result each.

    ``department``: the sender when the office loads files by hand (``newinfra ingest PATH
    --department X``); with ``paths=None`` it limits the run to ``landing/<department>/``.
    ``now`` (naive UTC) is for tests. ``workers``: processes that parse ahead and write the feedback
    workbooks while this process validates and loads, in order (None: one fewer than CPUs, at least one,
    when the run has at least ``ingestion.submissions.constants.PARALLEL_MIN_FILES`` files; 0: none). The results are the same either way.
    A platform failure on one file (e.g. the warehouse refused the write) gives that file status
    'error' (nothing of it recorded, the file stays where it is) and the run goes on; every other
    outcome is in the ledger.

    When a file arrived (``received_at`` in the ledger) is ``now``, the time of this scan, unless it is
    declared: ``received_at`` (naive UTC, the operator's, for every file of the run), or a manifest
    (``arrivals``, ``NEWINFRA_HOME/arrivals/*.csv``, the demo's upload log); see ``arrivals.py``.
    ``progress`` (a ``newinfra.progress.Progress``) advances once per file, with its status.
    ``retry_quarantined``: also examine again the archived bytes quarantined for a reason that can
    change (``landing.quarantined_to_retry``); each attempt is a new ledger row.
    """
    from collections import deque

    from ingestion.submissions.arrivals import load_declared
    from newinfra.progress import NULL_PROGRESS

    progress = progress or NULL_PROGRESS

    from newinfra import db
    from newinfra.plan import load_plan
    from newinfra.settings import Settings

    settings = settings or Settings.from_env()
    plan = load_plan()
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    if department is not None and department not in plan.departments:
        from newinfra.errors import UserInputError

        raise UserInputError(f"未知单位：{department}", f"unknown department: {department}")
    results: list[FileResult] = []
    with db.writer(settings) as con:
        db.ensure_schema(con)
        # one DuckDB thread: a file's statements are small, and a second thread only adds its own
        # scheduling (measured: less CPU per file; the cores are better spent on parsing and feedback)
        con.execute("set threads = 1")
        run = _Run(settings, plan, con, now)
        candidates, waiting = collect(
            settings,
            [Path(p) for p in paths] if paths is not None else None,
            department,
            now,
            declared=load_declared(settings.home, Path(arrivals) if arrivals else None),
            received_at=received_at,
        )
        if retry_quarantined:
            from ingestion.submissions.landing import quarantined_to_retry

            candidates = quarantined_to_retry(con, settings, now, department) + candidates
        if not progress.total:
            progress.total = len(candidates)
        n_workers = workers
        if n_workers is None:
            # this process (validate, load; its commits in a thread) keeps a core busy: one worker fewer
            # than CPUs (measured on 2 cores: 1 worker beats 2, which fight the loader for the cores)
            n_workers = (
                max(1, (os.cpu_count() or 1) - 1) if len(candidates) >= constants.PARALLEL_MIN_FILES else 0
            )
        pool = bulk.make_pool(n_workers) if n_workers > 0 and candidates else None
        run.pool = pool
        queue = iter(candidates)
        window: deque = deque()

        def fill_window() -> None:
            limit, batch = (constants.PARSE_AHEAD, constants.WORKER_BATCH) if pool is not None else (1, 1)
            while len(window) + batch <= limit:  # whole batches: one task per batch of files
                chunk = []
                while len(chunk) < batch:
                    cand = next(queue, None)
                    if cand is None:
                        break
                    if cand.path.exists():  # else taken by a concurrent run while we waited for the lock
                        chunk.append(cand)
                if not chunk:
                    return
                window.extend(zip(chunk, run.submit_prepare(chunk), strict=True))

        try:
            fill_window()
            while window:
                cand, future = window.popleft()
                fill_window()
                try:
                    results.append(run.ingest(cand, future))
                except Exception as exc:  # a platform failure: recorded nowhere, reported, run goes on
                    results.append(error_result(cand, exc))
                progress.advance(item=cand.name, counts={results[-1].status: 1})
        finally:
            try:
                no_feedback = run.finish()
            finally:
                if pool is not None:
                    pool.shutdown(wait=True, cancel_futures=True)
                con.execute("reset threads")
    results += [waiting_result(cand) for cand in waiting]
    for result in results:
        if result.source_path in no_feedback:
            result.error = "反馈文件写入失败，文件留在接收目录，下次运行补写 / feedback not written; the file stays for the next run"
    return results
