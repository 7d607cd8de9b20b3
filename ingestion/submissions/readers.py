"""Reading a submitted file's bytes into metadata and raw rows: .xlsx (python-calamine) and .csv.

Pure functions of bytes (no disk, no warehouse). Problems with the file as a whole raise
:class:`~ingestion.common.reasons.Quarantine`; a problem with the sheets' structure is returned
in ``ParsedFile.structure_error`` so that metadata reasons (spoof, signature) are reported first.

- .xlsx: the zip is inspected before anything parses it: every entry is decompressed with a cap, so a
  forged size in the zip directory cannot hide a bomb (total and ratio against the limits). Values
  come from python-calamine; formulas and percent-formatted numbers are found in the sheet XML
  (a formula is never evaluated: its cell is rejected).
- .csv: UTF-8 with BOM, UTF-8, then GB18030, each decoded strictly (the detected one is recorded).
  Leading ``#key=value`` lines carry the metadata (as in 填报说明); the header row says which sheet
  the CSV is (指标填报 or 重大项目进展); header cells may be the Chinese texts or the ASCII keys.
"""

from __future__ import annotations

import csv
import functools
import io
import re
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from ingestion.common.cells import cell_text, column_index, column_letter, is_blank
from ingestion.common.files import decode_csv, inspect_zip, sniff
from ingestion.common.reasons import Quarantine
from ingestion.submissions import constants
from ingestion.submissions.rules import RawRow

_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"

_FORMULA_HINT = re.compile(rb"<(?:\w+:)?f[\s>/]")
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_ATTR_R = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
_ATTR_S = re.compile(rb'\bs="(\d+)"')
_FORMULA = re.compile(rb"<(?:\w+:)?f\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?f>)", re.S)
_PERCENT_BUILTIN = {9, 10}


@dataclass
class ParsedFile:
    file_format: str  # xlsx | csv
    encoding: str | None = None  # csv only
    meta: dict[str, str] | None = None
    indicator_rows: list[RawRow] = field(default_factory=list)
    project_rows: list[RawRow] = field(default_factory=list)
    structure_error: Quarantine | None = None
    # 填报人 / 联系电话 as written (keys of constants.CONTACT_FIELDS); cleaned by ingest (common.contacts)
    contacts: dict[str, object] = field(default_factory=dict)


def _label(text: object) -> str:
    """A label cell as compared: width normalised, spaces and a trailing colon dropped (填报人：)."""
    if not isinstance(text, str):
        return ""
    return re.sub(r"[\s:：]+", "", unicodedata.normalize("NFKC", text))


_CONTACT_BY_LABEL = {
    **{_label(label): key for key, label in constants.CONTACT_FIELDS},
    **{key: key for key, _ in constants.CONTACT_FIELDS},
}


def contacts_from_grid(grid: list[list[object]]) -> dict[str, object]:
    """填报人 / 联系电话 of the 填报说明 sheet: the first non-empty cell right of each label."""
    out: dict[str, object] = {}
    for record in grid[: constants.HEADER_SEARCH_ROWS * 4]:
        for c, text in enumerate(record):
            key = _CONTACT_BY_LABEL.get(_label(text))
            if key is None or key in out:
                continue
            value = next((v for v in record[c + 1 :] if not is_blank(v)), None)
            if value is not None:
                out[key] = value
    return out


def contacts_from_meta(meta: dict[str, str]) -> dict[str, object]:
    """填报人 / 联系电话 of a CSV's ``#key=value`` lines (``#contact_name=`` or ``#填报人=``)."""
    out: dict[str, object] = {}
    for name, value in meta.items():
        key = _CONTACT_BY_LABEL.get(_label(name))
        if key is not None and not is_blank(value) and key not in out:
            out[key] = value
    return out


def read(data: bytes, ext: str, max_uncompressed: int, max_ratio: float) -> ParsedFile:
    kind = sniff(data, ext)
    if kind == "xlsx":
        return read_xlsx(data, max_uncompressed, max_ratio)
    return read_csv(data)


# --- xlsx ------------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=32)
def _sheet_parts(workbook_xml: bytes, rels_xml: bytes | None) -> dict[str, str]:
    """Sheet name -> zip path of its XML part (remembered: the template's parts are the same bytes
    in every file of a version; callers only read the result)."""
    try:
        wb = ET.fromstring(workbook_xml)
        targets = {}
        if rels_xml:
            for rel in ET.fromstring(rels_xml).iter(f"{_NS_PKG_REL}Relationship"):
                target = rel.get("Target", "")
                target = target.lstrip("/") if target.startswith("/") else "xl/" + target
                targets[rel.get("Id")] = target
    except ET.ParseError as exc:
        raise Quarantine("file_unreadable", detail=f"workbook.xml: {exc}") from exc
    parts = {}
    for sheet in wb.iter(f"{_NS_MAIN}sheet"):
        rid = sheet.get(f"{_NS_REL}id")
        if rid in targets:
            parts[sheet.get("name", "")] = targets[rid]
    return parts


@functools.lru_cache(maxsize=32)
def percent_styles(styles_xml: bytes | None) -> frozenset[int]:
    """Indexes of the cell formats (cellXfs) whose number format shows a percentage (remembered, as
    :func:`_sheet_parts`)."""
    if not styles_xml:
        return frozenset()
    try:
        root = ET.fromstring(styles_xml)
    except ET.ParseError:
        return frozenset()
    percent_ids = set(_PERCENT_BUILTIN)
    num_fmts = root.find(f"{_NS_MAIN}numFmts")
    if num_fmts is not None:
        for fmt in num_fmts:
            code = re.sub(r'"[^"]*"|\\.', "", fmt.get("formatCode", ""))
            if "%" in code:
                percent_ids.add(int(fmt.get("numFmtId", "-1")))
    xfs = root.find(f"{_NS_MAIN}cellXfs")
    if xfs is None:
        return frozenset()
    return frozenset(i for i, xf in enumerate(xfs) if int(xf.get("numFmtId", "0")) in percent_ids)


def scan_cells(
    sheet_xml: bytes, percent_xfs: frozenset[int] | set[int]
) -> tuple[dict[tuple[int, int], str], set[tuple[int, int]]]:
    """Formula cells ((row, col) -> '=formula') and percent-formatted cells of a sheet, from its XML."""
    formulas: dict[tuple[int, int], str] = {}
    percents: set[tuple[int, int]] = set()
    has_formula = bool(_FORMULA_HINT.search(sheet_xml))
    if not has_formula and not percent_xfs:
        return formulas, percents
    for m in _CELL.finditer(sheet_xml):
        attrs, inner = m.group(1), m.group(2)
        ref = _ATTR_R.search(attrs)
        if ref is None:
            continue
        pos = (int(ref.group(2)), column_index(ref.group(1).decode()))
        if has_formula and inner:
            f = _FORMULA.search(inner)
            if f is not None:
                text = (f.group(2) or b"").decode("utf-8", "replace")
                text = (
                    text.replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&quot;", '"')
                    .replace("&amp;", "&")
                )
                formulas[pos] = "=" + text if text else "=（共享公式 shared formula）"
        if percent_xfs:
            s = _ATTR_S.search(attrs)
            if s is not None and int(s.group(1)) in percent_xfs:
                percents.add(pos)
    return formulas, percents


def read_xlsx(data: bytes, max_uncompressed: int, max_ratio: float) -> ParsedFile:
    from python_calamine import CalamineWorkbook

    parts_xml = inspect_zip(data, max_uncompressed, max_ratio)
    parts = _sheet_parts(parts_xml["xl/workbook.xml"], parts_xml.get("xl/_rels/workbook.xml.rels"))
    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = list(wb.sheet_names)
    except Exception as exc:  # calamine raises its own error types for damaged files
        raise Quarantine("file_unreadable", detail=str(exc)[:200]) from exc
    out = ParsedFile("xlsx")
    try:
        if constants.SHEET_META in names:
            grid = wb.get_sheet_by_name(constants.SHEET_META).to_python(skip_empty_area=False)
            out.meta = {cell_text(r[0]): cell_text(r[1]) for r in grid if len(r) >= 2 and not is_blank(r[0])}
        if constants.SHEET_GUIDE in names:
            out.contacts = contacts_from_grid(
                wb.get_sheet_by_name(constants.SHEET_GUIDE).to_python(skip_empty_area=False)
            )
        xml = {n: parts_xml[p] for n, p in parts.items() if p in parts_xml}
        pct = percent_styles(parts_xml.get("xl/styles.xml"))
        for sheet, columns, required, target in (
            (
                constants.SHEET_INDICATORS,
                constants.INDICATOR_COLUMNS,
                constants.INDICATOR_REQUIRED_KEYS,
                out.indicator_rows,
            ),
            (
                constants.SHEET_PROJECTS,
                constants.PROJECT_COLUMNS,
                constants.PROJECT_REQUIRED_KEYS,
                out.project_rows,
            ),
        ):
            if sheet not in names:
                out.structure_error = out.structure_error or Quarantine("sheet_missing", sheet=sheet)
                continue
            grid = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
            formulas, percents = scan_cells(xml[sheet], pct) if sheet in xml else ({}, set())
            rows, error = table_rows(sheet, grid, columns, required, formulas, percents)
            target.extend(rows)
            out.structure_error = out.structure_error or error
    except Quarantine:
        raise
    except Exception as exc:
        raise Quarantine("file_unreadable", detail=str(exc)[:200]) from exc
    finally:
        wb.close()
    return out


def _header_key(text: object, by_text: dict[str, str]) -> str | None:
    if not isinstance(text, str):
        return None
    t = unicodedata.normalize("NFKC", text).strip()
    return by_text.get(t) or by_text.get(t.lower())


def _by_text(columns: tuple[tuple[str, str], ...]) -> dict[str, str]:
    out = {}
    for key, header in columns:
        out[unicodedata.normalize("NFKC", header).strip()] = key
        out[key] = key
    return out


def table_rows(
    sheet: str,
    grid: list[list[object]],
    columns: tuple[tuple[str, str], ...],
    required: tuple[str, ...],
    formulas: dict[tuple[int, int], str] | None = None,
    percents: set[tuple[int, int]] | None = None,
    header_at: int | None = None,
    line_numbers: list[int] | None = None,
) -> tuple[list[RawRow], Quarantine | None]:
    """The data rows of a sheet under its header row (found within the first rows), by column key.

    Rows are numbered as in the sheet (1-based), or by ``line_numbers`` for a CSV. Blank rows are
    skipped; a row that holds a formula is never blank."""
    formulas = formulas or {}
    percents = percents or set()
    by_text = _by_text(columns)
    headers = dict(columns)
    header_idx, key_cols = None, {}
    search = range(len(grid)) if header_at is None else [header_at]
    for i in search:
        if header_at is None and i >= constants.HEADER_SEARCH_ROWS:
            break
        found = {}
        for c, text in enumerate(grid[i]):
            key = _header_key(text, by_text)
            if key and key not in found:
                found[key] = c
        if all(k in found for k in required):
            header_idx, key_cols = i, found
            break
        if header_at is not None or (found and len(found) > len(key_cols)):
            key_cols = found
    if header_idx is None:
        missing = "、".join(headers[k] for k in required if k not in key_cols)
        return [], Quarantine("header_mismatch", sheet=sheet, missing=missing)
    n_data = len(grid) - header_idx - 1
    if n_data > constants.MAX_DATA_ROWS:
        return [], Quarantine("too_many_rows", sheet=sheet, rows=n_data, limit=constants.MAX_DATA_ROWS)
    col_info = {k: (column_letter(c), headers.get(k, k)) for k, c in key_cols.items()}
    rows = []
    for i in range(header_idx + 1, len(grid)):
        record = grid[i]
        row_number = line_numbers[i] if line_numbers is not None else i + 1
        cells = {k: (record[c] if c < len(record) else None) for k, c in key_cols.items()}
        row_formulas = {
            k: formulas[(row_number, c)] for k, c in key_cols.items() if (row_number, c) in formulas
        }
        if line_numbers is not None:
            for k, v in cells.items():
                if isinstance(v, str) and v.lstrip().startswith("="):
                    row_formulas[k] = v.strip()
        if not row_formulas and all(is_blank(v) for v in cells.values()):
            continue
        pct = frozenset(k for k, c in key_cols.items() if (row_number, c) in percents)
        counts = None
        if line_numbers is not None and len(record) != len(grid[header_idx]):  # strict CSV
            counts = (len(record), len(grid[header_idx]))
        rows.append(RawRow(sheet, row_number, cells, row_formulas, pct, col_info, counts))
    return rows, None


# --- csv -------------------------------------------------------------------------------------------------


def read_csv(data: bytes) -> ParsedFile:
    text, encoding = decode_csv(data)
    out = ParsedFile("csv", encoding=encoding, meta={})
    grid: list[list[object]] = []
    lines: list[int] = []
    header_at = None
    try:
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        for record in reader:
            if header_at is None:
                if not record or all(not f.strip() for f in record):
                    continue
                first = record[0].strip()
                if first.startswith("#"):
                    body = first[1:].strip()
                    key, sep, value = body.partition("=")
                    if not sep:
                        key, sep, value = body.partition(":")
                    if sep:
                        out.meta[key.strip()] = value.strip()
                    continue
                header_at = len(grid)
            grid.append(list(record))
            lines.append(reader.line_num)
            if len(grid) > constants.MAX_DATA_ROWS + 1:
                out.structure_error = Quarantine(
                    "too_many_rows",
                    sheet="csv",
                    rows=constants.MAX_DATA_ROWS + 1,
                    limit=constants.MAX_DATA_ROWS,
                )
                return out
    except csv.Error as exc:
        raise Quarantine("csv_malformed", detail=str(exc)[:200]) from exc
    out.contacts = contacts_from_meta(out.meta)
    if header_at is None:
        out.structure_error = Quarantine("no_rows")
        return out
    header = grid[header_at]
    ind_keys = {_header_key(h, _by_text(constants.INDICATOR_COLUMNS)) for h in header}
    proj_keys = {_header_key(h, _by_text(constants.PROJECT_COLUMNS)) for h in header}
    if all(k in proj_keys for k in constants.PROJECT_REQUIRED_KEYS) and not all(
        k in ind_keys for k in constants.INDICATOR_REQUIRED_KEYS
    ):
        sheet, columns, required, target = (
            constants.SHEET_PROJECTS, constants.PROJECT_COLUMNS, constants.PROJECT_REQUIRED_KEYS, out.project_rows,
        )  # fmt: skip
    else:
        sheet, columns, required, target = (
            constants.SHEET_INDICATORS, constants.INDICATOR_COLUMNS, constants.INDICATOR_REQUIRED_KEYS, out.indicator_rows,
        )  # fmt: skip
    rows, error = table_rows(sheet, grid, columns, required, header_at=header_at, line_numbers=lines)
    target.extend(rows)
    out.structure_error = error
    return out
