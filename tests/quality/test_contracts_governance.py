"""The contracts of governance.fct_indicator_progress, dim_project and dim_task: clean data passes,
breaking the data on purpose makes exactly the check named fail (or warn), and the progress
thresholds the contract uses are dbt_project.yml's vars.

The breaking cases follow tests/quality/test_contracts.py (same helpers, same healthy warehouse) and are
added to its ``BREAKS`` table when both modules are collected, so its test that every check of every
contract has a breaking case sees these too. Every break fails whatever row it picks (dbt's row order
changes between builds): a value set to an impossible one, ×1.5 + 100, a status on the wrong side.
"""

from __future__ import annotations

import pytest
import test_contracts as base
import yaml
from quality_fixture import PERIOD, PROJECT_DEPARTMENT, sha
from test_contracts import CONTRACTS, PROG, contract_check_keys, dup, one, upd, warned

from newinfra import db
from newinfra.settings import PROJECT_ROOT
from quality import settings as S
from quality.helpers import contract_document
from quality.runner import run_checks

FAILED, WARNED = S.FAILED, S.WARNED
DPJ, DT = "governance.dim_project", "governance.dim_task"
PROGRESS, PROJECT, TASK = (
    "newinfra/governance/fct_indicator_progress",
    "newinfra/governance/dim_project",
    "newinfra/governance/dim_task",
)
MINE = (PROGRESS, PROJECT, TASK)
DBT_VARS = yaml.safe_load((PROJECT_ROOT / "dbt_project" / "dbt_project.yml").read_text(encoding="utf-8"))[
    "vars"
]


def status(code: str, label: str, colour: str) -> str:
    """A status with its own label and colour, so only the rule under test is broken."""
    return f"status_code = '{code}', status_label_zh = '{label}', status_colour = '{colour}'"


IN_PROGRESS = "status_code in ('on_track', 'at_risk', 'behind')"
NOT_MILESTONE = "actual_value is not null and kind <> 'milestone' and direction <> 'done'"
DEADLINE = "period = cast(target_year as varchar) || '-12'"
AFTER_DEADLINE = "cast(left(period, 4) as integer) > target_year"
# An indicator with data last month and this month (the reporting period, the last as-of month of the
# fixture) made a consistent no_data row: only the follow-up warning fires.
INTERRUPTED = ", ".join(
    [
        status("no_data", "无数据", "grey"),
        "status_sort_order = (select sort_order from plan.progress_statuses where code = 'no_data')",
        "met_late_period = null",
        "actual_value = null",
        "actual_period = null",
        "completion = null",
        "completion_rate = null",
        "progress_since_baseline = null",
        "is_target_met = null",
        "is_stale = false",
        "stale_label_zh = null",
        "projected_value = null",
        "verdict_code = null",
        "required_monthly_change = null",
        "growth_ratio = null",
        "growth_class = null",
        "is_status_changed = true",
    ]
)

BREAKS: dict[str, dict[str, list[str] | tuple[list[str], str]]] = {
    PROGRESS: {
        "period.missing": [upd(PROG, "period = null")],
        "indicator_id.missing": [upd(PROG, "indicator_id = null")],
        "time_elapsed.invalid": [upd(PROG, "time_elapsed = 1.5", "time_elapsed is not null")],
        "status_code.missing": [upd(PROG, "status_code = null")],
        "status_code_in_seed": [upd(PROG, "status_code = 'great'")],
        "schema": [f"alter table {PROG} drop column previous_status_code"],
        "duplicate": [dup(PROG)],
        "no_data_rule": [upd(PROG, status("no_data", "无数据", "grey"), "actual_value is not null")],
        # a row in progress (its actual below the target, before the deadline) shown as achieved
        "achieved_rule": [upd(PROG, status("achieved", "已完成", "green"), IN_PROGRESS)],
        # at a target's deadline (the fixture's 2022-12 rows) a status of the months before it
        "deadline_rule": [upd(PROG, status("on_track", "正常推进", "green"), DEADLINE)],
        # after a deadline (a 2022-only target in 2023-2024) a status of the months before it
        "after_deadline_rule": [upd(PROG, status("at_risk", "存在风险", "yellow"), AFTER_DEADLINE)],
        # a month met late on a row that is not a late completion
        "achieved_late_rule": [upd(PROG, "met_late_period = '2023-01'", "status_code <> 'achieved_late'")],
        # the fixture's in-progress rows are before the deadline of their target
        "overdue_rule": [upd(PROG, status("overdue", "逾期未完成", "red"), IN_PROGRESS)],
        "milestone_rule": [
            upd(PROG, status("behind", "滞后", "red"), "kind = 'milestone' and status_code = 'on_track'")
        ],
        # behind means completion < time elapsed - margin: on track is clearly wrong
        "progress_rule": [
            upd(
                PROG,
                status("on_track", "正常推进", "green"),
                "status_code = 'behind' and kind <> 'milestone'",
            )
        ],
        "completion_bounds": [upd(PROG, "completion = 1.5", IN_PROGRESS)],
        "completion_rate_rederived": [
            upd(PROG, "completion_rate = completion_rate * 1.5 + 100", NOT_MILESTONE)
        ],
        "completion_rederived": [upd(PROG, "completion = completion * 1.5 + 100", NOT_MILESTONE)],
        "time_elapsed_rederived": [
            upd(
                PROG,
                "time_elapsed = case when time_elapsed > 0.5 then time_elapsed - 0.25 else time_elapsed + 0.25 end",
            )
        ],
        "stale_rule": [upd(PROG, "is_stale = not is_stale", "actual_value is not null")],
        "status_label_rule": [upd(PROG, "status_label_zh = '？' || status_label_zh")],
        "projection_rule": [
            upd(
                PROG,
                "required_monthly_change = required_monthly_change * 1.5 + 100",
                "required_monthly_change is not null",
            )
        ],
        # an R beside a figure with no baseline (the fixture reports nothing before the plan)
        "growth_ratio_rule": [
            upd(
                PROG,
                "growth_ratio = 1.0, growth_class = 'substantial'",
                "actual_value is not null and baseline_value is null",
            )
        ],
        "growth_class_rule": [upd(PROG, "growth_class = 'substantial'", "growth_ratio is null")],
        "target_in_force": [upd(PROG, "target_year = case when target_year = 2022 then 2024 else 2022 end")],
        "baseline_rule": [
            upd(PROG, "baseline_value = 5, baseline_period = '2021-12'", "baseline_source is null")
        ],
        "previous_status": [
            upd(
                PROG,
                "previous_status_code = case when previous_status_code = 'behind' then 'on_track' else 'behind' end",
            )
        ],
        "period_complete": [f"delete from {PROG} where {one(PROG, f'period = {PERIOD!r}')}"],
        "data_interrupted": (
            [
                upd(
                    PROG,
                    INTERRUPTED,
                    f"period = '{PERIOD}' and status_code <> 'no_data' and previous_status_code <> 'no_data'",
                )
            ],
            WARNED,
        ),
    },
    PROJECT: warned(
        {
            "project_code.missing": [upd(DPJ, "project_code = null")],
            "project_code.duplicate": [dup(DPJ)],
            "total_investment_yuan.invalid": [upd(DPJ, "total_investment_yuan = -1")],
            "latest_cumulative_completed_yuan.invalid": [upd(DPJ, "latest_cumulative_completed_yuan = -1")],
            "latest_completion_share.invalid": [upd(DPJ, "latest_completion_share = -0.5")],
            "n_periods_reported.invalid": [upd(DPJ, "n_periods_reported = -1")],
            "share_consistent": [
                upd(
                    DPJ,
                    "latest_completion_share = latest_completion_share * 1.5 + 1",
                    "latest_completion_share is not null",
                )
            ],
            "cumulative_within_total": [
                upd(
                    DPJ,
                    "latest_cumulative_completed_yuan = total_investment_yuan * 2",
                    "total_investment_yuan > 0",
                )
            ],
            "registry_consistent": [upd(DPJ, "is_registered = not is_registered")],
            "reports_consistent": [upd(DPJ, "has_reports = not has_reports")],
            "totals_match_rollup": [
                upd(
                    DPJ,
                    "latest_cumulative_completed_yuan = latest_cumulative_completed_yuan * 1.5 + 100",
                    "latest_cumulative_completed_yuan is not null",
                )
            ],
        }
    ),
    TASK: warned(
        {
            "sort_order.missing": [upd(DT, "sort_order = null")],
            "sort_order.duplicate": [
                upd(
                    DT,
                    f"sort_order = (select max(sort_order) from {DT})",
                    f"sort_order < (select max(sort_order) from {DT})",
                )
            ],
            "sort_order_from_task_id": [upd(DT, "sort_order = sort_order + 1000")],
        }
    ),
}

# test_contracts.py's meta test (every check of every contract has a breaking case) reads its BREAKS at
# run time: these contracts' cases are proven here, so they are listed there too. Its parametrised
# breaking test was built when it was collected, so nothing runs twice.
for _contract_id, _checks in BREAKS.items():
    base.BREAKS.setdefault(_contract_id, {}).update(_checks)


def test_every_check_of_these_contracts_has_a_breaking_case():
    for contract_id in MINE:
        assert set(contract_check_keys(CONTRACTS[contract_id])) == set(BREAKS[contract_id]), contract_id


def test_the_progress_thresholds_are_dbt_project_vars():
    """The contract's thresholds are its variables' defaults: each must be dbt_project.yml's var of the
    same name (and every contract variable with a default named like a dbt var, in any contract)."""
    variables = contract_document(CONTRACTS[PROGRESS])["variables"]
    thresholds = {
        "at_risk_margin",
        "milestone_at_risk_elapsed",
        "r_substantial",
        "r_moderate",
        "stale_after_months",
        "r_min_required_growth",
        "r_min_months_observed",
        "plan_start_month",
    }
    assert thresholds <= set(variables)
    for contract in CONTRACTS.values():
        for name, spec in (contract_document(contract).get("variables") or {}).items():
            if isinstance(spec, dict) and "default" in spec and name in DBT_VARS:
                assert spec["default"] == DBT_VARS[name], f"{contract.contract_id}: {name}"


def test_the_progress_rules_read_the_thresholds_as_variables():
    """No threshold is written into a check by hand: the rules name ${var.*}."""
    checks = {
        body.get("qualifier"): body
        for check in contract_document(CONTRACTS[PROGRESS])["checks"]
        for body in check.values()
    }
    assert "${var.at_risk_margin}" in checks["progress_rule"]["expression"]
    assert "${var.milestone_at_risk_elapsed}" in checks["milestone_rule"]["expression"]
    growth = checks["growth_class_rule"]["expression"]
    assert "${var.r_substantial}" in growth and "${var.r_moderate}" in growth
    assert "${var.stale_after_months}" in checks["stale_rule"]["expression"]
    ratio = checks["growth_ratio_rule"]["expression"]
    assert "${var.r_min_required_growth}" in ratio and "${var.r_min_months_observed}" in ratio


def test_which_checks_block():
    """fct_indicator_progress feeds the report: its invariants block, the follow-up warns. dim_project
    and dim_task are analysts' tables: every check warns."""
    levels = {}
    for contract_id in MINE:
        doc = contract_document(CONTRACTS[contract_id])
        bodies = [(c["name"], b) for c in doc["columns"] for ch in c.get("checks") or [] for b in ch.values()]
        bodies += [(None, b) for ch in doc.get("checks") or [] for b in ch.values()]
        for _column, body in bodies:
            levels.setdefault(contract_id, set()).add(
                ((body or {}).get("threshold") or {}).get("level", "fail")
            )
    assert levels[PROJECT] == levels[TASK] == {"warn"}
    assert levels[PROGRESS] == {"fail", "warn"}
    warn_keys = {
        key for key, spec in BREAKS[PROGRESS].items() if isinstance(spec, tuple) and spec[1] == WARNED
    }
    assert warn_keys == {"data_interrupted"}


def test_clean_data_passes_these_contracts(healthy):
    run = run_checks(healthy, period=PERIOD, contracts=[CONTRACTS[c] for c in MINE])
    problems = [
        f"{r.contract}:{r.check_name} {r.outcome} {r.message}" for r in run.results if r.outcome != "passed"
    ]
    assert problems == []
    assert run.n_checks == sum(len(BREAKS[c]) for c in MINE)


def test_dim_project_checks_hold_for_registered_only_and_reported_only_projects(healthy):
    """A project in the library never reported, and one reported but not in the library, built by the
    real dbt: dim_project's consistency checks and its totals against the rollup still pass."""
    from newinfra.transform import build

    file_id = sha(PROJECT_DEPARTMENT, PERIOD, 1)
    with db.writer(healthy) as con:
        con.execute(
            "insert into raw.project_registry select * replace ('XJ-2024-900' as project_code, "
            "'未报送的在库项目' as project_name) from raw.project_registry where "
            + one("raw.project_registry")
        )
        con.execute(
            "insert into raw.submission_projects select * replace ('XJ-2024-901' as project_code, "
            "'未入库的报送项目' as project_name, 99 as row_number) from raw.submission_projects "
            f"where file_id = '{file_id}' and row_number = 2"
        )
        con.execute(
            f"update raw.submission_files set rows_accepted = rows_accepted + 1 where file_id = '{file_id}'"
        )
    build(healthy, period=PERIOD)
    with db.reader(healthy) as con:
        rows = dict(
            con.execute(
                f"select project_code, (is_registered, has_reports) from {DPJ} "
                "where project_code in ('XJ-2024-900', 'XJ-2024-901')"
            ).fetchall()
        )
    assert rows == {"XJ-2024-900": (True, False), "XJ-2024-901": (False, True)}
    run = run_checks(healthy, period=PERIOD, contracts=[CONTRACTS[PROJECT]])
    assert [f"{r.check_name} {r.message}" for r in run.results if r.outcome != "passed"] == []


@pytest.mark.parametrize(("contract_id", "check_name", "statements", "expected"), list(base._cases(BREAKS)))
def test_breaking_the_data_fails_the_check(healthy, contract_id, check_name, statements, expected):
    base.assert_break_fails_the_check(healthy, contract_id, check_name, statements, expected)


def test_progress_checks_hold_with_history_before_the_plan(healthy):
    """Figures reported before the plan's first month (2022-01) are history: the baseline is the first
    at or before the plan's first month, and the plan's first month has no previous status. Built by the real dbt, the progress
    contract passes whole (its baseline and previous-status checks once failed on such data)."""
    from newinfra.transform import build

    with db.reader(healthy) as con:
        source = con.execute(
            "select file_id from raw.submission_files where department_code = 'CA' and period = '2023-07' "
            "and status in ('loaded', 'partially_loaded') order by file_id limit 1"
        ).fetchone()[0]
    history = sha("CA", "2021-06", "history")
    with db.writer(healthy) as con:
        con.execute(
            "insert into raw.submission_files select * replace (? as file_id, '2021-06' as period, "
            "received_at - interval 2 year as received_at) from raw.submission_files where file_id = ?",
            [history, source],
        )
        con.execute(
            "insert into raw.submission_values select * replace (? as file_id, '2021-06' as period, "
            "value * 0.5 as value) from raw.submission_values where file_id = ?",
            [history, source],
        )
        indicators = [
            r[0]
            for r in con.execute(
                "select distinct indicator_id from raw.submission_values where file_id = ?", [history]
            ).fetchall()
        ]
    assert indicators
    build(healthy, period=PERIOD)
    with db.reader(healthy) as con:
        baselines = dict(
            con.execute(
                f"select indicator_id, min(baseline_period) from {PROG} where indicator_id in "
                f"({', '.join('?' for _ in indicators)}) group by indicator_id",
                indicators,
            ).fetchall()
        )
        first_month_previous = con.execute(
            f"select count(*) from {PROG} where period = '2022-01' and previous_status_code is not null"
        ).fetchone()[0]
    assert set(baselines.values()) == {"2021-06"}, baselines
    assert first_month_previous == 0
    run = run_checks(healthy, period=PERIOD, contracts=[CONTRACTS[PROGRESS]])
    assert [f"{r.check_name} {r.message}" for r in run.results if r.outcome != "passed"] == []
