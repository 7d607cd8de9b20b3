"""The pure parts, table-driven: sources.yml parsing, the three parsers, period/value/prefecture
mapping, and which figures become new versions."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest

from ingestion.public_stats.config import TableSpec, parse_sources, resolve_location, substitute_env
from ingestion.public_stats.helpers import (
    Observation,
    map_table,
    new_versions,
    parse_number,
    parse_public_period,
    prefecture_lookup,
    to_base_units,
)
from ingestion.public_stats.parsers import ParseError, parse_csv, parse_json, parse_xlsx
from newinfra.errors import UserInputError
from newinfra.plan import load_plan
from newinfra.settings import PROJECT_ROOT

PLAN = load_plan()
IDS = PLAN.indicators.keys()

LONG_SOURCE = """
sources:
  - name: t
    title_zh: 测试
    publisher: 测试局
    location: ${env.BASE:-data}/t.csv
    format: csv
    frequency: monthly
    table: {header_row: 2}
    mapping: {period: 月份, prefecture: 地区, indicator: 指标, value: 数值, unit: 单位}
    indicators:
      5G基站数: {indicator_id: g5_base_stations, unit: 万个, scale: 10000}
"""


# sources.yml ---------------------------------------------------------------------------------------
def test_env_substitution_and_locations():
    assert substitute_env("${env.A}/x", {"A": "http://127.0.0.1:9"}) == "http://127.0.0.1:9/x"
    assert substitute_env("${env.A:-demo}/x", {}) == "demo/x"
    assert substitute_env("${env.A:-demo}/x", {"A": ""}) == "demo/x"
    assert resolve_location("demo/x.csv", {}) == str(PROJECT_ROOT / "demo" / "x.csv")
    assert resolve_location("/abs/x.csv", {}) == "/abs/x.csv"
    assert resolve_location("https://example.org/x.csv", {}) == "https://example.org/x.csv"


def test_a_well_declared_source():
    (source,) = parse_sources(LONG_SOURCE, env={"BASE": "http://127.0.0.1:1"}, indicator_ids=IDS)
    assert source.config_error is None
    assert source.location == "http://127.0.0.1:1/t.csv" and source.is_url
    assert source.indicators["5G基站数"].scale == Decimal(10000)
    assert "text/html" not in source.content_types


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("format: csv", "format: xls"), "format"),
        (("frequency: monthly", "frequency: weekly"), "frequency"),
        (("g5_base_stations", "no_such_indicator"), "indicators.csv"),
        (("scale: 10000", "scale: -1"), "scale"),
        (("${env.BASE:-data}/t.csv", "${env.UNSET_VAR_FOR_TEST}/t.csv"), "UNSET_VAR_FOR_TEST"),
        (("${env.BASE:-data}/t.csv", "ftp://host/t.csv"), "http(s)"),
        (("    table: {header_row: 2}\n", "    table: {header_row: 2}\n    colour: red\n"), "colour"),
        ((", value: 数值", ""), "mapping.value"),
    ],
)
def test_a_misdeclared_source_fails_alone(change, expected):
    text = LONG_SOURCE.replace(*change) + LONG_SOURCE.split("sources:\n", 1)[1].replace("name: t", "name: ok")
    bad, good = parse_sources(text, env={}, indicator_ids=IDS)
    assert bad.config_error is not None and good.config_error is None
    assert expected in bad.config_error.message_en and "t" in bad.config_error.message_zh


@pytest.mark.parametrize(
    "text",
    [
        "sources: [",  # not YAML
        "nothing: here",  # no sources list
        LONG_SOURCE + LONG_SOURCE.split("sources:\n", 1)[1],  # the same name twice
        LONG_SOURCE.replace("name: t", "name: 电信"),  # not ASCII
    ],
)
def test_an_unreadable_sources_file_stops_the_run(text):
    with pytest.raises(UserInputError):
        parse_sources(text, env={}, indicator_ids=IDS)


# parsers -------------------------------------------------------------------------------------------
CSV_TEXT = "标题（示例数据，非官方统计）\n月份,地区,指标,单位,数值\n2024年06月,贵阳市,5G基站数,万个,1.5\n\n注：说明\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_title_block_encodings_and_notes(encoding):
    table = parse_csv(CSV_TEXT.encode(encoding), TableSpec(header_row=2))
    assert table.headers == ["月份", "地区", "指标", "单位", "数值"]
    assert table.rows == [
        (3, {"月份": "2024年06月", "地区": "贵阳市", "指标": "5G基站数", "单位": "万个", "数值": "1.5"})
    ]
    assert table.title == ["标题（示例数据，非官方统计）"] and table.notes == ["注：说明"]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b'a,b\n1,"unterminated', "parse_error"),  # broken quoting
        ("月份,地区,指标\n2024-06,贵阳".encode(), "truncated"),  # last row short, no final newline
        ("月份,地区\n2024-06,贵阳市".encode()[:-1], "truncated"),  # a character cut in two
        (b"\n\n", "structure_error"),  # no header row
    ],
)
def test_csv_that_does_not_parse(data, code):
    with pytest.raises(ParseError) as info:
        parse_csv(data, TableSpec())
    assert info.value.code == code and info.value.message_zh and info.value.message_en


def _xlsx(rows, sheet="表1") -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


YEARBOOK_ROWS = [
    ["主要指标（2022—2024年）"],
    ["示例数据，非官方统计"],
    ["年份", "5G基站数", "备注"],
    ["单位", "万个", None],
    [2022, 8.1, None],
    [2023, "—", "未公布"],
    [],
    ["注：示例"],
]


def test_xlsx_header_block_unit_row_and_notes():
    table = parse_xlsx(_xlsx(YEARBOOK_ROWS), TableSpec(header_row=3, unit_row=4, sheet="表1"))
    assert table.headers == ["年份", "5G基站数", "备注"]
    assert table.units == {"年份": "单位", "5G基站数": "万个", "备注": ""}
    assert [n for n, _ in table.rows] == [5, 6] and table.rows[0][1]["5G基站数"] == 8.1
    assert table.notes == ["注：示例"] and table.title[1] == "示例数据，非官方统计"


@pytest.mark.parametrize(
    ("cut", "spec", "code"),
    [
        (lambda b: b[: len(b) // 2], TableSpec(), "truncated"),
        (lambda b: b"PK\x03\x04" + b"\x00" * 40, TableSpec(), "truncated"),
        (lambda b: b, TableSpec(sheet="没有这个表"), "structure_error"),
        (lambda b: b, TableSpec(header_row=40), "structure_error"),
    ],
)
def test_xlsx_that_does_not_parse(cut, spec, code):
    with pytest.raises(ParseError) as info:
        parse_xlsx(cut(_xlsx(YEARBOOK_ROWS)), spec)
    assert info.value.code == code


def test_json_records_path():
    data = '{"meta": {"unit": "万人次"}, "result": {"rows": [{"p": "2024-06", "v": 1.5}]}}'.encode()
    table = parse_json(data, TableSpec(records="result.rows"))
    assert table.headers == ["p", "v"] and table.rows == [(1, {"p": "2024-06", "v": 1.5})]
    for bad, code in [(data[:-3], "parse_error"), (data, "structure_error")]:
        with pytest.raises(ParseError) as info:
            parse_json(bad, TableSpec(records="result.rows" if bad is not data else "result.nothing"))
        assert info.value.code == code


# mapping -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "frequency", "expected"),
    [
        ("2024-06", "monthly", "2024-06"),
        ("2024/6", "monthly", "2024-06"),
        ("2024年6月", "monthly", "2024-06"),
        ("2024年06月", "monthly", "2024-06"),
        ("2024年1-6月", "monthly", "2024-06"),
        ("202406", "monthly", "2024-06"),
        ("2024-06-30", "monthly", "2024-06"),
        ("2024-13", "monthly", None),
        ("2024", "monthly", None),  # a monthly source must say the month
        (2024.0, "yearly", "2024-12"),
        ("2024年", "yearly", "2024-12"),
        ("2024年末", "yearly", "2024-12"),
        ("2024-06", "yearly", None),
        ("合计", "yearly", None),
        (None, "monthly", None),
    ],
)
def test_periods(value, frequency, expected):
    assert parse_public_period(value, frequency) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (8.12, Decimal("8.12")),
        ("1,234.5", Decimal("1234.5")),
        (" 7 ", Decimal(7)),
        ("—", None),
        ("", None),
        (None, None),
    ],
)
def test_numbers(value, expected):
    assert parse_number(value) == expected


def test_scale_is_exact():
    assert to_base_units(Decimal("8.12"), Decimal(10000)) == 81200.0
    assert to_base_units(Decimal("1078.9"), Decimal(100000000)) == 107890000000.0


@pytest.mark.parametrize(
    ("label", "code"),
    [("GY", "GY"), ("贵阳市", "GY"), ("贵阳", "GY"), ("黔东南州", "QDN"), ("黔东南苗族侗族自治州", "QDN"),
     ("黔南", "QN"), ("贵安新区", "GA"), ("全省", "GZ"), ("贵州省", "GZ"), ("贵 阳 市", "GY")],
)  # fmt: skip
def test_prefecture_names(label, code):
    from ingestion.public_stats.parsers import norm

    assert prefecture_lookup(PLAN)[norm(label)] == code


def test_every_row_is_loaded_or_rejected_with_a_reason():
    (source,) = parse_sources(LONG_SOURCE, env={}, indicator_ids=IDS)
    rows = [
        ["2024年06月", "贵阳市", "5G基站数", "万个", "1.5"],  # ok
        ["2024年06月", "遵义", "5G 基站数", "万个", "1,000"],  # ok (spaces, thousands separator)
        ["2024年06月", "火星", "5G基站数", "万个", "1"],  # unknown_prefecture
        ["2024年06月", "贵阳市", "移动电话用户数", "万户", "1"],  # unknown_indicator
        ["2024年13月", "贵阳市", "5G基站数", "万个", "1"],  # bad_period
        ["2024年06月", "安顺市", "5G基站数", "个", "15000"],  # unit_mismatch
        ["2024年06月", "毕节市", "5G基站数", "万个", "—"],  # missing_value
        ["2024年06月", "铜仁市", "5G基站数", "万个", "n/a"],  # bad_value
        ["2024年6月", "贵阳", "5G基站数", "万个", "1.6"],  # duplicate of the first row
    ]
    text = "标题\n月份,地区,指标,单位,数值\n" + "\n".join(",".join(f'"{c}"' for c in r) for r in rows) + "\n"
    table = parse_csv(text.encode(), source.table)
    mapped = map_table(table, source, prefecture_lookup(PLAN))
    assert mapped.rows_total == len(rows) == len(mapped.observations) + len(mapped.rejections)
    assert [(o.prefecture_code, o.period, o.value) for o in mapped.observations] == [
        ("GY", "2024-06", 15000.0),
        ("ZY", "2024-06", 10000000.0),
    ]
    assert [(r.row_number, r.reason_code) for r in mapped.rejections] == [
        (5, "unknown_prefecture"),
        (6, "unknown_indicator"),
        (7, "bad_period"),
        (8, "unit_mismatch"),
        (9, "missing_value"),
        (10, "bad_value"),
        (11, "duplicate"),
    ]
    assert all(r.reason_zh and r.reason_en for r in mapped.rejections)
    assert (
        mapped.observations[1].original_prefecture == "遵义"
        and mapped.observations[1].value_as_written == "1,000"
    )


def test_a_missing_declared_column_fails_the_source():
    from ingestion.public_stats.helpers import MappingError

    (source,) = parse_sources(LONG_SOURCE, env={}, indicator_ids=IDS)
    table = parse_csv(
        "标题\n月份,地区,指标名称,单位,数值\n2024-06,贵阳市,5G基站数,万个,1\n".encode(), source.table
    )
    with pytest.raises(MappingError) as info:
        map_table(table, source, prefecture_lookup(PLAN))
    assert "指标" in info.value.message_zh and info.value.code == "structure_error"


def test_only_new_and_changed_figures_become_versions():
    def obs(pref, value):
        return Observation(1, "v", "g5_base_stations", pref, "2024-06", value, "", "", "", "", "")

    latest = {
        ("g5_base_stations", "GY", "2024-06"): (100.0, 1),
        ("g5_base_stations", "ZY", "2024-06"): (5.0, 3),
    }
    writes = new_versions([obs("GY", 100.0), obs("ZY", 6.0), obs("AS", 1.0)], latest)
    assert [(o.prefecture_code, v) for o, v in writes] == [("ZY", 4), ("AS", 1)]
