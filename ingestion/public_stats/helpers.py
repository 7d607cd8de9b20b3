"""Pure functions: map a parsed table to our codes, and decide which figures are new versions.

``map_table`` turns each data row (or, in a wide table, each indicator cell) into either an
``Observation`` (indicator_id, prefecture_code, period 'YYYY-MM', value in base units, and the text
as published) or a ``Rejection`` with a reason in Chinese and English. Nothing is dropped:
``len(observations) + len(rejections)`` is the number of candidate rows. A table whose shape does
not match the declaration (a mapped column missing) raises ``MappingError``: the source fails.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from ingestion.public_stats.config import IndicatorMap, Source
from ingestion.public_stats.parsers import ParseError, Table, cell_text, norm
from ingestion.public_stats.settings import EMPTY_MARKERS, PROVINCE_ALIASES, REASONS
from newinfra.plan import Plan

Key = tuple[str, str, str]  # indicator_id, prefecture_code, period


class MappingError(ParseError):
    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(message_zh, message_en, code="structure_error")


@dataclass(frozen=True)
class Observation:
    row_number: int
    column_name: str  # the column the figure came from
    indicator_id: str
    prefecture_code: str
    period: str  # YYYY-MM (YYYY-12 for a yearly figure)
    value: float  # base units
    original_label: str  # the row's label as published (indicator name, or the label column)
    original_prefecture: str
    original_period: str
    value_as_written: str
    unit_as_written: str

    @property
    def key(self) -> Key:
        return (self.indicator_id, self.prefecture_code, self.period)


@dataclass(frozen=True)
class Rejection:
    row_number: int
    column_name: str
    original_label: str
    value_as_written: str
    reason_code: str
    reason_zh: str
    reason_en: str


@dataclass(frozen=True)
class Mapped:
    observations: list[Observation]
    rejections: list[Rejection]
    skipped: int = 0  # rows of regions outside mapping.keep_regions (a national table's other provinces)

    @property
    def rows_total(self) -> int:
        return len(self.observations) + len(self.rejections)


# Periods -----------------------------------------------------------------------------------------
_MONTH_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})$"),  # 2024-06, 2024/6, 2024.06
    re.compile(r"^(\d{4})年(?:1-|1—|1－|1~|1至)?(\d{1,2})月(?:份|末|底)?$"),  # 2024年6月, 2024年1-6月
    re.compile(r"^(\d{4})(\d{2})$"),  # 202406
    re.compile(r"^(\d{4})-(\d{2})-\d{2}(?:[ T].*)?$"),  # 2024-06-30 (a date cell as text)
)
_YEAR = re.compile(r"^(\d{4})(?:年)?(?:末|底|年末|年底|全年)?$")


def parse_public_period(value: Any, frequency: str) -> str | None:
    """A period as published -> 'YYYY-MM'; a year -> 'YYYY-12' (yearly sources only). None when
    it cannot be read (or a monthly source gives only a year, or a yearly source a month)."""
    if isinstance(value, dt.datetime | dt.date):
        year, month = value.year, value.month
        return f"{year:04d}-{month:02d}" if frequency == "monthly" else None
    text = norm(cell_text(value))
    year_match = _YEAR.match(text)
    if year_match:
        year = int(year_match.group(1))
        if frequency != "yearly" or not 1990 <= year <= 2100:
            return None
        return f"{year:04d}-12"
    if frequency != "monthly":
        return None
    for pattern in _MONTH_PATTERNS:
        m = pattern.match(text)
        if m:
            year, month = int(m.group(1)), int(m.group(2))
            if 1990 <= year <= 2100 and 1 <= month <= 12:
                return f"{year:04d}-{month:02d}"
            return None
    return None


# Values ------------------------------------------------------------------------------------------
def parse_number(value: Any) -> Decimal | None:
    """A figure as published -> Decimal; None when empty ('', '-', '—', '…'); ValueError when not
    a number. Thousands separators and spaces are ignored."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(value)
        return Decimal(str(value))
    text = str(value).strip()
    if text in EMPTY_MARKERS:
        return None
    cleaned = re.sub(r"[,，\s]", "", text)
    try:
        number = Decimal(cleaned)
    except InvalidOperation as exc:
        raise ValueError(text) from exc
    if not number.is_finite():
        raise ValueError(text)
    return number


def to_base_units(number: Decimal, scale: Decimal) -> float:
    """8.12 万个 x 10000 -> 81200.0 exactly (Decimal, so no 81199.99999999999)."""
    return float(number * scale)


def _unit_key(text: str) -> str:
    return norm(text).strip("()（）[]【】").replace("单位:", "").replace("单位：", "")


# Prefectures -------------------------------------------------------------------------------------
_SUFFIXES = ("布依族苗族自治州", "苗族侗族自治州", "自治州", "新区", "市", "州")


def prefecture_lookup(plan: Plan) -> dict[str, str]:
    """Every way a publisher may name a prefecture -> its code: the code itself, the Chinese name and
    short name from the seeds, the name without its 市/州/新区 suffix, and the province's aliases."""
    candidates: dict[str, set[str]] = {}

    def add(label: str, code: str) -> None:
        key = norm(label)
        if key:
            candidates.setdefault(key, set()).add(code)

    for pref in plan.prefectures.values():
        add(pref.code, pref.code)
        add(pref.code.lower(), pref.code)
        add(pref.name_en, pref.code)
        for name in {pref.name_zh, pref.short_name_zh}:
            add(name, pref.code)
            for suffix in _SUFFIXES:  # longest first: 黔东南苗族侗族自治州 -> 黔东南
                if name.endswith(suffix) and len(name) > len(suffix) + 1:
                    add(name[: -len(suffix)], pref.code)
                    break
        if pref.level == "province":
            for alias in PROVINCE_ALIASES:
                add(alias, pref.code)
    # a label that could mean two prefectures is not a match
    return {key: next(iter(codes)) for key, codes in candidates.items() if len(codes) == 1}


# Mapping -----------------------------------------------------------------------------------------
def _reject(row: int, column: str, label: str, written: str, code: str, detail: str = "") -> Rejection:
    zh, en = REASONS[code]
    if detail:
        zh, en = f"{zh}：{detail}", f"{en}: {detail}"
    return Rejection(row, column, label, written, code, zh, en)


def _header_keys(headers: list[str]) -> dict[str, str]:
    """Every way a declared name may match a header: the whole header (a multi-row header's parts
    joined with "/"), and its last part when no other header ends the same way."""
    keys = {norm(h): h for h in headers}
    leaves: dict[str, list[str]] = {}
    for h in headers:
        leaves.setdefault(norm(h.rsplit("/", 1)[-1]), []).append(h)
    for leaf, owners in leaves.items():
        if len(owners) == 1:
            keys.setdefault(leaf, owners[0])
    return keys


_TITLE_MONTH = re.compile(r"(\d{4})\s*年\s*(?:1\s*[-—－~至]\s*)?(\d{1,2})\s*月")
_TITLE_YEAR = re.compile(r"(\d{4})\s*年")


def period_from_title(title: Iterable[str], frequency: str) -> str | None:
    """The one period a table's title (or a page's caption) names: 2024年6月 / 2024年1-6月 -> 2024-06,
    a yearly table's 2023年 -> 2023-12. None when it names none, or several different ones."""
    text = " ".join(title)
    pattern = _TITLE_MONTH if frequency == "monthly" else _TITLE_YEAR
    found = set()
    for m in pattern.finditer(text):
        period = parse_public_period(m.group(0).replace(" ", ""), frequency)
        if period is not None:
            found.add(period)
    return found.pop() if len(found) == 1 else None


_UNIT_PREFIXES = {
    "": 1,
    "十": 10,
    "百": 100,
    "千": 1000,
    "万": 10**4,
    "十万": 10**5,
    "百万": 10**6,
    "千万": 10**7,
    "亿": 10**8,
}


def implied_scale(unit: str, base_unit: str) -> Decimal | None:
    """The factor a published unit implies against the indicator's base unit: 万个 vs 个 -> 10000,
    亿元 vs 元 -> 1e8, 个 vs 个 -> 1. None when the two do not share the base (户 vs 个): then
    nothing can be said."""
    u, b = norm(unit), norm(base_unit)
    if not u or not b or not u.endswith(b):
        return None
    prefix = u[: -len(b)]
    return Decimal(_UNIT_PREFIXES[prefix]) if prefix in _UNIT_PREFIXES else None


def _require_columns(table: Table, columns: Iterable[str | None], where: str) -> dict[str, str]:
    """Declared column name -> the header as written (matched without whitespace)."""
    by_key = _header_keys(table.headers)
    found: dict[str, str] = {}
    missing = []
    for column in columns:
        if column is None:
            continue
        header = by_key.get(norm(column))
        if header is None:
            missing.append(column)
        else:
            found[column] = header
    if missing:
        shown = "、".join(table.headers[:12])
        raise MappingError(
            f"{where}中找不到 sources.yml 声明的列：{'、'.join(missing)}（表头为：{shown}）",
            f"{where}: columns declared in sources.yml not found: {', '.join(missing)} (headers: {shown})",
        )
    return found


def map_table(table: Table, source: Source, prefectures: dict[str, str]) -> Mapped:
    """Map every data row of ``table`` as ``source`` declares; see the module docstring."""
    mapping = source.mapping
    assert mapping is not None
    where = f"数据源 {source.name} "
    valid_codes = set(prefectures.values())
    lookup = dict(prefectures)
    for label, code in mapping.prefectures.items():
        if code not in valid_codes:
            raise MappingError(
                f"{where}mapping.prefectures 中 {label} 对应的代码 {code} 不在 prefectures.csv 中",
                f"{where}mapping.prefectures: {label} -> {code}, not a code in prefectures.csv",
            )
        lookup[norm(label)] = code
    if mapping.prefecture_fixed is not None:
        fixed = lookup.get(norm(mapping.prefecture_fixed))
        if fixed is None:
            raise MappingError(
                f"{where}mapping.prefecture.fixed 无法对应到地区代码：{mapping.prefecture_fixed}",
                f"{where}mapping.prefecture.fixed matches no prefecture: {mapping.prefecture_fixed}",
            )
    indicators = {norm(label): im for label, im in source.indicators.items()}
    title_period = None
    if mapping.period_from_title:
        title_period = period_from_title(table.title, source.frequency)
        if title_period is None:
            shown = " / ".join(table.title)[:120] or "（无标题）"
            raise MappingError(
                f"{where}表格标题中找不到唯一的统计期（标题：{shown}）",
                f"{where}no single period found in the table's title ({shown})",
            )
    keep = {norm(r) for r in mapping.keep_regions}
    cols = _require_columns(
        table,
        [mapping.period, mapping.prefecture, mapping.indicator, mapping.value, mapping.unit, mapping.label],
        where,
    )

    # candidates: (row number, record, value column header, indicator label as written, unit as written)
    candidates: list[tuple[int, dict[str, Any], str, str, str]] = []
    skipped = 0
    if keep and mapping.prefecture is not None:
        kept = [(n, r) for n, r in table.rows if norm(cell_text(r.get(cols[mapping.prefecture]))) in keep]
        skipped = len(table.rows) - len(kept)
    else:
        kept = table.rows
    if mapping.layout == "long":
        for number, record in kept:
            label = cell_text(record.get(cols[mapping.indicator]))
            unit = cell_text(record.get(cols[mapping.unit])) if mapping.unit else ""
            candidates.append((number, record, cols[mapping.value], label, unit))
    else:
        declared = _require_columns(table, source.indicators.keys(), where)
        label_of = {header: label for label, header in declared.items()}
        fixed_cols = {cols[c] for c in (mapping.period, mapping.prefecture, mapping.label) if c}
        ignored = {norm(c) for c in mapping.ignore}
        ignored_headers = {h for k, h in _header_keys(table.headers).items() if k in ignored}
        for number, record in kept:
            for header in table.headers:
                if header in fixed_cols or header in ignored_headers:
                    continue
                is_declared = header in label_of
                if not is_declared and cell_text(record.get(header)) == "":
                    continue  # an undeclared, empty column carries nothing
                candidates.append(
                    (number, record, header, label_of.get(header, header), table.units.get(header, ""))
                )

    observations: list[Observation] = []
    rejections: list[Rejection] = []
    seen: dict[Key, int] = {}
    for number, record, value_col, label, unit_written in candidates:
        raw_value = record.get(value_col)
        written = cell_text(raw_value)
        original_label = cell_text(record.get(cols[mapping.label])) if mapping.label else label
        if mapping.layout == "wide" and mapping.label:
            original_label = f"{original_label} {label}".strip()
        im: IndicatorMap | None = indicators.get(norm(label))
        if im is None:
            rejections.append(_reject(number, value_col, original_label, written, "unknown_indicator", label))
            continue
        if mapping.prefecture_fixed is not None:
            pref_written = mapping.prefecture_fixed
        else:
            pref_written = cell_text(record.get(cols[mapping.prefecture]))
        pref = lookup.get(norm(pref_written))
        if pref is None:
            rejections.append(
                _reject(
                    number, value_col, original_label, written, "unknown_prefecture", pref_written or "（空）"
                )
            )
            continue
        period_raw = record.get(cols[mapping.period]) if mapping.period else " ".join(table.title)
        period = parse_public_period(period_raw, source.frequency) if mapping.period else title_period
        if period is None:
            rejections.append(
                _reject(
                    number, value_col, original_label, written, "bad_period",
                    f"{cell_text(period_raw) or '（空）'}（{source.frequency}）",
                )
            )  # fmt: skip
            continue
        if source.table.unit_in_header and im.unit and not unit_written:
            rejections.append(
                _reject(
                    number, value_col, original_label, written, "unit_mismatch",
                    f"表头未注明单位，sources.yml 声明为 {im.unit} (no unit in the header; declared {im.unit})",
                )
            )  # fmt: skip
            continue
        if im.unit and unit_written and _unit_key(unit_written) != _unit_key(im.unit):
            rejections.append(
                _reject(
                    number, value_col, original_label, written, "unit_mismatch",
                    f"{unit_written} ≠ {im.unit}（sources.yml 的 scale {im.scale} 按 {im.unit} 换算 / "
                    f"the declared scale {im.scale} is for {im.unit}）",
                )
            )  # fmt: skip
            continue
        try:
            number_value = parse_number(raw_value)
        except ValueError:
            rejections.append(_reject(number, value_col, original_label, written, "bad_value", written))
            continue
        if number_value is None:
            rejections.append(_reject(number, value_col, original_label, written, "missing_value"))
            continue
        key = (im.indicator_id, pref, period)
        if key in seen:
            rejections.append(
                _reject(
                    number, value_col, original_label, written, "duplicate",
                    f"{im.indicator_id}/{pref}/{period}，首次见于第 {seen[key]} 行 (first at row {seen[key]})",
                )
            )  # fmt: skip
            continue
        seen[key] = number
        observations.append(
            Observation(
                row_number=number,
                column_name=value_col,
                indicator_id=im.indicator_id,
                prefecture_code=pref,
                period=period,
                value=to_base_units(number_value, im.scale),
                original_label=original_label,
                original_prefecture=pref_written,
                original_period=cell_text(period_raw)[:200],
                value_as_written=written,
                unit_as_written=unit_written or im.unit,
            )
        )
    return Mapped(observations, rejections, skipped)


# Versions ----------------------------------------------------------------------------------------
def same_value(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-9)


def new_versions(
    observations: Iterable[Observation], latest: dict[Key, tuple[float, int]]
) -> list[tuple[Observation, int]]:
    """The observations to write, each with its version: 1 for a figure never seen from this
    source, latest + 1 for a figure that changed; unchanged figures are left out."""
    out = []
    for obs in observations:
        previous = latest.get(obs.key)
        if previous is None:
            out.append((obs, 1))
        elif not same_value(previous[0], obs.value):
            out.append((obs, previous[1] + 1))
    return out


def reason_summary(rejections: Iterable[Rejection], examples: int = 3) -> list[dict[str, Any]]:
    """Rejections grouped by reason: code, zh/en text, count, and the first few rows as examples."""
    groups: dict[str, dict[str, Any]] = {}
    for r in rejections:
        zh, en = REASONS[r.reason_code]
        group = groups.setdefault(
            r.reason_code,
            {"reason_code": r.reason_code, "reason_zh": zh, "reason_en": en, "count": 0, "examples": []},
        )
        group["count"] += 1
        if len(group["examples"]) < examples:
            group["examples"].append(
                {"row_number": r.row_number, "column_name": r.column_name, "original_label": r.original_label,
                 "value_as_written": r.value_as_written, "reason_zh": r.reason_zh, "reason_en": r.reason_en}
            )  # fmt: skip
    return sorted(groups.values(), key=lambda g: (-g["count"], g["reason_code"]))
