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
has the bytes zipfile writes for xlsxwriter's calls, from a small writer here that deflates the parts
that do not change once per process); any text it does not handle exactly like xlsxwriter (control
characters, ``_xHHHH_`` escapes, very long texts...) sends that file's feedback to xlsxwriter itself.
Tests compare both byte for byte.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import struct
import sys
import zipfile
import zlib
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ingestion.common.numbers import MONEY_SCALE
from ingestion.submissions import constants
from ingestion.submissions.rules import as_written
from newinfra.plan import Plan

STATUS_LABELS = {
    constants.STATUS_LOADED: "已全部接收",
    constants.STATUS_PARTIAL: "部分接收（有退回的行，请修改后重新报送）",
    constants.STATUS_QUARANTINED: "已隔离，未接收（整个文件，原因见下）",
    constants.STATUS_DUPLICATE: "与已处理的文件相同，未再处理",
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
    __slots__ = ("key", "attr")

    def __init__(self, key: str) -> None:
        self.key = key
        self.attr: str | None = None  # ' s="N"', once its first cell has numbered it (per book)


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
        if fmt is None:
            return ""
        attr = fmt.attr
        if attr is None:
            attr = fmt.attr = f' s="{self.book.xf_index(fmt)}"'
        return attr

    def write_string(self, row: int, col: int, text: str, fmt: _FastFormat | None = None) -> None:
        book = self.book
        book.string_count += 1
        index = book.strings.get(text)
        if index is None:
            index = book.new_string(text)
        cells = self.cells.get(row)
        if cells is None:
            cells = self.cells[row] = {}
        style = "" if fmt is None else (fmt.attr or self._style(fmt))
        cells[col] = f'{style} t="s"><v>{index}</v></c>'

    def write_number(self, row: int, col: int, number, fmt: _FastFormat | None = None) -> None:
        if isinstance(number, float) and (number != number or number in (float("inf"), float("-inf"))):
            raise _Unusual  # xlsxwriter refuses these (no nan_inf_to_errors)
        cells = self.cells.get(row)
        if cells is None:
            cells = self.cells[row] = {}
        style = "" if fmt is None else (fmt.attr or self._style(fmt))
        cells[col] = f"{style}><v>{number:.16G}</v></c>"

    def xml(self, head: str, middle: str, tail: str) -> str:
        cells = self.cells
        rows = sorted(cells)
        # xlsxwriter's spans: the first and last column of each block of 16 rows
        blocks: dict[int, list[int]] = {}
        max_col = 0
        for r in rows:
            cols = cells[r]
            lo = min(cols)
            hi = max(cols)
            if hi > max_col:
                max_col = hi
            block = blocks.get(r >> 4)
            if block is None:
                blocks[r >> 4] = [lo, hi]
            else:
                if lo < block[0]:
                    block[0] = lo
                if hi > block[1]:
                    block[1] = hi
        spans = {b: f'" spans="{lo + 1}:{hi + 1}">' for b, (lo, hi) in blocks.items()}
        out = [head, f'<dimension ref="A1:{_cell(rows[-1], max_col)}"/>', middle, "<sheetData>"]
        append = out.append
        letters = _COLUMNS if max_col < len(_COLUMNS) else [_column(c) for c in range(max_col + 1)]
        for r in rows:
            number = str(r + 1)
            append('<row r="')
            append(number)
            append(spans[r >> 4])
            row = cells[r]
            for c in sorted(row):
                append(f'<c r="{letters[c]}{number}"{row[c]}')
            append("</row>")
        out += ["</sheetData>", tail]
        return "".join(out)


class _FastBook:
    """The subset of xlsxwriter's Workbook/Worksheet the feedback uses, producing the same parts."""

    def __init__(self) -> None:
        self.sheets: list[_FastSheet] = []
        self.strings: dict[str, int] = {}
        self.items: list[str] = []  # the <si> of each string, in index order
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

    def new_string(self, text: str) -> int:
        """The index of a text not met before in this book (write_string counts every use)."""
        self.items.append(_shared_item(text))  # _Unusual for a text xlsxwriter writes otherwise
        index = self.strings[text] = len(self.strings)
        return index

    def shared_strings_xml(self) -> str:
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            f'count="{self.string_count}" uniqueCount="{len(self.strings)}">{"".join(self.items)}</sst>'
        )


# The <si> of the texts met in this process (labels, headers, indicator names recur in every
# feedback); cleared when it grows past _ITEMS_MAX (file names and hashes are new each time).
_ITEMS: dict[str, str] = {}
_ITEMS_MAX = 20_000


def _shared_item(text: str) -> str:
    item = _ITEMS.get(text)
    if item is None:
        if (
            len(text) > _MAX_TEXT
            or _CONTROL.search(text)
            or (text.startswith("<r>") and text.endswith("</r>"))
        ):
            raise _Unusual
        space = ' xml:space="preserve"' if _EDGE_SPACE.search(text) else ""
        escaped = text
        if _ESCAPES.search(text):
            escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        item = f"<si><t{space}>{escaped}</t></si>"
        if len(_ITEMS) >= _ITEMS_MAX:
            _ITEMS.clear()
        _ITEMS[text] = item
    return item


_LETTERS = [chr(65 + i) for i in range(26)]
_COLUMNS = _LETTERS + [a + b for a in _LETTERS for b in _LETTERS]  # A..ZZ


def _column(col: int) -> str:
    """Column letters (0 -> A, 26 -> AA)."""
    if col < len(_COLUMNS):
        return _COLUMNS[col]
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _cell(row: int, col: int) -> str:
    return f"{_column(col)}{row + 1}"


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
            "received_at": _REF_CREATED, "status": constants.STATUS_LOADED, "version": 1, "rows_total": 1,
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
        # docProps/core.xml as (before the title, between title and created, between the two dates, after)
        core = dict(entries)["docProps/core.xml"]
        stamp = _REF_CREATED.strftime("%Y-%m-%dT%H:%M:%SZ")
        head, _, rest = core.partition(_REF_TITLE)
        pieces = (head, *rest.split(stamp))
        if len(pieces) != 4 or stamp in head or any(_REF_TITLE in piece for piece in pieces):
            pieces = None  # another shape (another xlsxwriter): _fast_parts leaves it to xlsxwriter
        # the parts that do not vary, encoded once: the zip writer knows them by these very objects
        fixed = {name: xml.encode("utf-8") for name, xml in entries}
        _REFERENCE = {
            "entries": entries,
            "sheets": sheets,
            "xf_order": probe.xf_order,
            "fixed": fixed,
            "core": pieces,
        }
    return _REFERENCE


def _fast_parts(ledger, values, projects, rejections, plan: Plan, timezone: str) -> list[tuple[str, bytes]]:
    """The zip entries xlsxwriter would write for this feedback, in its order; _Unusual if unsure."""
    created = ledger.get("received_at")
    if not isinstance(created, dt.datetime):
        raise _Unusual
    ref = _reference()
    if ref["core"] is None:
        raise _Unusual
    book = _FastBook()
    _fill(book, ledger, values, projects, rejections, plan, timezone)
    if book.xf_order != ref["xf_order"] or len(book.sheets) != len(ref["sheets"]):
        raise _Unusual  # the formats first met in another order: another styles part
    title = _title(ledger)
    if _CONTROL.search(title):
        raise _Unusual
    title = title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    stamp = created.strftime("%Y-%m-%dT%H:%M:%SZ")
    sheets = ref["sheets"]
    fixed = ref["fixed"]
    out = []
    sheet_no = 0
    for name, _xml in ref["entries"]:
        if name in sheets:
            data = book.sheets[sheet_no].xml(*sheets[name]).encode("utf-8")
            sheet_no += 1
        elif name == "xl/sharedStrings.xml":
            data = book.shared_strings_xml().encode("utf-8")
        elif name == "docProps/core.xml":
            head, before, middle, after = ref["core"]
            data = f"{head}{title}{before}{stamp}{middle}{stamp}{after}".encode()
        else:
            data = fixed[name]
        out.append((name, data))
    return out


def _write_zip(tmp: Path, parts: list[tuple[str, bytes]]) -> None:
    """The zip as xlsxwriter makes it, written to ``tmp`` in one write."""
    with open(tmp, "wb") as fh:
        fh.write(_zip_bytes(parts))


# zipfile's constants (Python 3.11 zipfile.py), for the archive it writes with
# ZipFile(BytesIO(), "w", ZIP_DEFLATED, allowZip64=False) and writestr(ZipInfo(name, _ZIP_DATE), data)
# with compress_type ZIP_DEFLATED, as xlsxwriter calls it.
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")  # zipfile.structFileHeader
_CENTRAL_HEADER = struct.Struct("<4s4B4HL2L5H2L")  # zipfile.structCentralDir
_END_RECORD = struct.Struct("<4s4H2LH")  # zipfile.structEndArchive
_VERSION = 20  # zipfile.DEFAULT_VERSION: create and extract version of a deflated entry without zip64
_CREATE_SYSTEM = 0 if sys.platform == "win32" else 3  # ZipInfo.create_system
_EXTERNAL_ATTR = 0o600 << 16  # what ZipFile._open_to_write sets (?rw-------)
_UTF8_NAME = 1 << 11  # zipfile._MASK_UTF_FILENAME
_ZIP64_LIMIT = (1 << 31) - 1  # zipfile.ZIP64_LIMIT
_DOS_TIME = _ZIP_DATE[3] << 11 | _ZIP_DATE[4] << 5 | (_ZIP_DATE[5] // 2)
_DOS_DATE = (_ZIP_DATE[0] - 1980) << 9 | _ZIP_DATE[1] << 5 | _ZIP_DATE[2]

# name -> (content, crc, deflated) of this process's last archive: the parts that are the same as last
# time (theme, styles, content types, rels, app.xml, often an empty sheet) are deflated once.
_DEFLATED: dict[str, tuple[bytes, int, bytes]] = {}


def _deflate(data: bytes) -> bytes:
    # exactly zipfile's _get_compressor(ZIP_DEFLATED, None) and _ZipWriteFile's write + close
    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def _zip_bytes(parts: list[tuple[str, bytes]]) -> bytes:
    """The bytes zipfile writes for these entries (see the constants above), each part deflated at most
    once while it stays the same; LargeZipFile where zipfile (allowZip64=False) would raise it."""
    if len(parts) >= 0xFFFF:
        raise zipfile.LargeZipFile("Files count would require ZIP64 extensions")
    out: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    for name, data in parts:
        last = _DEFLATED.get(name)
        if last is not None and last[0] == data:  # the same object for the fixed parts: no compare
            crc, deflated = last[1], last[2]
        else:
            if len(data) * 1.05 > _ZIP64_LIMIT:
                raise zipfile.LargeZipFile("Filesize would require ZIP64 extensions")
            crc = zlib.crc32(data)
            deflated = _deflate(data)
            _DEFLATED[name] = (data, crc, deflated)
        if offset > _ZIP64_LIMIT:
            raise zipfile.LargeZipFile("Zipfile size would require ZIP64 extensions")
        filename = name.split("\0", 1)[0]  # as ZipInfo normalises it
        if os.sep != "/":
            filename = filename.replace(os.sep, "/")
        try:
            encoded, flags = filename.encode("ascii"), 0
        except UnicodeEncodeError:
            encoded, flags = filename.encode("utf-8"), _UTF8_NAME
        size = len(data)
        packed = len(deflated)
        out.append(
            _LOCAL_HEADER.pack(
                b"PK\x03\x04", _VERSION, 0, flags, zipfile.ZIP_DEFLATED, _DOS_TIME, _DOS_DATE,
                crc, packed, size, len(encoded), 0,
            )
        )  # fmt: skip
        out.append(encoded)
        out.append(deflated)
        central.append(
            _CENTRAL_HEADER.pack(
                b"PK\x01\x02", _VERSION, _CREATE_SYSTEM, _VERSION, 0, flags, zipfile.ZIP_DEFLATED,
                _DOS_TIME, _DOS_DATE, crc, packed, size, len(encoded), 0, 0, 0, 0, _EXTERNAL_ATTR, offset,
            )
        )  # fmt: skip
        central.append(encoded)
        offset += _LOCAL_HEADER.size + len(encoded) + packed
    directory = b"".join(central)
    if offset > _ZIP64_LIMIT or len(directory) > _ZIP64_LIMIT:
        raise zipfile.LargeZipFile("Central directory offset would require ZIP64 extensions")
    out.append(directory)
    out.append(_END_RECORD.pack(b"PK\x05\x06", 0, 0, len(parts), len(parts), len(directory), offset, 0))
    return b"".join(out)


# where each column sits in the rows the store hands over
_REJECTION_AT = {name: i for i, name in enumerate(constants.RAW_REJECTION_COLUMNS)}
_VALUE_AT = {name: i for i, name in enumerate(constants.RAW_VALUE_COLUMNS)}
_PROJECT_AT = {name: i for i, name in enumerate(constants.RAW_PROJECT_COLUMNS)}


def _text(ws, row: int, col: int, value: object, fmt=None) -> None:
    ws.write_string(row, col, "" if value is None else str(value), fmt)


def _summary(wb, bold, wrap, ledger: dict[str, Any], plan: Plan, timezone: str) -> None:
    ws = wb.add_worksheet(constants.FEEDBACK_SHEET_SUMMARY)
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
    if status in (constants.STATUS_LOADED, constants.STATUS_PARTIAL):
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
    if status == constants.STATUS_QUARANTINED:
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
    ws = wb.add_worksheet(constants.FEEDBACK_SHEET_REJECTIONS)
    headers = ("工作表", "行号", "列", "列名", "填写内容", "退回原因", "Reason (English)", "原因代码")
    for c, (h, w) in enumerate(zip(headers, (14, 8, 6, 26, 22, 60, 60, 24), strict=True)):
        ws.write_string(0, c, h, head)
        ws.set_column(c, c, w)
    idx = _REJECTION_AT
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
    ws = wb.add_worksheet(constants.FEEDBACK_SHEET_ACCEPTED)
    headers = ("行号", "指标", "地区", "数值", "计量单位", "填写内容（已换算）", "待核实 / flag")
    for c, (h, w) in enumerate(zip(headers, (8, 44, 12, 16, 10, 18, 70), strict=True)):
        ws.write_string(0, c, h, head)
        ws.set_column(c, c, w)
    idx = _VALUE_AT
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
    ws = wb.add_worksheet(constants.FEEDBACK_SHEET_PROJECTS)
    headers = ("行号", "项目编号", "项目名称", "本月完成投资（万元）", "累计完成投资（万元）", "项目状态")
    for c, (h, w) in enumerate(zip(headers, (8, 18, 40, 20, 20, 12), strict=True)):
        ws.write_string(0, c, h, head)
        ws.set_column(c, c, w)
    idx = _PROJECT_AT
    for r, p in enumerate(projects, start=1):
        ws.write_number(r, 0, p[idx["row_number"]])
        _text(ws, r, 1, p[idx["project_code"]])
        _text(ws, r, 2, p[idx["project_name"]])
        ws.write_number(r, 3, p[idx["completed_this_month_yuan"]] / MONEY_SCALE)
        ws.write_number(r, 4, p[idx["cumulative_completed_yuan"]] / MONEY_SCALE)
        status = p[idx["project_status"]]
        _text(ws, r, 5, constants.PROJECT_STATUSES.get(status, status))
    ws.freeze_panes(1, 0)
