"""The workbook writer against a small hand-made ReportData: layout, formats, fills, escaping,
determinism. The figures against the real marts are compared in test_package.py."""

from __future__ import annotations

import io
import re
import zipfile

import openpyxl
import pytest
from report_fixtures import MALICIOUS, make_report_data

from exports import settings as S
from exports.helpers import fixed_timestamp
from exports.tables import all_tables, status_summary
from exports.workbook import render_workbook

GREEN, YELLOW, RED, GREY = (S.COLOUR_RGB[c][0] for c in ("green", "yellow", "red", "grey"))


def _render(data) -> bytes:
    return render_workbook(data, all_tables(data), status_summary(data))


@pytest.fixture()
def wb_bytes(report_data) -> bytes:
    return _render(report_data)


@pytest.fixture()
def wb(wb_bytes):
    return openpyxl.load_workbook(io.BytesIO(wb_bytes))


def _fill(cell) -> str:
    return (cell.fill.fgColor.rgb or "")[-6:]


def test_sheets_in_order(wb):
    sectors = ["算力与数据中心", "通信网络", "智慧水利", "智慧管网", "工业互联网", "智慧医疗"]
    # sector names: from the data where given (compute, broadband), else the fallback labels
    assert wb.sheetnames == [
        "总览", "责任分解表", "算力枢纽", "通信网络", *sectors[2:], "报送情况", "重大项目投资", "数据质量", "修订说明",
    ]  # fmt: skip


def test_every_sheet_has_title_cutoff_frozen_header_and_print_setup(wb):
    for ws in wb.worksheets:
        assert ws["A1"].value and ws["A1"].font.b, ws.title
        assert "数据截至 2024年6月" in ws["A2"].value, ws.title
        assert ws.freeze_panes is not None, ws.title
        assert ws.page_setup.orientation == "landscape", ws.title
        assert int(ws.page_setup.paperSize) == 9, ws.title  # A4
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0, ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.print_title_rows, ws.title
        if ws.title != "总览":
            assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A3:"), ws.title
            assert ws.print_title_rows == "$3:$3", ws.title
            assert ws.freeze_panes.endswith("4"), ws.title


def test_responsibility_table_columns_units_and_formats(wb):
    ws = wb["责任分解表"]
    headers = [c.value for c in ws[3]]
    for h in ("任务编号", "重点任务", "指标", "牵头单位", "配合单位", "2022年目标", "2024年目标", "最新值", "数据截至",
              "完成度", "时间进度", "进展状态", "较上月变化"):  # fmt: skip
        assert h in headers
    col = {h: i for i, h in enumerate(headers)}
    rows = {r[col["指标"]].value: r for r in ws.iter_rows(min_row=4)}
    racks = rows["算力枢纽节点数据中心标准机架数"]
    assert racks[col["单位"]].value == "万架"
    assert racks[col["最新值"]].value == pytest.approx(45.23)
    assert racks[col["最新值"]].number_format == "#,##0.00"
    assert racks[col["2024年目标"]].value == pytest.approx(60)
    assert racks[col["完成度"]].number_format == "0.0%"
    assert racks[col["较上月变化"]].value == pytest.approx(1.2)
    assert racks[col["数据截至"]].value == "2024年6月"
    assert racks[col["配合单位"]].value == "省通信管理局、省发展改革委"
    milestone = rows["完成天然气国家干线及省级支线的智能化改造"]
    assert milestone[col["最新值"]].value == 0
    assert "已完成" in milestone[col["最新值"]].number_format
    # column widths are set, wider for CJK text
    assert ws.column_dimensions["C"].width >= 20


def test_status_fills(wb):
    ws = wb["责任分解表"]
    headers = [c.value for c in ws[3]]
    status_col = headers.index("进展状态")
    seen = {}
    for row in ws.iter_rows(min_row=4):
        cell = row[status_col]
        if cell.value:
            seen[cell.value] = _fill(cell)
    assert seen == {
        "正常推进": GREEN, "存在风险": YELLOW, "滞后": RED, "已完成": GREEN, "无数据": GREY, "逾期未完成": RED,
    }  # fmt: skip


def test_cover_counts_headlines_and_rates(wb, report_data):
    ws = wb["总览"]
    text = {c.coordinate: c.value for row in ws.iter_rows() for c in row if c.value is not None}
    values = list(text.values())
    assert "一、主要指标" in values and "二、进展状态汇总（按指标计）" in values
    assert "算力枢纽节点数据中心标准机架数" in values
    assert "重点项目累计完成投资" in values
    # status counts, one indicator each except on_track (2)
    status_rows = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(1, ws.max_row + 1)}
    assert status_rows["正常推进"] == 2 and status_rows["滞后"] == 1 and status_rows["无数据"] == 1
    assert status_rows["合计"] == 7
    assert any(isinstance(v, str) and "数据质量：共 40 项检查" in v for v in values)
    assert ws["A3"].fill.fgColor.rgb[-6:] != "C00000"


def test_forced_cover_is_red():
    data = make_report_data(forced=True)
    wb = openpyxl.load_workbook(io.BytesIO(_render(data)))
    cell = wb["总览"]["A3"]
    assert "--force" in cell.value and "完成度超出范围" in cell.value
    assert _fill(cell) == "C00000"
    assert cell.font.b


def test_text_is_never_a_formula(wb_bytes, wb):
    with zipfile.ZipFile(io.BytesIO(wb_bytes)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert "<f>" not in z.read(name).decode("utf-8"), name
    found = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value[:1] in "=+-@":
                    assert cell.data_type == "s", (ws.title, cell.coordinate)
                    assert cell.quotePrefix, (ws.title, cell.coordinate)
                    found += 1
    # the malicious indicator name, task name, lead and co-department, project name, department
    assert found >= 6
    ws = wb["责任分解表"]
    assert MALICIOUS in [c.value for row in ws.iter_rows() for c in row]


def test_same_data_same_bytes(report_data, wb_bytes):
    assert _render(make_report_data()) == wb_bytes
    with zipfile.ZipFile(io.BytesIO(wb_bytes)) as z:
        assert {i.date_time for i in z.infolist()} == {(2024, 6, 30, 0, 0, 0)}
        core = z.read("docProps/core.xml").decode()
    assert re.findall(r"<dcterms:(?:created|modified)[^>]*>([^<]+)<", core) == ["2024-06-30T00:00:00Z"] * 2


def test_other_sheets(wb):
    comp = wb["报送情况"]
    statuses = [r[3].value for r in comp.iter_rows(min_row=4, max_row=6)]
    assert statuses == ["未报送", "逾期报送", "按时报送"]
    assert _fill(comp["D4"]) == RED
    inv = wb["重大项目投资"]
    assert inv["F4"].value == pytest.approx(120.0) and inv["F4"].number_format == "#,##0.00"
    q = wb["数据质量"]
    assert q["A4"].value == "警告" and _fill(q["A4"]) == YELLOW
    rev = wb["修订说明"]
    assert rev["F4"].value == pytest.approx(11.7) and rev["G4"].value == pytest.approx(11.8)


def test_empty_table_says_so():
    data = make_report_data()
    data.revisions = []
    wb = openpyxl.load_workbook(io.BytesIO(_render(data)))
    assert wb["修订说明"]["A4"].value == "（本期无记录）"


def test_every_body_cell_has_its_own_look():
    """Body cells share style arrays by look (format applied, quote prefix, wrap, status colour):
    each cell read back must still carry exactly the look of its own value and row, whatever the
    cells before it looked like."""
    from openpyxl import Workbook

    from exports.model import Column, Table
    from exports.workbook import workbook_bytes, write_table

    colours = ["green", None, "red", "yellow", "grey", None]
    values = [1.5, None, "=SUM(A1)", "普通文本", True, float("nan"), 0, "+1", 12345.678, ""]
    rows = [
        {"i": i, "v": values[i % len(values)], "c": colours[i % len(colours)], "f": i % 3} for i in range(60)
    ]
    formats = ["#,##0.00", "0.0%", "0"]
    table = Table(
        title="样式",
        sheet="样式",
        columns=(
            Column("值", lambda r: r["v"], lambda r: formats[r["f"]], colour=lambda r: r["c"]),
            Column("说明", lambda r: r["v"], "#,##0.00", wrap=True),
            Column("序号", lambda r: r["i"], "0"),
        ),
        rows=tuple(rows),
    )
    book = Workbook()
    write_table(book.active, table, "数据截至 2024年6月")
    ws = openpyxl.load_workbook(io.BytesIO(workbook_bytes(book, fixed_timestamp("2024-06")))).active
    for k, row in enumerate(rows):
        r = S.FIRST_DATA_ROW + k
        v = row["v"]
        is_number = isinstance(v, int | float) and not isinstance(v, bool) and v == v
        quoted = isinstance(v, str) and v[:1] in ("=", "+")
        for col, fmt, colour, wrap in (
            (1, formats[row["f"]], row["c"], False),
            (2, "#,##0.00", None, True),
        ):
            cell = ws.cell(row=r, column=col)
            assert cell.number_format == (fmt if is_number else "General"), (r, col, v)
            assert bool(cell.quotePrefix) is quoted, (r, col, v)
            assert bool(cell.alignment.wrap_text) is wrap, (r, col)
            assert cell.border.left.style == "thin", (r, col)
            if colour:
                assert _fill(cell) == S.COLOUR_RGB[colour][0], (r, col, colour)
                assert cell.font.b and cell.font.color.rgb[-6:] == S.COLOUR_RGB[colour][1], (r, col)
            else:
                assert cell.fill.fill_type is None, (r, col)
                assert not cell.font.b and cell.font.name == S.FONT_NAME, (r, col)
        assert ws.cell(row=r, column=3).number_format == "0" and ws.cell(row=r, column=3).value == k
