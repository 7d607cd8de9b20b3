"""The golden table of the progress method: the real dbt models over a small hand-made warehouse.

The upstream relations the progress steps read (the plan's indicators and targets, the province
series, the calendar) are written directly; dbt then seeds the labels and runs only the progress
steps (int_progress_targets -> measured -> status -> outlook -> int_indicator_progress). Each result
is compared with the hand-computed value in progress_golden.CASES.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from progress_golden import CASES, FIRST_MONTH, INDICATORS, LAST_MONTH

from newinfra.settings import DBT_PROJECT_DIR

PROGRESS_MODELS = (
    "int_progress_targets",
    "int_progress_measured",
    "int_progress_status",
    "int_progress_outlook",
    "int_indicator_progress",
)
TABLES = {"outlook": "intermediate.int_progress_outlook", "progress": "intermediate.int_indicator_progress"}


def _months(first: str, last: str) -> list[dt.date]:
    y, m = map(int, first.split("-"))
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(dt.date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _dbt(home: Path, *args: str) -> None:
    env = {
        **os.environ,
        "NEWINFRA_HOME": str(home),
        "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        "DBT_LOG_PATH": str(home / "dbt" / "logs"),
        "DBT_TARGET_PATH": str(home / "dbt" / "target"),
    }
    dbt = str(Path(sys.executable).with_name("dbt"))
    proc = subprocess.run([dbt, *args], cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]


@pytest.fixture(scope="module")
def golden(tmp_path_factory) -> duckdb.DuckDBPyConnection:
    home = tmp_path_factory.mktemp("progress_golden")
    con = duckdb.connect(str(home / "warehouse.duckdb"))
    con.execute("create schema plan; create schema intermediate")
    con.execute("create table plan.indicators (indicator_id varchar, kind varchar, direction varchar)")
    con.execute(
        "create table plan.indicator_targets"
        " (indicator_id varchar, target_year integer, target_value double, qualifier varchar)"
    )
    con.execute(
        "create table intermediate.int_indicator_values_province"
        " (indicator_id varchar, prefecture_code varchar, period_month date, reported_value double)"
    )
    con.execute("create table intermediate.int_calendar_months (period_month date, is_as_of_month boolean)")
    for indicator_id, (kind, direction, targets, series) in INDICATORS.items():
        con.execute("insert into plan.indicators values (?, ?, ?)", [indicator_id, kind, direction])
        for year, (value, qualifier) in targets.items():
            con.execute(
                "insert into plan.indicator_targets values (?, ?, ?, ?)",
                [indicator_id, year, value, qualifier],
            )
        for period, value in series.items():
            con.execute(
                "insert into intermediate.int_indicator_values_province values (?, 'GZ', ?, ?)",
                [indicator_id, dt.date.fromisoformat(period + "-01"), value],
            )
    for month in _months(FIRST_MONTH, LAST_MONTH):
        con.execute(
            "insert into intermediate.int_calendar_months values (?, ?)",
            [month, month >= dt.date(2022, 1, 1)],
        )
    con.close()
    _dbt(home, "seed", "--select", "progress_statuses")
    _dbt(
        home,
        "run",
        "--select",
        *PROGRESS_MODELS,
        "--vars",
        json.dumps({"projection_cagr_indicators": ["cagr"]}),
    )
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    yield con
    con.close()


def _row(con, model: str, indicator_id: str, target_year: int, period: str) -> dict:
    cur = con.execute(
        f"select * from {TABLES[model]} where indicator_id = ? and target_year = ?"
        " and strftime(period_month, '%Y-%m') = ?",
        [indicator_id, target_year, period],
    )
    rows = cur.fetchall()
    assert len(rows) == 1, f"{len(rows)} rows of {model} for {indicator_id} {target_year} {period}"
    return dict(zip([d[0] for d in cur.description], rows[0], strict=True))


def test_golden_table_has_at_least_25_cases():
    assert len(CASES) >= 25


@pytest.mark.parametrize(
    ("model", "indicator_id", "target_year", "period", "expected"),
    CASES,
    ids=[f"{i + 1:02d}-{c[1]}-{c[2]}-{c[3]}" for i, c in enumerate(CASES)],
)
def test_golden_case(golden, model, indicator_id, target_year, period, expected):
    row = _row(golden, model, indicator_id, target_year, period)
    wrong = {}
    for column, want in expected.items():
        got = row[column]
        if isinstance(want, float) and got is not None:
            if not math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12):
                wrong[column] = (got, want)
        elif got != want:
            wrong[column] = (got, want)
    assert not wrong, f"(got, expected): {wrong}"


def test_every_target_has_one_row_per_as_of_month(golden):
    n_months = len([m for m in _months(FIRST_MONTH, LAST_MONTH) if m >= dt.date(2022, 1, 1)])
    n_targets = sum(len(targets) for _, _, targets, _ in INDICATORS.values())
    assert (
        golden.execute("select count(*) from intermediate.int_progress_outlook").fetchone()[0]
        == n_months * n_targets
    )
    assert golden.execute("select count(*) from intermediate.int_indicator_progress").fetchone()[
        0
    ] == n_months * len(INDICATORS)
