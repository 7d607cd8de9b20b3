"""The runner: history across runs, the latest run per period, the gate, missing datasets, broken
contracts, read-only verification, and a silent offline CLI."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap

import duckdb
import pytest
from quality_fixture import PERIOD, sha

from newinfra import db
from newinfra.errors import PlatformError, UserInputError
from quality import CheckRun, latest_results, run_checks
from quality.helpers import Contract, discover_contracts
from quality.runner import run_checks as run_some

BREAK_BLOCKING = (
    f"update raw.submission_files set rows_total = rows_total + 1 where file_id = '{sha('BDB', PERIOD, 1)}'"
)
BREAK_WARNING = (
    "update raw.submission_projects set cumulative_completed_yuan = total_investment_yuan * 2 "
    "where rowid = (select min(rowid) from raw.submission_projects)"
)


def _execute(settings, *statements: str) -> None:
    with db.writer(settings) as con:
        for sql in statements:
            con.execute(sql)


def _cli(settings, *args: str, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "SODA_CORE_TELEMETRY_ENABLED"}
    env["NEWINFRA_HOME"] = str(settings.home)
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "check", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_history_is_kept_and_the_report_reads_the_latest_run_per_period(healthy):
    first = run_checks(healthy, period=PERIOD)
    _execute(healthy, BREAK_BLOCKING)
    second = run_checks(healthy, period=PERIOD)
    other = run_checks(healthy, period="2024-05")

    assert isinstance(first, CheckRun)
    assert len({first.run_id, second.run_id, other.run_id}) == 3
    with db.reader(healthy) as con:
        runs = con.execute(
            "select period, run_id, count(*) from quality.check_results group by all order by run_id"
        ).fetchall()
    assert [(p, r) for p, r, _ in runs] == [
        (PERIOD, first.run_id),
        (PERIOD, second.run_id),
        ("2024-05", other.run_id),
    ]
    assert all(n == first.n_checks for _, _, n in runs)

    latest = latest_results(healthy, PERIOD)
    assert {r.run_id for r in latest} == {second.run_id}
    assert len(latest) == second.n_checks
    # blocking problems come first: what the report's 数据质量 sheet shows at the top
    assert latest[0].stops_export and latest[0].check_name == "rows_add_up"
    assert {r.run_id for r in latest_results(healthy, "2024-05")} == {other.run_id}
    assert latest_results(healthy, "2023-01") == []
    with db.reader(healthy) as con:  # an open connection works as well (the exporter's snapshot)
        assert [r.run_id for r in latest_results(con, PERIOD)] == [r.run_id for r in latest]


def test_a_blocking_failure_blocks_and_the_cli_exits_1(healthy):
    _execute(healthy, BREAK_BLOCKING)
    run = run_checks(healthy, period=PERIOD)
    assert run.is_blocked
    assert [(r.contract, r.check_name) for r in run.blocking_failures] == [
        ("newinfra/raw/submission_files", "rows_add_up")
    ]
    proc = _cli(healthy, "--period", PERIOD)
    assert proc.returncode == 1, proc.stderr
    assert "阻断性质量检查未通过" in proc.stderr and "blocking quality check(s) failed" in proc.stderr
    assert "newinfra/raw/submission_files :: rows_add_up" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_warning_alone_does_not_block(healthy):
    _execute(healthy, BREAK_WARNING)
    run = run_checks(healthy, period=PERIOD)
    assert run.counts["warned"] >= 1 and run.counts["failed"] == run.counts["error"] == 0
    assert not run.is_blocked
    proc = _cli(healthy, "--period", PERIOD)
    assert proc.returncode == 0, proc.stderr
    assert "cumulative_within_total" in proc.stdout


def test_the_cli_is_silent_offline_and_speaks_json(healthy):
    proc = _cli(healthy, "--period", PERIOD, "--json")
    assert proc.returncode == 0, proc.stderr
    assert "collect.soda.io" not in proc.stdout + proc.stderr
    assert "telemetry" not in (proc.stdout + proc.stderr).lower()
    data = json.loads(proc.stdout)
    assert data["period"] == PERIOD and data["is_blocked"] is False
    assert data["counts"]["passed"] == data["n_checks"] == len(data["results"])


def test_telemetry_is_off_even_when_the_environment_says_on(tmp_path):
    code = textwrap.dedent(
        """
        import os
        os.environ["SODA_CORE_TELEMETRY_ENABLED"] = "true"
        import quality.runner
        from soda_core.telemetry.soda_telemetry import SodaTelemetry
        print(bool(SodaTelemetry()._SodaTelemetry__send))
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"


def test_the_default_period_is_the_latest_loaded_one(healthy):
    run = run_checks(healthy)
    assert run.period == PERIOD
    assert {r.period for r in latest_results(healthy, PERIOD)} == {PERIOD}


def test_soda_only_reads_the_warehouse(healthy):
    def digest() -> dict[str, str]:
        with db.reader(healthy) as con:
            tables = con.execute(
                "select table_schema, table_name from information_schema.tables "
                "where table_schema <> 'quality' order by 1, 2"
            ).fetchall()
            return {
                f"{s}.{t}": hashlib.sha256(
                    repr(sorted(map(repr, con.execute(f'select * from "{s}"."{t}"').fetchall()))).encode()
                ).hexdigest()
                for s, t in tables
            }

    before = digest()
    run_checks(healthy, period=PERIOD)
    assert digest() == before
    # and it let go of the file: a writer can open it at once
    with db.writer(healthy, timeout=1) as con:
        assert con.execute("select count(*) from quality.check_results").fetchone()[0] > 0


def test_a_dataset_not_built_yet_is_a_blocking_error(settings):
    """A freshly initialised home: raw tables exist, no model has been built."""
    run = run_checks(settings, period=PERIOD)
    missing = [r for r in run.results if r.check_name == "dataset_exists"]
    contracts = discover_contracts()
    assert {r.contract for r in missing} == {c.contract_id for c in contracts if c.schema != "raw"}
    assert all(r.outcome == "error" and r.is_blocking for r in missing)
    assert "newinfra build" in missing[0].message and "does not exist" in missing[0].message
    assert run.is_blocked


def test_a_contract_soda_cannot_run_is_a_blocking_error(healthy, tmp_path):
    root = tmp_path / "contracts" / "newinfra" / "raw"
    root.mkdir(parents=True)
    bad_query = root / "submission_values.yml"
    bad_query.write_text(
        textwrap.dedent(
            """
            dataset: newinfra/raw/submission_values
            columns:
              - name: file_id
            checks:
              - metric:
                  name: reads a table that does not exist
                  qualifier: broken_query
                  query: select count(*) from raw.no_such_table
                  threshold:
                    must_be: 0
                    level: warn
              - row_count:
                  name: has rows
            """
        ),
        encoding="utf-8",
    )
    missing_variable = root / "submission_files.yml"
    missing_variable.write_text(
        textwrap.dedent(
            """
            dataset: newinfra/raw/submission_files
            variables:
              nobody_sets_this:
            columns:
              - name: file_id
            checks:
              - row_count:
                  name: has rows
            """
        ),
        encoding="utf-8",
    )
    contracts = [
        Contract("newinfra/raw/submission_values", bad_query, "newinfra", "raw", "submission_values"),
        Contract("newinfra/raw/submission_files", missing_variable, "newinfra", "raw", "submission_files"),
    ]
    run = run_some(healthy, period=PERIOD, contracts=contracts)
    records = {(r.contract, r.check_name): r for r in run.results}
    broken = records[("newinfra/raw/submission_values", "broken_query")]
    assert broken.outcome == "error" and "no_such_table" in broken.message
    assert not broken.is_blocking  # a warn-level check that errors warns no louder than it would fail
    assert records[("newinfra/raw/submission_values", "row_count")].outcome == "passed"
    contract_error = records[("newinfra/raw/submission_files", "contract")]
    assert contract_error.outcome == "error" and contract_error.is_blocking
    assert "nobody_sets_this" in contract_error.message
    assert run.is_blocked


def test_a_contract_whose_path_does_not_mirror_its_dataset_is_refused(tmp_path):
    path = tmp_path / "newinfra" / "raw" / "submission_values.yml"
    path.parent.mkdir(parents=True)
    path.write_text("dataset: newinfra/raw/submission_files\ncolumns:\n  - name: file_id\n", encoding="utf-8")
    with pytest.raises(PlatformError, match="dataset must be newinfra/raw/submission_values"):
        discover_contracts(tmp_path)


def test_bad_input_is_a_bilingual_error_not_a_traceback(healthy, tmp_path):
    with pytest.raises(UserInputError):
        run_checks(healthy, period="2024-13")
    proc = _cli(healthy, "--period", "June")
    assert proc.returncode == 2
    assert "报送期格式" in proc.stderr and "period must be YYYY-MM" in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = _cli(healthy, env_extra={"NEWINFRA_HOME": str(tmp_path / "nowhere")})
    assert proc.returncode == 1 and "newinfra init" in proc.stderr and "Traceback" not in proc.stderr


def test_a_warehouse_held_by_another_process_is_a_clear_error(healthy):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); print('held', flush=True); time.sleep(60)",
            str(healthy.warehouse),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(PlatformError) as err:
            run_checks(healthy, period=PERIOD)
        assert "warehouse" in err.value.message_en
    finally:
        holder.kill()
        holder.wait()


def test_results_are_readable_with_plain_duckdb(healthy):
    run = run_checks(healthy, period=PERIOD)
    con = duckdb.connect(str(healthy.warehouse), read_only=True)
    try:
        row = con.execute(
            "select contract, dataset, check_name, check_type, outcome, is_blocking, threshold, checked_at "
            "from quality.check_results where run_id = ? and check_name = 'period_present' "
            "and contract = 'newinfra/raw/submission_values'",
            [run.run_id],
        ).fetchone()
    finally:
        con.close()
    assert row[:6] == (
        "newinfra/raw/submission_values",
        "raw.submission_values",
        "period_present",
        "metric",
        "passed",
        True,
    )
    assert row[6] == "> 0" and row[7] == run.checked_at


def test_a_malformed_contract_alone_is_a_blocking_error_not_a_crash(healthy, tmp_path):
    """Soda raises (instead of reporting) when the one contract of a session cannot be parsed."""
    path = tmp_path / "newinfra" / "raw" / "submission_values.yml"
    path.parent.mkdir(parents=True)
    path.write_text(
        "dataset: newinfra/raw/submission_values\nchecks:\n  - row_count:\n      name: x\n", "utf-8"
    )
    run = run_some(healthy, period=PERIOD, contracts=discover_contracts(tmp_path))
    assert [(r.check_name, r.outcome, r.is_blocking) for r in run.results] == [("contract", "error", True)]
    assert "columns" in run.results[0].message
    assert run.is_blocked
