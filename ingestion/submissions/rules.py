"""The submission's rules: reasons, an indicator's bounds, the rows' types and their validation, the
metadata and sender checks (numbers and cells: ``ingestion.common``; the signature: ``signature``).

Nothing here touches the disk or the warehouse; the edges (``readers``, ``store``, ``ingest``) do.
Every rule is a function tested table-driven in ``tests/ingestion/submissions/``.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal, localcontext

from ingestion.common.cells import as_written, cell_text, is_blank
from ingestion.common.contacts import clean_remark
from ingestion.common.numbers import Number, format_range, parse_money_yuan, parse_number
from ingestion.common.reasons import FILE_REASONS, Quarantine, Reason
from ingestion.submissions import constants
from ingestion.submissions.signature import signature_ok
from ingestion.submissions.units import normalise_unit, unit_factor
from newinfra.plan import Indicator, Plan

# --- Reasons ----------------------------------------------------------------------------------------------


def reason(code: str, **details: object) -> Reason:
    """The reason ``code`` with its Chinese and English text filled from ``details``."""
    table = FILE_REASONS.get(code) or constants.ROW_REASONS.get(code) or constants.FLAG_REASONS.get(code)
    if table is None:
        raise KeyError(code)
    zh, en = table
    return Reason(code, zh.format(**details), en.format(**details))


# --- Bounds --------------------------------------------------------------------------------------------------


def bounds_of(indicator: Indicator) -> tuple[float | None, float | None]:
    """Value bounds of an indicator: its seed's value_min/value_max; counts default to ≥ 0."""
    low, high = indicator.value_min, indicator.value_max
    if low is None and indicator.kind in ("cumulative", "level", "milestone"):
        low = 0.0
    if indicator.unit.strip() == "%":
        low = 0.0 if low is None else low
        high = 100.0 if high is None else high
    return low, high


def is_pue(indicator: Indicator) -> bool:
    return "pue" in indicator.indicator_id.lower() or "PUE" in indicator.name_zh


def check_bounds(indicator: Indicator, value: float | Decimal, written: str) -> Reason | None:
    """None when ``value`` is within the indicator's bounds, else the reason for rejecting it. Pass
    the exact number (``Number.exact``): a bound is never checked on a rounded one."""
    low, high = bounds_of(indicator)
    exact = value if isinstance(value, Decimal) else Decimal(repr(value))
    if (low is None or exact >= Decimal(repr(low))) and (high is None or exact <= Decimal(repr(high))):
        return None
    text_range = format_range(low, high)
    if value < 0 and low is not None and low >= 0:
        return reason("negative_value", value=written)
    if indicator.unit.strip() == "%":
        return reason("percent_out_of_range", range=text_range, value=written)
    if is_pue(indicator):
        return reason("pue_out_of_range", range=text_range, value=written)
    return reason("value_out_of_range", range=text_range, value=written)


# --- Rows ---------------------------------------------------------------------------------------------------


@dataclass
class RawRow:
    """One data row of a sheet (or CSV), as read: raw cell values by column key."""

    sheet: str
    row_number: int  # 1-based row in the sheet, or the CSV line
    cells: dict[str, object]
    formulas: dict[str, str] = field(default_factory=dict)  # key -> formula text, for formula cells
    percent_keys: frozenset[str] = frozenset()  # keys of numeric cells formatted as a percentage
    columns: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (letter, header text)
    # a CSV row whose field count differs from the header's: (fields in the row, fields in the header)
    field_counts: tuple[int, int] | None = None


@dataclass(frozen=True)
class Rejection:
    sheet: str
    row_number: int
    column_name: str  # the header text people see
    column_letter: str
    value_as_written: str
    reason: Reason
    note: str | None = None  # the row's 备注 (a department may explain what was refused)


@dataclass(frozen=True)
class AcceptedValue:
    sheet: str
    row_number: int
    indicator_id: str
    prefecture_code: str
    value: float
    value_as_written: str
    flag: Reason | None = None
    unit_as_written: str | None = None  # an edited unit converted exactly to the plan's (万架 -> 架)
    note: str | None = None  # 备注, as written


@dataclass(frozen=True)
class Blank:
    """A row left empty: 未填报 (not reported), neither accepted nor rejected."""

    sheet: str
    row_number: int
    indicator_id: str | None = None
    prefecture_code: str | None = None
    project_code: str | None = None
    note: str | None = None  # the row's 备注 (often why nothing was reported)


@dataclass(frozen=True)
class AcceptedProject:
    sheet: str
    row_number: int
    project_code: str
    project_name: str
    sector: str
    prefecture_code: str
    total_investment_yuan: float | None
    completed_this_month_yuan: float
    cumulative_completed_yuan: float
    project_status: str
    note: str | None = None  # 备注, as written


@dataclass(frozen=True)
class ProjectInfo:
    """A project of the major-project library (raw.project_registry)."""

    project_code: str
    project_name: str
    sector: str
    department_code: str
    prefecture_code: str
    total_investment_yuan: float


@dataclass(frozen=True)
class Context:
    """What row validation needs to know beyond the row itself."""

    plan: Plan
    department_code: str
    period: str
    # (indicator_id, prefecture_code) -> (period, value): the latest accepted value for an earlier period
    previous: Mapping[tuple[str, str], tuple[str, float]] = field(default_factory=dict)
    # project_code -> the project, for this department's projects only
    projects: Mapping[str, ProjectInfo] = field(default_factory=dict)


@dataclass
class Validated:
    values: list[AcceptedValue] = field(default_factory=list)
    projects: list[AcceptedProject] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    blanks: list[Blank] = field(default_factory=list)  # 未填报 rows, outside rows_total
    rows_total: int = 0

    @property
    def rows_accepted(self) -> int:
        return len(self.values) + len(self.projects)

    @property
    def rows_rejected(self) -> int:
        return len({(r.sheet, r.row_number) for r in self.rejections})

    @property
    def rows_flagged(self) -> int:
        return sum(1 for v in self.values if v.flag)


_HEADER_EN = {
    "indicator_id": "indicator code",
    "prefecture_code": "prefecture code",
    "value": "the value",
    "project_code": "project code",
    "completed_this_month": "investment completed this month",
    "cumulative_completed": "cumulative investment completed",
    "status": "project status",
}


def _reject(row: RawRow, key: str, why: Reason) -> Rejection:
    letter, header = row.columns.get(key, ("", key))
    return Rejection(row.sheet, row.row_number, header, letter, as_written(row.cells.get(key)), why)


def _formula_rejection(row: RawRow) -> Rejection | None:
    for key, formula in row.formulas.items():
        rej = _reject(row, key, reason("formula_cell", formula=formula))
        return Rejection(rej.sheet, rej.row_number, rej.column_name, rej.column_letter, formula, rej.reason)
    return None


def _number_rejection(row: RawRow, key: str, number: Number, unit: str) -> Rejection:
    written = as_written(row.cells.get(key))
    header = row.columns.get(key, ("", key))[1]
    details = {
        "value": written,
        "unit": unit,
        "column": header,
        "column_en": _HEADER_EN.get(key, key),
        "formula": written,
    }
    return _reject(row, key, reason(number.code, **details))


def _text(value: object) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", cell_text(value)))


def _field_count_rejection(row: RawRow) -> Rejection | None:
    if row.field_counts is None:
        return None
    got, expected = row.field_counts
    return Rejection(
        row.sheet, row.row_number, "（整行）", "", "", reason("csv_field_count", got=got, expected=expected)
    )


def _mismatch(row: RawRow, key: str, what: str, what_en: str, code: str, expected: str) -> Rejection:
    visible = cell_text(row.cells.get(key))
    why = reason(
        "row_mismatch", row=row.row_number, what=what, what_en=what_en, visible=visible, hidden=code,
        expected=expected,
    )  # fmt: skip
    return _reject(row, key, why)


def _visible_mismatch(
    row: RawRow, plan: Plan, indicator: Indicator, prefecture_code: str
) -> Rejection | None:
    """The visible 指标名称 and 地区 must name what the hidden codes say (a row sorted by its visible
    columns alone carries another row's codes). A column left out (a CSV) or left empty is not checked."""
    name = row.cells.get("indicator_name")
    if not is_blank(name) and _text(name) != _text(indicator.name_zh):
        return _mismatch(
            row, "indicator_name", "指标名称", "indicator name", indicator.indicator_id, indicator.name_zh
        )
    region = row.cells.get("prefecture_name")
    pref = plan.prefectures[prefecture_code]
    if not is_blank(region):
        names = {_text(pref.code), _text(pref.name_zh), _text(pref.short_name_zh)}
        if pref.level == "province":
            names.add("全省")
        if _text(region) not in names and _text(region).upper() not in names:
            shown = "全省" if pref.level == "province" else pref.short_name_zh
            return _mismatch(row, "prefecture_name", "地区", "region", prefecture_code, shown)
    return None


def validate_indicator_row(
    row: RawRow, ctx: Context, seen: dict[tuple[str, str], int]
) -> AcceptedValue | Rejection | Blank:
    """Apply the row rules of the indicator sheet, in order; the first failure rejects the row. A row
    whose value is empty is a :class:`Blank` (未填报), not a rejection."""
    field_count = _field_count_rejection(row)
    if field_count:
        return field_count
    formula = _formula_rejection(row)
    if formula:
        return formula
    plan = ctx.plan
    indicator_id = cell_text(row.cells.get("indicator_id"))
    indicator = plan.indicators.get(indicator_id)
    if indicator is None:
        return _reject(row, "indicator_id", reason("unknown_indicator", indicator=indicator_id or "（空）"))
    if indicator.lead_department_code != ctx.department_code:
        lead = plan.departments.get(indicator.lead_department_code)
        lead_text = f"{lead.name_zh} {lead.code}" if lead else indicator.lead_department_code
        return _reject(
            row, "indicator_id", reason("indicator_not_department", indicator=indicator_id, lead=lead_text)
        )
    prefecture_code = cell_text(row.cells.get("prefecture_code")).upper()
    if prefecture_code not in plan.prefectures:
        return _reject(
            row, "prefecture_code", reason("unknown_prefecture", prefecture=prefecture_code or "（空）")
        )
    is_province = plan.prefectures[prefecture_code].level == "province"
    if indicator.is_by_prefecture == is_province:
        expected = "按市（州）分别填报" if indicator.is_by_prefecture else "只填全省一行"
        expected_en = "by prefecture" if indicator.is_by_prefecture else "for the province as a whole"
        return _reject(
            row,
            "prefecture_code",
            reason(
                "prefecture_not_applicable",
                indicator=indicator_id,
                expected=expected,
                expected_en=expected_en,
                prefecture=prefecture_code,
            ),
        )
    mismatch = _visible_mismatch(row, plan, indicator, prefecture_code)
    if mismatch:
        return mismatch
    key = (indicator_id, prefecture_code)
    if key in seen:
        return _reject(
            row,
            "indicator_id",
            reason(
                "duplicate_row", first_row=seen[key], what="指标和地区", what_en="indicator and prefecture"
            ),
        )
    seen[key] = row.row_number
    factor, unit_written = Decimal(1), None
    unit_cell = row.cells.get("unit")
    if not is_blank(unit_cell) and normalise_unit(cell_text(unit_cell)) != normalise_unit(indicator.unit):
        factor = unit_factor(cell_text(unit_cell), indicator.unit)
        if factor is None:
            return _reject(
                row, "unit", reason("unit_mismatch", written=cell_text(unit_cell), unit=indicator.unit)
            )
        unit_written = cell_text(unit_cell)
    if is_blank(row.cells.get("value")):
        return Blank(row.sheet, row.row_number, indicator_id=indicator_id, prefecture_code=prefecture_code)
    number = parse_number(row.cells.get("value"), indicator.unit, "value" in row.percent_keys)
    if not number.ok:
        return _number_rejection(row, "value", number, indicator.unit)
    written = as_written(row.cells.get("value"))
    exact = number.exact if number.exact is not None else Decimal(repr(number.value))
    if factor != 1:
        with localcontext() as exact_context:
            exact_context.prec = len(str(exact)) + 20
            exact = exact * factor
        number = Number(float(exact), exact=exact)
    out_of_bounds = check_bounds(indicator, exact, written + (unit_written or ""))
    if out_of_bounds:
        return _reject(row, "value", out_of_bounds)
    flag = None
    if indicator.kind == "cumulative":
        previous = ctx.previous.get(key)
        if previous is not None and number.value < previous[1]:
            flag = reason("cumulative_decreased", previous_period=previous[0], previous=previous[1])
    note = clean_remark(row.cells.get("note"))
    return AcceptedValue(
        row.sheet,
        row.row_number,
        indicator_id,
        prefecture_code,
        number.value,
        written,
        flag,
        unit_written,
        note,
    )


def status_code(raw: object) -> str | None:
    """A project status as written (Chinese label or ASCII code) -> its code, or None."""
    text = unicodedata.normalize("NFKC", cell_text(raw)).strip()
    if text in constants.PROJECT_STATUSES:
        return text
    for code, label in constants.PROJECT_STATUSES.items():
        if text == label:
            return code
    return None


def validate_project_row(
    row: RawRow, ctx: Context, seen: dict[str, int]
) -> AcceptedProject | Rejection | Blank:
    """Apply the row rules of the project sheet, in order; the first failure rejects the row.

    The project's name, sector, prefecture and total investment come from the major-project library
    (the sheet's label cells are locked copies of it); the department reports only its progress. A
    listed project whose progress cells are all empty is a :class:`Blank` (未填报)."""
    field_count = _field_count_rejection(row)
    if field_count:
        return field_count
    formula = _formula_rejection(row)
    if formula:
        return formula
    code = unicodedata.normalize("NFKC", cell_text(row.cells.get("project_code"))).upper()
    if not code:
        return _reject(row, "project_code", reason("project_code_missing"))
    project = ctx.projects.get(code)
    if project is None:
        return _reject(row, "project_code", reason("project_unknown", project=code))
    if code in seen:
        return _reject(
            row, "project_code", reason("duplicate_row", first_row=seen[code], what="项目", what_en="project")
        )
    seen[code] = row.row_number
    if all(is_blank(row.cells.get(k)) for k in ("completed_this_month", "cumulative_completed", "status")):
        return Blank(row.sheet, row.row_number, project_code=code)
    money: dict[str, float] = {}
    for key in ("completed_this_month", "cumulative_completed"):
        number = parse_money_yuan(row.cells.get(key), key in row.percent_keys)
        if not number.ok:
            return _number_rejection(row, key, number, "万元")
        if number.value < 0:
            return _reject(row, key, reason("negative_value", value=as_written(row.cells.get(key))))
        money[key] = number.value
    if money["cumulative_completed"] < money["completed_this_month"]:
        return _reject(
            row,
            "cumulative_completed",
            reason(
                "cumulative_exceeds_month",
                cumulative=as_written(row.cells.get("cumulative_completed")),
                month=as_written(row.cells.get("completed_this_month")),
            ),
        )
    status = status_code(row.cells.get("status"))
    if status is None:
        if is_blank(row.cells.get("status")):
            return _number_rejection(row, "status", Number(None, "empty_value"), "")
        allowed = "、".join(constants.PROJECT_STATUSES.values())
        return _reject(
            row,
            "status",
            reason("invalid_status", value=as_written(row.cells.get("status")), allowed=allowed),
        )
    return AcceptedProject(
        row.sheet,
        row.row_number,
        code,
        project.project_name,
        project.sector,
        project.prefecture_code,
        project.total_investment_yuan,
        money["completed_this_month"],
        money["cumulative_completed"],
        status,
        clean_remark(row.cells.get("note")),
    )


def _with_note(result, row: RawRow):
    """A blank or rejected row keeps its 备注 too (an accepted row carries it already)."""
    if isinstance(result, Blank | Rejection) and result.note is None:
        note = clean_remark(row.cells.get("note"))
        if note is not None:
            return replace(result, note=note)
    return result


def validate(indicator_rows: list[RawRow], project_rows: list[RawRow], ctx: Context) -> Validated:
    """Every filled row is either accepted or rejected with its reason (rows_total = accepted +
    rejected); a row left empty is a blank (未填报), listed apart and not counted in rows_total."""
    out = Validated()
    seen_values: dict[tuple[str, str], int] = {}
    for row in indicator_rows:
        result = _with_note(validate_indicator_row(row, ctx, seen_values), row)
        if isinstance(result, Blank):
            out.blanks.append(result)
        else:
            (out.values if isinstance(result, AcceptedValue) else out.rejections).append(result)
    seen_projects: dict[str, int] = {}
    for row in project_rows:
        result = _with_note(validate_project_row(row, ctx, seen_projects), row)
        if isinstance(result, Blank):
            out.blanks.append(result)
        else:
            (out.projects if isinstance(result, AcceptedProject) else out.rejections).append(result)
    out.rows_total = len(indicator_rows) + len(project_rows) - len(out.blanks)
    return out


# --- Metadata and sender ----------------------------------------------------------------------------------


def check_metadata(
    meta: Mapping[str, str] | None,
    plan: Plan,
    sender: str,
    secret: str,
    today: dt.date,
) -> tuple[str, str, str]:
    """The structural checks on a file's metadata, in order; returns (department, period, version).

    ``sender`` is the landing folder's department code, ``_root`` for a file at the landing root,
    or ``_unknown``. Raises :class:`Quarantine` with the first failing reason.
    """
    from newinfra.periods import is_valid_period, period_start

    if sender == constants.LANDING_ROOT_SENDER:
        raise Quarantine("spoof_landing_root")
    if sender not in plan.departments:
        raise Quarantine("sender_unknown", sender=sender)
    if not meta or meta.get(constants.META_KIND) != constants.TEMPLATE_KIND:
        raise Quarantine("metadata_missing")
    missing = [k for k in constants.META_KEYS if not (meta.get(k) or "").strip()]
    if missing:
        raise Quarantine("metadata_incomplete", missing=", ".join(missing))
    version = meta[constants.META_VERSION].strip()
    if version not in constants.SUPPORTED_TEMPLATE_VERSIONS:
        raise Quarantine("template_version_unsupported", version=version, current=constants.TEMPLATE_VERSION)
    department = meta[constants.META_DEPARTMENT].strip()
    if department not in plan.departments:
        raise Quarantine("department_unknown", department=department)
    if department != sender:
        raise Quarantine("spoof_department_mismatch", department=department, sender=sender)
    period = meta[constants.META_PERIOD].strip()
    if not is_valid_period(period):
        raise Quarantine("period_invalid", period=period)
    if not signature_ok(secret, department, period, version, meta[constants.META_SIGNATURE]):
        raise Quarantine("signature_mismatch")
    if period_start(period) > today:
        raise Quarantine("period_in_future", period=period)
    return department, period, version
