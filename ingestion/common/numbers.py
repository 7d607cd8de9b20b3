"""Numbers as people type them: "15万", "1.2亿", "65%", "1,234"; ambiguous text is refused, never guessed."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation, localcontext

from ingestion.common.cells import is_blank

MONEY_SCALE = 10_000.0  # sheets hold money in 万元 -> yuan

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
    # the number exactly as written (text parsed as Decimal, never rounded): bounds are checked on it
    exact: Decimal | None = None

    @property
    def ok(self) -> bool:
        return self.code is None


def _to_float(d: Decimal) -> float:
    """The nearest double to ``d`` (Decimal arithmetic is exact: 0.655 * 100 is 65.5, with no binary
    residue to round away; rounding to fewer digits would store a number nobody wrote)."""
    value = float(d)
    return value if value != 0 else 0.0


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
            exact = Decimal(repr(value)) * 100
            return Number(_to_float(exact), exact=exact)
        return Number(value, exact=Decimal(repr(value)))
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
    with localcontext() as exact_context:  # exact: enough digits for every digit written
        exact_context.prec = len(text) + 20
        number *= _MULTIPLIERS[m["mult"] or ""]
    try:
        value = _to_float(number)
    except OverflowError:  # pragma: no cover - float() of a huge Decimal gives inf, not an error
        value = math.inf
    if not math.isfinite(value):
        return Number(None, "not_a_number")
    return Number(value, exact=number)


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
        return Number(_to_float(Decimal(repr(plain.value)) * Decimal(int(MONEY_SCALE))))
    number = parse_number(raw)
    if not number.ok:
        return number
    return Number(_to_float(Decimal(repr(number.value)) * Decimal(int(MONEY_SCALE))))


def format_range(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"{low:g}–{high:g}"
    if low is not None:
        return f"≥ {low:g}"
    if high is not None:
        return f"≤ {high:g}"
    return "—"
