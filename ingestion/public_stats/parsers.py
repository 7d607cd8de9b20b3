"""One parser per format: pure functions from the raw bytes to a ``Table`` of rows.

A parser knows nothing about indicators or prefectures; it finds the header row (title rows above
it are the title block), the optional unit row, and the data rows down to the first blank row (a
yearbook's notes come after a blank row). Anything that makes the file unreadable as a whole — not
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


def _grid_to_table(grid: list[list[Any]], spec: TableSpec, where: str) -> Table:
    """Rows of cells (row 1 first) -> Table, shared by csv and xlsx."""
    h = spec.header_row
    if len(grid) < h or _is_blank(grid[h - 1]):
        raise ParseError(
            f"{where}第 {h} 行应为表头，但该行为空或不存在（文件共 {len(grid)} 行）",
            f"{where}row {h} should hold the column headers but is empty or missing ({len(grid)} rows)",
            code="structure_error",
        )
    raw_headers = [cell_text(c) for c in grid[h - 1]]
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
    units: dict[str, str] = {}
    first_data = h + 1
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
    except CalamineError as exc:
        raise ParseError(f"无法读取 xlsx：{exc}", f"cannot read the xlsx: {exc}") from exc
    except (ValueError, KeyError, IndexError) as exc:
        raise ParseError(f"无法读取 xlsx：{exc}", f"cannot read the xlsx: {exc}") from exc
    return _grid_to_table(grid, spec, f"工作表 {sheet.name} " if spec.sheet else "xlsx ")


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


PARSERS: dict[str, Callable[[bytes, TableSpec, Limits | None], Table]] = {
    "csv": parse_csv,
    "xlsx": parse_xlsx,
    "json": parse_json,
}
