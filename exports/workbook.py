"""The workbook 责任分解表进展_YYYY-MM.xlsx, written with openpyxl from a ``ReportData``.

Every sheet: a title (row 1), the data cut-off (row 2, 数据截至 YYYY年M月), frozen header rows,
CJK-aware column widths, number formats in display units, status fills, an autofilter on the
table, A4 landscape fitted to the page width with the header rows repeated on every page.

Text never becomes a formula: a cell whose text starts with = + - @ (or tab / CR) is stored as a
string with Excel's quote prefix. The file's timestamps (document properties and zip entries) come
from the data (``helpers.fixed_timestamp``), so the same data gives the same bytes.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import math
import zipfile
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.workbook.properties import CalcProperties
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from exports import helpers as H
from exports import settings as S
from exports.model import Column, ReportData, Table

_THIN = Side(style="thin", color="BFBFBF")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def _font(size: float = S.BODY_SIZE, heading: bool = False, **kw) -> Font:
    """宋体 body / 黑体 headings, with the GB2312 charset so a missing face falls back to a Chinese one."""
    name = S.HEADING_FONT_NAME if heading else S.FONT_NAME
    if heading:
        kw.setdefault("bold", True)
    return Font(name=name, size=size, charset=S.FONT_CHARSET, **kw)


TITLE_FONT = _font(14, heading=True)
CUTOFF_FONT = _font(10, color="595959")
HEADER_FONT = _font(10, heading=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
SECTION_FONT = _font(12, heading=True, color="1F4E79")
BODY_FONT = _font()
NOTE_FONT = _font(10, color="595959")
WARN_FONT = _font(11, heading=True, color="FFFFFF")
WARN_FILL = PatternFill("solid", fgColor="C00000")
SYNTHETIC_FONT = _font(11, heading=True, color="9C0006")
SYNTHETIC_FILL = PatternFill("solid", fgColor="FFC7CE")
OK_FONT = _font(10, color="006100")
HEADER_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)
WRAP_ALIGN = Alignment(vertical="top", wrap_text=True)
TOP_ALIGN = Alignment(vertical="top")


def status_fill(colour: str) -> PatternFill:
    fill, _ = S.COLOUR_RGB.get(colour, S.COLOUR_RGB["grey"])
    return PatternFill("solid", fgColor=fill)


def status_font(colour: str, bold: bool = False) -> Font:
    _, font = S.COLOUR_RGB.get(colour, S.COLOUR_RGB["grey"])
    return _font(color=font, bold=bold)


# --- cells ----------------------------------------------------------------------------------------------
def clean_text(text: str) -> str:
    """Drop the control characters Excel cannot store (openpyxl would raise)."""
    return ILLEGAL_CHARACTERS_RE.sub("", text)[:32767]


def _put_value(ws: Worksheet, row: int, col: int, value: Any) -> tuple[Any, Any, bool]:
    """Write one value, unstyled: (the cell, the value as stored, whether it needs the quote prefix).
    Text is always text (never a formula, never an error code)."""
    cell = ws.cell(row=row, column=col)
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        value = None
    if isinstance(value, bool):
        value = "是" if value else "否"
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    quoted = False
    if isinstance(value, str):
        value = clean_text(value)
        cell.value = value
        if cell.data_type != "s" or H.is_formula_like(value) or value in ERROR_CODES:
            cell.data_type = "s"
        quoted = H.is_formula_like(value)
    else:
        cell.value = value
    return cell, value, quoted


def _applied_format(value: Any, number_format: str | None) -> str | None:
    """The number format a stored value gets: none for text and empty cells."""
    if number_format and not isinstance(value, str) and value is not None:
        return number_format
    return None


def put(ws: Worksheet, row: int, col: int, value: Any, number_format: str | None = None):
    """Write one value in the body font; text is always text (never a formula, never an error code)."""
    cell, value, quoted = _put_value(ws, row, col, value)
    _plain_style(cell, _applied_format(value, number_format), quoted)
    return cell


def _plain_style(cell, applied: str | None, quoted: bool) -> None:
    """The body font, the number format a stored value gets, the quote prefix of formula-like text."""
    if quoted:
        cell.quotePrefix = True
    if applied:
        cell.number_format = applied
    cell.font = BODY_FONT


def _display_text(value: Any, number_format: str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, float | int) and not isinstance(value, bool):
        if number_format and "%" in number_format:
            return f"{value * 100:.1f}%"
        return f"{value:,.2f}"
    return str(value)


# --- sheets ---------------------------------------------------------------------------------------------


def _page_setup(
    ws: Worksheet, header_rows: str | None, title: str, data: ReportData, paper: str = "A4"
) -> None:
    """A4 (or A3) landscape, fitted to the page width, header rows repeated; room for the header and
    the footer (第X页 共Y页, the period and, for synthetic inputs, 示例数据) inside the margins."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A3 if paper == "A3" else ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.65
    ws.page_margins.header = ws.page_margins.footer = 0.25
    if header_rows:
        ws.print_title_rows = header_rows
    ws.oddHeader.left.text = H.clean_header_text(S.WORKBOOK_TITLE)
    ws.oddHeader.left.size = 9
    ws.oddFooter.left.text = H.clean_header_text(f"报送期 {H.period_label(data.period)}")
    ws.oddFooter.left.size = 9
    ws.oddFooter.center.text = "第&P页 共&N页"
    ws.oddFooter.center.size = 9
    ws.oddFooter.right.text = H.clean_header_text(title)
    ws.oddFooter.right.size = 9
    if data.is_synthetic:
        for part in (ws.oddHeader.right, ws.oddFooter.right):
            part.text = H.clean_header_text(S.SYNTHETIC_LABEL)
            part.size = 10
            part.color = "C00000"


# Measured on LibreOffice's PDF of this workbook: a column of width w holds about 0.75 w - 1.5 CJK
# characters of 10.5 pt (17 -> 11, 9 -> 5), proportionally more of a smaller size; other characters are about half as wide; a closing
# punctuation mark never starts a line (it stays with the character before it); 5 % slack for the
# rest (a row a line too tall is better than a line printed over the next row).
EMS_PER_WIDTH_UNIT = 0.75
EMS_PADDING = 1.5
EMS_SLACK = 1.05
_CLOSING = set("，。、；：！？）》」』】,.;:!?)")


def wrapped_lines(text: str, width: float, font_size: float = 10.5) -> int:
    """How many lines ``text`` wraps to in a column of ``width`` units: greedy, breaking between CJK
    characters and at spaces, never inside a run of other characters nor before a closing mark."""
    capacity = max(1.0, (width * EMS_PER_WIDTH_UNIT - EMS_PADDING) * 10.5 / font_size)
    total = 0
    for part in str(text).splitlines() or [""]:
        tokens: list[list] = []
        run = ""
        for ch in part:
            wide = H.text_width(ch) == 2
            if ch in _CLOSING and (tokens or run):
                if run:
                    tokens.append([run, 0.5 * len(run)])
                    run = ""
                tokens[-1][0] += ch
                tokens[-1][1] += 1.0 if wide else 0.5
            elif wide or ch == " ":
                if run:
                    tokens.append([run, 0.5 * len(run)])
                    run = ""
                tokens.append([ch, 1.0 if wide else 0.5])
            else:
                run += ch
        if run:
            tokens.append([run, 0.5 * len(run)])
        lines, used = 1, 0.0
        for tok, w in tokens:
            w *= EMS_SLACK
            if used + w > capacity + 1e-6 and used > 0:
                lines += 1
                used = 0.0 if tok == " " else w
            else:
                used += w
        total += lines
    return total


def row_height(texts_and_widths: list[tuple[str, float]], font_size: float = S.BODY_SIZE) -> float:
    """The height (pt) a row needs for its wrapped cells: the most lines any cell wraps to
    (``wrapped_lines``), 1.3 x the type size per line, plus padding."""
    lines = max([1, *(wrapped_lines(text, width, font_size) for text, width in texts_and_widths)])
    return round(lines * 1.3 * font_size + 4, 1)


def _title_rows(ws: Worksheet, title: str, cutoff: str, ncols: int) -> None:
    put(ws, S.TITLE_ROW, 1, title).font = TITLE_FONT
    put(ws, S.CUTOFF_ROW, 1, cutoff).font = CUTOFF_FONT
    ws.row_dimensions[S.TITLE_ROW].height = 24
    if ncols > 1:
        ws.merge_cells(start_row=S.TITLE_ROW, start_column=1, end_row=S.TITLE_ROW, end_column=ncols)
        ws.merge_cells(start_row=S.CUTOFF_ROW, start_column=1, end_row=S.CUTOFF_ROW, end_column=ncols)


def _style_body_cell(cell, key: tuple[str | None, bool, bool, str | None]) -> None:
    applied, quoted, wrap, colour = key
    _plain_style(cell, applied, quoted)
    cell.border = BORDER
    cell.alignment = WRAP_ALIGN if wrap else TOP_ALIGN
    if colour:
        cell.fill = status_fill(colour)
        cell.font = status_font(colour, bold=True)


def write_table(ws: Worksheet, table: Table, cutoff: str, data: ReportData) -> None:
    """A table sheet: title, cut-off, header (frozen, filtered, repeated when printed), rows."""
    cols = table.columns
    ncols = len(cols)
    _title_rows(ws, table.title, cutoff, ncols)
    for j, col in enumerate(cols, start=1):
        cell = put(ws, S.HEADER_ROW, j, col.header)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = HEADER_ALIGN
        cell.border = BORDER
    ws.row_dimensions[S.HEADER_ROW].height = row_height(
        [(col.header, col.width or H.column_width([col.header])) for col in cols]
    )
    widths = [[col.header] for col in cols]
    # A body cell's look depends only on this key, so each distinct look is built once through
    # openpyxl's style setters (which register fonts, fills and formats in first-use order, exactly
    # as cell-by-cell styling would) and later cells get a copy of its style array: the same bytes,
    # without hashing style objects for every cell (most of the time of a large sheet).
    looks: dict[tuple[str | None, bool, bool, str | None], StyleArray] = {}
    for i, row in enumerate(table.rows):
        r = S.FIRST_DATA_ROW + i
        for j, col in enumerate(cols, start=1):
            value = col.value(row)
            fmt = col.number_format(row) if callable(col.number_format) else col.number_format
            cell, stored, quoted = _put_value(ws, r, j, value)
            colour = (col.colour(row) or None) if col.colour is not None else None
            key = (_applied_format(stored, fmt), quoted, col.wrap, colour)
            look = looks.get(key)
            if look is not None:
                cell._style = copy.copy(look)
            else:
                _style_body_cell(cell, key)
                looks[key] = copy.copy(cell._style)
            widths[j - 1].append(_display_text(value, fmt))
    last_row = S.FIRST_DATA_ROW + max(len(table.rows), 1) - 1
    if not table.rows:
        put(ws, S.FIRST_DATA_ROW, 1, "（本期无记录）").font = NOTE_FONT
    final_widths = []
    for j, col in enumerate(cols, start=1):
        width = col.width or H.column_width(widths[j - 1])
        final_widths.append(width)
        ws.column_dimensions[get_column_letter(j)].width = width
    # Row heights that fit the wrapped text (openpyxl cannot measure; LibreOffice, Excel and WPS
    # otherwise keep one line and print the rest over the next row).
    wrapped = [j for j, col in enumerate(cols) if col.wrap]
    if wrapped:
        for i in range(len(table.rows)):
            texts = [(widths[j][i + 1], final_widths[j]) for j in wrapped]
            ws.row_dimensions[S.FIRST_DATA_ROW + i].height = row_height(texts)
    ws.freeze_panes = ws.cell(row=S.FIRST_DATA_ROW, column=1 + table.freeze_columns)
    ws.auto_filter.ref = f"A{S.HEADER_ROW}:{get_column_letter(ncols)}{last_row}"
    if table.note:
        # Merged over the table's width and wrapped: a long note left to overflow would widen the
        # printed area and shrink the whole sheet on paper.
        note_row = last_row + 2
        cell = put(ws, note_row, 1, table.note)
        cell.font = NOTE_FONT
        cell.alignment = WRAP_ALIGN
        if ncols > 1:
            ws.merge_cells(start_row=note_row, start_column=1, end_row=note_row, end_column=ncols)
        ws.row_dimensions[note_row].height = row_height([(table.note, sum(final_widths))])
    _page_setup(ws, f"{S.HEADER_ROW}:{S.HEADER_ROW}", table.title, data, table.paper)


def _section(ws: Worksheet, row: int, text: str) -> int:
    put(ws, row, 1, text).font = SECTION_FONT
    return row + 1


def _header(ws: Worksheet, row: int, headers: list[str]) -> int:
    for j, text in enumerate(headers, start=1):
        cell = put(ws, row, j, text)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = HEADER_ALIGN
        cell.border = BORDER
    return row + 1


def _body_row(ws: Worksheet, row: int, values: list[tuple[Any, str | None]]) -> int:
    for j, (value, fmt) in enumerate(values, start=1):
        cell = put(ws, row, j, value, fmt)
        cell.border = BORDER
        cell.alignment = TOP_ALIGN
    return row + 1


def _banner(ws: Worksheet, row: int, text: str, font: Font, fill: PatternFill, ncols: int) -> int:
    cell = put(ws, row, 1, text)
    cell.font = font
    cell.fill = fill
    cell.alignment = Alignment(wrap_text=True, vertical="center")
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=ncols)
    ws.row_dimensions[row].height = max(24.0, row_height([(text, 98)], 11))
    return row + 1


def synthetic_text(data: ReportData) -> str:
    return f"{S.SYNTHETIC_LABEL}：本报告的数字由程序合成，仅用于演示，不是官方统计，不得引用。依据：{'；'.join(data.synthetic_inputs)}。"


def document_fields(data: ReportData, settings_fields: dict[str, str]) -> list[tuple[str, str]]:
    """编制单位, 审核, 签发, 联系人, 印发日期: from the settings and --issued-on; a line to sign when unset."""
    blank = "＿" * 8
    issued = data.issued_on
    return [
        ("编制单位", settings_fields.get("org") or blank),
        ("审核", settings_fields.get("reviewer") or blank),
        ("签发", settings_fields.get("issuer") or blank),
        ("联系人", settings_fields.get("contact") or blank),
        (
            "印发日期",
            f"{issued.year}年{issued.month}月{issued.day}日" if issued else "＿＿＿＿年＿＿月＿＿日",
        ),
    ]


def write_cover(ws: Worksheet, data: ReportData, summary: dict[str, Any]) -> None:
    """总览: 示例数据 and forced-run warnings (red), the document fields, the plan's 主要目标, status
    counts overall and by sector, reporting, the method note. Plain Chinese: no table names, check
    names or snapshot ids (those are on 数据质量（技术） and in manifest.json)."""
    period = data.period
    ncols = 9
    title = f"{S.WORKBOOK_TITLE}（{H.period_label(period)}）"
    _title_rows(ws, title, H.cutoff_label(period), ncols)
    row = S.HEADER_ROW
    if data.is_synthetic:
        row = _banner(ws, row, synthetic_text(data), SYNTHETIC_FONT, SYNTHETIC_FILL, ncols)
    q = data.quality
    if data.is_forced:
        reasons = "；".join(q.blocking_failures) or "本期没有质量检查记录"
        text = (
            "警告：本报告经 --force 强制生成。本期存在未通过的阻断性数据质量检查或缺少质量检查，"
            f"数据仅供参考，不得作为正式结论：{reasons}"
        )
        row = _banner(ws, row, text, WARN_FONT, WARN_FILL, ncols)
    else:
        warned = f"，{q.n_warned} 项提示见“{S.SHEET_QUALITY}”表" if q.n_warned else ""
        put(ws, row, 1, f"数据质量：阻断性检查全部通过{warned}。").font = OK_FONT
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=ncols)
        row += 1
    for note in data.leader_warnings:
        put(ws, row, 1, f"提示：{note}").font = NOTE_FONT
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=ncols)
        row += 1
    row += 1
    fields = document_fields(data, data.document_fields)
    for k in range(0, len(fields), 3):
        for j, (label, value) in enumerate(fields[k : k + 3]):
            put(ws, row, 1 + 3 * j, f"{label}：").font = _font(heading=True)
            put(ws, row, 2 + 3 * j, value)
        row += 1
    row += 1

    from exports.tables import final_summary, is_final_assessment

    if is_final_assessment(data):  # the plan's last month and after: the final assessment first
        row = _section(ws, row, "收官评估")
        text = final_summary(data) + f"逐项结果见“{S.SHEET_FINAL}”表。"
        cell = put(ws, row, 1, text)
        cell.alignment = WRAP_ALIGN
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=ncols)
        ws.row_dimensions[row].height = row_height([(text, 98)])
        row += 2

    # 一、主要目标
    row = _section(ws, row, "一、主要目标（方案一（二））")
    row = _header(
        ws, row, ["指标", "最新值", "单位", "截至", "目标值", "目标年份", "占目标", "完成度", "状态"]
    )
    for h in data.headlines:
        fmt = H.number_format(h.unit, h.display_scale, h.kind)
        _body_row(
            ws,
            row,
            [
                (h.name, None),
                (H.scaled(h.latest, h.display_scale), fmt),
                (H.unit_text(h.unit), None),
                (H.period_label(h.as_of_period) if h.as_of_period else "—", None),
                (H.scaled(h.target, h.display_scale), fmt),
                (h.target_year, "0"),
                (H.share_of(h.latest, h.target, h.kind), H.PERCENT_FORMAT),
                (h.completion, H.PERCENT_FORMAT),
                (h.status_label, None),
            ],
        )
        ws.cell(row=row, column=1).alignment = WRAP_ALIGN
        ws.row_dimensions[row].height = row_height([(h.name, 24)])
        cell = ws.cell(row=row, column=9)
        cell.fill = status_fill(h.status_colour)
        cell.font = status_font(h.status_colour, bold=True)
        row += 1
    row += 1

    # 二、进展状态汇总
    counts: dict[str, int] = summary["status_counts"]
    total = sum(counts.values()) or 1
    row = _section(
        ws,
        row,
        f"二、进展状态汇总（按目标计：{summary.get('n_indicators', 0)} 项指标、"
        f"{summary.get('n_targets', total)} 个目标，每个目标年一行，与“{S.SHEET_RESPONSIBILITY}”表一致）",
    )
    row = _header(ws, row, ["状态", "指标数", "占比"])
    for code in S.STATUS_ORDER:
        n = counts.get(code, 0)
        _body_row(ws, row, [(S.STATUS_LABELS[code], None), (n, "0"), (n / total, H.PERCENT_FORMAT)])
        colour = H.status_colour(code)
        ws.cell(row=row, column=1).fill = status_fill(colour)
        ws.cell(row=row, column=1).font = status_font(colour, bold=True)
        row += 1
    _body_row(
        ws, row, [("合计", None), (sum(counts.values()), "0"), (1.0 if counts else None, H.PERCENT_FORMAT)]
    )
    row += 1
    stale = summary.get("n_stale", 0)
    if stale:
        flag = S.FLAG_LABELS.get("stale", "数据未更新")
        _body_row(ws, row, [(f"其中：{flag}", None), (stale, "0"), (stale / total, H.PERCENT_FORMAT)])
        ws.cell(row=row, column=1).font = _font(color="9C0006", bold=True)
        row += 1
    row += 1

    # 三、分领域状态
    row = _section(ws, row, "三、分领域状态（按目标计）")
    row = _header(ws, row, ["领域", *[S.STATUS_LABELS[c] for c in S.STATUS_ORDER], "合计"])
    for j, code in enumerate(S.STATUS_ORDER, start=2):
        colour = H.status_colour(code)
        ws.cell(row=row - 1, column=j).fill = status_fill(colour)
        ws.cell(row=row - 1, column=j).font = status_font(colour, bold=True)
    for sector, by_status in summary["sector_counts"]:
        values = [(H.sector_name(sector, data.sector_names), None)]
        values += [(by_status.get(c, 0), "0") for c in S.STATUS_ORDER]
        values.append((sum(by_status.values()), "0"))
        row = _body_row(ws, row, values)
    row += 1

    # 四、报送情况
    rates = data.rates
    row = _section(ws, row, "四、报送情况")
    row = _header(ws, row, ["应报部门数", "已报送", "按时报送", "逾期报送", "未报送", "报送率", "及时率"])
    row = _body_row(
        ws,
        row,
        [
            (rates.get("expected"), "0"),
            (rates.get("actual"), "0"),
            (rates.get("on_time"), "0"),
            (rates.get("late"), "0"),
            (rates.get("missing"), "0"),
            (rates.get("rate"), H.PERCENT_FORMAT),
            (rates.get("on_time_rate"), H.PERCENT_FORMAT),
        ],
    )
    row += 1
    notes = [
        *data.notes,  # the method note first, from governance.dim_progress_method
        "数值以显示单位列示（如 万架、亿元）。",
    ]
    for note in notes:
        cell = put(ws, row, 1, note)
        cell.font = NOTE_FONT
        cell.alignment = WRAP_ALIGN
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=ncols)
        ws.row_dimensions[row].height = row_height([(note, 98)])
        row += 1
    widths = [24, 11, 7, 11, 11, 8, 8, 8, 10]  # 98 units: the cover prints at full size
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = w
    ws.freeze_panes = ws.cell(row=S.HEADER_ROW, column=1)
    _page_setup(ws, None, title, data)


def mark_draft(wb: Workbook) -> None:
    """草稿（待审核） on every sheet: its page header (so on every printed page) and its title cell
    (docs/report.md "审核与签发 / sign-off")."""
    from exports.approval import DRAFT_LABEL

    for ws in wb.worksheets:
        ws.oddHeader.center.text = DRAFT_LABEL
        ws.oddHeader.center.size = 12
        ws.oddHeader.center.color = "C00000"
        title = ws.cell(1, 1)
        title.value = f"【{DRAFT_LABEL}】{title.value or ''}"


def build_workbook(
    data: ReportData, tables: list[Table], summary: dict[str, Any], printed_only: bool = False
) -> Workbook:
    """The workbook; ``printed_only`` leaves out the sheets that are for the screen (sector sheets,
    the detail columns, the project list, the technical quality sheet): that copy is what the PDF
    prints."""
    wb = Workbook()
    cover = wb.active
    cover.title = S.SHEET_COVER
    write_cover(cover, data, summary)
    cutoff = H.cutoff_label(data.period)
    for table in tables:
        if printed_only and not table.printed:
            continue
        ws = wb.create_sheet(table.sheet)
        write_table(ws, table, cutoff, data)
    stamp = H.package_timestamp(data)
    props = wb.properties
    label = f"【{S.SYNTHETIC_LABEL}】" if data.is_synthetic else ""
    props.title = f"{label}{S.WORKBOOK_TITLE}（{H.period_label(data.period)}）"
    props.subject = H.cutoff_label(data.period)
    if data.is_synthetic:
        props.keywords = S.SYNTHETIC_LABEL
        props.category = S.SYNTHETIC_LABEL
        props.description = synthetic_text(data)
    props.creator = data.document_fields.get("org") or "newinfra"
    props.lastModifiedBy = "newinfra"
    props.created = stamp
    props.modified = stamp
    if data.is_draft:
        mark_draft(wb)
    wb.calculation = CalcProperties(fullCalcOnLoad=False)
    return wb


def workbook_bytes(wb: Workbook, stamp: dt.datetime) -> bytes:
    """Serialise without openpyxl's wall-clock ``modified`` and with fixed zip entry dates."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).save()
    return H.normalize_zip(buf.getvalue(), stamp)


def render_workbook(
    data: ReportData, tables: list[Table], summary: dict[str, Any], printed_only: bool = False
) -> bytes:
    wb = build_workbook(data, tables, summary, printed_only=printed_only)
    return workbook_bytes(wb, H.package_timestamp(data))


__all__ = ["Column", "Table", "build_workbook", "put", "render_workbook", "workbook_bytes"]
