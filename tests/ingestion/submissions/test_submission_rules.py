"""Table-driven: each row rule and each file (metadata) rule, on the real plan, as pure functions."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from submission_helpers import PERIOD

from ingestion.common.reasons import FILE_REASONS
from ingestion.submissions import constants
from ingestion.submissions.rules import (
    AcceptedProject,
    AcceptedValue,
    Blank,
    Context,
    ProjectInfo,
    Quarantine,
    RawRow,
    Rejection,
    check_metadata,
    validate,
    validate_indicator_row,
    validate_project_row,
)
from ingestion.submissions.signature import sign
from newinfra.plan import load_plan

PLAN = load_plan()
COLS = {k: (chr(65 + i), h) for i, (k, h) in enumerate(constants.INDICATOR_COLUMNS)}
PCOLS = {k: (chr(65 + i), h) for i, (k, h) in enumerate(constants.PROJECT_COLUMNS)}
PROJECTS = {
    "XJ-CA-001": ProjectInfo("XJ-CA-001", "5G 工程", "broadband", "CA", "GY", 2e9),
}
CTX = Context(
    PLAN,
    "CA",
    PERIOD,
    previous={("g5_base_stations", "GY"): ("2024-05", 5000.0)},
    projects=PROJECTS,
)


def ind_row(indicator="g5_base_stations", prefecture="GY", value=6000, n=10, formulas=None, percent=()):
    cells = {"indicator_id": indicator, "prefecture_code": prefecture, "value": value, "note": ""}
    return RawRow(constants.SHEET_INDICATORS, n, cells, formulas or {}, frozenset(percent), COLS)


def proj_row(code="XJ-CA-001", month=10, cumulative=100, status="在建", n=5, formulas=None):
    cells = {
        "project_code": code,
        "completed_this_month": month,
        "cumulative_completed": cumulative,
        "status": status,
    }
    return RawRow(constants.SHEET_PROJECTS, n, cells, formulas or {}, frozenset(), PCOLS)


# (row, expected reason code or None for accepted, expected column letter of the rejection)
INDICATOR_CASES = [
    ("accepted", ind_row(), None, None),
    ("text number accepted", ind_row(value="1.5万"), None, None),
    ("unknown indicator", ind_row(indicator="no_such_indicator"), "unknown_indicator", "A"),
    ("empty indicator code", ind_row(indicator=""), "unknown_indicator", "A"),
    ("another department's indicator", ind_row(indicator="dc_standard_racks"), "indicator_not_department", "A"),
    ("unknown prefecture", ind_row(prefecture="XX"), "unknown_prefecture", "B"),
    ("province row of a by-prefecture indicator", ind_row(prefecture="GZ"), "prefecture_not_applicable", "B"),
    ("prefecture row of a province indicator",
     ind_row(indicator="g5_village_coverage_rate", prefecture="GY", value=50), "prefecture_not_applicable", "B"),
    ("non-numeric", ind_row(value="十五"), "not_a_number", "G"),
    ("approximate", ind_row(value="约15万"), "ambiguous_number", "G"),
    ("range", ind_row(value="15-20"), "ambiguous_number", "G"),
    ("several points", ind_row(value="1.2.3"), "ambiguous_number", "G"),
    ("negative count", ind_row(value=-5), "negative_value", "G"),
    ("negative text count", ind_row(value="-5"), "negative_value", "G"),
    ("percentage over 100", ind_row(indicator="g5_village_coverage_rate", prefecture="GZ", value=120),
     "percent_out_of_range", "G"),
    ("percentage text over 100", ind_row(indicator="g5_village_coverage_rate", prefecture="GZ", value="101%"),
     "percent_out_of_range", "G"),
    ("percent sign on a count", ind_row(value="65%"), "percent_sign_not_allowed", "G"),
    ("percent-formatted count", ind_row(value=0.65, percent=("value",)), "percent_sign_not_allowed", "G"),
    ("latency over its bound", ind_row(indicator="latency_east_hubs_ms", prefecture="GZ", value=900),
     "value_out_of_range", "G"),
    ("milestone not 0 or 1", ind_row(indicator="g5_county_full_coverage", prefecture="GZ", value=2),
     "value_out_of_range", "G"),
    ("formula", ind_row(value=None, formulas={"value": "=SUM(G4:G5)"}), "formula_cell", "G"),
    ("formula in the code column", ind_row(formulas={"indicator_id": "=A1"}), "formula_cell", "A"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "row", "code", "letter"), INDICATOR_CASES, ids=[c[0] for c in INDICATOR_CASES]
)
def test_indicator_row_rules(name, row, code, letter):
    result = validate_indicator_row(row, CTX, {})
    if code is None:
        assert isinstance(result, AcceptedValue), result
        return
    assert isinstance(result, Rejection), result
    assert result.reason.code == code
    assert result.column_letter == letter and result.row_number == row.row_number
    assert result.reason.zh and result.reason.en and result.column_name


def test_an_empty_value_is_a_blank_not_a_rejection():
    """Issue 16.8: an empty cell is 未填报, listed apart; it is neither accepted nor rejected."""
    result = validate_indicator_row(ind_row(value=""), CTX, {})
    assert isinstance(result, Blank)
    assert (result.indicator_id, result.prefecture_code, result.row_number) == ("g5_base_stations", "GY", 10)
    out = validate([ind_row(value="", n=10), ind_row(prefecture="ZY", n=11)], [], CTX)
    assert (out.rows_total, out.rows_accepted, out.rows_rejected, len(out.blanks)) == (1, 1, 0, 1)


def test_pue_bounds_for_the_department_that_reports_it():
    ctx = Context(PLAN, "BDB", PERIOD)
    for value, code in ((1.25, None), (0.9, "pue_out_of_range"), (3.5, "pue_out_of_range")):
        result = validate_indicator_row(ind_row("dc_pue_avg", "GZ", value), ctx, {})
        assert (result.reason.code if isinstance(result, Rejection) else None) == code


def test_duplicate_row_rejects_the_second():
    seen: dict = {}
    first = validate_indicator_row(ind_row(n=10), CTX, seen)
    second = validate_indicator_row(ind_row(n=11, value=7000), CTX, seen)
    assert isinstance(first, AcceptedValue)
    assert isinstance(second, Rejection) and second.reason.code == "duplicate_row"
    assert "10" in second.reason.zh


@pytest.mark.parametrize(
    ("value", "flagged"),
    [(4999, True), ("4,000", True), (5000, False), (5001, False)],
)
def test_cumulative_below_last_period_is_accepted_but_flagged(value, flagged):
    result = validate_indicator_row(ind_row(value=value), CTX, {})
    assert isinstance(result, AcceptedValue)
    assert (result.flag is not None) == flagged
    if flagged:
        assert result.flag.code == "cumulative_decreased" and "2024-05" in result.flag.zh


def test_level_indicator_may_fall_without_a_flag():
    # fibre length is a level (not cumulative) indicator
    ctx = Context(PLAN, "CA", PERIOD, previous={("fibre_cable_length_km", "GY"): ("2024-05", 5000.0)})
    result = validate_indicator_row(ind_row("fibre_cable_length_km", "GY", 100), ctx, {})
    assert isinstance(result, AcceptedValue) and result.flag is None


PROJECT_CASES = [
    ("accepted", proj_row(), None, None),
    ("status as code", proj_row(status="completed"), None, None),
    ("money with explicit yuan", proj_row(month="50万元", cumulative="1.5亿元"), None, None),
    ("missing code", proj_row(code=""), "project_code_missing", "A"),
    ("unknown project", proj_row(code="XJ-NOPE"), "project_unknown", "A"),
    ("another department's project", proj_row(code="XJ-BDB-001"), "project_unknown", "A"),
    ("empty month", proj_row(month=""), "empty_value", "F"),
    ("negative month", proj_row(month=-1), "negative_value", "F"),
    ("money with bare 万", proj_row(cumulative="15万"), "money_unit_ambiguous", "G"),
    ("cumulative below month", proj_row(month=100, cumulative=10), "cumulative_exceeds_month", "G"),
    ("bad status", proj_row(status="进行中"), "invalid_status", "H"),
    ("empty status", proj_row(status=""), "empty_value", "H"),
    ("formula", proj_row(formulas={"cumulative_completed": "=F5*2"}), "formula_cell", "G"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "row", "code", "letter"), PROJECT_CASES, ids=[c[0] for c in PROJECT_CASES])
def test_project_row_rules(name, row, code, letter):
    result = validate_project_row(row, CTX, {})
    if code is None:
        assert isinstance(result, AcceptedProject), result
        assert result.sector == "broadband" and result.prefecture_code == "GY"  # from the library
        return
    assert isinstance(result, Rejection), result
    assert result.reason.code == code and result.column_letter == letter


def test_project_money_is_stored_in_yuan():
    result = validate_project_row(proj_row(month=12.5, cumulative="1.5亿元"), CTX, {})
    assert result.completed_this_month_yuan == 125000.0
    assert result.cumulative_completed_yuan == 150_000_000.0
    assert result.project_status == "under_construction"


def test_every_row_is_accepted_or_rejected():
    rows = [dataclasses.replace(row, row_number=100 + i) for i, (_, row, _, _) in enumerate(INDICATOR_CASES)]
    projects = [
        dataclasses.replace(row, row_number=200 + i) for i, (_, row, _, _) in enumerate(PROJECT_CASES)
    ]
    out = validate(rows, projects, CTX)
    assert out.rows_total == len(rows) + len(projects) == out.rows_accepted + out.rows_rejected
    rejected_rows = {(r.sheet, r.row_number) for r in out.rejections}
    accepted_rows = {(v.sheet, v.row_number) for v in out.values} | {
        (p.sheet, p.row_number) for p in out.projects
    }
    assert not rejected_rows & accepted_rows
    # within one file the same indicator/prefecture (or project) twice is a duplicate
    assert "duplicate_row" in {r.reason.code for r in out.rejections}


SECRET = "k"
TODAY = dt.date(2024, 7, 3)


def meta(**over):
    out = {
        constants.META_KIND: constants.TEMPLATE_KIND,
        constants.META_VERSION: constants.TEMPLATE_VERSION,
        constants.META_DEPARTMENT: "CA",
        constants.META_PERIOD: PERIOD,
        constants.META_SIGNATURE: sign(SECRET, "CA", PERIOD, constants.TEMPLATE_VERSION),
    }
    out.update(over)
    return out


METADATA_CASES = [
    ("ok", meta(), "CA", None),
    ("landing root", meta(), constants.LANDING_ROOT_SENDER, "spoof_landing_root"),
    ("unknown folder", meta(), "NOPE", "sender_unknown"),
    ("no metadata", None, "CA", "metadata_missing"),
    ("not our template", meta(template="something-else"), "CA", "metadata_missing"),
    ("no signature", meta(signature=""), "CA", "metadata_incomplete"),
    ("old version", meta(template_version="2023.1"), "CA", "template_version_unsupported"),
    ("unknown department", meta(department_code="XYZ"), "CA", "department_unknown"),
    ("another department", meta(department_code="BDB"), "CA", "spoof_department_mismatch"),
    ("bad period", meta(period="2024-13"), "CA", "period_invalid"),
    ("edited period", meta(period="2024-05"), "CA", "signature_mismatch"),
    ("future period", meta(period="2024-08", signature=sign(SECRET, "CA", "2024-08", constants.TEMPLATE_VERSION)), "CA",
     "period_in_future"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "m", "sender", "code"), METADATA_CASES, ids=[c[0] for c in METADATA_CASES])
def test_metadata_rules_in_order(name, m, sender, code):
    if code is None:
        assert check_metadata(m, PLAN, sender, SECRET, TODAY) == ("CA", PERIOD, constants.TEMPLATE_VERSION)
        return
    with pytest.raises(Quarantine) as err:
        check_metadata(m, PLAN, sender, SECRET, TODAY)
    assert err.value.reason.code == code
    assert err.value.reason.zh and err.value.reason.en


def test_every_reason_has_both_languages():
    for table in (FILE_REASONS, constants.ROW_REASONS, constants.FLAG_REASONS):
        for code, (zh, en) in table.items():
            assert code.isascii() and zh and en
            assert any("\u4e00" <= ch <= "\u9fff" for ch in zh), code
