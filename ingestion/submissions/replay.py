"""Replaying recorded arrivals: every archived submission examined again, in the ledger's order, as
the file it was (sender, name, arrival time and its source, the sender's mtime). The rules decide
again; versions, duplicates, lateness and quarantines follow from the order (docs/operations.md,
"Rebuilding the warehouse from the archive"; `newinfra replay` drives it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from ingestion.submissions import constants
from ingestion.submissions.landing import _EPOCH, Candidate

# A ledger row's sender when the folder was not a department (the ledger keeps only known codes).
_SENDER_OF_REASON = {"spoof_landing_root": constants.LANDING_ROOT_SENDER}


@dataclass(frozen=True)
class Arrival:
    """One ledger row as the replay needs it (``raw.submission_files``, in its order of recording)."""

    file_id: str
    content_sha256: str | None
    archive_path: str
    original_name: str
    sender_department_code: str | None
    received_at: dt.datetime
    received_at_source: str | None
    received_at_basis: str | None
    sender_mtime: dt.datetime | None
    status: str
    quarantine_reason_code: str | None

    @classmethod
    def of(cls, row: dict[str, Any]) -> Arrival:
        return cls(**{k: row.get(k) for k in cls.__dataclass_fields__})

    @property
    def sender(self) -> str | None:
        """The landing folder it came from; None when the ledger cannot say (an unknown folder)."""
        if self.sender_department_code is not None:
            return self.sender_department_code
        return _SENDER_OF_REASON.get(self.quarantine_reason_code or "")


def candidate(settings, arrival: Arrival) -> Candidate:
    """The archived bytes as the file that arrived: sender, name, arrival time, the sender's mtime."""
    path = settings.home / arrival.archive_path
    delta = (arrival.sender_mtime or arrival.received_at) - _EPOCH
    mtime_us = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return Candidate(
        path,
        arrival.sender or constants.UNKNOWN_SENDER,
        False,
        arrival.received_at,
        path.stat().st_size,
        mtime_us * 1000,
        arrival.received_at_source or "scan",
        arrival.received_at_basis,
        None,
        arrival.original_name,
    )


def replay_arrivals(settings, arrivals: list[Arrival], progress=None) -> list:
    """Ingest the archived bytes of ``arrivals`` in their order, each judged on its own arrival day
    (a period 'in the future' then is in the future again). Returns one ``FileResult`` each.

    The caller makes sure that what the rules read (the project library, the report publications)
    is in the warehouse first."""
    from ingestion.submissions.ingest import _local_today, _Run
    from newinfra import db
    from newinfra.plan import load_plan
    from newinfra.progress import NULL_PROGRESS

    progress = progress or NULL_PROGRESS
    plan = load_plan()
    results = []
    with db.writer(settings) as con:
        db.ensure_schema(con)
        con.execute("set threads = 1")
        first = arrivals[0].received_at if arrivals else dt.datetime(2000, 1, 1)
        run = _Run(settings, plan, con, first)
        try:
            for arrival in arrivals:
                run.now = arrival.received_at
                run.today = _local_today(settings, arrival.received_at)
                results.append(run.ingest(candidate(settings, arrival)))
                progress.advance(item=arrival.original_name, counts={results[-1].status: 1})
        finally:
            run.finish()
            con.execute("reset threads")
    return results
