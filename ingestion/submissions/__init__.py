"""Department submissions: templates in, validated rows out, with a ledger, rejections and feedback.

Entry point: :func:`ingest_paths` (the Airflow DAG and `newinfra ingest` call it).

Write mode: append-only, one DuckDB transaction per file (values, projects, rejections, ledger row).
A later file for the same department and period gets the next ``version`` and supersedes the earlier
one downstream (dbt: latest version wins per key); nothing is deleted.

For each file, in order (all of it under ``db.writer``, the warehouse file lock):

0. a landing file changed less than ``NEWINFRA_LANDING_SETTLE_SECONDS`` ago (default 30) may still be
   being uploaded (SFTP clients write under the final name): it is left as it is, reported as
   ``waiting``, and the next run takes it (files named by hand are taken at once);
1. hash (sha256) and archive it untouched: ``archive/<sha[:2]>/<sha>.<xlsx|csv|bin>`` (temp + rename);
2. the same receipt seen before (bytes, sender, name, arrival) is a no-op; bytes already loaded, or
   already quarantined for this sender, are recorded as ``duplicate``;
3. file checks -> the whole file to ``quarantine/<sender>/<sha>.<ext>`` with ``<sha>.reason.txt``:
   sender (landing root, unknown folder), size, format, zip bomb, encoding, metadata (template,
   version, department, spoof, period, signature, future period), sheets and headers, no rows;
4. row checks -> a row alone is rejected with its reason (``helpers.validate``);
5. load in one transaction, then write the feedback workbook;
6. at the end of the run (still under the lock): one ``os.sync()`` for the archive, then the handled
   files leave the landing folder (the archive is the permanent copy), so the landing folder holds
   only what is not yet processed. A crash before that leaves them there, and the next run sees
   exact replays (nothing changes; a missing feedback workbook is written again from the warehouse).

Big runs (``PARALLEL_MIN_FILES`` and more) parse ahead and write feedback in worker processes while
this process validates and loads in arrival order; the results are identical (tested).

``received_at`` is the file's modification time in the landing folder (when it was put there),
capped at now, in UTC; ``is_late`` compares its local date (``NEWINFRA_TIMEZONE``) with
``periods.due_date(period, NEWINFRA_ON_TIME_DAYS)``. The demo generator sets mtimes to simulate
arrivals, which keeps lateness deterministic.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ingestion.common.files import ARCHIVE_EXTENSIONS
from ingestion.submissions import settings as S
from newinfra.atomic import copy_new, write_new

__all__ = ["FileResult", "ingest_paths", "summary_line"]


@dataclass
class FileResult:
    """One file: the ledger row's fields (``status`` 'error' = a platform failure, not recorded; 'waiting'
    = a landing file that changed moments ago, left untouched for the next run)."""

    file_id: str | None
    content_sha256: str | None
    original_name: str
    source_path: str
    archive_path: str | None = None
    sender_department_code: str | None = None
    department_code: str | None = None
    period: str | None = None
    template_version: str | None = None
    file_format: str | None = None
    file_encoding: str | None = None
    received_at: dt.datetime | None = None
    version: int | None = None
    status: str = "error"
    quarantine_reason_code: str | None = None
    quarantine_reason_zh: str | None = None
    quarantine_reason_en: str | None = None
    rows_total: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    rows_flagged: int = 0
    is_late: bool | None = None
    is_after_publication: bool | None = None
    duplicate_of: str | None = None
    feedback_path: str | None = None
    is_replay: bool = False  # this very receipt was handled before: nothing changed
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        if self.received_at is not None:
            out["received_at"] = self.received_at.isoformat() + "Z"
        return out


LEDGER_FIELDS = (
    "file_id", "content_sha256", "original_name", "archive_path", "sender_department_code",
    "department_code", "period", "template_version", "file_format", "file_encoding", "received_at",
    "version", "status", "quarantine_reason_code", "quarantine_reason_zh", "quarantine_reason_en",
    "rows_total", "rows_accepted", "rows_rejected", "rows_flagged", "is_late", "is_after_publication",
    "duplicate_of", "feedback_path",
)  # fmt: skip


@dataclass(frozen=True)
class Candidate:
    path: Path
    sender: str  # department code, '_root' (landing root) or '_unknown'
    in_landing: bool
    received_at: dt.datetime  # naive UTC
    size: int
    mtime_ns: int


# --- Finding files -----------------------------------------------------------------------------------------


def _skipped(name: str) -> bool:
    return (
        name.startswith(S.SKIP_PREFIXES)
        or name.lower().endswith(S.SKIP_SUFFIXES)
        or name.endswith(".reason.txt")
    )


_EPOCH = dt.datetime(1970, 1, 1)


def _received_at(st: os.stat_result, now: dt.datetime) -> dt.datetime:
    """The file's modification time (when it was put into the landing folder), capped at now; UTC."""
    return min(_EPOCH + dt.timedelta(microseconds=st.st_mtime_ns // 1000), now)


def _is_within(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def _sender_for(path: Path, landing: Path) -> str:
    rel = path.resolve().relative_to(landing.resolve())
    return S.LANDING_ROOT_SENDER if len(rel.parts) == 1 else rel.parts[0]


def _walk(folder: Path, follow_links: bool) -> list[Path]:
    out = []
    for root, dirs, files in os.walk(folder, followlinks=follow_links):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            p = Path(root) / name
            if _skipped(name) or (not follow_links and p.is_symlink()):
                continue
            out.append(p)
    return out


def collect(
    settings, paths: list[Path] | None, department: str | None, now: dt.datetime
) -> tuple[list[Candidate], list[Candidate]]:
    """The files to ingest, oldest arrival first (so versions follow arrival order), and the landing
    files left for the next run because they changed less than ``settings.landing_settle_s`` ago (an
    upload may still be writing them). Files named by hand (``paths``) are taken as they are."""
    landing = settings.landing
    found: list[tuple[Path, str, bool]] = []
    walked = paths is None
    if walked:
        root = landing / department if department else landing
        if root.exists():
            # a department cannot point us at other files: no links followed, so every path found is
            # under the landing folder as written, and the sender is its first folder
            for p in _walk(root, follow_links=False):
                rel = p.relative_to(landing).parts
                found.append((p, department or (S.LANDING_ROOT_SENDER if len(rel) == 1 else rel[0]), True))
    else:
        for given in paths:
            given = Path(given)
            files = _walk(given, follow_links=True) if given.is_dir() else [given]
            for p in files:
                in_landing = _is_within(p, landing)
                if department:
                    sender = department
                elif in_landing:
                    sender = _sender_for(p, landing)
                else:
                    sender = S.UNKNOWN_SENDER
                found.append((p, sender, in_landing))
    out = []
    seen = set()
    for p, sender, in_landing in found:
        key = str(p) if walked else str(p.resolve())  # a walk without links meets each file once
        if key in seen:
            continue
        seen.add(key)
        try:
            st = p.stat()
        except FileNotFoundError:
            continue
        out.append(Candidate(p, sender, in_landing, _received_at(st, now), st.st_size, st.st_mtime_ns))
    out.sort(key=lambda c: (c.received_at, c.sender, c.path.name, str(c.path)))
    if not walked or settings.landing_settle_s <= 0:
        return out, []
    # modified within the settle time (a future mtime is taken as it is, capped at now, as always)
    settled_before = now - dt.timedelta(seconds=settings.landing_settle_s)
    unsettled = [
        c for c in out if settled_before < _EPOCH + dt.timedelta(microseconds=c.mtime_ns // 1000) <= now
    ]
    waiting = {id(c) for c in unsettled}
    return [c for c in out if id(c) not in waiting], unsettled


# --- Files on disk --------------------------------------------------------------------------------------------


def _hash_stream(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _finish(cand: Candidate) -> None:
    """Take a handled file out of the landing folder (the archive holds the permanent copy), unless
    it changed while we worked on it: then it is a new arrival for the next run."""
    if not cand.in_landing:
        return
    try:
        st = cand.path.stat()
    except FileNotFoundError:
        return
    if st.st_mtime_ns == cand.mtime_ns and st.st_size == cand.size:
        cand.path.unlink(missing_ok=True)


# --- One file --------------------------------------------------------------------------------------------------


def _receipt_id(sha: str, cand: Candidate) -> str:
    text = f"receipt|{sha}|{cand.sender}|{cand.path.name}|{cand.received_at.isoformat()}"
    return hashlib.sha256(text.encode()).hexdigest()


def _local_today(settings, now: dt.datetime) -> dt.date:
    return now.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(settings.timezone)).date()


def _is_late(settings, period: str, received_at: dt.datetime) -> bool:
    from newinfra.periods import due_date

    local = received_at.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(settings.timezone)).date()
    return local > due_date(period, settings.on_time_days)


@dataclass
class _Prepared:
    sha: str
    archive_rel: str
    ext: str
    too_large: bool  # over the size limit: hashed and copied by streaming, never parsed
    data: bytes | None = None  # kept when prepared in this process
    outcome: tuple | None = None  # parsed ahead: ('ok', ParsedFile) or ('quarantine', Quarantine)


def _prepare_file(
    path: str, size: int, home: str, max_upload: int, parse: tuple[int, float] | None, keep_data: bool
) -> _Prepared:
    """Read, hash and archive a file untouched; then, if ``parse`` (the zip limits) is given, parse it.

    Runs in this process or in a worker (parse ahead); pure apart from the archive write."""
    from ingestion.common.files import archive_relpath, file_extension
    from ingestion.common.reasons import Quarantine
    from ingestion.submissions import readers

    source = Path(path)
    ext = file_extension(source.name)
    if size > max_upload:
        sha = _hash_stream(source)
        archive_rel = archive_relpath(sha, source.name)
        copy_new(source, Path(home) / archive_rel, sync=False)
        return _Prepared(sha, archive_rel, ext, True)
    data = source.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    archive_rel = archive_relpath(sha, source.name)
    write_new(Path(home) / archive_rel, data, sync=False)
    outcome = None
    if parse is not None and data:
        try:
            outcome = ("ok", readers.read(data, ext, parse[0], parse[1]))
        except Quarantine as q:
            outcome = ("quarantine", q)
    return _Prepared(sha, archive_rel, ext, False, data if keep_data else None, outcome)


def _worker_init() -> None:
    from newinfra.plan import load_plan

    load_plan()


def _prepare_many(jobs: list[tuple]) -> list[_Prepared | Exception]:
    """:func:`_prepare_file` for a few files in one task (fewer messages between the processes); a
    file that fails gives its exception, and the loader prepares that one itself."""
    out: list[_Prepared | Exception] = []
    for job in jobs:
        try:
            out.append(_prepare_file(*job))
        except Exception as exc:
            out.append(exc)
    return out


def _feedback_many(jobs: list[tuple], timezone: str) -> list[int]:
    """Write a few feedback workbooks in one task; returns the indexes of those that failed (the loader
    writes them itself)."""
    from ingestion.submissions.feedback import write_feedback
    from newinfra.plan import load_plan

    failed = []
    for i, args in enumerate(jobs):
        try:
            write_feedback(*args, load_plan(), timezone)
        except Exception:
            failed.append(i)
    return failed


class _Redo(Exception):
    """The previous file's commit failed after this file was checked against it: check it again."""


class _Commits:
    """Commits in a background thread, at most one in flight, on two connections used in turn (a file
    is staged on one while the other commits; the commit's disk flush releases the GIL).

    A connection's next transaction is opened as soon as its commit is done and before the next
    commit is handed to the thread (:meth:`begin_next`): DuckDB makes a ``begin`` wait while another
    connection commits (measured: about half a millisecond a file, more when the disk is busy)."""

    def __init__(self, con, background: bool) -> None:
        self.background = background
        # staging connections of their own (cursors: same database, own settings), without DuckDB's
        # optimizer: a file's inserts have nothing to optimise, and planning is most of their cost
        # (measured: about a fifth less CPU per file); queries keep the optimizer on ``con``
        self.cons = [con.cursor() for _ in range(2 if background else 1)]
        for cursor in self.cons:
            cursor.execute("pragma disable_optimizer")
        self.open = [False] * len(self.cons)  # a transaction is open on that connection
        self.turn = 0
        self.thread = None
        self.pending = None  # (future, payload)

    def connection(self):
        return self.cons[self.turn]

    def needs_begin(self) -> bool:
        return not self.open[self.turn]

    def staged(self) -> None:
        self.open[self.turn] = True

    def rolled_back(self) -> None:
        self.open[self.turn] = False

    def begin_next(self) -> None:
        """Open the other connection's next transaction now, while no commit is in flight."""
        other = 1 - self.turn
        if not self.background or self.open[other]:
            return
        try:
            self.cons[other].execute("begin transaction")
        except Exception:  # the next stage opens it instead
            return
        self.open[other] = True

    def submit(self, con, file_id: str, payload) -> None:
        from concurrent.futures import Future

        from ingestion.submissions import store

        self.open[self.turn] = False  # the commit ends the transaction, whatever its outcome
        if self.background:
            if self.thread is None:
                from concurrent.futures import ThreadPoolExecutor

                self.thread = ThreadPoolExecutor(1, thread_name_prefix="ingest-commit")
            future = self.thread.submit(store.commit_file, con, file_id)
            self.turn = 1 - self.turn
        else:
            future = Future()
            try:
                store.commit_file(con, file_id)
                future.set_result(None)
            except Exception as exc:
                future.set_exception(exc)
        self.pending = (future, payload)

    def wait(self):
        """(payload, exception or None) of the commit in flight, once it is done; None if none."""
        if self.pending is None:
            return None
        future, payload = self.pending
        self.pending = None
        try:
            future.result()
        except Exception as exc:
            return payload, exc
        return payload, None

    def close(self) -> None:
        from ingestion.submissions import store

        if self.thread is not None:
            self.thread.shutdown(wait=True)
            self.thread = None
        for con, is_open in zip(self.cons, self.open, strict=True):
            if is_open:  # an opened, empty transaction
                store.rollback_quietly(con)
            con.close()
        self.cons = []
        self.open = []
        self.background = False
        self.turn = 0


class _Run:
    """One ingest run: the settings, the plan, the connection and the clock."""

    def __init__(self, settings, plan, con, now: dt.datetime) -> None:
        self.settings = settings
        self.plan = plan
        self.con = con
        self.now = now
        self.today = _local_today(settings, now)
        from ingestion.submissions.store import RunIndex

        self.commits = _Commits(con, background=S.BACKGROUND_COMMITS)
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

    def prepare(self, cand: Candidate) -> _Prepared:
        """Read, hash and archive the file untouched here (it is parsed later, if it gets that far)."""
        return _prepare_file(*self._prepare_args(cand, ahead=False))

    def submit_prepare(self, cands: list[Candidate]) -> list:
        """Hand files to a worker, as one task: read, hash, archive, parse ahead. One handle per file,
        (future, index), or None when there is no pool."""
        if self.pool is None:
            return [None] * len(cands)
        try:
            future = self.pool.submit(_prepare_many, [self._prepare_args(c, ahead=True) for c in cands])
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
        if not isinstance(prep, _Prepared):
            prep = self.prepare(cand)
        for _attempt in range(3):
            try:
                return self._ingest(cand, prep)
            except _Redo:  # the previous file's commit failed: decide this one again, without it
                self._reload_index()
                continue
        raise RuntimeError("the warehouse refused the previous commits")  # pragma: no cover

    def _ingest(self, cand: Candidate, prep: _Prepared) -> FileResult:
        sha, archive_rel, ext, name = prep.sha, prep.archive_rel, prep.ext, cand.path.name

        sender_code = cand.sender if cand.sender in self.plan.departments else None
        existing = self.index.find_receipt(sha, sender_code, name, cand.received_at)
        if existing is not None:
            self._ensure_feedback(existing)
            self.finished.append(cand)
            return self._result_from_ledger(existing, cand, replay=True)

        file_id = _receipt_id(sha, cand) if sha in self.index.file_ids else sha
        ledger: dict[str, Any] = dict.fromkeys(LEDGER_FIELDS)
        ledger.update(
            file_id=file_id,
            content_sha256=sha,
            original_name=name,
            archive_path=archive_rel,
            sender_department_code=sender_code,
            file_format=ext,
            received_at=cand.received_at,
            rows_total=0,
            rows_accepted=0,
            rows_rejected=0,
            rows_flagged=0,
        )
        prior = self.index.seen_content(sha, sender_code)
        if prior is not None:
            ledger.update(
                status=S.STATUS_DUPLICATE,
                duplicate_of=prior["file_id"],
                department_code=prior["department_code"],
                period=prior["period"],
                template_version=prior["template_version"],
                file_encoding=prior["file_encoding"],
            )
            return self._load(cand, ledger, [], [], [])
        return self._process(cand, ledger, prep)

    def _process(self, cand: Candidate, ledger: dict[str, Any], prep: _Prepared) -> FileResult:
        from ingestion.submissions.helpers import (
            Context,
            Quarantine,
            check_metadata,
            feedback_relpath,
            validate,
        )

        settings = self.settings
        parsed = None
        try:
            if cand.size == 0:
                raise Quarantine("empty_file")
            if prep.too_large:
                raise Quarantine("file_too_large", size=cand.size, limit=settings.max_upload_bytes)
            if cand.sender == S.LANDING_ROOT_SENDER:
                raise Quarantine("spoof_landing_root")
            if cand.sender not in self.plan.departments:
                raise Quarantine("sender_unknown", sender=cand.sender)
            parsed = self._parse(prep)
            ledger["file_format"] = parsed.file_format
            ledger["file_encoding"] = parsed.encoding
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
        version = self.index.next_version(department, period)
        ledger.update(
            version=version,
            status=S.STATUS_LOADED if result.rows_rejected == 0 else S.STATUS_PARTIAL,
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
        file_id = ledger["file_id"]
        values = [
            (
                file_id, v.sheet, v.row_number, department, period, v.indicator_id, v.prefecture_code, v.value,
                v.value_as_written, v.flag is not None, v.flag.zh if v.flag else None, v.flag.en if v.flag else None,
            )
            for v in result.values
        ]  # fmt: skip
        projects = [
            (
                file_id, p.sheet, p.row_number, department, period, p.project_code, p.project_name, p.sector,
                p.prefecture_code, p.total_investment_yuan, p.completed_this_month_yuan,
                p.cumulative_completed_yuan, p.project_status,
            )
            for p in result.projects
        ]  # fmt: skip
        rejections = [
            (
                file_id, r.sheet, r.row_number, r.column_name, r.column_letter, r.value_as_written,
                r.reason.code, r.reason.zh, r.reason.en,
            )
            for r in sorted(result.rejections, key=lambda r: (r.sheet, r.row_number))
        ]  # fmt: skip
        return self._load(cand, ledger, values, projects, rejections)

    def _quarantine(self, cand: Candidate, ledger: dict[str, Any], q, parsed) -> FileResult:
        from ingestion.submissions.helpers import feedback_relpath, safe_path_part
        from newinfra.periods import is_valid_period

        settings = self.settings
        sha = ledger["content_sha256"]
        folder = safe_path_part(ledger["sender_department_code"], S.UNKNOWN_SENDER)
        qdir = settings.quarantine / folder
        target = (
            qdir / f"{sha}.{ledger['file_format'] if ledger['file_format'] in ARCHIVE_EXTENSIONS else 'bin'}"
        )
        copy_new(settings.home / ledger["archive_path"], target, sync=False)
        note = (
            f"{q.reason.zh}\n{q.reason.en}\n\ncode: {q.reason.code}\nfile: {ledger['original_name']}\n"
            f"sender: {cand.sender}\nreceived_at: {cand.received_at.isoformat()}Z\nsha256: {sha}\n"
        )
        reason_path = qdir / f"{sha}.reason.txt"
        if not reason_path.exists():
            write_new(reason_path, note.encode("utf-8"), sync=False)
        claimed_period = (parsed.meta or {}).get(S.META_PERIOD, "") if parsed else ""
        period = ledger["period"] or (
            claimed_period.strip() if is_valid_period(claimed_period or "") else None
        )
        ledger.update(
            status=S.STATUS_QUARANTINED,
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
        being handled now is handled again from the start (its checks saw the failed file): _Redo,
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
        vars(result).update(vars(_error_result(cand, exc)))
        if redo:
            raise _Redo
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
                list(threads.map(_finish, done))
        else:
            for cand in done:
                _finish(cand)
        self.finished.clear()
        return failed_paths | self.feedback_failed

    # Feedback -----------------------------------------------------------------------------------------------
    def _parse(self, prep: _Prepared):
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
            if len(self.feedback_batch) >= S.WORKER_BATCH:
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
                future = self.pool.submit(_feedback_many, [args for _, args in batch], self.settings.timezone)
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
        self._write_feedback(ledger, values, projects, rejections)

    # Results ----------------------------------------------------------------------------------------------
    def _result(self, ledger: dict[str, Any], cand: Candidate, replay: bool = False) -> FileResult:
        fields = {k: ledger.get(k) for k in LEDGER_FIELDS}
        return FileResult(source_path=str(cand.path), is_replay=replay, **fields)

    def _result_from_ledger(self, row: dict[str, Any], cand: Candidate, replay: bool) -> FileResult:
        return self._result(row, cand, replay)


def _unrecorded_result(cand: Candidate, status: str, error: str | None = None) -> FileResult:
    """The result of a file that is not in the ledger: left for the next run, or a platform failure."""
    return FileResult(
        file_id=None,
        content_sha256=None,
        original_name=cand.path.name,
        source_path=str(cand.path),
        sender_department_code=cand.sender,
        received_at=cand.received_at,
        status=status,
        error=error,
    )


def _waiting_result(cand: Candidate) -> FileResult:
    """A landing file left for the next run: not archived, not in the ledger, not touched."""
    return _unrecorded_result(cand, S.STATUS_WAITING)


def _error_result(cand: Candidate, exc: BaseException) -> FileResult:
    return _unrecorded_result(cand, "error", f"{type(exc).__name__}: {exc}")


def _make_pool(workers: int):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # spawn: the workers share nothing with this process (no inherited DuckDB handle or lock)
    return ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("spawn"), initializer=_worker_init
    )


def ingest_paths(
    settings=None,
    paths: list[Path] | list[str] | None = None,
    department: str | None = None,
    now: dt.datetime | None = None,
    workers: int | None = None,
) -> list[FileResult]:
    """Ingest files (``paths``: files or folders; None = the landing folder) and return one result each.

    ``department``: the sender when the office loads files by hand (``newinfra ingest PATH
    --department X``); with ``paths=None`` it limits the run to ``landing/<department>/``.
    ``now`` (naive UTC) is for tests. ``workers``: processes that parse ahead and write the feedback
    workbooks while this process validates and loads, in order (None: one fewer than CPUs, at least one,
    when the run has at least ``ingestion.submissions.settings.PARALLEL_MIN_FILES`` files; 0: none). The results are the same either way.
    A platform failure on one file (e.g. the warehouse refused the write) gives that file status
    'error' (nothing of it recorded, the file stays where it is) and the run goes on; every other
    outcome is in the ledger.
    """
    from collections import deque

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
            settings, [Path(p) for p in paths] if paths is not None else None, department, now
        )
        n_workers = workers
        if n_workers is None:
            # this process (validate, load; its commits in a thread) keeps a core busy: one worker fewer
            # than CPUs (measured on 2 cores: 1 worker beats 2, which fight the loader for the cores)
            n_workers = max(1, (os.cpu_count() or 1) - 1) if len(candidates) >= S.PARALLEL_MIN_FILES else 0
        pool = _make_pool(n_workers) if n_workers > 0 and candidates else None
        run.pool = pool
        queue = iter(candidates)
        window: deque = deque()

        def fill_window() -> None:
            limit, batch = (S.PARSE_AHEAD, S.WORKER_BATCH) if pool is not None else (1, 1)
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
                    results.append(_error_result(cand, exc))
        finally:
            try:
                no_feedback = run.finish()
            finally:
                if pool is not None:
                    pool.shutdown(wait=True, cancel_futures=True)
                con.execute("reset threads")
    results += [_waiting_result(cand) for cand in waiting]
    for result in results:
        if result.source_path in no_feedback:
            result.error = "反馈文件写入失败，文件留在接收目录，下次运行补写 / feedback not written; the file stays for the next run"
    return results


_STATUS_TEXT = {
    S.STATUS_LOADED: "已接收 loaded",
    S.STATUS_PARTIAL: "部分接收 partially_loaded",
    S.STATUS_QUARANTINED: "已隔离 quarantined",
    S.STATUS_DUPLICATE: "重复 duplicate",
    S.STATUS_WAITING: "等待 waiting",
    "error": "失败 error",
}


def summary_line(r: FileResult) -> str:
    """One line per file for people (Chinese, with English)."""
    head = f"[{_STATUS_TEXT.get(r.status, r.status)}] {r.original_name}"
    who = f"{r.department_code or r.sender_department_code or '?'} {r.period or ''}".strip()
    replay = "（此前已处理，未改变 / already handled, unchanged）" if r.is_replay else ""
    if r.status in (S.STATUS_LOADED, S.STATUS_PARTIAL):
        flags = []
        if r.is_late:
            flags.append("逾期 late")
        if r.is_after_publication:
            flags.append("发布后修订 after publication")
        extra = f"；{'，'.join(flags)}" if flags else ""
        return (
            f"{head} {who} v{r.version}：共 {r.rows_total} 行，接收 {r.rows_accepted}，退回 {r.rows_rejected}，"
            f"待核实 {r.rows_flagged}{extra}；反馈 {r.feedback_path}{replay}"
        )
    if r.status == S.STATUS_QUARANTINED:
        return f"{head} {who}：{r.quarantine_reason_zh} / {r.quarantine_reason_en}；反馈 {r.feedback_path}{replay}"
    if r.status == S.STATUS_WAITING:
        return (
            f"{head} {who}：文件刚有改动，可能仍在上传，下次运行再接收 / changed moments ago, may still be "
            "uploading: the next run takes it"
        )
    if r.status == S.STATUS_DUPLICATE:
        return f"{head} {who}：与已处理的文件 {str(r.duplicate_of)[:8]} 相同 / same bytes as {str(r.duplicate_of)[:8]}{replay}"
    return f"{head}：{r.error}"
