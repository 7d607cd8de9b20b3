"""Pure functions of the submission ingest: numbers, signatures, reasons, row validation.

Nothing here touches the disk or the warehouse; the edges (``readers``, ``load``, ``__init__``) do.
Every rule is a function tested table-driven in ``tests/ingestion/submissions/``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from ingestion.submissions import settings as S
from newinfra.plan import Indicator, Plan

# --- Reasons ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reason:
    code: str
    zh: str
    en: str


def reason(code: str, **details: object) -> Reason:
    """The reason ``code`` with its Chinese and English text filled from ``details``."""
    table = S.FILE_REASONS.get(code) or S.ROW_REASONS.get(code) or S.FLAG_REASONS.get(code)
    if table is None:
        raise KeyError(code)
    zh, en = table
    return Reason(code, zh.format(**details), en.format(**details))


class Quarantine(Exception):
    """A file-level problem: the whole file goes to quarantine with this reason."""

    def __init__(self, code: str, **details: object) -> None:
        self.reason = reason(code, **details)
        super().__init__(f"{code}: {self.reason.en}")

    @classmethod
    def of(cls, why: Reason) -> Quarantine:
        q = cls.__new__(cls)
        Exception.__init__(q, f"{why.code}: {why.en}")
        q.reason = why
        return q

    def __reduce__(self):  # picklable (workers parse files and send the outcome back)
        return (Quarantine.of, (self.reason,))


# --- Signature ------------------------------------------------------------------------------------------


def sign(secret: str, department_code: str, period: str, template_version: str) -> str:
    """HMAC-SHA256 (hex) of ``department_code|period|template_version`` with the template secret."""
    message = f"{department_code}|{period}|{template_version}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_ok(
    secret: str, department_code: str, period: str, template_version: str, signature: str
) -> bool:
    expected = sign(secret, department_code, period, template_version)
    return hmac.compare_digest(expected, (signature or "").strip().lower())


# --- Cells --------------------------------------------------------------------------------------------------


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def as_written(value: object) -> str:
    """A cell's value as the person wrote it, for the ledger and the feedback (15000.0 -> '15000')."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if math.isfinite(value) and value == int(value) and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


def cell_text(value: object) -> str:
    """A code-like cell as text (codes may come back as numbers from Excel: 12.0 -> '12')."""
    return as_written(value).strip()


def column_letter(index: int) -> str:
    """0 -> 'A', 25 -> 'Z', 26 -> 'AA'."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_index(letters: str) -> int:
    """'A' -> 0, 'AA' -> 26."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n - 1


# --- Numbers ------------------------------------------------------------------------------------------------

_MULTIPLIERS = {"": Decimal(1), "万": Decimal(10_000), "亿": Decimal(100_000_000), "万亿": Decimal(10**12)}
_NUMBER = re.compile(
    r"^(?P<sign>[+-]?)(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?P<frac>\.\d+)?(?P<exp>[eE][+-]?\d{1,3})?"
    r"(?P<mult>万亿|万|亿)?(?P<pct>%)?$"
)
# Words and signs that make a number approximate or a range: never guessed.
_AMBIGUOUS_MARKERS = (
    "约", "大约", "近", "左右", "多", "余", "以上", "以下", "超过", "不到", "不足", "至少", "最多",
    "~", "～", "至", "到", "或", "/", "±", "+-", "?", "？", "…",
)  # fmt: skip
_RANGE = re.compile(r"\d\s*[-—–]\s*\d")
_SPACE_BETWEEN_DIGITS = re.compile(r"\d\s+\d")


@dataclass(frozen=True)
class Number:
    """The result of reading a cell as a number: ``value`` or a rejection ``code``."""

    value: float | None
    code: str | None = None

    @property
    def ok(self) -> bool:
        return self.code is None


def _to_float(d: Decimal) -> float:
    value = float(d)
    # 0.655 * 100 -> 65.5, not 65.50000000000001
    return float(f"{value:.12g}") if value != 0 else 0.0


def parse_number(raw: object, unit: str = "", percent_format: bool = False) -> Number:
    """Read a cell as a number in the indicator's base unit, or say why not.

    Accepted: numbers; text that reads unambiguously as one number: "1,234", full-width "１２３",
    "15万" (150000), "1.5亿", "65%" (65, only when the unit is %), the unit itself as a suffix ("15万个").
    Rejected, never guessed: "约15万", "15-20", "1.2.3", "1,23", "十五", "15万%".
    ``percent_format``: the cell is a number formatted as a percentage in Excel (0.65 shown as 65%).
    """
    is_percent_unit = unit.strip() == "%"
    if is_blank(raw):
        return Number(None, "empty_value")
    if isinstance(raw, bool):
        return Number(None, "not_a_number")
    if isinstance(raw, int | float):
        value = float(raw)
        if not math.isfinite(value):
            return Number(None, "not_a_number")
        if percent_format:
            if not is_percent_unit:
                return Number(None, "percent_sign_not_allowed")
            return Number(_to_float(Decimal(repr(value)) * 100))
        return Number(value)
    if not isinstance(raw, str):  # dates, times, durations
        return Number(None, "not_a_number")
    text = unicodedata.normalize("NFKC", raw).strip().replace("−", "-")
    if text.startswith("="):
        return Number(None, "formula_cell")
    if _SPACE_BETWEEN_DIGITS.search(text):
        return Number(None, "ambiguous_number")
    text = re.sub(r"\s+", "", text)
    suffix = unit.strip()
    if suffix and suffix != "%" and text.endswith(suffix) and len(text) > len(suffix):
        text = text[: -len(suffix)]
    if any(marker in text for marker in _AMBIGUOUS_MARKERS) or _RANGE.search(text):
        return Number(None, "ambiguous_number")
    m = _NUMBER.match(text)
    if not m:
        return Number(None, "ambiguous_number" if any(ch.isdigit() for ch in text) else "not_a_number")
    if m["pct"]:
        if m["mult"] or m["exp"]:
            return Number(None, "ambiguous_number")
        if not is_percent_unit:
            return Number(None, "percent_sign_not_allowed")
    try:
        number = Decimal(m["sign"] + m["int"].replace(",", "") + (m["frac"] or "") + (m["exp"] or ""))
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        return Number(None, "not_a_number")
    number *= _MULTIPLIERS[m["mult"] or ""]
    value = _to_float(number)
    if not math.isfinite(value):
        return Number(None, "not_a_number")
    return Number(value)


def parse_money_yuan(raw: object, percent_format: bool = False) -> Number:
    """A money cell of the project sheet, written in 万元, as yuan.

    Plain numbers are 万元 (12.5 -> 125000 yuan). Text with an explicit 元 is read as written
    ("1.5亿元" -> 150000000, "3000万元", "500元"); a bare 万/亿 without 元 is ambiguous in a 万元 column.
    """
    if percent_format:
        return Number(None, "percent_sign_not_allowed")
    if isinstance(raw, str):
        text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", raw))
        if text.endswith("元") and not text.endswith("万元万元"):
            return parse_number(text[:-1])
        plain = parse_number(text)
        if plain.ok and re.search(r"[万亿]", text):
            return Number(None, "money_unit_ambiguous")
        if not plain.ok:
            return plain
        return Number(_to_float(Decimal(repr(plain.value)) * Decimal(int(S.MONEY_SCALE))))
    number = parse_number(raw)
    if not number.ok:
        return number
    return Number(_to_float(Decimal(repr(number.value)) * Decimal(int(S.MONEY_SCALE))))


def format_range(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"{low:g}–{high:g}"
    if low is not None:
        return f"≥ {low:g}"
    if high is not None:
        return f"≤ {high:g}"
    return "—"


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
    if text in S.PROJECT_STATUSES:
        return text
    for code, label in S.PROJECT_STATUSES.items():
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
        allowed = "、".join(S.PROJECT_STATUSES.values())
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

    if sender == S.LANDING_ROOT_SENDER:
        raise Quarantine("spoof_landing_root")
    if sender not in plan.departments:
        raise Quarantine("sender_unknown", sender=sender)
    if not meta or meta.get(S.META_KIND) != S.TEMPLATE_KIND:
        raise Quarantine("metadata_missing")
    missing = [k for k in S.META_KEYS if not (meta.get(k) or "").strip()]
    if missing:
        raise Quarantine("metadata_incomplete", missing=", ".join(missing))
    version = meta[S.META_VERSION].strip()
    if version not in S.SUPPORTED_TEMPLATE_VERSIONS:
        raise Quarantine("template_version_unsupported", version=version, current=S.TEMPLATE_VERSION)
    department = meta[S.META_DEPARTMENT].strip()
    if department not in plan.departments:
        raise Quarantine("department_unknown", department=department)
    if department != sender:
        raise Quarantine("spoof_department_mismatch", department=department, sender=sender)
    period = meta[S.META_PERIOD].strip()
    if not is_valid_period(period):
        raise Quarantine("period_invalid", period=period)
    if not signature_ok(secret, department, period, version, meta[S.META_SIGNATURE]):
        raise Quarantine("signature_mismatch")
    if period_start(period) > today:
        raise Quarantine("period_in_future", period=period)
    return department, period, version


def safe_path_part(text: str | None, fallback: str) -> str:
    """A path component from a code we validated (ASCII letters, digits, _ and -), else ``fallback``."""
    if text and re.fullmatch(r"[A-Za-z0-9_-]{1,32}", text):
        return text
    return fallback


def feedback_relpath(department: str, period: str | None, version: int | None, sha256: str) -> str:
    """feedback/<department>/<period>/反馈_<department>_<period>_v<version or sha8>.xlsx"""
    dept = safe_path_part(department, S.UNKNOWN_SENDER)
    per = period if period and re.fullmatch(r"\d{4}-\d{2}", period) else "unknown"
    tag = f"v{version}" if version else sha256[:8]
    return f"feedback/{dept}/{per}/反馈_{dept}_{per}_{tag}.xlsx"


def archive_relpath(sha256: str, original_name: str) -> str:
    ext = original_name.rsplit(".", 1)[-1].lower() if "." in original_name else ""
    if ext not in S.ARCHIVE_EXTENSIONS:
        ext = "bin"
    return f"archive/{sha256[:2]}/{sha256}.{ext}"


def file_extension(original_name: str) -> str:
    ext = original_name.rsplit(".", 1)[-1].lower() if "." in original_name else ""
    return ext if ext in S.ARCHIVE_EXTENSIONS else "bin"
