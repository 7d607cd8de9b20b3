"""The feedback workbook a department receives for every processed file (xlsxwriter, deterministic).

``feedback/<department>/<period>/反馈_<department>_<period>_v<version or sha8>.xlsx`` under
NEWINFRA_HOME: a summary (概况), every rejection with sheet, row, column, the value as written and the
reason in Chinese with English alongside (退回明细), and what was accepted (已接收指标 / 已接收项目).
The document's dates are the file's ``received_at``, so writing it again gives the same bytes.
Every text is written as text (never a formula), whatever it starts with.

The workbook's layout is xlsxwriter's. For speed (one feedback per file, the ingest's largest cost
after the load), the same sheet functions usually write into :class:`_FastBook` instead, which
assembles the very bytes xlsxwriter would (its fixed parts are taken once per process from a workbook
xlsxwriter writes, the cells and shared strings are written here the way it writes them, and the zip
is made with the same calls); any text it does not handle exactly like xlsxwriter (control
characters, ``_xHHHH_`` escapes, very long texts...) sends that file's feedback to xlsxwriter itself.
Tests compare both byte for byte.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import zipfile
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ingestion.submissions import settings as S
from ingestion.submissions.helpers import as_written
from ingestion.submissions.store import PROJECT_COLUMNS, REJECTION_COLUMNS, VALUE_COLUMNS
from newinfra.plan import Plan

STATUS_LABELS = {
    S.STATUS_LOADED: "已全部接收",
    S.STATUS_PARTIAL: "部分接收（有退回的行，请修改后重新报送）",
    S.STATUS_QUARANTINED: "已隔离，未接收（整个文件，原因见下）",
    S.STATUS_DUPLICATE: "与已处理的文件相同，未再处理",
}


def _yes_no(value: bool | None) -> str:
    return "—" if value is None else ("是" if value else "否")


def local_time_label(received_at: dt.datetime, timezone: str) -> str:
    local = received_at.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(timezone))
    return f"{local:%Y-%m-%d %H:%M:%S}（{timezone}）/ {received_at:%Y-%m-%d %H:%M:%S} UTC"


def write_feedback(
    path: Path,
    ledger: dict[str, Any],
    values: list[tuple],
    projects: list[tuple],
    rejections: list[tuple],
    plan: Plan,
    timezone: str,
) -> Path:
    """Write the feedback workbook of one file to ``path`` (temporary name, then moved into place)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        parts = _fast_parts(ledger, values, projects, rejections, plan, timezone)
    except _Unusual:
        parts = None
    if parts is None:
        _write_xlsxwriter(tmp, ledger, values, projects, rejections, plan, timezone)
    else:
        _write_zip(tmp, parts)
    os.replace(tmp, path)
    return path


def _title(ledger: dict[str, Any]) -> str:
    return (
        f"报送反馈 {ledger.get('department_code') or ledger.get('sender_department_code') or ''} "
        f"{ledger.get('period') or ''}"
    )


def _fill(wb, ledger, values, projects, rejections, plan: Plan, timezone: str) -> None:
    """The four sheets, into an xlsxwriter workbook or a :class:`_FastBook`."""
    head = wb.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True})
    bold = wb.add_format({"bold": True})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    _summary(wb, bold, wrap, ledger, plan, timezone)
    _rejections(wb, head, wrap, rejections)
    _accepted(wb, head, values, plan)
    _projects(wb, head, projects)


def _write_xlsxwriter(tmp: Path, ledger, values, projects, rejections, plan: Plan, timezone: str) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(
        str(tmp),
        {
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "in_memory": True,
        },
    )
    try:
        wb.set_properties({"title": _title(ledger), "author": "newinfra", "created": ledger["received_at"]})
        _fill(wb, ledger, values, projects, rejections, plan, timezone)
    finally:
        wb.close()


# --- The same bytes, assembled directly --------------------------------------------------------------


class _Unusual(Exception):
    """A text xlsxwriter would write in a way _FastBook does not reproduce: use xlsxwriter."""


_CONTROL = re.compile(r"_x[0-9a-fA-F]{4}_|[\x00-\x08\x0b-\x1f\ufffe\uffff]")
_EDGE_SPACE = re.compile(r"^\s|\s$")
_ESCAPES = re.compile('["&<>\n]')
_MAX_TEXT = 16_000  # xlsxwriter truncates at 32,767 UTF-16 units; such texts go to it
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


class _FastFormat:
    def __init__(self, key: str) -> None:
        self.key = key


class _FastSheet:
    def __init__(self, book: _FastBook, name: str) -> None:
        self.book = book
        self.name = name
        self.cells: dict[int, dict[int, str]] = {}

    def set_column(self, *_args) -> None:  # the columns are part of the fixed sheet head
        pass

    def freeze_panes(self, *_args) -> None:  # likewise
        pass

    def _style(self, fmt: _FastFormat | None) -> str:
        return "" if fmt is None else f' s="{self.book.xf_index(fmt)}"'

    def write_string(self, row: int, col: int, text: str, fmt: _FastFormat | None = None) -> None:
        index = self.book.shared_index(text)
        self.cells.setdefault(row, {})[col] = f'{self._style(fmt)} t="s"><v>{index}</v></c>'

    def write_number(self, row: int, col: int, number, fmt: _FastFormat | None = None) -> None:
        if isinstance(number, float) and (number != number or number in (float("inf"), float("-inf"))):
            raise _Unusual  # xlsxwriter refuses these (no nan_inf_to_errors)
        self.cells.setdefault(row, {})[col] = f"{self._style(fmt)}><v>{number:.16G}</v></c>"

    def xml(self, head: str, middle: str, tail: str) -> str:
        rows = sorted(self.cells)
        max_row = rows[-1]
        max_col = max(max(cols) for cols in self.cells.values())
        spans: dict[int, str] = {}
        for block in {r // 16 for r in rows}:
            cols = [c for r in rows if r // 16 == block for c in self.cells[r]]
            spans[block] = f"{min(cols) + 1}:{max(cols) + 1}"
        out = [head, f'<dimension ref="A1:{_cell(max_row, max_col)}"/>', middle, "<sheetData>"]
        for r in rows:
            out.append(f'<row r="{r + 1}" spans="{spans[r // 16]}">')
            cells = self.cells[r]
            for c in sorted(cells):
                out.append(f'<c r="{_cell(r, c)}"{cells[c]}')
            out.append("</row>")
        out += ["</sheetData>", tail]
        return "".join(out)


class _FastBook:
    """The subset of xlsxwriter's Workbook/Worksheet the feedback uses, producing the same parts."""

    def __init__(self) -> None:
        self.sheets: list[_FastSheet] = []
        self.strings: dict[str, int] = {}
        self.string_count = 0
        self.xf_order: list[str] = []

    def add_format(self, props: dict) -> _FastFormat:
        return _FastFormat(repr(sorted(props.items())))

    def add_worksheet(self, name: str) -> _FastSheet:
        sheet = _FastSheet(self, name)
        self.sheets.append(sheet)
        return sheet

    def xf_index(self, fmt: _FastFormat) -> int:
        # xlsxwriter numbers the formats in the order they are first met (1, 2, ...; 0 = default)
        if fmt.key not in self.xf_order:
            self.xf_order.append(fmt.key)
        return self.xf_order.index(fmt.key) + 1

    def shared_index(self, text: str) -> int:
        self.string_count += 1
        index = self.strings.get(text)
        if index is None:
            if (
                len(text) > _MAX_TEXT
                or _CONTROL.search(text)
                or (text.startswith("<r>") and text.endswith("</r>"))
            ):
                raise _Unusual
            index = self.strings[text] = len(self.strings)
        return index

    def shared_strings_xml(self) -> str:
        out = [
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            f'count="{self.string_count}" uniqueCount="{len(self.strings)}">'
        ]
        for text in self.strings:
            space = ' xml:space="preserve"' if _EDGE_SPACE.search(text) else ""
            if _ESCAPES.search(text):
                text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            out.append(f"<si><t{space}>{text}</t></si>")
        out.append("</sst>")
        return "".join(out)


def _cell(row: int, col: int) -> str:
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row + 1}"


_REFERENCE: dict[str, Any] | None = None
_REF_TITLE = "@@newinfra-title@@"
_REF_CREATED = dt.datetime(2001, 2, 3, 4, 5, 6)


def _reference() -> dict[str, Any]:
    """The fixed parts, from one workbook xlsxwriter writes with the same sheet functions (per process)."""
    global _REFERENCE
    if _REFERENCE is None:
        import io
        import tempfile

        from newinfra.plan import load_plan

        ledger = {
            "file_id": "0" * 64, "content_sha256": "0" * 64, "original_name": "reference.xlsx",
            "sender_department_code": None, "department_code": None, "period": None,
            "received_at": _REF_CREATED, "status": S.STATUS_LOADED, "version": 1, "rows_total": 1,
            "rows_accepted": 1, "rows_rejected": 0, "rows_flagged": 0, "is_late": False,
            "is_after_publication": False,
        }  # fmt: skip
        plan = load_plan()
        with tempfile.TemporaryDirectory() as folder:
            tmp = Path(folder) / "reference.xlsx"
            import xlsxwriter

            wb = xlsxwriter.Workbook(
                str(tmp),
                {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
                 "in_memory": True},
            )  # fmt: skip
            wb.set_properties({"title": _REF_TITLE, "author": "newinfra", "created": _REF_CREATED})
            _fill(wb, ledger, [], [], [], plan, "UTC")
            wb.close()
            data = tmp.read_bytes()
        probe = _FastBook()
        _fill(probe, ledger, [], [], [], plan, "UTC")
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            entries = [(info.filename, zf.read(info.filename).decode("utf-8")) for info in zf.infolist()]
        sheets = {}
        for name, xml in entries:
            if name.startswith("xl/worksheets/sheet"):
                dim_start = xml.index("<dimension ")
                dim_end = xml.index("/>", dim_start) + 2
                data_start = xml.index("<sheetData>")
                data_end = xml.index("</sheetData>") + len("</sheetData>")
                sheets[name] = (xml[:dim_start], xml[dim_end:data_start], xml[data_end:])
        _REFERENCE = {"entries": entries, "sheets": sheets, "xf_order": probe.xf_order}
    return _REFERENCE


def _fast_parts(ledger, values, projects, rejections, plan: Plan, timezone: str) -> list[tuple[str, bytes]]:
    """The zip entries xlsxwriter would write for this feedback, in its order; _Unusual if unsure."""
    created = ledger.get("received_at")
    if not isinstance(created, dt.datetime):
        raise _Unusual
    ref = _reference()
    book = _FastBook()
    _fill(book, ledger, values, projects, rejections, plan, timezone)
    if book.xf_order != ref["xf_order"] or len(book.sheets) != len(ref["sheets"]):
        raise _Unusual  # the formats first met in another order: another styles part
    title = _title(ledger)
    if _CONTROL.search(title):
        raise _Unusual
    title = title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    stamp = created.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = []
    sheet_no = 0
    for name, xml in ref["entries"]:
        if name in ref["sheets"]:
            xml = book.sheets[sheet_no].xml(*ref["sheets"][name])
            sheet_no += 1
        elif name == "xl/sharedStrings.xml":
            xml = book.shared_strings_xml()
        elif name == "docProps/core.xml":
            xml = xml.replace(_REF_TITLE, title).replace(_REF_CREATED.strftime("%Y-%m-%dT%H:%M:%SZ"), stamp)
        out.append((name, xml.encode("utf-8")))
    return out


def _write_zip(tmp: Path, parts: list[tuple[str, bytes]]) -> None:
    """The zip as xlsxwriter makes it (same entry dates, compression and calls)."""
    import io

    buffer = io.BytesIO()  # seekable like the file xlsxwriter writes to: the same bytes, one write
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=False) as zf:
        for name, data in parts:
            info = zipfile.ZipInfo(name, _ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    with open(tmp, "wb") as fh:
        fh.write(buffer.getvalue())


def _text(ws, row: int, col: int, value: object, fmt=None) -> None:
    ws.write_string(row, col, "" if value is None else str(value), fmt)


def _summary(wb, bold, wrap, ledger: dict[str, Any], plan: Plan, timezone: str) -> None:
    ws = wb.add_worksheet(S.FEEDBACK_SHEET_SUMMARY)
    ws.set_column(0, 0, 26)
    ws.set_column(1, 1, 90)
    sender = ledger.get("sender_department_code") or ""
    dept = plan.departments.get(sender)
    status = ledger["status"]
    rows: list[tuple[str, object]] = [
        ("文件 / file", ledger["original_name"]),
        ("报送单位 / sender", f"{dept.name_zh}（{sender}）" if dept else (sender or "未知 / unknown")),
        ("报送期 / period", ledger.get("period") or "—"),
        ("接收时间 / received", local_time_label(ledger["received_at"], timezone)),
        ("处理结果 / result", f"{STATUS_LABELS.get(status, status)} / {status}"),
    ]
    if status in (S.STATUS_LOADED, S.STATUS_PARTIAL):
        rows += [
            (
                "版本 / version",
                f"第 {ledger['version']} 版" + ("（替代之前的版本）" if ledger["version"] > 1 else ""),
            ),
            ("数据行 / rows", ledger["rows_total"]),
            ("接收 / accepted", ledger["rows_accepted"]),
            ("退回 / rejected", ledger["rows_rejected"]),
            ("接收但待核实 / flagged", ledger["rows_flagged"]),
            ("逾期报送 / late", _yes_no(ledger.get("is_late"))),
            ("报告发布后修订 / after publication", _yes_no(ledger.get("is_after_publication"))),
        ]
    if status == S.STATUS_QUARANTINED:
        rows += [
            ("隔离原因 / reason", ledger.get("quarantine_reason_zh") or ""),
            ("Reason (English)", ledger.get("quarantine_reason_en") or ""),
            ("原因代码 / code", ledger.get("quarantine_reason_code") or ""),
        ]
    rows.append(("文件编号 / file id (sha256)", ledger["content_sha256"]))
    _text(ws, 0, 0, "新型基础设施建设进展报送反馈 / submission feedback", bold)
    for i, (key, value) in enumerate(rows, start=2):
        _text(ws, i, 0, key, bold)
        if isinstance(value, int | float) and not isinstance(value, bool):
            ws.write_number(i, 1, value)
        else:
            _text(ws, i, 1, value, wrap)


def _rejections(wb, head, wrap, rejections: list[tuple]) -> None:
    ws = wb.add_worksheet(S.FEEDBACK_SHEET_REJECTIONS)
    headers = ("工作表", "行号", "列", "列名", "填写内容", "退回原因", "Reason (English)", "原因代码")
    for c, (h, w) in enumerate(zip(headers, (14, 8, 6, 26, 22, 60, 60, 24), strict=True)):
        ws.write_string(0, c, h, head)
        ws.set_column(c, c, w)
    idx = {name: i for i, name in enumerate(REJECTION_COLUMNS)}
    if not rejections:
        ws.write_string(1, 0, "没有退回的行 / no rows were rejected")
    for r, rej in enumerate(rejections, start=1):
        _text(ws, r, 0, rej[idx["sheet_name"]])
        ws.write_number(r, 1, rej[idx["row_number"]])
        _text(ws, r, 2, rej[idx["column_letter"]])
        _text(ws, r, 3, rej[idx["column_name"]])
        _text(ws, r, 4, rej[idx["value_as_written"]])
        _text(ws, r, 5, rej[idx["reason_zh"]], wrap)
        _text(ws, r, 6, rej[idx["reason_en"]], wrap)
        _text(ws, r, 7, rej[idx["reason_code"]])
    ws.freeze_panes(1, 0)


def _accepted(wb, head, values: list[tuple], plan: Plan) -> None:
    """Every accepted value: row, indicator, prefecture, the value in base units, and only where it
    adds something, the text as written (when it was converted, e.g. 15万) and the flag."""
    ws = wb.add_worksheet(S.FEEDBACK_SHEET_ACCEPTED)
    headers = ("行号", "指标", "地区", "数值", "计量单位", "填写内容（已换算）", "待核实 / flag")
    for c, (h, w) in enumerate(zip(headers, (8, 44, 12, 16, 10, 18, 70), strict=True)):
        ws.write_string(0, c, h, head)
        ws.set_column(c, c, w)
    idx = {name: i for i, name in enumerate(VALUE_COLUMNS)}
    for r, val in enumerate(values, start=1):
        ind = plan.indicators.get(val[idx["indicator_id"]])
        pref = plan.prefectures.get(val[idx["prefecture_code"]])
        value = val[idx["value"]]
        written = val[idx["value_as_written"]] or ""
        ws.write_number(r, 0, val[idx["row_number"]])
        ws.write_string(r, 1, ind.name_zh if ind else val[idx["indicator_id"]])
        ws.write_string(r, 2, ("全省" if pref.level == "province" else pref.short_name_zh) if pref else "")
        ws.write_number(r, 3, value)
        ws.write_string(r, 4, ind.unit if ind else "")
        if written and written != as_written(value):
            ws.write_string(r, 5, written)
        if val[idx["flag_reason_zh"]]:
            ws.write_string(r, 6, f"{val[idx['flag_reason_zh']]} / {val[idx['flag_reason_en']]}")
    ws.freeze_panes(1, 0)


def _projects(wb, head, projects: list[tuple]) -> None:
    ws = wb.add_worksheet(S.FEEDBACK_SHEET_PROJECTS)
    headers = ("行号", "项目编号", "项目名称", "本月完成投资（万元）", "累计完成投资（万元）", "项目状态")
    for c, (h, w) in enumerate(zip(headers, (8, 18, 40, 20, 20, 12), strict=True)):
        ws.write_string(0, c, h, head)
        ws.set_column(c, c, w)
    idx = {name: i for i, name in enumerate(PROJECT_COLUMNS)}
    for r, p in enumerate(projects, start=1):
        ws.write_number(r, 0, p[idx["row_number"]])
        _text(ws, r, 1, p[idx["project_code"]])
        _text(ws, r, 2, p[idx["project_name"]])
        ws.write_number(r, 3, p[idx["completed_this_month_yuan"]] / S.MONEY_SCALE)
        ws.write_number(r, 4, p[idx["cumulative_completed_yuan"]] / S.MONEY_SCALE)
        status = p[idx["project_status"]]
        _text(ws, r, 5, S.PROJECT_STATUSES.get(status, status))
    ws.freeze_panes(1, 0)
