"""Pure functions of the project library loader: find the header, read and check every row."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from ingestion.common.cells import as_written, cell_text, column_letter, is_blank
from ingestion.common.numbers import parse_number
from ingestion.projects import constants
from newinfra.plan import Plan


@dataclass(frozen=True)
class RegistryRow:
    project_code: str
    project_name: str
    sector: str
    department_code: str
    prefecture_code: str
    total_investment_yuan: float
    start_year: int | None
    end_year: int | None


@dataclass(frozen=True)
class RowError:
    row_number: int
    column: str  # letter + header
    value: str
    message_zh: str
    message_en: str


def _norm(text: object) -> str:
    return unicodedata.normalize("NFKC", cell_text(text)).strip()


def find_header(grid: list[list[object]]) -> tuple[int, dict[str, int], float] | None:
    """(row index, key -> column index, yuan per unit of the investment column), or None."""
    by_text = {}
    for key, header in constants.COLUMNS:
        by_text[_norm(header)] = key
        by_text[key] = key
    invest = {_norm(h): scale for h, scale in constants.INVESTMENT_HEADERS.items()}
    for i, row in enumerate(grid[: constants.HEADER_SEARCH_ROWS]):
        found: dict[str, int] = {}
        scale = 10_000.0
        for c, cell in enumerate(row):
            text = _norm(cell)
            if text in invest and "total_investment" not in found:
                found["total_investment"] = c
                scale = invest[text]
                continue
            key = by_text.get(text) or by_text.get(text.lower())
            if key and key not in found:
                found[key] = c
        if all(k in found for k in constants.REQUIRED_KEYS):
            return i, found, scale
    return None


def sector_code(text: str) -> str | None:
    if text in constants.SECTOR_LABELS_ZH:
        return text
    for code, label in constants.SECTOR_LABELS_ZH.items():
        if text == label:
            return code
    return None


def prefecture_code(plan: Plan, text: str) -> str | None:
    if text.upper() in plan.prefectures:
        return text.upper()
    if text in ("全省", "省级"):
        return next(p.code for p in plan.prefectures.values() if p.level == "province")
    for p in plan.prefectures.values():
        if text in (p.name_zh, p.short_name_zh):
            return p.code
    return None


def _year(value: object) -> int | None | str:
    if is_blank(value):
        return None
    number = parse_number(value)
    if not number.ok or number.value != int(number.value) or not 1990 <= number.value <= 2100:
        return "bad"
    return int(number.value)


def parse_rows(grid: list[list[object]], plan: Plan) -> tuple[list[RegistryRow], list[RowError]]:
    """Every row of the list, checked; any error means the list is not loaded (it is the reference)."""
    header = find_header(grid)
    if header is None:
        missing = "、".join(h for k, h in constants.COLUMNS if k in constants.REQUIRED_KEYS)
        return [], [RowError(0, "", "", f"找不到表头行（须含：{missing}）", f"no header row with: {missing}")]
    h, cols, scale = header
    headers = dict(constants.COLUMNS)
    rows: list[RegistryRow] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    if len(grid) - h - 1 > constants.MAX_ROWS:
        return [], [
            RowError(0, "", "", f"行数超过上限 {constants.MAX_ROWS}", f"more than {constants.MAX_ROWS} rows")
        ]
    for i in range(h + 1, len(grid)):
        record = grid[i]
        n = i + 1
        cell = {k: (record[c] if c < len(record) else None) for k, c in cols.items()}
        if all(is_blank(v) for v in cell.values()):
            continue

        def err(key: str, zh: str, en: str, n=n, cell=cell) -> None:
            errors.append(
                RowError(n, f"{column_letter(cols[key])} {headers[key]}", as_written(cell.get(key)), zh, en)
            )

        code = _norm(cell["project_code"]).upper()
        name = cell_text(cell["project_name"]).strip()  # as written (no NFKC: keep （）)
        if not code:
            err("project_code", "项目编号为空", "project code is empty")
            continue
        if code in seen:
            err("project_code", f"项目编号与第 {seen[code]} 行重复", f"project code repeats row {seen[code]}")
            continue
        seen[code] = n
        if not name:
            err("project_name", "项目名称为空", "project name is empty")
        sector = sector_code(_norm(cell["sector"]))
        if sector is None:
            err("sector", "所属领域无法识别", "unknown sector")
        dept = plan.department(_norm(cell["department"]))
        if dept is None:
            err("department", "责任单位无法识别", "unknown department")
        pref = prefecture_code(plan, _norm(cell["prefecture"]))
        if pref is None:
            err("prefecture", "所在地区无法识别", "unknown prefecture")
        invest = parse_number(cell["total_investment"])
        if not invest.ok or invest.value < 0:
            err("total_investment", "总投资不是非负数字", "total investment is not a non-negative number")
        years = {k: _year(cell.get(k)) if k in cols else None for k in ("start_year", "end_year")}
        for k, v in years.items():
            if v == "bad":
                err(k, "年份无效", "invalid year")
        if len(errors) and errors[-1].row_number == n:
            continue
        rows.append(
            RegistryRow(
                code,
                name,
                sector,
                dept.code,
                pref,
                round(invest.value * scale, 2),
                years["start_year"],
                years["end_year"],
            )
        )
    return rows, errors
