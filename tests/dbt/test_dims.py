"""The governance dimensions on the small fixture (tests/dbt/dbt_rawdata.py: load_small_fixture):
dim_project against the raw tables it summarises, dim_task's sort order against the plan's seed."""

from __future__ import annotations

import csv

import pytest
from dbt_testing import one

from newinfra.settings import PROJECT_ROOT

TASKS_CSV = PROJECT_ROOT / "dbt_project" / "seeds" / "tasks.csv"

# Projects reported in an accepted file, straight from the raw tables (not through any model).
RAW_REPORTED = """
    select distinct projects.project_code
    from raw.submission_projects as projects
    inner join raw.submission_files as files
        on projects.file_id = files.file_id
    where files.status in ('loaded', 'partially_loaded')
"""


def test_dim_project_has_one_row_per_registered_or_reported_project(warehouse):
    rows = warehouse.execute(
        "select project_code, is_registered, has_reports from governance.dim_project"
    ).fetchall()
    codes = [code for code, _, _ in rows]
    assert len(codes) == len(set(codes))
    registered = {c for (c,) in warehouse.execute("select project_code from raw.project_registry").fetchall()}
    reported = {c for (c,) in warehouse.execute(RAW_REPORTED).fetchall()}
    assert set(codes) == registered | reported
    assert {code: (is_reg, has_rep) for code, is_reg, has_rep in rows} == {
        code: (code in registered, code in reported) for code in registered | reported
    }
    # the fixture holds each kind: registered and reported, registered only, reported only
    assert {(code in registered, code in reported) for code in codes} == {
        (True, True),
        (True, False),
        (False, True),
    }


def _pick_reported_project(warehouse) -> str:
    """The stable rule: the project with the most accepted report rows (revisions included), then the
    smallest code."""
    return one(
        warehouse,
        """
        select projects.project_code
        from raw.submission_projects as projects
        inner join raw.submission_files as files
            on projects.file_id = files.file_id
        where files.status in ('loaded', 'partially_loaded')
        group by projects.project_code
        order by count(*) desc, projects.project_code
        limit 1
        """,
    )["project_code"]


def test_dim_project_latest_figures_are_the_latest_report(warehouse):
    code = _pick_reported_project(warehouse)
    # The latest report straight from raw: the latest month, then the highest file version, then the
    # file received last, then the last row.
    latest = one(
        warehouse,
        """
        select projects.period, projects.cumulative_completed_yuan, projects.project_status
        from raw.submission_projects as projects
        inner join raw.submission_files as files
            on projects.file_id = files.file_id
        where files.status in ('loaded', 'partially_loaded') and projects.project_code = ?
        order by projects.period desc, files.version desc, files.received_at desc, projects.row_number desc
        limit 1
        """,
        [code],
    )
    first = one(
        warehouse,
        "select min(period) as period, count(distinct period) as n from raw.submission_projects "
        "where project_code = ? and file_id in (select file_id from raw.submission_files "
        "where status in ('loaded', 'partially_loaded'))",
        [code],
    )
    dim = one(
        warehouse,
        "select first_reported_period, latest_reported_period, n_periods_reported, latest_project_status, "
        "latest_cumulative_completed_yuan from governance.dim_project where project_code = ?",
        [code],
    )
    assert latest["cumulative_completed_yuan"] is not None
    assert dim == {
        "first_reported_period": first["period"],
        "latest_reported_period": latest["period"],
        "n_periods_reported": first["n"],
        "latest_project_status": latest["project_status"],
        "latest_cumulative_completed_yuan": latest["cumulative_completed_yuan"],
    }
    # on the fixture the rule picks P-001 (4 rows, one a revision), reported 2022-01, -02 and -04
    assert (code, dim["latest_cumulative_completed_yuan"], dim["n_periods_reported"]) == ("P-001", 3e8, 3)


def test_dim_project_registered_only_and_reported_only(warehouse):
    sql = (
        "select project_name, sector, prefecture_code, lead_department_code, lead_department_name_zh, "
        "total_investment_yuan, start_year, end_year, first_reported_period, latest_reported_period, "
        "n_periods_reported, latest_project_status, latest_cumulative_completed_yuan, is_registered, has_reports "
        "from governance.dim_project where project_code = ?"
    )
    assert one(warehouse, sql, ["P-002"]) == {
        "project_name": "项目 P-002", "sector": "compute", "prefecture_code": "GA", "lead_department_code": "BDB",
        "lead_department_name_zh": "省大数据局", "total_investment_yuan": 5e8, "start_year": 2022,
        "end_year": 2024, "first_reported_period": None, "latest_reported_period": None, "n_periods_reported": 0,
        "latest_project_status": None, "latest_cumulative_completed_yuan": None, "is_registered": True,
        "has_reports": False,
    }  # fmt: skip
    assert one(warehouse, sql, ["P-900"]) == {
        "project_name": "项目 P-900", "sector": "broadband", "prefecture_code": "ZY", "lead_department_code": "CA",
        "lead_department_name_zh": "省通信管理局", "total_investment_yuan": 2e8, "start_year": None,
        "end_year": None, "first_reported_period": "2022-01", "latest_reported_period": "2022-02",
        "n_periods_reported": 2, "latest_project_status": "under_construction",  # the revision's status
        "latest_cumulative_completed_yuan": 0.0, "is_registered": False, "has_reports": True,
    }  # fmt: skip
    # the registered project's figures are the library's, as in fct_project_investment
    p001 = one(
        warehouse,
        "select total_investment_yi, latest_cumulative_completed_yi, latest_completion_share, sector_zh "
        "from governance.dim_project where project_code = 'P-001'",
    )
    assert p001 == {
        "total_investment_yi": 10.0,
        "latest_cumulative_completed_yi": 3.0,
        "latest_completion_share": pytest.approx(0.3),
        "sector_zh": "算力与数据中心",
    }


def test_dim_project_latest_cumulative_adds_up_to_the_rollup(warehouse):
    dim = one(warehouse, "select sum(latest_cumulative_completed_yuan) as total from governance.dim_project")
    rollup = one(
        warehouse,
        "select cumulative_completed_yuan as total from governance.fct_investment_rollup "
        "where period = (select max(period) from governance.fct_investment_rollup)",
    )
    assert dim["total"] == pytest.approx(rollup["total"]) and dim["total"] > 0


def test_dim_task_sort_order_follows_the_seed(warehouse):
    with TASKS_CSV.open(encoding="utf-8", newline="") as f:
        seed_order = [row["task_id"] for row in csv.DictReader(f)]
    rows = warehouse.execute(
        "select task_id, sort_order from governance.dim_task order by sort_order"
    ).fetchall()
    assert [task_id for task_id, _ in rows] == seed_order
    orders = [order for _, order in rows]
    assert None not in orders and len(set(orders)) == len(orders)
    by_id = dict(rows)
    assert (by_id["M-GOAL"], by_id["M-01"], by_id["A3-GOAL"], by_id["A3-05"]) == (0, 1, 300, 305)
