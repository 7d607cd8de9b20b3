"""Breaking cases of the bounds that catch absurd figures (issue 23, docs/analysts_figures.md "Bounds"):
change shares within ±10 unless the base is tiny, shares of the province within 0–1, values within
the indicator's range, rates within 0–1, rows in force within the rows accepted. Each only warns.

Like tests/quality/test_contracts_governance.py, the cases are added to test_contracts.BREAKS when this
module is imported, so its meta test (every check has a breaking case) sees them.
"""

from __future__ import annotations

import pytest
import test_contracts as base
from test_contracts import upd

from quality import settings as S

WARNED = S.WARNED
MON, COMP = "governance.fct_indicator_monthly", "governance.fct_submission_compliance"
G5, RACKS, IOT = (
    "broadband.fct_broadband_5g",
    "compute.fct_compute_rack_utilisation",
    "iot.fct_iot_connections",
)

# A base far from tiny (above every target) and a share of 50 on every row: absurd whatever row is picked.
# Every row, because the healthy fixture spans 12 months (no year-on-year share of its own).
_BIG_BASE = "(select max(abs(target_value)) + 1 from plan.indicator_targets)"


def _absurd_share(table: str, share: str, monthly_base: str, indicator: str) -> list[str]:
    # Every row on both sides: one row each (`upd`) would have to be the same prefecture and month,
    # and which row comes first in a table dbt built in parallel is not fixed.
    return [
        f"update {table} set {share} = 50",
        f"update {MON} set {monthly_base} = {_BIG_BASE} where indicator_id = '{indicator}'",
    ]


BREAKS: dict[str, dict[str, tuple[list[str], str]]] = {
    "newinfra/governance/fct_indicator_monthly": {
        "change_share_bounded": (
            [upd(MON, f"yoy_change_share = 50, previous_year_value = {_BIG_BASE}")],
            WARNED,
        ),
        "share_of_province_in_range": (
            [upd(MON, "share_of_province = 1.5", "share_of_province is not null")],
            WARNED,
        ),
        # the indicator's range from the seed (no blocking check reads value_max, so only this one trips)
        "value_within_indicator_range": (
            [
                "update plan.indicators set value_max = 0.5 where indicator_id in "
                "(select indicator_id from governance.fct_indicator_monthly where value > 1 and kind = 'cumulative')"
            ],
            WARNED,
        ),
    },
    "newinfra/broadband/fct_broadband_5g": {
        "change_share_bounded": (
            _absurd_share(G5, "base_stations_yoy_change_share", "previous_year_value", "g5_base_stations"),
            WARNED,
        ),
    },
    "newinfra/compute/fct_compute_rack_utilisation": {
        "change_share_bounded": (
            _absurd_share(RACKS, "total_racks_yoy_change_share", "previous_year_value", "dc_standard_racks"),
            WARNED,
        ),
    },
    "newinfra/iot/fct_iot_connections": {
        "change_share_bounded": (
            _absurd_share(IOT, "connections_mom_change_share", "previous_month_value", "iot_connections"),
            WARNED,
        ),
    },
    "newinfra/governance/fct_submission_compliance": {
        "rows_in_force.invalid": ([upd(COMP, "rows_in_force = -1")], WARNED),
        "reporting_rate_to_date.invalid": (
            [upd(COMP, "reporting_rate_to_date = 1.5", "reporting_rate_to_date is not null")],
            WARNED,
        ),
        "on_time_rate_to_date.invalid": (
            [upd(COMP, "on_time_rate_to_date = -0.5", "on_time_rate_to_date is not null")],
            WARNED,
        ),
        "rows_in_force_within_accepted": ([upd(COMP, "rows_in_force = rows_accepted + 1")], WARNED),
    },
}

for _contract_id, _checks in BREAKS.items():
    base.BREAKS.setdefault(_contract_id, {}).update(_checks)


@pytest.mark.parametrize(("contract_id", "check_name", "statements", "expected"), list(base._cases(BREAKS)))
def test_breaking_the_data_trips_the_bound(healthy, contract_id, check_name, statements, expected):
    base.assert_break_fails_the_check(healthy, contract_id, check_name, statements, expected)


def test_every_bound_only_warns():
    assert all(spec[1] == WARNED for checks in BREAKS.values() for spec in checks.values())
