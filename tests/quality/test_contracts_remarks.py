"""The contracts of governance.fct_submission_remarks and dim_department_contact (docs/architecture.md,
"Remarks and contacts"): clean data passes, breaking the data on purpose makes exactly the check named
fail.

The cases follow tests/quality/test_contracts.py (same helpers, same healthy warehouse, whose files carry
no remark and no contact, so a remark row is inserted to be broken) and are added to its ``BREAKS``
table, so its meta test (every check of every contract has a breaking case) sees them."""

from __future__ import annotations

import pytest
import test_contracts as base
from quality_fixture import PERIOD
from test_contracts import (
    CONTRACTS,
    F_CA2,
    _cases,
    assert_break_fails_the_check,
    contract_check_keys,
    dup,
    upd,
)

from quality.runner import run_checks

REMARKS, CONTACT = "newinfra/governance/fct_submission_remarks", "newinfra/governance/dim_department_contact"
REM, DDC = "governance.fct_submission_remarks", "governance.dim_department_contact"


def remark(**overrides) -> str:
    """Insert a remark row into the mart (the healthy fixture has none), with ``overrides``."""
    row = {
        "department_code": "'CA'",
        "period": f"'{PERIOD}'",
        "row_kind": "'indicator'",
        "row_status": "'accepted'",
        "indicator_id": "'g5_base_stations'",
        "prefecture_code": "'GY'",
        "project_code": "null",
        "remark": "'部门未填写的备注'",
        "is_current": "true",
        "file_id": f"'{F_CA2}'",
        "sheet_name": "'指标填报'",
        "row_number": "4",
        **overrides,
    }
    return f"insert into {REM} ({', '.join(row)}) values ({', '.join(row.values())})"


BREAKS = {
    REMARKS: {
        "department_code.missing": [remark(department_code="null")],
        "remark.missing": [remark(remark="null")],
        "schema": [f"alter table {REM} drop column row_kind"],
        "duplicate": [remark(), remark()],
        "remark_from_raw": [remark()],  # no such remark in raw: invented text
        "one_current_per_row": [remark(row_number="4"), remark(row_number="5")],
    },
    CONTACT: {
        "department_code.missing": [upd(DDC, "department_code = null")],
        "department_code.duplicate": [dup(DDC)],
        "schema": [f"alter table {DDC} drop column has_contact"],
        "every_department_listed": [f"delete from {DDC} where department_code = 'CA'"],
        "contact_from_file": [
            upd(
                DDC,
                f"contact_name = '张三', has_contact = true, contact_file_id = '{F_CA2}', contact_period = '{PERIOD}'",
                "department_code = 'CA'",
            )
        ],
        "phone_flag_consistent": [
            upd(
                DDC,
                "contact_phone = '8681234', contact_phone_is_plausible = true, contact_phone_flag_zh = '缺少区号'",
            )
        ],
    },
}

for _contract_id, _checks in BREAKS.items():
    base.BREAKS.setdefault(_contract_id, {}).update(_checks)


def test_every_check_of_these_contracts_has_a_breaking_case():
    for contract_id in (REMARKS, CONTACT):
        assert set(contract_check_keys(CONTRACTS[contract_id])) == set(BREAKS[contract_id]), contract_id


def test_the_clean_warehouse_passes_both(healthy):
    run = run_checks(healthy, period=PERIOD, contracts=[CONTRACTS[REMARKS], CONTRACTS[CONTACT]])
    assert not run.is_blocked, [(r.check_name, r.outcome, r.message) for r in run.results if r.is_blocking]
    assert {r.check_name for r in run.results} >= {"remark_from_raw", "contact_from_file"}


@pytest.mark.parametrize(("contract_id", "check_name", "statements", "expected"), list(_cases(BREAKS)))
def test_breaking_the_data_fails_the_check(healthy, contract_id, check_name, statements, expected):
    assert_break_fails_the_check(healthy, contract_id, check_name, statements, expected)
