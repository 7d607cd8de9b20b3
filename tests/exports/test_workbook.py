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
        "总览", "责任分解表", "责任分解表（明细）", "算力枢纽", "通信网络", *sectors[2:], "市(州)排名", "报送情况", "催报清单", "投资核对",
        "重大项目投资", "数据质量（技术）", "公开数据源（技术）", "修订说明",
    ]  # fmt: skip


def test_the_printed_copy_leaves_the_screen_sheets_out(report_data):
    data = report_data
    printed = openpyxl.load_workbook(
        io.BytesIO(render_workbook(data, all_tables(data), status_summary(data), printed_only=True))
    )
    assert printed.sheetnames == ["总览", "责任分解表", "报送情况", "投资核对", "修订说明"]


def test_every_sheet_has_title_cutoff_frozen_header_and_print_setup(wb):
    for ws in wb.worksheets:
        assert ws["A1"].value and ws["A1"].font.b or ws["A1"].font.name == S.HEADING_FONT_NAME, ws.title
        assert ws["A1"].font.name == "黑体" and ws["A1"].font.charset == 134, ws.title
        assert "数据截至 2024年6月" in ws["A2"].value, ws.title
        assert ws.freeze_panes is not None, ws.title
        assert ws.page_setup.orientation == "landscape", ws.title
        assert int(ws.page_setup.paperSize) == 9, ws.title  # A4
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0, ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        # footers fit inside the margins, with 第X页 共Y页 and the period
        assert ws.page_margins.bottom - ws.page_margins.footer >= 0.4, ws.title
        assert ws.oddFooter.center.text == "第&P页 共&N页", ws.title
        assert ws.oddFooter.left.text == "报送期 2024年6月", ws.title
        assert "示例数据" not in (ws.oddHeader.right.text or "") + (ws.oddFooter.right.text or ""), ws.title
        if ws.title != "总览":
            assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A3:"), ws.title
            assert ws.print_title_rows == "$3:$3", ws.title
            assert ws.freeze_panes.endswith("4"), ws.title


def test_printed_tables_fit_a4_landscape_at_9pt_or_more(report_data):
    """The printed tables' columns add up to at most PRINT_MAX_WIDTH_UNITS (about 790 pt at 10 pt
    body, the width of an A4 landscape page inside 0.4-inch margins at >= 90 % scale)."""
    for table in all_tables(report_data):
        if table.printed:
            total = sum(c.width or 0 for c in table.columns)
            assert all(c.width for c in table.columns), table.sheet
            assert total <= S.PRINT_MAX_WIDTH_UNITS, (table.sheet, total)


def test_wrapped_rows_are_tall_enough(wb):
    """By hand: a column of 19 units holds 19 x 0.75 - 1.5 = 12.75 CJK characters of 10.5 pt
    (measured on LibreOffice's PDF), 13.4 of the 10 pt body; 算力枢纽节点数据中心标准机架数 is 15: two
    lines, 2 x 1.3 x 10 + 4 = 30 pt."""
    from exports.workbook import wrapped_lines

    ws = wb["责任分解表"]
    headers = [c.value for c in ws[3]]
    col = headers.index("指标")
    assert ws.column_dimensions["B"].width == 19
    racks = next(r for r in ws.iter_rows(min_row=4) if r[col].value == "算力枢纽节点数据中心标准机架数")
    assert ws.row_dimensions[racks[0].row].height >= 30
    # as LibreOffice wrapped them in the demo's PDF (2024-12):
    assert wrapped_lines("贵阳大数据科创城累计引进培育大数据及关联企业数", 17) == 3
    assert wrapped_lines("其中：本月未报送的项目（沿用最近一次报送数）", 30) == 2
    assert wrapped_lines("主方案 二(一)4；附件3 二(四)10", 12) in (2, 3)  # LibreOffice: 2
    assert wrapped_lines("省通信管理局", 9) == 2 and wrapped_lines("省大数据局", 9) == 1
    assert wrapped_lines("2024年 180.00万公里", 11) == 2
    # every body row has an explicit height (LibreOffice and WPS otherwise keep one line)
    for row in ws.iter_rows(min_row=4):
        if row[col].value and row[headers.index("进展状态")].value:
            assert ws.row_dimensions[row[0].row].height >= 14, row[col].value


def test_responsibility_table_one_row_per_indicator_in_the_plans_numbering(wb):
    ws = wb["责任分解表"]
    headers = [c.value for c in ws[3]]
    assert headers == [
        "任务编号",
        "指标",
        "牵头单位",
        "目标",
        "最新值",
        "数据截至",
        "完成度",
        "进展状态",
        "上月状态",
        "较上月",
    ]
    col = {h: i for i, h in enumerate(headers)}
    body = [r for r in ws.iter_rows(min_row=4) if r[col["指标"]].value and r[col["进展状态"]].value]
    names = [r[col["指标"]].value for r in body]
    assert len(names) == len(set(names)) == 7  # the racks under two tasks: one row
    rows = {r[col["指标"]].value: r for r in body}
    racks = rows["算力枢纽节点数据中心标准机架数"]
    assert racks[col["任务编号"]].value == "主方案 一(二)；主方案 二(一)1"  # the goal first, one cell
    assert racks[col["目标"]].value == "2024年 60.00万架"
    assert racks[col["最新值"]].value == pytest.approx(45.23)
    assert racks[col["最新值"]].number_format == '#,##0.00"万架"'  # a number, with its unit on paper
    assert racks[col["完成度"]].number_format == "0.0%"
    assert racks[col["数据截至"]].value == "2024.6"
    # month on month: last month 存在风险, now 正常推进 -> better
    assert racks[col["上月状态"]].value == "存在风险 ↑"
    assert racks[col["较上月"]].value == pytest.approx(1.2)
    assert racks[col["较上月"]].number_format == '+#,##0.00"万架";-#,##0.00"万架";0'
    # a small change at the base unit's precision (架 in 万架: up to 4 decimals), not +0.00
    fivegee = rows["累计建成5G基站数"]
    assert fivegee[col["较上月"]].number_format.startswith('+#,##0.00"万个"')  # a zero change: 2 decimals
    pue = rows["算力枢纽节点数据中心平均PUE值"]
    assert pue[col["最新值"]].number_format == "#,##0.00"  # no 无量纲 for people
    milestone = rows["完成天然气国家干线及省级支线的智能化改造"]
    assert milestone[col["最新值"]].value == 0
    assert "已完成" in milestone[col["最新值"]].number_format
    # the status filter counts what 总览 counts
    counts: dict[str, int] = {}
    for r in body:
        counts[r[col["进展状态"]].value] = counts.get(r[col["进展状态"]].value, 0) + 1
    cover = wb["总览"]
    by_label = {cover.cell(r, 1).value: cover.cell(r, 2).value for r in range(1, cover.max_row + 1)}
    for label, n in counts.items():
        assert by_label[label] == n, label
    # the rest on the detail sheet
    detail = wb["责任分解表（明细）"]
    dh = [c.value for c in detail[3]]
    drow = next(
        r
        for r in detail.iter_rows(min_row=4)
        if r[dh.index("指标")].value == "算力枢纽节点数据中心标准机架数"
    )
    assert drow[dh.index("配合单位")].value == "省通信管理局、省发展改革委"
    assert drow[dh.index("2024年目标")].value == pytest.approx(60)
    assert "主方案 一(二) 主要目标" in drow[dh.index("相关任务")].value


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
    assert "一、主要目标（方案一（二））" in values and "二、进展状态汇总（按指标计）" in values
    assert "算力枢纽节点数据中心标准机架数" in values
    # status counts, one indicator each except on_track (2)
    status_rows = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(1, ws.max_row + 1)}
    assert status_rows["正常推进"] == 2 and status_rows["滞后"] == 1 and status_rows["无数据"] == 1
    assert status_rows["合计"] == 7
    assert "数据质量：阻断性检查全部通过，2 项提示见“数据质量（技术）”表。" in values
    assert ws["A3"].fill.fgColor.rgb[-6:] != "C00000"
    # plain Chinese: no snapshot id, no table names on the leaders' cover
    assert not any("snap-" in str(v) or "governance." in str(v) for v in values)
    # document fields: lines to sign when the settings leave them empty
    assert "编制单位：" in values and "印发日期：" in values and "＿＿＿＿年＿＿月＿＿日" in values


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
    statuses = [r[2].value for r in comp.iter_rows(min_row=4, max_row=6)]
    assert statuses == ["未报送", "逾期报送", "按时报送"]
    assert _fill(comp["C4"]) == RED
    inv = wb["重大项目投资"]
    assert inv["F4"].value == pytest.approx(120.0) and inv["F4"].number_format == "#,##0.00"
    q = wb["数据质量（技术）"]
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
    write_table(book.active, table, "数据截至 2024年6月", make_report_data())
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


def test_synthetic_inputs_mark_every_sheet_the_cover_and_the_properties():
    data = make_report_data(synthetic=True)
    raw = _render(data)
    wb = openpyxl.load_workbook(io.BytesIO(raw))
    label = "示例数据（合成数据，非官方统计）"
    for ws in wb.worksheets:
        assert ws.oddHeader.right.text == label, ws.title
        assert ws.oddFooter.right.text == label, ws.title
    cover = wb["总览"]["A3"]
    assert cover.value.startswith(label) and "488 份部门报送文件由演示数据生成器合成" in cover.value
    assert _fill(cover) == "FFC7CE"
    props = wb.properties
    assert props.title.startswith(f"【{label}】") and props.keywords == label and props.category == label


def test_real_inputs_say_nothing_of_the_kind(wb_bytes):
    with zipfile.ZipFile(io.BytesIO(wb_bytes)) as z:
        for name in z.namelist():
            assert "示例数据" not in z.read(name).decode("utf-8", "replace"), name


def test_investment_check_reconciles_by_hand(wb):
    """Fixture: the lead department reports 812.5亿元; projects 88 (reported) + 20 (not reported since
    2024-03) + 2.5 (reported, outside the library) = 110.5亿元; difference 702.0亿元."""
    ws = wb["投资核对"]
    headers = [c.value for c in ws[3]]
    assert headers == ["分组", "项目", "项目数", "累计完成投资（亿元）", "占项目合计", "说明"]
    rows = {(r[0].value, r[1].value): r for r in ws.iter_rows(min_row=4) if r[1].value}
    assert rows[("核对", "牵头部门报送的累计完成投资")][3].value == pytest.approx(812.5)
    total = rows[("核对", "重大项目库各项目累计完成投资合计")]
    assert total[2].value == 3 and total[3].value == pytest.approx(110.5)
    reported = rows[("核对", "其中：本月报送的项目")]
    assert reported[2].value == 2 and reported[3].value == pytest.approx(90.5)
    carried = rows[("核对", "其中：本月未报送的项目（沿用最近一次报送数）")]
    assert carried[2].value == 1 and carried[3].value == pytest.approx(20) and "2024年3月" in carried[5].value
    outside = rows[("核对", "其中：不在项目库的项目")]
    assert outside[2].value == 1 and outside[3].value == pytest.approx(2.5)
    diff = rows[("核对", "差额（牵头部门报送 − 项目合计）")]
    assert diff[3].value == pytest.approx(702.0) and "1 个项目本月未报送" in diff[5].value
    assert rows[("按领域", "算力枢纽")][3].value == pytest.approx(90.5)  # the data's own sector name
    assert rows[("按市(州)", "贵阳市")][3].value == pytest.approx(22.5)
    assert rows[("按市(州)", "贵阳市")][4].value == pytest.approx(22.5 / 110.5)
    assert rows[("按年度", "2024年完成投资")][3].value == pytest.approx(30)
    # each project shows its own last report month, and carried figures are flagged
    projects = {r[0].value: r for r in wb["重大项目投资"].iter_rows(min_row=4) if r[0].value}
    headers = [c.value for c in wb["重大项目投资"][3]]
    assert projects["P-002"][headers.index("数据截至")].value == "2024年3月"
    assert projects["P-002"][headers.index("沿用上期")].value == "沿用上期"
    assert projects["P-001"][headers.index("沿用上期")].value is None


def test_rankings_sheet(wb):
    ws = wb["市(州)排名"]
    headers = [c.value for c in ws[3]]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=4, max_row=7)]
    assert [(r[headers.index("排名")], r[headers.index("市(州)")]) for r in rows] == [
        ("1/4", "贵阳市"), ("2/4", "遵义市"), ("3/4", "毕节市"), ("4/4", "安顺市"),
    ]  # fmt: skip
    assert (
        rows[1][headers.index("沿用上期")] == "沿用上期" and rows[1][headers.index("数据截至")] == "2024年5月"
    )
    assert rows[0][headers.index("数值")] == pytest.approx(4.2)
    # 300 个 = 0.03 万个: two decimals do; 35 个 = 0.0035 万个 needs three
    assert ws.cell(4, headers.index("较上月") + 1).number_format.startswith('+#,##0.00"万个"')
    assert ws.cell(7, headers.index("较上月") + 1).number_format.startswith('+#,##0.000"万个"')
    assert not wb["市(州)排名"].sheet_state == "hidden"


def test_chasing_list_names_what_each_department_owes(wb):
    ws = wb["催报清单"]
    headers = [c.value for c in ws[3]]
    rows = {
        r[0].value: {h: c.value for h, c in zip(headers, r, strict=False)}
        for r in ws.iter_rows(min_row=4)
        if r[0].value
    }
    rows.pop(next(k for k in rows if str(k).startswith("列出")), None)  # the note
    # the missing department first, then the late one, then the on-time one with problems
    assert list(rows)[:3] == ["@省卫生健康委", "省通信管理局", "省大数据局"]
    bdb = rows["省大数据局"]
    assert bdb["问题"] == "缺报指标 1 项；被退回数据 1 行"  # on time, but not green: it owes data
    assert bdb["缺报指标"] == "算力枢纽节点数据中心平均PUE值"
    assert bdb["被退回数据"] == "指标第12行E列：数值不是数字"
    assert "请补报" in bdb["催报通知（可直接发送）"] and "数值不是数字" in bdb["催报通知（可直接发送）"]
    health = rows["@省卫生健康委"]
    assert (
        health["问题"].startswith("未报送")
        and "尚未报送（报送截止日期 2024年7月5日）" in health["催报通知（可直接发送）"]
    )
    assert rows["省通信管理局"]["近6个月逾期或未报"] == "3/6"
    assert "近 6 个月已有 3 次逾期或未报" in rows["省通信管理局"]["催报通知（可直接发送）"]
    assert health["联系人"] == "未登记"
