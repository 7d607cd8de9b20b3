"""A blank template sent back (status ``blank``, docs/architecture.md) is a state the file contracts
know: it must not fail a check, and so never block the monthly export on its own."""

from __future__ import annotations

import test_contracts as base

from newinfra import db
from quality.runner import run_checks

FILE_CONTRACTS = ("newinfra/raw/submission_files", "newinfra/staging/stg_submissions__files")


def test_a_blank_file_passes_the_file_contracts(healthy):
    with db.writer(healthy) as con:
        con.execute(
            f"""update {base.SF} set status = 'blank', quarantine_reason_code = null,
                quarantine_reason_zh = null, quarantine_reason_en = null,
                rows_total = 0, rows_accepted = 0, rows_rejected = 0
            where file_id = '{base.F_QUAR}'"""
        )
        assert con.execute(f"select count(*) from {base.SF} where status = 'blank'").fetchone()[0] == 1
    run = run_checks(healthy, period=base.PERIOD, contracts=[base.CONTRACTS[c] for c in FILE_CONTRACTS])
    assert run.n_contracts == len(FILE_CONTRACTS)
    problems = [f"{r.contract}:{r.check_name} {r.outcome} {r.message}" for r in run.results if r.outcome != "passed"]
    assert problems == []
    assert not run.is_blocked
