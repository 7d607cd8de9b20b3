"""The demo scenario (pure): every department-month has a file or is deliberately missing, lateness
matches the received time, every deliberate mistake is planned once, and the project library adds
up to the plan's investment target."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

import pytest

from demo import settings as S
from demo.scenario import (
    MISTAKES,
    PROVINCE,
    build_scenario,
    department_values,
    project_rows,
    sector_departments,
    true_value,
)
from newinfra.periods import due_date, period_end, period_range
from newinfra.plan import load_plan


@pytest.fixture(scope="module")
def plan():
    return load_plan()


@pytest.fixture(scope="module")
def scenario(plan):
    return build_scenario(plan, seed=S.DEFAULT_SEED)


def test_every_department_month_has_a_file_or_is_missing(plan, scenario):
    periods = period_range(S.FIRST_PERIOD, S.LAST_PERIOD)
    own = {
        (f.folder_department_code, f.period)
        for f in scenario.files
        if f.department_code == f.folder_department_code
    }
    missing = set(scenario.missing)
    assert not own & missing
    expected = {(d, p) for d in plan.reporting_departments() for p in periods}
    assert own | missing == expected
    assert 0 < len(missing) < 0.1 * len(expected)
    # the last period names someone late and someone missing
    last = S.LAST_PERIOD
    assert sum(1 for d, p in missing if p == last) >= S.LAST_PERIOD_MISSING
    assert sum(1 for f in scenario.files if f.period == last and f.is_late) >= S.LAST_PERIOD_LATE


def test_lateness_matches_received_time(scenario):
    for f in scenario.files:
        local_day = f.received_at.date()
        assert f.is_late == (local_day > due_date(f.period, scenario.on_time_days)), f
        assert local_day > period_end(f.period)
        # working hours: the UTC date is the local date, so either reading agrees on lateness
        assert f.received_at.astimezone(dt.UTC).date() == local_day


def test_each_mistake_is_planned_once(scenario):
    kinds = Counter(m.kind for m in scenario.mistakes)
    assert set(kinds) == set(MISTAKES)
    assert all(n == 1 for n in kinds.values())
    roles = Counter(f.role for f in scenario.files)
    assert roles["spoof"] == 1 and roles["revision"] == 1 and roles["revision_first"] == 1
    spoof = next(f for f in scenario.files if f.role == "spoof")
    assert spoof.department_code != spoof.folder_department_code
    assert spoof.expected_status == "quarantined"
    assert [f.file_format for f in scenario.files].count("csv") == 1
    revision = [f for f in scenario.files if f.mistake and f.mistake.kind == "revision"]
    first, second = sorted(revision, key=lambda f: f.received_at)
    assert (first.role, second.role) == ("revision_first", "revision")


def test_same_seed_same_scenario_other_seed_differs(plan, scenario):
    again = build_scenario(plan, seed=S.DEFAULT_SEED)
    assert again.files == scenario.files and again.missing == scenario.missing
    other = build_scenario(plan, seed=S.DEFAULT_SEED + 1)
    assert other.files != scenario.files


def test_through_moves_the_story_but_keeps_earlier_fates(plan, scenario):
    short = build_scenario(plan, seed=S.DEFAULT_SEED, last_period="2023-06")
    assert max(f.period for f in short.files) == "2023-06"
    assert {m.period for m in short.mistakes} <= {"2023-04", "2023-05", "2023-06"}
    early = {
        (f.folder_department_code, f.period, f.received_at)
        for f in scenario.files
        if f.period <= "2023-03" and not f.mistake
    }
    early_short = {
        (f.folder_department_code, f.period, f.received_at)
        for f in short.files
        if f.period <= "2023-03" and not f.mistake
    }
    assert early == early_short


def test_prefecture_splits_add_up_and_no_province_row_for_split_indicators(plan):
    for dept in plan.reporting_departments():
        values = department_values(plan, dept, "2023-07")
        for ind in plan.indicators_of(dept):
            rows = {p: v for (i, p), v in values.items() if i == ind.indicator_id}
            if not ind.is_by_prefecture:
                assert set(rows) == {PROVINCE}
                continue
            assert PROVINCE not in rows and len(rows) == 10
            if ind.is_additive and ind.indicator_id != S.INVESTMENT_INDICATOR_ID:
                assert sum(rows.values()) == pytest.approx(true_value(plan, ind.indicator_id, "2023-07"))


def test_reported_values_are_valid_and_cumulatives_never_fall(plan, scenario):
    """What the ingester would flag or reject by accident (a cumulative that falls, 106%) never happens
    outside the deliberate mistakes: every value within bounds, every cumulative row non-decreasing."""
    previous: dict = {}
    for period in period_range(S.FIRST_PERIOD, S.LAST_PERIOD):
        for dept in plan.reporting_departments():
            for (ind_id, pref), value in department_values(plan, dept, period, scenario.projects).items():
                ind = plan.indicators[ind_id]
                high = 100.0 if ind.unit == "%" else ind.value_max
                assert (ind.value_min is None or value >= ind.value_min) and (high is None or value <= high)
                if ind.kind == "cumulative":
                    assert value >= previous.get((ind_id, pref), value), (ind_id, pref, period)
                previous[(ind_id, pref)] = value


def test_projects_add_up_to_the_investment_target(plan, scenario):
    projects = scenario.projects
    assert len(projects) == S.PROJECT_COUNT
    codes = [p.project_code for p in projects]
    assert len(set(codes)) == len(codes)
    assert all(re.fullmatch(r"XJJ-20(22|23|24)-\d{4}", c) for c in codes)
    assert len({p.project_name for p in projects}) == len(projects)
    leads = sector_departments(plan)
    reporting = set(plan.reporting_departments())
    for p in projects:
        assert p.department_code == leads[p.sector] and p.department_code in reporting
        cums = [p.cumulative_at(q) for q in period_range("2021-12", "2024-12")]
        assert cums == sorted(cums) and cums[-1] <= p.total_investment_yuan
        assert all(c % 10_000 == 0 for c in cums)  # whole 万元, as the sheet shows
    end = sum(p.cumulative_at(S.LAST_PERIOD) for p in projects)
    assert 1000e8 <= end <= 1100e8
    assert sum(p.cumulative_at("2022-12") for p in projects) < 0.4 * end


def test_investment_indicator_equals_the_projects_sum(plan, scenario):
    dept = plan.indicators[S.INVESTMENT_INDICATOR_ID].lead_department_code
    values = department_values(plan, dept, "2024-06", scenario.projects)
    total = sum(v for (i, _p), v in values.items() if i == S.INVESTMENT_INDICATOR_ID)
    assert total == sum(p.cumulative_at("2024-06") for p in scenario.projects)


def test_project_rows_are_consistent(scenario):
    dept = scenario.projects[0].department_code
    rows = project_rows(list(scenario.projects), dept, "2023-03")
    assert rows and all(r["cumulative_completed_yuan"] >= r["completed_this_month_yuan"] >= 0 for r in rows)
    assert {r["project_status"] for r in rows} <= {"under_construction", "completed", "suspended"}
