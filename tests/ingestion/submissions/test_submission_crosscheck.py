"""Issue 16.1–16.4: what a careless sender still got through. Visible columns are checked against the
hidden codes, an edited unit converts exactly or is refused, numbers are checked exactly against the
plan's bounds, and a CSV row must have the header's field count."""

from __future__ import annotations

import openpyxl
from submission_helpers import PERIOD, csv_bytes, query

from ingestion.submissions import constants, ingest_paths
from ingestion.submissions.readers import read_csv
from ingestion.submissions.rules import (
    AcceptedValue,
    Context,
    RawRow,
    Rejection,
    validate,
    validate_indicator_row,
)
from newinfra.plan import load_plan

PLAN = load_plan()
COLS = {k: (chr(65 + i), h) for i, (k, h) in enumerate(constants.INDICATOR_COLUMNS)}
CTX = Context(PLAN, "CA", PERIOD)


def row(value=6000, name=None, region=None, unit=None, indicator="g5_base_stations", prefecture="GY", n=7):
    ind = PLAN.indicators[indicator]
    cells = {
        "indicator_id": indicator,
        "prefecture_code": prefecture,
        "indicator_name": ind.name_zh if name is None else name,
        "prefecture_name": PLAN.prefectures[prefecture].short_name_zh if region is None else region,
        "unit": ind.unit if unit is None else unit,
        "value": value,
        "note": "",
    }
    return RawRow(constants.SHEET_INDICATORS, n, cells, {}, frozenset(), COLS)


def test_a_visible_name_that_disagrees_with_the_hidden_code_rejects_the_row():
    other = PLAN.indicators["g5_scene_app_projects"].name_zh
    result = validate_indicator_row(row(name=other), CTX, {})
    assert isinstance(result, Rejection)
    assert result.reason.code == "row_mismatch"
    assert result.reason.zh.startswith("第7行：指标名称与隐藏编码不一致，疑似排序后错位")
    assert other in result.reason.zh and PLAN.indicators["g5_base_stations"].name_zh in result.reason.zh
    assert "g5_base_stations" in result.reason.en and result.column_letter == "C"


def test_a_visible_region_that_disagrees_with_the_hidden_code_rejects_the_row():
    result = validate_indicator_row(row(region="遵义"), CTX, {})
    assert isinstance(result, Rejection) and result.reason.code == "row_mismatch"
    assert "地区" in result.reason.zh and "遵义" in result.reason.zh and "贵阳" in result.reason.zh
    # the code itself, the full name and 全省 for the province row are all the same region
    for region in ("GY", PLAN.prefectures["GY"].name_zh):
        assert isinstance(validate_indicator_row(row(region=region), CTX, {}), AcceptedValue), region
    province = row(indicator="g5_village_coverage_rate", prefecture="GZ", value=50, region="全省")
    assert isinstance(validate_indicator_row(province, CTX, {}), AcceptedValue)


def test_an_edited_unit_converts_exactly_or_is_refused():
    result = validate_indicator_row(row(value=15, unit="万个"), CTX, {})
    assert isinstance(result, AcceptedValue), result
    assert result.value == 150_000 and result.unit_as_written == "万个"  # recorded
    assert result.value_as_written == "15"
    for unit in ("台", "万台", "%", "个/平方公里"):
        refused = validate_indicator_row(row(value=15, unit=unit), CTX, {})
        assert isinstance(refused, Rejection) and refused.reason.code == "unit_mismatch", unit
        assert unit in refused.reason.zh and "个" in refused.reason.zh
    assert validate_indicator_row(row(value=15), CTX, {}).unit_as_written is None


def test_a_forty_digit_number_is_rejected_with_the_range():
    forty = "1234567890123456789012345678901234567890"
    result = validate_indicator_row(row(value=forty), CTX, {})
    assert isinstance(result, Rejection) and result.reason.code == "value_out_of_range"
    high = PLAN.indicators["g5_base_stations"].value_max
    assert f"{high:g}" in result.reason.zh and forty in result.reason.zh
    # just inside and just outside the bound, decided on the exact number
    assert isinstance(validate_indicator_row(row(value=f"{int(high)}"), CTX, {}), AcceptedValue)
    over = f"{int(high)}.000000000000000000001"
    assert isinstance(validate_indicator_row(row(value=over), CTX, {}), Rejection)


def test_a_csv_row_with_more_fields_than_the_header_is_rejected(maker):
    data = csv_bytes(maker).decode().replace("g5_base_stations,GY,", "g5_base_stations,GY,", 1)
    lines = data.split("\r\n")
    at = next(i for i, line in enumerate(lines) if line.startswith("g5_base_stations,GY,"))
    fields = lines[at].split(",")
    fields[6] = "1,234"  # an unquoted thousands separator: one field more than the header
    lines[at] = ",".join(fields)
    parsed = read_csv("\r\n".join(lines).encode())
    result = validate(parsed.indicator_rows, parsed.project_rows, Context(PLAN, "CA", PERIOD))
    [rejection] = [r for r in result.rejections if r.row_number == at + 1]
    assert rejection.reason.code == "csv_field_count"
    assert "9" in rejection.reason.zh and "8" in rejection.reason.zh
    assert not any(v.row_number == at + 1 for v in result.values)


def test_rows_sorted_by_the_visible_columns_only_load_nothing_under_the_wrong_indicator(settings, maker):
    """The issue's case: the data rows sorted by 指标名称 in Excel, the hidden codes left in place."""
    path = maker.filled()
    wb = openpyxl.load_workbook(path)
    ws = wb[constants.SHEET_INDICATORS]
    first = constants.FIRST_DATA_ROW
    rows = [[c.value for c in r[2:]] for r in ws.iter_rows(min_row=first, max_row=ws.max_row)]
    rows.sort(key=lambda r: (str(r[0]), str(r[1])), reverse=True)
    for i, values in enumerate(rows):
        for j, value in enumerate(values):
            ws.cell(first + i, 3 + j, value)
    wb.save(path)
    maker.drop(path, "CA")
    [result] = ingest_paths(settings)
    stored = query(
        settings,
        "select v.indicator_id, v.prefecture_code, v.row_number from raw.submission_values v",
    )
    for indicator_id, prefecture, row_number in stored:  # whatever loaded is where it belongs
        assert ws.cell(row_number, 3).value == PLAN.indicators[indicator_id].name_zh
        short = PLAN.prefectures[prefecture]
        assert ws.cell(row_number, 4).value in ("全省", short.short_name_zh)
    assert result.rows_rejected > 0
    codes = {r[0] for r in query(settings, "select reason_code from raw.submission_rejections")}
    assert codes == {"row_mismatch"}
