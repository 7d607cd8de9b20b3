"""The submission's rules: reasons, an indicator's bounds, the rows' types and their validation, the
metadata and sender checks (numbers and cells: ``ingestion.common``; the signature: ``signature``).

Nothing here touches the disk or the warehouse; the edges (``readers``, ``store``, ``ingest``) do.
Every rule is a function tested table-driven in ``tests/ingestion/submissions/``.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

from ingestion.common.cells import as_written, cell_text, is_blank
from ingestion.common.numbers import Number, format_range, parse_money_yuan, parse_number
from ingestion.common.reasons import FILE_REASONS, Quarantine, Reason
from ingestion.submissions import constants
from ingestion.submissions.signature import signature_ok
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


def check_bounds(indicator: Indicator, value: float, written: str) -> Reason | None:
    """None when ``value`` is within the indicator's bounds, else the reason for rejecting it."""
    low, high = bounds_of(indicator)
    if (low is None or value >= low) and (high is None or value <= high):
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


@dataclass(frozen=True)
class Rejection:
    sheet: str
    row_number: int
    column_name: str  # the header text people see
    column_letter: str
    value_as_written: str
    reason: Reason


@dataclass(frozen=True)
class AcceptedValue:
    sheet: str
    row_number: int
    indicator_id: str
    prefecture_code: str
    value: float
    value_as_written: str
    flag: Reason | None = None


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


def validate_indicator_row(
    row: RawRow, ctx: Context, seen: dict[tuple[str, str], int]
) -> AcceptedValue | Rejection:
    """Apply the row rules of the indicator sheet, in order; the first failure rejects the row."""
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
    number = parse_number(row.cells.get("value"), indicator.unit, "value" in row.percent_keys)
    if not number.ok:
        return _number_rejection(row, "value", number, indicator.unit)
    written = as_written(row.cells.get("value"))
    out_of_bounds = check_bounds(indicator, number.value, written)
    if out_of_bounds:
        return _reject(row, "value", out_of_bounds)
    flag = None
    if indicator.kind == "cumulative":
        previous = ctx.previous.get(key)
        if previous is not None and number.value < previous[1]:
            flag = reason("cumulative_decreased", previous_period=previous[0], previous=previous[1])
    return AcceptedValue(
        row.sheet, row.row_number, indicator_id, prefecture_code, number.value, written, flag
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


def validate_project_row(row: RawRow, ctx: Context, seen: dict[str, int]) -> AcceptedProject | Rejection:
    """Apply the row rules of the project sheet, in order; the first failure rejects the row.

    The project's name, sector, prefecture and total investment come from the major-project library
    (the sheet's label cells are locked copies of it); the department reports only its progress."""
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
    )


def validate(indicator_rows: list[RawRow], project_rows: list[RawRow], ctx: Context) -> Validated:
    """Every row is either accepted or rejected with its reason: rows_total = accepted + rejected."""
    out = Validated(rows_total=len(indicator_rows) + len(project_rows))
    seen_values: dict[tuple[str, str], int] = {}
    for row in indicator_rows:
        result = validate_indicator_row(row, ctx, seen_values)
        (out.values if isinstance(result, AcceptedValue) else out.rejections).append(result)
    seen_projects: dict[str, int] = {}
    for row in project_rows:
        result = validate_project_row(row, ctx, seen_projects)
        (out.projects if isinstance(result, AcceptedProject) else out.rejections).append(result)
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
