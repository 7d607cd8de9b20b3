"""One parser per format: pure functions from the raw bytes to a ``Table`` of rows.

A parser knows nothing about indicators or prefectures; it finds the header row (title rows above
it are the title block), the optional unit row, and the data rows down to the first blank row (a
yearbook's notes come after a blank row, and so do the 注 lines of a release).

Real publishers' formats (docs/public-stats.md):

- ``easyquery``: the NBS data query interface's JSON (``returncode``, ``returndata.datanodes[]``
  with ``wds`` codes zb/reg/sj and ``data`` {hasdata, data, strdata, dotcount}, ``wdnodes`` naming
  the codes and giving each indicator's unit) -> one row per datanode;
- ``html``: a ``<table>`` of a web page, chosen by ``table_index`` or by its caption (or the text
  just before it); rowspan/colspan are expanded;
- ``xlsx`` (and csv) with headers over several rows (``header_rows``) and merged cells: a merged
  header cell counts for every column it spans, the parts of a column's header are joined with
  "/" top to bottom, and with ``unit_in_header`` the unit in brackets (5G基站数（万个）) is taken
  out of the name into ``Table.units``. Anything that makes the file unreadable as a whole — not
valid UTF-8/GB18030, broken quoting, a zip that is cut short, JSON that does not parse, a header row
that is not there — raises ``ParseError``, and the source fails with nothing loaded.

A new format is one new function here, added to ``PARSERS``.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser
from typing import Any

from ingestion.public_stats.config import TableSpec

_SPACE = re.compile(r"\s+")


class ParseError(Exception):
    def __init__(self, message_zh: str, message_en: str, code: str = "parse_error") -> None:
        super().__init__(f"{message_zh} / {message_en}")
        self.message_zh = message_zh
        self.message_en = message_en
        self.code = code


@dataclass(frozen=True)
class Limits:
    """Guards for compressed formats (from Settings: NEWINFRA_MAX_XLSX_*)."""

    max_uncompressed_bytes: int = 100 * 1024 * 1024
    max_ratio: float = 100.0


@dataclass(frozen=True)
class Table:
    headers: list[str]  # as written, stripped
    rows: list[tuple[int, dict[str, Any]]]  # (row number people see: sheet row / CSV line / JSON item, cells)
    units: dict[str, str] = field(default_factory=dict)  # header -> unit, from the unit row
    title: list[str] = field(default_factory=list)  # text of the rows above the header row
    notes: list[str] = field(default_factory=list)  # text after the table (below the first blank row)


def norm(text: str) -> str:
    """The key used to match headers and labels: no whitespace at all (全角 included)."""
    return _SPACE.sub("", text)


def cell_text(value: Any) -> str:
    """A cell as text: '' for empty, 2022.0 -> '2022', everything else str() and stripped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _is_blank(cells: list[Any]) -> bool:
    return all(cell_text(c) == "" for c in cells)


_NOTE_STARTS = ("注：", "注:", "注 ", "注1", "说明：", "说明:", "资料来源", "数据来源")

Merged = list[tuple[tuple[int, int], tuple[int, int]]]  # ((row0, col0), (row1, col1)), 0-based, inclusive

_UNIT_IN_TEXT = re.compile(r"^(?P<name>.*?)\s*[（(]\s*(?:单位[:：]\s*)?(?P<unit>[^（）()]{1,12})\s*[）)]\s*$")
_TITLE_UNIT = re.compile(r"单位\s*[:：]\s*(?P<unit>[^\s,，;；)）]{1,12})")


def split_unit(text: str) -> tuple[str, str]:
    """``5G基站数（万个）`` -> (``5G基站数``, ``万个``); a text without a bracketed tail -> (text, '')."""
    m = _UNIT_IN_TEXT.match(text.strip())
    if not m or not m.group("name").strip():
        return text.strip(), ""
    return m.group("name").strip(), m.group("unit").strip()


def _fill_merged(grid: list[list[Any]], merged: Merged, header_rows: range) -> None:
    """A merged cell's value in every cell it covers: across and down in the header rows, down only
    elsewhere (a region or label merged over several rows); a title or note merged across the page
    stays in its first cell."""
    for (r0, c0), (r1, c1) in merged:
        if r0 >= len(grid) or c0 >= len(grid[r0]):
            continue
        value = grid[r0][c0]
        for r in range(r0, min(r1, len(grid) - 1) + 1):
            across = r in header_rows
            for c in range(c0, c1 + 1 if across else c0 + 1):
                while len(grid[r]) <= c:
                    grid[r].append(None)
                if (r, c) != (r0, c0):
                    grid[r][c] = value


def _grid_to_table(grid: list[list[Any]], spec: TableSpec, where: str, merged: Merged | None = None) -> Table:
    """Rows of cells (row 1 first) -> Table, shared by csv, xlsx and html."""
    h, last = spec.header_row, spec.last_header_row
    grid = [list(row) for row in grid]
    if merged:
        _fill_merged(grid, merged, range(h - 1, last))
    if len(grid) < last or all(_is_blank(grid[r]) for r in range(h - 1, min(last, len(grid)))):
        raise ParseError(
            f"{where}第 {h} 行应为表头，但该行为空或不存在（文件共 {len(grid)} 行）",
            f"{where}row {h} should hold the column headers but is empty or missing ({len(grid)} rows)",
            code="structure_error",
        )
    width = max(len(grid[r]) for r in range(h - 1, last))
    raw_headers = []
    header_units: dict[int, str] = {}
    for c in range(width):
        parts: list[str] = []
        for r in range(h - 1, last):
            text = cell_text(grid[r][c]) if c < len(grid[r]) else ""
            if spec.unit_in_header and text:
                text, unit = split_unit(text)
                if unit:
                    header_units[c] = unit
            if text and (not parts or norm(parts[-1]) != norm(text)):
                parts.append(text)
        raw_headers.append("/".join(parts))
    headers: list[str] = []
    seen: set[str] = set()
    for i, text in enumerate(raw_headers, start=1):
        name = text or f"_col{i}"
        if norm(name) in seen:
            raise ParseError(
                f"{where}第 {h} 行表头重复：{name}",
                f"{where}row {h}: duplicate column header {name!r}",
                code="structure_error",
            )
        seen.add(norm(name))
        headers.append(name)
    title = [" ".join(t for t in (cell_text(c) for c in row) if t) for row in grid[: h - 1]]
    units: dict[str, str] = {headers[c]: unit for c, unit in header_units.items()}
    if spec.unit_in_header:
        table_unit = next((m.group("unit") for t in title if (m := _TITLE_UNIT.search(t))), "")
        if table_unit:  # 单位：万户 above the table: the unit of every column that names none
            units = {hd: units.get(hd, table_unit) for hd in headers}
    first_data = last + 1
    if spec.unit_row is not None:
        if len(grid) < spec.unit_row:
            raise ParseError(
                f"{where}第 {spec.unit_row} 行应为单位行，但文件只有 {len(grid)} 行",
                f"{where}row {spec.unit_row} should hold the units; the file has {len(grid)} rows",
                code="structure_error",
            )
        unit_cells = grid[spec.unit_row - 1]
        units = {headers[i]: cell_text(unit_cells[i]) for i in range(min(len(headers), len(unit_cells)))}
        first_data = spec.unit_row + 1
    rows: list[tuple[int, dict[str, Any]]] = []
    notes: list[str] = []
    ended = False
    for number, cells in enumerate(grid[first_data - 1 :], start=first_data):
        if ended:
            text = " ".join(t for t in (cell_text(c) for c in cells) if t)
            if text:
                notes.append(text)
            continue
        if _is_blank(cells):
            ended = bool(rows)  # blank rows before the first data row are skipped
            continue
        texts = [t for t in (cell_text(c) for c in cells) if t]
        if len(set(texts)) == 1 and texts[0].startswith(_NOTE_STARTS):
            notes.append(texts[0])  # a 注/说明 row inside the table (one cell across): the table ends
            ended = True
            continue
        record = {headers[i]: (cells[i] if i < len(cells) else None) for i in range(len(headers))}
        rows.append((number, record))
    return Table(headers=headers, rows=rows, units=units, title=title, notes=notes)


def _decode(data: bytes, encoding: str | None) -> str:
    candidates = [encoding] if encoding else ["utf-8-sig", "gb18030"]
    for enc in candidates:
        try:
            return data.decode(enc)
        except UnicodeDecodeError as exc:
            if enc.startswith("utf-8") and exc.reason == "unexpected end of data" and exc.end == len(data):
                # valid UTF-8 up to a character cut in two at the very end: a truncated file, not GB18030
                raise ParseError(
                    f"文件在第 {exc.start} 字节处的字符中途结束，文件可能被截断",
                    f"the file ends in the middle of a character (byte {exc.start}): truncated?",
                    code="truncated",
                ) from exc
            continue
        except LookupError:
            continue
    raise ParseError(
        f"无法按 {' / '.join(candidates)} 解码文本", f"cannot decode the text as {' / '.join(candidates)}"
    )


def parse_csv(data: bytes, spec: TableSpec, limits: Limits | None = None) -> Table:
    text = _decode(data, spec.encoding)
    try:
        grid = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as exc:
        raise ParseError(f"CSV 格式错误：{exc}", f"CSV does not parse: {exc}") from exc
    table = _grid_to_table(grid, spec, "CSV ")
    last_is_data = bool(table.rows) and table.rows[-1][0] == len(grid)
    if last_is_data and not text.endswith(("\n", "\r")) and len(grid[-1]) < len(table.headers):
        # the last data row is short and the file has no final newline: it was cut mid-row
        raise ParseError(
            f"CSV 最后一行（第 {len(grid)} 行）不完整，文件可能被截断",
            f"the CSV's last line ({len(grid)}) is incomplete: the file looks truncated",
            code="truncated",
        )
    return table


def parse_xlsx(data: bytes, spec: TableSpec, limits: Limits | None = None) -> Table:
    limits = limits or Limits()
    buffer = io.BytesIO(data)
    if not zipfile.is_zipfile(buffer):
        raise ParseError(
            "不是有效的 xlsx 文件（zip 结构不完整，可能下载被截断）",
            "not a valid xlsx file (the zip structure is incomplete: truncated download?)",
            code="truncated",
        )
    try:
        with zipfile.ZipFile(buffer) as zf:
            infos = zf.infolist()
            total = sum(i.file_size for i in infos)
            if total > limits.max_uncompressed_bytes or total > max(len(data), 1) * limits.max_ratio:
                raise ParseError(
                    f"xlsx 解压后 {total} 字节，超过限制", f"xlsx expands to {total} bytes, over the limit"
                )
            bad = zf.testzip()
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ParseError(
            f"xlsx 文件损坏：{exc}", f"the xlsx file is corrupt: {exc}", code="truncated"
        ) from exc
    if bad is not None:
        raise ParseError(f"xlsx 文件损坏（{bad} 校验失败）", f"the xlsx file is corrupt (CRC of {bad})")
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        if spec.sheet:
            if spec.sheet not in workbook.sheet_names:
                raise ParseError(
                    f"xlsx 中没有工作表 {spec.sheet!r}（现有：{', '.join(workbook.sheet_names)}）",
                    f"no sheet {spec.sheet!r} in the xlsx (sheets: {', '.join(workbook.sheet_names)})",
                    code="structure_error",
                )
            sheet = workbook.get_sheet_by_name(spec.sheet)
        else:
            sheet = workbook.get_sheet_by_index(0)
        grid = sheet.to_python(skip_empty_area=False)
        merged = list(sheet.merged_cell_ranges or [])
    except CalamineError as exc:
        raise ParseError(f"无法读取 xlsx：{exc}", f"cannot read the xlsx: {exc}") from exc
    except (ValueError, KeyError, IndexError) as exc:
        raise ParseError(f"无法读取 xlsx：{exc}", f"cannot read the xlsx: {exc}") from exc
    return _grid_to_table(grid, spec, f"工作表 {sheet.name} " if spec.sheet else "xlsx ", merged)


def parse_json(data: bytes, spec: TableSpec, limits: Limits | None = None) -> Table:
    text = _decode(data, None)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(
            f"JSON 无法解析（第 {exc.lineno} 行第 {exc.colno} 列：{exc.msg}），文件可能不完整",
            f"JSON does not parse (line {exc.lineno} column {exc.colno}: {exc.msg}); truncated?",
        ) from exc
    node: Any = doc
    path = spec.records or ""
    for part in [p for p in path.split(".") if p]:
        if not isinstance(node, dict) or part not in node:
            raise ParseError(
                f"JSON 中找不到记录路径 {path!r}（缺少 {part!r}）",
                f"records path {path!r} not found in the JSON (no {part!r})",
                code="structure_error",
            )
        node = node[part]
    if not isinstance(node, list):
        raise ParseError(
            f"JSON 记录路径 {path or '(根)'} 处应为列表",
            f"JSON at {path or '(root)'} should be a list of records",
            code="structure_error",
        )
    headers: list[str] = []
    rows: list[tuple[int, dict[str, Any]]] = []
    for i, item in enumerate(node, start=1):
        if not isinstance(item, dict):
            raise ParseError(
                f"JSON 第 {i} 条记录不是对象", f"JSON record {i} is not an object", code="structure_error"
            )
        for key in item:
            if key not in headers:
                headers.append(str(key))
        rows.append((i, {str(k): v for k, v in item.items()}))
    title = []
    if isinstance(doc, dict):
        title = [cell_text(v) for k, v in doc.items() if isinstance(v, str) and k != spec.records]
    return Table(headers=headers, rows=rows, title=title)


# HTML tables ----------------------------------------------------------------------------------------
@dataclass
class _HtmlTable:
    caption: str = ""
    before: str = ""  # the page's text just before the table (where publishers put a table's title)
    rows: list[list[tuple[str, int, int]]] = field(default_factory=list)  # (text, rowspan, colspan)


class _TableCollector(HTMLParser):
    """Every <table> of a page in document order (nested ones too, each on its own), with its
    caption and the text before it. <br> and block ends inside a cell become spaces; scripts and
    styles are skipped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[_HtmlTable] = []
        self.page_title = ""
        self._stack: list[_HtmlTable] = []
        self._cell: list[str] | None = None
        self._span = (1, 1)
        self._caption: list[str] | None = None
        self._text: list[str] = []  # text outside tables, for the next table's "before"
        self._skip = 0
        self._in_title = False

    @staticmethod
    def _int(value: str | None) -> int:
        try:
            return max(1, min(int(str(value).strip()), 1000))
        except (TypeError, ValueError):
            return 1

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "style"):
            self._skip += 1
        elif tag == "title":
            self._in_title = True
        elif tag == "table":
            before = re.sub(r"\s+", " ", "".join(self._text)).strip()[-200:]
            self._stack.append(_HtmlTable(before=before))
            self.tables.append(self._stack[-1])
            self._text = []
            self._cell = None
        elif not self._stack:
            if tag in ("br", "p", "div", "h1", "h2", "h3", "h4", "li"):
                self._text.append(" ")
        elif tag == "caption":
            self._caption = []
        elif tag == "tr":
            self._stack[-1].rows.append([])
        elif tag in ("td", "th"):
            if not self._stack[-1].rows:
                self._stack[-1].rows.append([])
            self._cell = []
            self._span = (self._int(a.get("rowspan")), self._int(a.get("colspan")))
        elif tag in ("br", "p", "div") and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag == "title":
            self._in_title = False
        elif tag in ("td", "th") and self._cell is not None and self._stack:
            text = re.sub(r"\s+", " ", "".join(self._cell)).strip()
            self._stack[-1].rows[-1].append((text, *self._span))
            self._cell = None
        elif tag == "caption" and self._caption is not None and self._stack:
            self._stack[-1].caption = re.sub(r"\s+", " ", "".join(self._caption)).strip()
            self._caption = None
        elif tag == "table" and self._stack:
            self._stack.pop()
            self._cell = None

    def handle_data(self, data):
        if self._skip:
            return
        if self._in_title:
            self.page_title += data
        elif self._caption is not None:
            self._caption.append(data)
        elif self._cell is not None:
            self._cell.append(data)
        elif not self._stack:
            self._text.append(data)


def _expand(rows: list[list[tuple[str, int, int]]]) -> tuple[list[list[Any]], Merged]:
    """rowspan/colspan -> a rectangular grid with the text in the first cell of each span, and the
    spans as merged ranges (filled like an xlsx's merged cells)."""
    grid: list[list[Any]] = []
    taken: set[tuple[int, int]] = set()
    merged: Merged = []
    for r, cells in enumerate(rows):
        while len(grid) <= r:
            grid.append([])
        c = 0
        for text, rowspan, colspan in cells:
            while (r, c) in taken:
                c += 1
            for dr in range(rowspan):
                for dc in range(colspan):
                    taken.add((r + dr, c + dc))
            while len(grid[r]) <= c:
                grid[r].append(None)
            grid[r][c] = text
            if rowspan > 1 or colspan > 1:
                merged.append(((r, c), (r + rowspan - 1, c + colspan - 1)))
            c += colspan
    height = max([r for r, _ in taken] + [len(grid) - 1]) + 1
    width = max([c for _, c in taken] + [0]) + 1
    grid += [[] for _ in range(height - len(grid))]
    return [row + [None] * (width - len(row)) for row in grid], merged


def parse_html(data: bytes, spec: TableSpec, limits: Limits | None = None) -> Table:
    text = _decode(data, None)
    collector = _TableCollector()
    collector.feed(text)
    collector.close()
    tables = collector.tables
    shown = "；".join(f"#{i} {(t.caption or t.before)[-30:]}" for i, t in enumerate(tables, start=1)) or "无"
    if spec.table_index is not None:
        if spec.table_index > len(tables):
            raise ParseError(
                f"页面中只有 {len(tables)} 个表格，找不到第 {spec.table_index} 个（{shown}）",
                f"the page has {len(tables)} table(s); no table #{spec.table_index}",
                code="structure_error",
            )
        chosen = tables[spec.table_index - 1]
    else:
        wanted = norm(spec.caption or "")
        matches = [t for t in tables if wanted in norm(t.caption) or wanted in norm(t.before[-80:])]
        if not matches:
            raise ParseError(
                f"页面中找不到标题含“{spec.caption}”的表格（页面中的表格：{shown}）",
                f"no table captioned {spec.caption!r} on the page ({len(tables)} table(s))",
                code="structure_error",
            )
        chosen = matches[0]
    grid, merged = _expand(chosen.rows)
    table = _grid_to_table(grid, spec, "网页表格 ", merged)
    title = [t for t in (collector.page_title.strip(), chosen.before, chosen.caption) if t]
    return Table(table.headers, table.rows, table.units, title + table.title, table.notes)


# NBS easyquery JSON -----------------------------------------------------------------------------------
EASYQUERY_COLUMNS = ["zb", "zb_name", "reg", "reg_name", "sj", "sj_name", "unit", "value", "hasdata"]


def _published_figure(data: dict[str, Any]) -> str | None:
    """The figure as the NBS shows it: ``strdata`` (already rounded to ``dotcount``); ``data`` when
    strdata is empty. None when ``hasdata`` is false. When both are there and disagree beyond the
    rounding, the text says so and the value is rejected (bad_value) instead of choosing one."""
    if data.get("hasdata") is not True:
        return None
    strdata, raw = str(data.get("strdata") or "").strip(), data.get("data")
    if not strdata:
        return None if raw is None else str(raw)
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        try:
            shown = Decimal(strdata.replace(",", ""))
            places = Decimal(1).scaleb(-int(data.get("dotcount") or 0))
            if abs(Decimal(str(raw)) - shown) > places / 2 + Decimal("1e-9"):
                return f"{strdata}（data={raw}）"
        except (InvalidOperation, ValueError, TypeError):
            return strdata
    return strdata


def parse_easyquery(data: bytes, spec: TableSpec, limits: Limits | None = None) -> Table:
    text = _decode(data, None)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(
            f"JSON 无法解析（第 {exc.lineno} 行第 {exc.colno} 列：{exc.msg}），文件可能不完整",
            f"JSON does not parse (line {exc.lineno} column {exc.colno}: {exc.msg}); truncated?",
        ) from exc
    if not isinstance(doc, dict) or "returncode" not in doc:
        raise ParseError(
            "不是国家统计局查询接口的应答（缺少 returncode）",
            "not an answer of the NBS query interface (no returncode)",
            code="structure_error",
        )
    if doc.get("returncode") != 200:
        detail = doc.get("returndata") if isinstance(doc.get("returndata"), str) else ""
        raise ParseError(
            f"国家统计局接口返回错误 returncode={doc.get('returncode')}：{detail or '（无说明）'}",
            f"the NBS interface answered returncode={doc.get('returncode')}: {detail or '(no message)'}",
            code="publisher_error",
        )
    body = doc.get("returndata")
    if not isinstance(body, dict) or not isinstance(body.get("datanodes"), list):
        raise ParseError(
            "应答中缺少 returndata.datanodes",
            "returndata.datanodes missing in the answer",
            code="structure_error",
        )
    names: dict[str, dict[str, dict[str, Any]]] = {}
    for wd in body.get("wdnodes") or []:
        if isinstance(wd, dict):
            names[str(wd.get("wdcode"))] = {
                str(n.get("code")): n for n in wd.get("nodes") or [] if isinstance(n, dict)
            }
    rows: list[tuple[int, dict[str, Any]]] = []
    for i, node in enumerate(body["datanodes"], start=1):
        if not isinstance(node, dict) or not isinstance(node.get("data"), dict):
            raise ParseError(
                f"第 {i} 个 datanode 结构不对（缺少 data）",
                f"datanode {i} is malformed (no data)",
                code="structure_error",
            )
        codes = {
            str(w.get("wdcode")): str(w.get("valuecode"))
            for w in node.get("wds") or []
            if isinstance(w, dict)
        }
        zb, reg, sj = codes.get("zb", ""), codes.get("reg", ""), codes.get("sj", "")
        zb_node = names.get("zb", {}).get(zb, {})
        rows.append(
            (
                i,
                {
                    "zb": zb,
                    "zb_name": zb_node.get("cname") or zb_node.get("name") or "",
                    "reg": reg,
                    "reg_name": (names.get("reg", {}).get(reg) or {}).get("cname", ""),
                    "sj": sj,
                    "sj_name": (names.get("sj", {}).get(sj) or {}).get("cname", ""),
                    "unit": str(zb_node.get("unit") or ""),
                    "value": _published_figure(node["data"]),
                    "hasdata": node["data"].get("hasdata"),
                },
            )
        )
    return Table(headers=list(EASYQUERY_COLUMNS), rows=rows, title=[])


PARSERS: dict[str, Callable[[bytes, TableSpec, Limits | None], Table]] = {
    "csv": parse_csv,
    "xlsx": parse_xlsx,
    "json": parse_json,
    "easyquery": parse_easyquery,
    "html": parse_html,
}
