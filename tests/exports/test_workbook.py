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
        "总览", "责任分解表", "责任分解表（明细）", "算力枢纽", "通信网络", *sectors[2:], "市(州)排名", "报送情况", "催报清单", "问题与建议", "投资核对",
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
        # A4, but the main table (about 100 rows) on A3, as offices print a 责任分解表
        assert int(ws.page_setup.paperSize) == (8 if ws.title == "责任分解表" else 9), ws.title
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
    body, the width of an A4 landscape page inside 0.4-inch margins at >= 90 % scale); the main
    table to at most 140 on A3 (1,133 pt / 7.83 pt per unit = 144.7 units: printed at 100 %)."""
    for table in all_tables(report_data):
        if table.printed:
            total = sum(c.width or 0 for c in table.columns)
            assert all(c.width for c in table.columns), table.sheet
            assert total <= S.PRINT_MAX_WIDTH[table.paper], (table.sheet, total)
            assert table.paper == ("A3" if table.sheet == "责任分解表" else "A4"), table.sheet
    assert S.PRINT_MAX_WIDTH == {"A4": 108, "A3": 140}


def test_wrapped_rows_are_tall_enough(wb):
    """By hand: a column of 28 units holds 28 x 0.75 - 1.5 = 19.5 CJK characters of 10.5 pt
    (measured on LibreOffice's PDF), 20.5 of the 10 pt body; the racks' 研判 "按当前进度预计可完成：
    预计到期61.00万架，需月均增加2.46万架" is 29.5 ems (31 with the 5 % slack): two lines,
    2 x 1.3 x 10 + 4 = 30 pt. Its name (15 characters) in the 21 units of 指标 (21 x 0.75 - 1.5 =
    14.25 CJK of 10.5 pt, 14.96 of 10 pt; 15 x 1.05 slack = 15.75) takes two lines as well."""
    from exports.workbook import wrapped_lines

    ws = wb["责任分解表"]
    headers = [c.value for c in ws[3]]
    col = headers.index("指标")
    assert ws.column_dimensions["B"].width == 21
    assert ws.column_dimensions["K"].width == 28 and headers[10] == "研判"
    assert wrapped_lines("算力枢纽节点数据中心标准机架数", 21, 10) == 2
    assert wrapped_lines("按当前进度预计可完成：预计到期61.00万架，需月均增加2.46万架", 28, 10) == 2
    racks = next(
        r
        for r in ws.iter_rows(min_row=4)
        if r[col].value == "算力枢纽节点数据中心标准机架数" and r[3].value.startswith("2024")
    )
    assert ws.row_dimensions[racks[0].row].height == 30
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


def test_responsibility_table_one_row_per_indicator_and_target_year(wb):
    ws = wb["责任分解表"]
    headers = [c.value for c in ws[3]]
    assert headers == [
        "任务编号",
        "指标",
        "牵头单位",
        "目标",
        "最新值",
        "数据截至",
        "完成率",
        "进展状态",
        "上月状态",
        "较上月",
        "研判",
    ]
    assert "增长比R" not in headers and "进展分级" not in headers  # R stays with the analysts
    col = {h: i for i, h in enumerate(headers)}
    body = [r for r in ws.iter_rows(min_row=4) if r[col["指标"]].value and r[col["进展状态"]].value]
    keys = [(r[col["指标"]].value, r[col["目标"]].value[:5]) for r in body]
    assert len(keys) == len(set(keys)) == 8  # 7 indicators, the racks with two target years
    rows = {key: r for key, r in zip(keys, body, strict=True)}
    racks = rows[("算力枢纽节点数据中心标准机架数", "2024年")]
    assert racks[col["任务编号"]].value == "主方案 一(二)；主方案 二(一)1"  # the goal first, one cell
    assert racks[col["目标"]].value == "2024年 60万架"  # the plan's own words, from the marts
    assert racks[col["最新值"]].value == pytest.approx(45.23)
    assert racks[col["最新值"]].number_format == '#,##0.00"万架"'  # a number, with its unit on paper
    assert racks[col["完成率"]].value == pytest.approx(452300 / 600000)
    assert racks[col["完成率"]].number_format == "0.0%"
    assert racks[col["数据截至"]].value == "2024.6"
    # month on month: last month 存在风险, now 正常推进 -> better
    assert racks[col["上月状态"]].value == "存在风险 ↑"
    assert racks[col["较上月"]].value == pytest.approx(1.2)
    assert racks[col["较上月"]].number_format == '+#,##0.00"万架";-#,##0.00"万架";0'
    # before the deadline: projection and pace, by hand: (600000 - 452300) / 6 = 24,616.7 架 = 2.46万架
    assert racks[col["研判"]].value == "按当前进度预计可完成：预计到期61.00万架，需月均增加2.46万架"
    # the 2022 target of the same indicator: its own assessment, met late
    racks22 = rows[("算力枢纽节点数据中心标准机架数", "2022年")]
    assert racks22[col["目标"]].value == "2022年 15万架"
    assert racks22[col["进展状态"]].value == "逾期完成"
    assert racks22[col["研判"]].value == "2022年目标未按期完成，2023年5月完成"
    assert racks22[col["完成率"]].value == pytest.approx(452300 / 150000)
    # a stale figure says so where its month is printed; by hand: (160000 - 118000) / 6 = 7000 个
    fivegee = rows[("累计建成5G基站数", "2024年")]
    assert fivegee[col["数据截至"]].value == "数据未更新（截至2024年3月）"
    assert fivegee[col["进展状态"]].value == "滞后"  # the status stays clean for the filter
    assert fivegee[col["研判"]].value == "需月均增加0.70万个"
    # a small change at the base unit's precision (架 in 万架: up to 4 decimals), not +0.00
    assert fivegee[col["较上月"]].number_format.startswith('+#,##0.00"万个"')  # a zero change: 2 decimals
    pue = rows[("算力枢纽节点数据中心平均PUE值", "2024年")]
    assert pue[col["最新值"]].number_format == "#,##0.00"  # no 无量纲 for people
    milestone = rows[("完成天然气国家干线及省级支线的智能化改造", "2022年")]
    assert milestone[col["最新值"]].value == 0
    assert "已完成" in milestone[col["最新值"]].number_format
    assert rows[("全省远程医疗服务总量(累计)", "2024年")][col["研判"]].value == "无数据，请督促报送"
    # the status filter counts what 总览 counts
    counts: dict[str, int] = {}
    for r in body:
        counts[r[col["进展状态"]].value] = counts.get(r[col["进展状态"]].value, 0) + 1
    cover = wb["总览"]
    by_label = {cover.cell(r, 1).value: cover.cell(r, 2).value for r in range(1, cover.max_row + 1)}
    for label, n in counts.items():
        assert by_label[label] == n, label
    assert by_label["其中：数据未更新"] == 1  # the overview counts the stale figure
    # the rest on the detail sheet, one row per target too
    detail = wb["责任分解表（明细）"]
    dh = [c.value for c in detail[3]]
    assert "增长比R" not in dh and "进展分级" not in dh
    drow = next(
        r
        for r in detail.iter_rows(min_row=4)
        if r[dh.index("指标")].value == "算力枢纽节点数据中心标准机架数"
        and r[dh.index("目标年")].value == 2024
    )
    assert drow[dh.index("配合单位")].value == "省通信管理局、省发展改革委"
    assert drow[dh.index("目标值")].value == pytest.approx(60)
    assert drow[dh.index("预计到期值")].value == pytest.approx(61)
    assert drow[dh.index("需月均变化")].value == pytest.approx(147700 / 6 / 10000)
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
        "逾期完成": GREEN,
    }  # fmt: skip


def test_cover_counts_headlines_and_rates(wb, report_data):
    ws = wb["总览"]
    text = {c.coordinate: c.value for row in ws.iter_rows() for c in row if c.value is not None}
    values = list(text.values())
    assert "一、主要目标（方案一（二））" in values
    assert "二、进展状态汇总（按目标计：7 项指标、8 个目标，每个目标年一行，与“责任分解表”表一致）" in values
    assert "算力枢纽节点数据中心标准机架数" in values
    # status counts per target: one each except on_track (2)
    status_rows = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(1, ws.max_row + 1)}
    assert status_rows["正常推进"] == 2 and status_rows["滞后"] == 1 and status_rows["无数据"] == 1
    assert status_rows["逾期完成"] == 1
    assert status_rows["合计"] == 8 and status_rows["其中：数据未更新"] == 1
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
    assert health["联系人"] == "未登记"  # never gave one
    assert bdb["联系人"] == "张三 13800000000"
    assert rows["省通信管理局"]["联系人"] == "李四 0851-1234（号码无法识别）"  # as written, flagged


def test_remarks_feed_the_detail_sheet_and_the_issues_sheet(wb):
    """Every remark of the fixture (three on indicator rows, one on a project) is on 问题与建议, in the
    plan's order; the indicator's remarks, with their places, in one cell of the detail sheet."""
    ws = wb["问题与建议"]
    headers = [c.value for c in ws[3]]
    body = [
        {h: c.value for h, c in zip(headers, r, strict=False)}
        for r in ws.iter_rows(min_row=4)
        if r[1].value in ("指标", "重大项目")
    ]
    assert [(r["部门"], r["地区"], r["备注（问题与建议）"]) for r in body] == [
        ("省通信管理局", "遵义市", "部分基站待验收"),
        ("省通信管理局", "全省", "含共建共享基站"),
        ("@省卫生健康委", "全省", "统计口径调整，下月补报"),
        ("省大数据局", None, "=设备到货延迟，建议协调"),
    ]
    assert body[2]["填报情况"] == "未填报" and body[3]["指标或项目"] == "贵安数据中心二期"
    cell = next(c for row in ws.iter_rows(min_row=4) for c in row if c.value == "=设备到货延迟，建议协调")
    assert cell.data_type == "s" and cell.quotePrefix  # text, never a formula
    detail = wb["责任分解表（明细）"]
    dh = [c.value for c in detail[3]]
    notes = {r[dh.index("指标")].value: r[dh.index("部门备注")].value for r in detail.iter_rows(min_row=4)}
    assert notes["累计建成5G基站数"] == "遵义市：部分基站待验收；全省：含共建共享基站"
    assert notes["全省远程医疗服务总量(累计)"] == "全省：统计口径调整，下月补报"
    assert notes["算力枢纽节点数据中心平均PUE值"] is None


def test_final_assessment_lists_every_target_with_its_outcome():
    """At the plan's end (every target past its deadline) the workbook gains 收官评估 and the cover its
    summary. By hand, from the fixture's eight targets: 2022 racks met late (逾期完成), 2022 gas grid
    not met (未完成); 2024: PUE, reservoirs, smart factories met (已完成 3), racks and 5G not met
    (未完成 2), telemedicine never reported (无数据 1)."""
    import dataclasses

    data = make_report_data("2024-12")
    assert "收官评估" not in openpyxl.load_workbook(io.BytesIO(_render(make_report_data()))).sheetnames
    outcome = {  # indicator, year -> (deadline status, status)
        ("dc_standard_racks", 2022): ("not_achieved", "achieved_late"),
        ("dc_standard_racks", 2024): ("not_achieved", "not_achieved"),
        ("dc_pue_avg", 2024): ("achieved", "achieved"),
        ("g5_base_stations", 2024): ("not_achieved", "not_achieved"),
        ("reservoir_monitoring_stations", 2024): ("achieved", "achieved"),
        ("telemedicine_person_times", 2024): ("no_data", "no_data"),
        ("gas_trunk_smart_retrofit", 2022): ("not_achieved", "overdue"),
        ("g5_smart_factories", 2024): ("achieved", "achieved"),
    }
    data.targets = [
        dataclasses.replace(
            t,
            deadline_status_code=outcome[(t.indicator_id, t.target_year)][0],
            status_code=outcome[(t.indicator_id, t.target_year)][1],
        )
        for t in data.targets
    ]
    wb = openpyxl.load_workbook(io.BytesIO(_render(data)))
    assert wb.sheetnames[:3] == ["总览", "收官评估", "责任分解表"]
    ws = wb["收官评估"]
    headers = [c.value for c in ws[3]]
    body = [r for r in ws.iter_rows(min_row=4, values_only=True) if r[1]]
    result = {
        (r[headers.index("指标")], r[headers.index("目标")][:4]): r[headers.index("评估结果")] for r in body
    }
    assert len(body) == len(result) == 8
    assert result[("算力枢纽节点数据中心标准机架数", "2022")] == "逾期完成"
    assert result[("算力枢纽节点数据中心标准机架数", "2024")] == "未完成"
    assert result[("完成天然气国家干线及省级支线的智能化改造", "2022")] == "未完成"
    assert result[("全省远程医疗服务总量(累计)", "2024")] == "无数据"
    assert sorted(result.values()) == sorted(["已完成"] * 3 + ["逾期完成"] + ["未完成"] * 3 + ["无数据"])
    late = next(r for r in body if r[headers.index("评估结果")] == "逾期完成")
    assert late[headers.index("说明")] == "2022年目标未按期完成，2023年5月完成"
    # 2022 targets first (the look-back), then 2024
    assert [r[headers.index("目标")][:4] for r in body] == ["2022"] * 2 + ["2024"] * 6
    summary = (
        "规划期目标共 8 个：已完成 3 个，逾期完成 1 个，未完成 3 个，无数据 1 个；"
        "2022年目标 2 个：逾期完成 1 个，未完成 1 个；"
        "2024年目标 6 个：已完成 3 个，未完成 2 个，无数据 1 个。"
    )
    cover = [c.value for row in wb["总览"].iter_rows() for c in row if isinstance(c.value, str)]
    assert "收官评估" in cover
    assert any(v.startswith(summary) and "逐项结果见“收官评估”表" in v for v in cover)
    assert not wb["收官评估"].sheet_state == "hidden"
    assert not any("规划期（至2024年12月）已结束" in v for v in cover)  # 2024-12 is the plan's last month

    # A month after the plan's end the cover says so first, with the targets still followed: by hand,
    # 3 未完成 + 1 无数据 of the 8 above.
    after = dataclasses.replace(data, period="2025-01")
    cover = [
        c.value for row in openpyxl.load_workbook(io.BytesIO(_render(after)))["总览"].iter_rows() for c in row
    ]
    assert any(
        isinstance(v, str)
        and v.startswith("规划期（至2024年12月）已结束，本期继续跟踪尚未完成的 4 个目标。" + summary)
        for v in cover
    )
