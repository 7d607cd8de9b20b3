"""Pure helpers of the monthly package, table-driven."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest

from exports import helpers as H


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+1", True),
        ("+86 851", True),
        ("-2", True),
        ("@SUM(A1)", True),
        ("\t=cmd", True),
        ("\r=cmd", True),
        ("省大数据局", False),
        ("a=b", False),
        ("", False),
        (12, False),
        (None, False),
    ],
)
def test_is_formula_like(text, expected):
    assert H.is_formula_like(text) is expected


@pytest.mark.parametrize(
    ("text", "width"),
    [("", 0), ("abc", 3), ("标准机架", 8), ("5G基站", 6), ("ＡＢ", 4), ("两行\nlonger line", 11), (None, 0)],
)
def test_text_width_counts_wide_characters_twice(text, width):
    assert H.text_width(text) == width


def test_column_width_is_bounded():
    assert H.column_width(["a"]) == 6.0
    assert H.column_width(["标准机架数"]) == 12.0
    assert H.column_width(["长" * 100]) == 48.0


@pytest.mark.parametrize(
    ("unit", "scale", "kind", "fmt"),
    [
        ("万架", 10000, "level", "#,##0.00"),
        ("架", 1, "cumulative", "#,##0"),
        ("%", 1, "ratio", "#,##0.0"),
        ("无量纲", 1, "level", "#,##0.00"),
        ("毫秒", 1, "max", "#,##0.00"),
        ("亿元", 1e8, "cumulative", "#,##0.00"),
        ("项", 1, "milestone", '[=1]"已完成";[=0]"未完成";0.00'),
    ],
)
def test_number_format(unit, scale, kind, fmt):
    assert H.number_format(unit, scale, kind) == fmt


@pytest.mark.parametrize(
    ("value", "unit", "scale", "kind", "text"),
    [
        (150000.0, "万架", 10000, "level", "15.00万架"),
        (65.0, "%", 1, "ratio", "65.0%"),
        (1.25, "", 1, "level", "1.25"),
        (391.0, "座", 1, "cumulative", "391座"),
        (1.0, "项", 1, "milestone", "已完成"),
        (0.0, "项", 1, "milestone", "未完成"),
        (None, "万架", 10000, "level", "—"),
        (float("nan"), "万架", 10000, "level", "—"),
        (1000e8, "亿元", 1e8, "cumulative", "1,000.00亿元"),
    ],
)
def test_format_figure(value, unit, scale, kind, text):
    assert H.format_figure(value, unit, scale, kind) == text


def test_scaled():
    assert H.scaled(150000.0, 10000) == 15.0
    assert H.scaled(3.0, 1) == 3.0
    assert H.scaled(None, 10) is None


@pytest.mark.parametrize(
    ("name", "used", "title"),
    [
        ("算力与数据中心", [], "算力与数据中心"),
        ("a/b:c*d?e[f]g\\h", [], "a_b_c_d_e_f_g_h"),
        ("x" * 40, [], "x" * 31),
        ("总览", ["总览"], "总览(2)"),
        ("总览", ["总览", "总览(2)"], "总览(3)"),
    ],
)
def test_sheet_title(name, used, title):
    assert H.sheet_title(name, used) == title


def test_task_sort_key_follows_the_plan():
    ids = ["A3-10", "M-02", "A3-GOAL", "M-GOAL", "A6-01", "A3-02", "M-10", "M-01"]
    assert sorted(ids, key=H.task_sort_key) == [
        "M-GOAL",
        "M-01",
        "M-02",
        "M-10",
        "A3-GOAL",
        "A3-02",
        "A3-10",
        "A6-01",
    ]


def test_labels():
    assert H.period_label("2024-06") == "2024年6月"
    assert H.cutoff_label("2022-12") == "数据截至 2022年12月"
    assert H.status_label("at_risk") == "存在风险"
    assert H.status_colour("overdue") == "red"
    assert H.status_colour("behind", "yellow") == "yellow"
    assert H.status_colour("weird") == "grey"
    assert H.clean_header_text("A&B") == "A&&B"


def test_fixed_timestamp_is_the_period_end():
    assert H.fixed_timestamp("2024-06") == dt.datetime(2024, 6, 30)
    assert H.fixed_timestamp("2024-02") == dt.datetime(2024, 2, 29)


def _zip(entries: dict[str, bytes], when: tuple) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(zipfile.ZipInfo(name, date_time=when), data)
    return buf.getvalue()


def test_normalize_zip_removes_dates_and_keeps_content():
    entries = {"[Content_Types].xml": b"<x/>", "xl/workbook.xml": "<工作簿/>".encode()}
    a = _zip(entries, (2023, 1, 2, 3, 4, 6))
    b = _zip(entries, (2024, 5, 6, 7, 8, 10))
    assert a != b
    stamp = dt.datetime(2024, 6, 30)
    na, nb = H.normalize_zip(a, stamp), H.normalize_zip(b, stamp)
    assert na == nb
    with zipfile.ZipFile(io.BytesIO(na)) as z:
        assert z.namelist() == list(entries)
        assert {i.date_time for i in z.infolist()} == {(2024, 6, 30, 0, 0, 0)}
        assert z.read("xl/workbook.xml") == entries["xl/workbook.xml"]


def test_change_format_shows_small_changes_without_printing_zero():
    from exports.helpers import change_format, with_unit

    # 5G base stations (个, shown in 万个): 13 个 = 0.0013 万个 prints +0.001, not +0.00
    assert change_format("个", "万个", 10000, "cumulative", 0.0013) == "+#,##0.000;-#,##0.000;0"
    assert change_format("个", "万个", 10000, "cumulative", 0.0001) == "+#,##0.0000;-#,##0.0000;0"
    assert change_format("个", "万个", 10000, "cumulative", 1.82) == "+#,##0.00;-#,##0.00;0"
    # whole counts shown as they are: no decimals at all
    assert change_format("个", "个", 1, "cumulative", 2) == "+#,##0;-#,##0;0"
    # a percentage: one decimal; a 0.04-point change gets two
    assert change_format("%", "%", 1, "ratio", 0.04) == "+#,##0.00;-#,##0.00;0"
    assert change_format("%", "%", 1, "ratio", 1.5) == "+#,##0.0;-#,##0.0;0"
    assert with_unit("+#,##0.00;-#,##0.00;0", "万架") == '+#,##0.00"万架";-#,##0.00"万架";0'
    assert with_unit("#,##0.00", "无量纲") == "#,##0.00"
