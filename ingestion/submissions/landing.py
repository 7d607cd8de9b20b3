"""The landing folder: which files to take (settled, not temporary), who sent them, when they arrived,
and taking a handled file out of the folder at the end of a run (the archive keeps the bytes).

When a file arrived is the platform's clock (the scan that found it complete) or a declaration
(``ingestion/submissions/arrivals.py``); the file's own mtime is kept as ``sender_mtime`` only."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from ingestion.submissions import constants


@dataclass(frozen=True)
class Candidate:
    path: Path
    sender: str  # department code, '_root' (landing root) or '_unknown'
    in_landing: bool
    received_at: dt.datetime  # naive UTC: the scan's time, or the declared arrival
    size: int
    mtime_ns: int
    received_at_source: str = "scan"  # scan | declared
    received_at_basis: str | None = None  # a declaration's source (manifest, operator)
    declared_sha256: str | None = None  # the bytes a manifest's declaration applies to
    original_name: str | None = None  # the name as received, when the path is the archive's copy

    @property
    def name(self) -> str:
        return self.original_name or self.path.name

    @property
    def sender_mtime(self) -> dt.datetime:
        """The file's modification time (set by the sender or its client): for information only."""
        return _EPOCH + dt.timedelta(microseconds=self.mtime_ns // 1000)


def _skipped(name: str) -> bool:
    return (
        name.startswith(constants.SKIP_PREFIXES)
        or name.lower().endswith(constants.SKIP_SUFFIXES)
        or name.endswith(".reason.txt")
    )


_EPOCH = dt.datetime(1970, 1, 1)


def _is_within(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def _sender_for(path: Path, landing: Path) -> str:
    rel = path.resolve().relative_to(landing.resolve())
    return constants.LANDING_ROOT_SENDER if len(rel.parts) == 1 else rel.parts[0]


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
    settings,
    paths: list[Path] | None,
    department: str | None,
    now: dt.datetime,
    declared: dict | None = None,
    received_at: dt.datetime | None = None,
) -> tuple[list[Candidate], list[Candidate]]:
    """The files to ingest, oldest arrival first (so versions follow arrival order), and the landing
    files left for the next run because they changed less than ``settings.landing_settle_s`` ago (an
    upload may still be writing them). Files named by hand (``paths``) are taken as they are.

    A file arrived ``now`` (this scan found it complete) unless declared otherwise: ``received_at``
    (the operator's, for every file) or ``declared`` (landing-relative path -> its declaration)."""
    from ingestion.submissions.arrivals import SOURCE_DECLARED, landing_relpath

    declared = declared or {}
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
                found.append(
                    (p, department or (constants.LANDING_ROOT_SENDER if len(rel) == 1 else rel[0]), True)
                )
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
                    sender = constants.UNKNOWN_SENDER
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
        if received_at is not None:
            cand = Candidate(p, sender, in_landing, received_at, st.st_size, st.st_mtime_ns, SOURCE_DECLARED,
                             "操作员声明 / operator: --received-at")  # fmt: skip
        else:
            rel = landing_relpath(p, landing) if in_landing else None
            d = declared.get(rel) if rel else None
            if d is not None:
                cand = Candidate(p, sender, in_landing, d.received_at, st.st_size, st.st_mtime_ns,
                                 SOURCE_DECLARED, d.basis, d.sha256)  # fmt: skip
            else:
                cand = Candidate(p, sender, in_landing, now, st.st_size, st.st_mtime_ns)
        out.append(cand)
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


def quarantined_to_retry(con, settings, now: dt.datetime, department: str | None) -> list[Candidate]:
    """The archived bytes whose latest attempt was quarantined for a reason that can change (too large,
    a future period): examined again, with their original arrival time (`ingest --retry-quarantined`).
    Bytes loaded since, and reasons that cannot change, are left alone."""
    reasons = sorted(constants.RETRYABLE_QUARANTINE_REASONS)
    rows = con.execute(
        f"""
        with attempts as (
            select *, coalesce(content_sha256, file_id) as sha,
                row_number() over (
                    partition by coalesce(content_sha256, file_id), sender_department_code
                    order by rowid desc  -- the last attempt recorded (the ledger is append-only)
                ) as latest
            from raw.submission_files
            where sender_department_code is not null
        )
        select file_id, sha, archive_path, sender_department_code, original_name, received_at,
            received_at_source, received_at_basis
        from attempts
        where latest = 1 and status = 'quarantined'
            and quarantine_reason_code in ({", ".join("?" for _ in reasons)})
            and (? is null or sender_department_code = ?)
            and sha not in (
                select coalesce(content_sha256, file_id) from raw.submission_files
                where status in ('loaded', 'partially_loaded')
            )
        order by received_at, file_id
        """,
        [*reasons, department, department],
    ).fetchall()
    mtime_ns = int((now - _EPOCH).total_seconds() * 1e9)  # this attempt's own receipt
    out = []
    for file_id, _sha, archive_path, sender, name, received_at, source, basis in rows:
        path = settings.home / archive_path
        if not path.is_file():
            continue
        note = f"重新检查隔离的文件 {file_id[:8]} / quarantined receipt {file_id[:8]} examined again"
        out.append(
            Candidate(
                path, sender, False, received_at, path.stat().st_size, mtime_ns, source or "scan",
                f"{note}; {basis}" if basis else note, None, name,
            )
        )  # fmt: skip
    return out


def take_from_landing(cand: Candidate) -> None:
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
