"""The marts' figures on the small fixture (tests/dbt/dbt_rawdata.py: load_small_fixture), built once
with `newinfra build --period 2024-06`: revisions, carried-forward months, province sums, the
progress series, compliance rates, reconciliation flags, revisions after publication, investment."""

from __future__ import annotations

import pytest
from dbt_testing import one

from newinfra.plan import load_plan


def test_revision_resolved_per_key_and_superseded_rows_kept(warehouse):
    latest = warehouse.execute(
        "select prefecture_code, value, file_version from intermediate.int_indicator_values_latest "
        "where indicator_id = 'g5_base_stations' and period = '2022-02' order by 1"
    ).fetchall()
    # GY from the revision (v2); ZY, absent from the revision, keeps its v1 value.
    assert latest == [("GY", 12500.0, 2), ("ZY", 6000.0, 1)]
    superseded = one(
        warehouse,
        "select value, is_latest from intermediate.int_submission_values_versioned "
        "where indicator_id = 'g5_base_stations' and period = '2022-02' and prefecture_code = 'GY' "
        "and not is_latest",
    )
    assert superseded == {"value": 12000.0, "is_latest": False}


def test_province_is_sum_of_prefectures_for_additive_indicators(warehouse):
    rows = warehouse.execute(
        "select period, value, value_basis, is_carried_forward, n_prefectures_reported "
        "from governance.fct_indicator_monthly "
        "where indicator_id = 'g5_base_stations' and prefecture_code = 'GZ' and period <= '2022-04' order by 1"
    ).fetchall()
    assert rows == [
        ("2022-01", 15000.0, "sum_of_prefectures", False, 2),
        ("2022-02", 18500.0, "sum_of_prefectures", False, 2),
        ("2022-03", 18500.0, "sum_of_prefectures", True, 0),  # nobody reported: carried
        ("2022-04", 21000.0, "sum_of_prefectures", False, 2),
    ]
    gy = one(
        warehouse,
        "select value, is_carried_forward, mom_change, share_of_province from governance.fct_indicator_monthly "
        "where indicator_id = 'g5_base_stations' and prefecture_code = 'GY' and period = '2022-03'",
    )
    assert gy["value"] == 12500.0 and gy["is_carried_forward"] is True and gy["mom_change"] == 0.0
    assert gy["share_of_province"] == pytest.approx(12500 / 18500)


def test_ratio_is_never_summed_and_carried_at_most_two_months(warehouse):
    rows = warehouse.execute(
        "select period, value, is_carried_forward, value_basis from governance.fct_indicator_monthly "
        "where indicator_id = 'g5_village_coverage_rate' and prefecture_code = 'GZ' and period <= '2022-06' "
        "order by 1"
    ).fetchall()
    assert rows == [
        ("2022-01", 40.0, False, "reported_province"),
        ("2022-02", 43.0, False, "reported_province"),  # the revision
        ("2022-03", 43.0, True, "reported_province"),
        ("2022-04", 43.0, True, "reported_province"),
        ("2022-05", None, False, "reported_province"),  # older than var ratio_carry_months: not shown
        ("2022-06", None, False, "reported_province"),
    ]


def test_series_reach_the_requested_period(warehouse):
    months = one(
        warehouse, "select min(period) as first, max(period) as last from intermediate.int_calendar_months"
    )
    assert months == {"first": "2022-01", "last": "2024-06"}
    racks = one(
        warehouse,
        "select value, is_carried_forward from governance.fct_indicator_monthly "
        "where indicator_id = 'dc_standard_racks' and prefecture_code = 'GZ' and period = '2024-06'",
    )
    assert racks == {"value": 110000.0, "is_carried_forward": True}


def test_progress_series_status_and_the_2022_to_2024_switch(warehouse):
    sql = (
        "select target_year, baseline_value, actual_value, actual_period, completion, time_elapsed, status_code, "
        "status_label_zh, status_colour, months_since_actual from governance.fct_indicator_progress "
        "where indicator_id = ? and period = ?"
    )
    april = one(warehouse, sql, ["g5_base_stations", "2022-04"])
    assert (
        april["target_year"] == 2022
        and april["baseline_value"] == 15000.0
        and april["actual_value"] == 21000.0
    )
    assert april["completion"] == pytest.approx(6000 / 65000)
    assert april["time_elapsed"] == pytest.approx(3 / 11)
    assert (april["status_code"], april["status_label_zh"], april["status_colour"]) == (
        "behind",
        "滞后",
        "red",
    )
    later = one(warehouse, sql, ["g5_base_stations", "2024-06"])
    assert (
        later["target_year"] == 2024
        and later["actual_period"] == "2022-04"
        and later["months_since_actual"] == 26
    )
    assert later["completion"] == pytest.approx(6000 / 145000)
    # at_most: PUE 1.5 -> 1.4 against 1.2 by 2024
    pue = one(warehouse, sql, ["dc_pue_avg", "2022-03"])
    assert pue["completion"] == pytest.approx(0.1 / 0.3) and pue["status_code"] == "on_track"
    nothing = one(warehouse, sql, ["iot_connections", "2022-04"])
    assert (
        nothing["status_code"] == "no_data"
        and nothing["status_colour"] == "grey"
        and nothing["completion"] is None
    )
    # one row per indicator with a target x as-of month
    n_targeted = len({t.indicator_id for t in load_plan().targets})
    assert (
        one(warehouse, "select count(*) as n from governance.fct_indicator_progress")["n"] == n_targeted * 30
    )


def test_responsibility_table_row(warehouse):
    rows = warehouse.execute(
        "select task_id, lead_department_names_zh, co_department_names_zh, target_2022_value, target_2024_value, "
        "actual_value, actual_period, status_code, change_since_last_month, actual_display, display_unit "
        "from governance.rpt_responsibility_table where period = '2022-04' and indicator_id = 'g5_base_stations'"
    ).fetchall()
    plan = load_plan()
    tasks = {r.task_id for r in plan.responsibilities if r.indicator_id == "g5_base_stations"}
    assert {r[0] for r in rows} == tasks
    for row in rows:
        assert "省通信管理局" in row[1]
        assert row[3:9] == (80000.0, 160000.0, 21000.0, "2022-04", "behind", 2500.0)
        assert row[9] == pytest.approx(2.1) and row[10] == "万个"
        if row[2]:
            assert "、" in row[2] or len(row[2]) > 2
    n_pairs = len({(r.task_id, r.indicator_id) for r in plan.responsibilities})
    assert (
        one(
            warehouse,
            "select count(*) as n from governance.rpt_responsibility_table where period = '2022-04'",
        )["n"]
        == n_pairs
    )


def test_submission_compliance_and_reporting_rates(warehouse):
    sql = (
        "select has_submitted, is_on_time, days_late, submission_status, n_files_quarantined, n_revisions "
        "from governance.fct_submission_compliance where department_code = ? and period = ?"
    )
    assert one(warehouse, sql, ["CA", "2022-02"]) == {
        "has_submitted": True, "is_on_time": True, "days_late": None, "submission_status": "on_time",
        "n_files_quarantined": 0, "n_revisions": 1,
    }  # fmt: skip
    assert one(warehouse, sql, ["CA", "2022-03"])["submission_status"] == "missing"
    late = one(warehouse, sql, ["CA", "2022-04"])
    assert late["submission_status"] == "late" and late["days_late"] == 15 and late["is_on_time"] is False
    quarantined = one(warehouse, sql, ["BDB", "2022-02"])
    assert quarantined["has_submitted"] is False and quarantined["n_files_quarantined"] == 1
    n_expected = len(load_plan().reporting_departments())
    rates = warehouse.execute(
        "select period, n_expected, n_submitted, n_on_time, reporting_rate, on_time_rate "
        "from governance.fct_reporting_rates where period <= '2022-04' order by 1"
    ).fetchall()
    assert rates == [
        ("2022-01", n_expected, 2, 2, 2 / n_expected, 2 / n_expected),
        ("2022-02", n_expected, 1, 1, 1 / n_expected, 1 / n_expected),
        ("2022-03", n_expected, 1, 1, 1 / n_expected, 1 / n_expected),
        ("2022-04", n_expected, 1, 0, 1 / n_expected, 0.0),
    ]
    ca_to_date = one(
        warehouse,
        "select reporting_rate_to_date, on_time_rate_to_date from governance.fct_submission_compliance "
        "where department_code = 'CA' and period = '2022-04'",
    )
    assert ca_to_date == {"reporting_rate_to_date": 0.75, "on_time_rate_to_date": 0.5}


def test_reconciliation_flags_the_wide_gap_only(warehouse):
    rows = warehouse.execute(
        "select indicator_id, prefecture_code, period, public_value, department_value, gap, is_flagged "
        "from governance.fct_reconciliation order by 1"
    ).fetchall()
    assert rows[0][:6] == ("dc_standard_racks", "GY", "2022-03", 70500.0, 70000.0, -500.0)
    assert rows[0][6] is False
    assert rows[1] == (
        "g5_base_stations",
        "GZ",
        "2022-02",
        20000.0,
        18500.0,
        -1500.0,
        True,
    )  # v2 of the figure


def test_revisions_after_publication_list_what_changed(warehouse):
    rows = warehouse.execute(
        "select indicator_id, prefecture_code, value, previous_value, value_change, is_changed, first_published_at "
        "from governance.fct_revisions_after_publication order by 1"
    ).fetchall()
    assert [r[:6] for r in rows] == [
        ("g5_base_stations", "GY", 12500.0, 12000.0, 500.0, True),
        ("g5_village_coverage_rate", "GZ", 43.0, 42.0, 1.0, True),
    ]
    assert all(r[6] is not None for r in rows)


def test_project_investment_carried_and_rolled_up_against_the_target(warehouse):
    rows = warehouse.execute(
        "select period, cumulative_completed_yuan, completed_this_month_yuan, is_carried_forward, completion_share "
        "from governance.fct_project_investment where project_code = 'P-001' and period <= '2022-04' order by 1"
    ).fetchall()
    assert rows == [
        ("2022-01", 1e8, 1e8, False, 0.1),
        ("2022-02", 2e8, 1e8, False, 0.2),  # the revision wins
        ("2022-03", 2e8, None, True, 0.2),
        ("2022-04", 3e8, 1e8, False, 0.3),
    ]
    rollup = one(
        warehouse,
        "select cumulative_completed_yi, target_value_yi, share_of_target from governance.fct_investment_rollup "
        "where period = '2024-06'",
    )
    assert rollup == {"cumulative_completed_yi": 3.0, "target_value_yi": 1000.0, "share_of_target": 0.003}


def test_sector_marts(warehouse):
    racks = one(
        warehouse,
        "select total_racks, utilisation_rate, estimated_racks_in_use, utilisation_target_rate "
        "from compute.fct_compute_rack_utilisation where prefecture_code = 'GZ' and period = '2022-03'",
    )
    assert racks == {
        "total_racks": 110000.0, "utilisation_rate": None, "estimated_racks_in_use": None,
        "utilisation_target_rate": 65.0,
    }  # fmt: skip
    racks_gy = one(
        warehouse,
        "select total_racks, utilisation_target_rate from compute.fct_compute_rack_utilisation "
        "where prefecture_code = 'GY' and period = '2022-03'",
    )
    assert racks_gy == {"total_racks": 70000.0, "utilisation_target_rate": None}
    columns = {c for (c,) in warehouse.execute(
        "select column_name from information_schema.columns "
        "where table_schema = 'compute' and table_name = 'fct_compute_rack_utilisation'"
    ).fetchall()}  # fmt: skip
    assert not columns & {"used_racks", "computed_utilisation_rate", "utilisation_basis"}
    g5 = one(
        warehouse,
        "select base_stations, base_stations_target, village_coverage_rate, village_coverage_target_rate, "
        "village_coverage_gap_to_target from broadband.fct_broadband_5g where prefecture_code = 'GZ' and period = '2022-02'",
    )
    assert g5 == {
        "base_stations": 18500.0, "base_stations_target": 80000.0, "village_coverage_rate": 43.0,
        "village_coverage_target_rate": 70.0, "village_coverage_gap_to_target": 43.0 - 70.0,
    }  # fmt: skip
    # the plan's targets are provincial: on the GZ row only
    g5_gy = one(
        warehouse,
        "select base_stations, base_stations_target, village_coverage_target_rate, village_coverage_gap_to_target "
        "from broadband.fct_broadband_5g where prefecture_code = 'GY' and period = '2022-02'",
    )
    assert g5_gy == {
        "base_stations": 12500.0, "base_stations_target": None, "village_coverage_target_rate": None,
        "village_coverage_gap_to_target": None,
    }  # fmt: skip
    sectors = {s for (s,) in warehouse.execute("select distinct sector from plan.indicators").fetchall()}
    for sector in sectors:
        n = one(warehouse, f"select count(*) as n from {sector}.fct_{sector}_progress")["n"]
        assert n > 0, sector
