"""Fill a department template as a person would (openpyxl): what the demo generator, the benchmarks
and the tests type into the real templates (``ingestion.submissions.template.write_template``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ingestion.submissions.constants import (
    CONTACT_FIELDS,
    HEADER_SEARCH_ROWS,
    INDICATOR_COLUMNS,
    PROJECT_COLUMNS,
    PROJECT_STATUSES,
    SHEET_GUIDE,
    SHEET_INDICATORS,
    SHEET_PROJECTS,
)


def _header_columns(ws, columns: tuple[tuple[str, str], ...]) -> tuple[int, dict[str, int]]:
    """(header row, key -> 1-based column) of a template sheet opened with openpyxl."""
    by_text = {header: key for key, header in columns}
    for r in range(1, HEADER_SEARCH_ROWS + 1):
        found = {}
        for c in range(1, ws.max_column + 1):
            text = ws.cell(r, c).value
            if isinstance(text, str) and text.strip() in by_text:
                found[by_text[text.strip()]] = c
        if "indicator_id" in found or "project_code" in found:
            return r, found
    raise ValueError(f"no header row in sheet {ws.title!r}")


def fill_template(
    path: str | Path,
    values: Mapping[tuple[str, str], Any],
    projects: Iterable[Mapping[str, Any]] | None = None,
    out_path: str | Path | None = None,
    notes: Mapping[tuple[str, str], str] | None = None,
    contacts: Mapping[str, Any] | None = None,
) -> Path:
    """Type values into a template with openpyxl, as a department would; save to ``out_path`` (or in place).

    ``values``: (indicator_id, prefecture_code) -> what is typed into 本期数值: a number (base units)
    or text exactly as a person would write it ("15万", "65%", "=A1" becomes a formula). A key that
    has no row in the template is appended as a new row (to simulate a department adding rows).
    ``projects``: dicts keyed by the project sheet's column keys (``project_code`` required;
    ``completed_this_month``, ``cumulative_completed`` in 万元 as typed; ``status`` as a code such
    as ``under_construction`` or its Chinese label). A code not yet in the sheet fills the first
    blank row. ``notes``: (indicator_id, prefecture_code) -> 备注 text. ``contacts``: ``contact_name``
    and/or ``contact_phone`` -> what is typed beside 填报人 / 联系电话 on the 填报说明 sheet.
    """
    import openpyxl

    src = Path(path)
    wb = openpyxl.load_workbook(src)
    ws = wb[SHEET_INDICATORS]
    header_row, cols = _header_columns(ws, INDICATOR_COLUMNS)
    rows: dict[tuple[str, str], int] = {}
    last = header_row
    for r in range(header_row + 1, ws.max_row + 1):
        ind = ws.cell(r, cols["indicator_id"]).value
        pref = ws.cell(r, cols["prefecture_code"]).value
        if ind or pref:
            rows.setdefault((str(ind), str(pref)), r)
            last = r
    for key, value in values.items():
        r = rows.get(key)
        if r is None:
            last += 1
            r = last
            ws.cell(r, cols["indicator_id"], key[0])
            ws.cell(r, cols["prefecture_code"], key[1])
            rows[key] = r
        ws.cell(r, cols["value"], value)
    for key, note in (notes or {}).items():
        if key in rows:
            ws.cell(rows[key], cols["note"], note)
    if projects:
        _fill_projects(wb[SHEET_PROJECTS], projects)
    if contacts:
        _fill_contacts(wb[SHEET_GUIDE], contacts)
    out = Path(out_path) if out_path else src
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


def _fill_projects(ws, projects: Iterable[Mapping[str, Any]]) -> None:
    header_row, cols = _header_columns(ws, PROJECT_COLUMNS)
    rows: dict[str, int] = {}
    blank: list[int] = []
    for r in range(header_row + 1, ws.max_row + 1):
        code = ws.cell(r, cols["project_code"]).value
        if code:
            rows.setdefault(str(code), r)
        else:
            blank.append(r)
    next_new = max([header_row, *rows.values(), *blank]) + 1
    for item in projects:
        code = str(item["project_code"])
        r = rows.get(code)
        if r is None:
            r = blank.pop(0) if blank else next_new
            next_new = max(next_new, r + 1)
            ws.cell(r, cols["project_code"], code)
            rows[code] = r
        for key, value in item.items():
            if key == "project_code" or key not in cols:
                continue
            if key == "status":
                value = PROJECT_STATUSES.get(value, value)
            ws.cell(r, cols[key], value)


def _fill_contacts(ws, contacts: Mapping[str, Any]) -> None:
    """Type 填报人 / 联系电话 into the cell right of their labels (column A) on the 填报说明 sheet."""
    labels = dict(CONTACT_FIELDS)
    for key, value in contacts.items():
        label = labels[key]
        for r in range(1, ws.max_row + 1):
            if str(ws.cell(r, 1).value or "").strip() == label:
                ws.cell(r, 2, value)
                break
        else:
            raise ValueError(f"no {label} cell in sheet {ws.title!r}")
