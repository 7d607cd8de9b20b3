"""The contract of governance.fct_public_source_health (docs/public-stats.md): clean data passes,
breaking the data on purpose makes exactly the check named fail (or warn).

The cases follow tests/quality/test_contracts.py (same helpers, same healthy warehouse, whose one
public source is fetched but not declared) and are added to its ``BREAKS`` table, so its meta test
(every check of every contract has a breaking case) sees them."""

from __future__ import annotations

import pytest
import test_contracts as base
from test_contracts import (
    CONTRACTS,
    _cases,
    assert_break_fails_the_check,
    contract_check_keys,
    dup,
    upd,
    warned,
)

HEALTH = "newinfra/governance/fct_public_source_health"
T = "governance.fct_public_source_health"

BREAKS = {
    HEALTH: {
        "source_name.missing": [upd(T, "source_name = null")],
        "source_name.duplicate": [dup(T)],
        "n_fetches.invalid": [upd(T, "n_fetches = -1")],
        "health_status.missing": [upd(T, "health_status = null")],
        "health_status.invalid": [upd(T, "health_status = 'great'")],
        "schema": [f"alter table {T} drop column title_zh"],
        "stale_rule": [upd(T, "is_stale = not coalesce(is_stale, false)")],
        "failing_rule": [
            upd(T, "health_status = case when health_status = 'failing' then 'ok' else 'failing' end")
        ],
        "last_success_from_raw": [upd(T, "last_success_at = last_success_at - interval 1 day")],
        "newest_period_from_raw": [upd(T, "newest_period = '1999-12'")],
        "every_source_listed": [f"delete from {T}"],
        **warned(
            {
                # consistent rows (the blocking rules hold), only the operational warning fires
                "no_failing_source": [upd(T, "health_status = 'failing', last_fetch_status = 'failed'")],
                "no_stale_enabled_source": [
                    upd(T, "is_enabled = true, months_behind = 12, max_age_months = 2, is_stale = true")
                ],
            }
        ),
    }
}

for _contract_id, _checks in BREAKS.items():
    base.BREAKS.setdefault(_contract_id, {}).update(_checks)


def test_every_check_of_the_contract_has_a_breaking_case():
    assert set(contract_check_keys(CONTRACTS[HEALTH])) == set(BREAKS[HEALTH])


@pytest.mark.parametrize(("contract_id", "check_name", "statements", "expected"), list(_cases(BREAKS)))
def test_breaking_the_data_fails_the_check(healthy, contract_id, check_name, statements, expected):
    assert_break_fails_the_check(healthy, contract_id, check_name, statements, expected)
