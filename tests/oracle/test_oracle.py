"""Every published derived figure of the demo, recomputed from the raw tables and the seeds (oracles.py),
equals the analysts' copy in every row (docs/analysts_figures.md)."""

from __future__ import annotations

import pytest
from oracle_compare import column_types, mismatches
from oracles import ORACLES


@pytest.mark.slow
@pytest.mark.parametrize("oracle", ORACLES, ids=lambda o: o.id)
def test_published_figures_equal_the_oracle(oracle_con, oracle):
    if not column_types(oracle_con, oracle.table):
        pytest.skip(f"{oracle.table} is not published in this tree (yet)")
    assert mismatches(oracle_con, oracle) == []


def test_the_oracle_uses_the_project_settings():
    """The oracle's constants are the dbt vars it was written for (a change must be read, not missed)."""
    import yaml
    from oracle_reference import LOCAL_UTC_OFFSET_HOURS, ON_TIME_DAYS, PLAN_START, RATIO_CARRY_MONTHS

    from newinfra.settings import DBT_PROJECT_DIR

    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]
    assert project["ratio_carry_months"] == RATIO_CARRY_MONTHS
    assert project["on_time_days"] == ON_TIME_DAYS
    assert project["local_utc_offset_hours"] == LOCAL_UTC_OFFSET_HOURS
    assert project["plan_start_month"] == PLAN_START
    assert project["investment_indicator_id"] == "key_project_investment"
    assert project["racks_total_indicator_id"] == "dc_standard_racks"
    assert project["rack_utilisation_indicator_id"] == "dc_rack_utilisation_rate"
    import oracle_reference_progress as method

    assert project["at_risk_margin"] == method.AT_RISK_MARGIN
    assert project["milestone_at_risk_elapsed"] == method.MILESTONE_AT_RISK_ELAPSED
    assert project["stale_after_months"] == method.STALE_AFTER_MONTHS
    assert project["projection_window_months"] == method.PROJECTION_WINDOW_MONTHS
    assert project["projection_cagr_indicators"] == []  # the oracle projects linearly only
    assert project["r_substantial"] == method.R_SUBSTANTIAL
    assert project["r_moderate"] == method.R_MODERATE
    assert project["r_min_required_growth"] == method.R_MIN_REQUIRED_GROWTH
    assert project["r_min_months_observed"] == method.R_MIN_MONTHS_OBSERVED
    assert project["plan_end_month"] == method.PLAN_END
    assert project["indicator_baselines"] == {}  # the oracle's baseline is the first observation
