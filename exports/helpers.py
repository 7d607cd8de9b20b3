"""Pure helpers of the monthly package: safe cell text, widths, number formats, labels, zip dates.

No I/O except on bytes handed in; every function is table-tested in tests/exports/test_helpers.py.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import io
import math
import re
import unicodedata
import zipfile
from collections.abc import Iterable
from pathlib import Path

from exports import settings as S
from newinfra.periods import parse_period, period_end

# Text that a spreadsheet program would take for a formula (OWASP "CSV injection"); tab and CR
# too, which some programs strip before looking.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(text: object) -> bool:
    return isinstance(text, str) and text.startswith(FORMULA_PREFIXES)


# --- labels ------------------------------------------------------------------------------------------
def period_label(period: str) -> str:
    """``"2024-06"`` -> ``"2024年6月"``."""
    year, month = parse_period(period)
    return f"{year}年{month}月"


def cutoff_label(period: str) -> str:
    return f"数据截至 {period_label(period)}"


def status_label(code: str | None, label: str | None = None) -> str:
    if label:
        return label
    return S.STATUS_LABELS.get(code or "no_data", code or "无数据")


def status_colour(code: str | None, colour: str | None = None) -> str:
    """The colour group (green / yellow / red / grey) of a status; the mart's colour wins if known."""
    if colour in S.COLOUR_RGB:
        return colour
    return S.STATUS_COLOUR.get(code or "no_data", "grey")


def sector_name(code: str, names: dict[str, str] | None = None) -> str:
    if names and names.get(code):
        return names[code]
    return S.SECTOR_NAMES_ZH.get(code, code)


def sector_sort_key(code: str) -> tuple[int, str]:
    order = S.SECTOR_ORDER
    return (order.index(code) if code in order else len(order), code)


def task_sort_key(task_id: str | None) -> tuple[int, int, str]:
    """The plan's order: main plan first, then 附件3-6; within a part GOAL, then 01, 02, ..."""
    text = task_id or ""
    part, _, rest = text.partition("-")
    order = S.PLAN_PART_ORDER
    rank = order.index(part) if part in order else len(order)
    if rest.upper() == "GOAL":
        return (rank, -1, text)
    return (rank, int(rest) if rest.isdigit() else 10**6, text)


def status_sort_key(code: str | None) -> int:
    order = S.STATUS_ORDER
    return order.index(code) if code in order else len(order)


_SHEET_BAD = re.compile(r"[\[\]\:\*\?\/\\]")


def sheet_title(name: str, used: Iterable[str] = ()) -> str:
    """A valid, unique worksheet title (max 31 characters, none of ``[]:*?/\\``)."""
    base = _SHEET_BAD.sub("_", name).strip("'") or "Sheet"
    base = base[:31]
    taken = {u.lower() for u in used}
    title, n = base, 2
    while title.lower() in taken:
        suffix = f"({n})"
        title = base[: 31 - len(suffix)] + suffix
        n += 1
    return title


_FILENAME_BAD = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def safe_filename(text: str) -> str:
    return _FILENAME_BAD.sub("_", text).strip(" .") or "_"


def html_text(value: object) -> str:
    """Text for HTML (elements and attribute values): ``html.escape`` with quotes."""
    return html.escape("" if value is None else str(value), quote=True)


def clean_header_text(text: str) -> str:
    """Text for an Excel page header/footer, where ``&`` starts a control code."""
    return text.replace("&", "&&")


# --- widths --------------------------------------------------------------------------------------------
def text_width(text: object) -> int:
    """Display width in Excel character units: East Asian wide/full-width characters count 2."""
    if text is None:
        return 0
    s = str(text)
    longest = 0
    for line in s.splitlines() or [""]:
        w = sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in line)
        longest = max(longest, w)
    return longest


def column_width(
    values: Iterable[object], minimum: int = S.MIN_COLUMN_WIDTH, maximum: int = S.MAX_COLUMN_WIDTH
) -> float:
    widest = max((text_width(v) for v in values), default=0)
    return float(min(max(widest + 2, minimum), maximum))


# --- numbers ----------------------------------------------------------------------------------------------
DIMENSIONLESS = frozenset(("", "无量纲"))
# Units counted in whole numbers: shown without decimals unless scaled (15.00 万架).
WHOLE_UNITS = frozenset(
    ("个", "架", "座", "家", "人", "人次", "套", "项", "条", "元", "户", "台", "处", "所")
)


def decimals_for(unit: str | None, display_scale: float | None, kind: str | None) -> int:
    """How many decimals a figure shows: scaled figures 2 (15.00 万架), percentages 1, whole counts 0,
    anything else (PUE, milliseconds, Gbps) 2."""
    unit = (unit or "").strip()
    scale = display_scale or 1.0
    if kind == "milestone":
        return 0
    if scale != 1.0:
        return 2
    if unit in ("%", "百分比") or unit.endswith("%"):
        return 1
    if unit in WHOLE_UNITS and kind not in ("ratio", "max"):
        return 0
    return 2


def number_format(unit: str | None, display_scale: float | None, kind: str | None) -> str:
    """An Excel number format for a figure already divided by its display scale."""
    if kind == "milestone":
        return '[=1]"已完成";[=0]"未完成";0.00'
    places = decimals_for(unit, display_scale, kind)
    return "#,##0" if places == 0 else "#,##0." + "0" * places


PERCENT_FORMAT = "0.0%"
SIGNED_PERCENT_FORMAT = "+0.0%;-0.0%;0.0%"
YI_FORMAT = "#,##0.00"


def signed_format(unit: str | None, display_scale: float | None, kind: str | None) -> str:
    base = number_format(unit, display_scale, kind)
    if kind == "milestone":
        return "+0;-0;0"
    return f"+{base};-{base};{base}"


def unit_text(unit: str | None) -> str:
    """A unit as printed for people: nothing for a dimensionless figure (no 无量纲)."""
    return "" if (unit or "") in DIMENSIONLESS else (unit or "")


def change_format(
    unit: str | None,
    display_unit: str | None,
    display_scale: float | None,
    kind: str | None,
    value: float | None = None,
) -> str:
    """A signed format for a change (``value`` in display units). A change that the figure's usual
    decimals would print as 0.00 gets as many more as it needs, down to the base unit's own
    precision (5G base stations in 万个: +0.0126, i.e. 126 个; at most 4 decimals)."""
    if kind == "milestone":
        return "+0;-0;0"
    shown = decimals_for(display_unit, display_scale, kind)
    scale = display_scale or 1.0
    finest = decimals_for(unit, 1.0, kind) + (round(math.log10(scale)) if scale > 1 else 0)
    if shown:  # a figure shown with decimals may need two more for a small change (0.04 个百分点)
        finest = max(finest, shown + 2)
    finest = max(shown, min(4, finest))
    if value is None:
        base = "#,##0" + ("." + "0" * shown + "#" * (finest - shown) if finest else "")
        return f"+{base};-{base};0"
    places = shown
    while value and places < finest and round(abs(value), places) == 0:
        places += 1
    base = "#,##0" + ("." + "0" * places if places else "")
    return f"+{base};-{base};0"


def with_unit(number_format: str, unit: str | None) -> str:
    """``number_format`` with the unit printed after the figure (64.5% , 57.00万架), so a table can
    keep numbers as numbers without a unit column."""
    text = unit_text(unit)
    if not text or '"' in number_format.split(";")[0]:
        return number_format
    quoted = '"' + text.replace('"', "") + '"'
    return ";".join(part if part == "0" else part + quoted for part in number_format.split(";"))


def short_period(period: str | None) -> str:
    """``"2024-06"`` -> ``"2024.6"`` (narrow columns of the printed table)."""
    if not period:
        return "—"
    year, month = parse_period(period)
    return f"{year}.{month}"


def scaled(value: float | None, display_scale: float | None) -> float | None:
    """A base-unit value in its display unit (150000 架, scale 10000 -> 15.0 万架)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    scale = display_scale or 1.0
    return value / scale if scale != 1.0 else value


def format_figure(
    value: float | None,
    unit: str | None,
    display_scale: float | None,
    kind: str | None,
    with_unit: bool = True,
) -> str:
    """Human text for a figure: ``15.00万架``, ``65.0%``, ``已完成``; ``—`` when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if kind == "milestone":
        return "已完成" if value >= 1 else "未完成"
    shown = scaled(value, display_scale)
    places = decimals_for(unit, display_scale, kind)
    text = f"{shown:,.{places}f}"
    suffix = "" if (unit or "") in DIMENSIONLESS else unit
    return f"{text}{suffix}" if with_unit else text


def share_of(value: float | None, target: float | None, kind: str | None) -> float | None:
    """Latest value as a share of the target (占目标); None for milestones and lower-is-better targets
    are not shares of anything, so only at_least figures should be passed."""
    if value is None or target in (None, 0) or kind == "milestone":
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return value / target


def format_percent(share: float | None, places: int = 1) -> str:
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return "—"
    return f"{share * 100:.{places}f}%"


def clamp01(x: float | None) -> float:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return 0.0
    return min(1.0, max(0.0, float(x)))


# --- determinism --------------------------------------------------------------------------------------------
ZIP_EPOCH = dt.datetime(1980, 1, 1)


def fixed_timestamp(period: str) -> dt.datetime:
    """The one timestamp a package's files carry (workbook properties, zip entries): midnight at the
    start of the period's last day. Derived from the data, never the wall clock and not the publish
    time either, so re-publishing unchanged data gives byte-identical files."""
    return max(dt.datetime.combine(period_end(period), dt.time(0, 0)), ZIP_EPOCH)


def package_timestamp(data) -> dt.datetime:
    """The timestamp of a package's files (workbook properties, zip entries, PDF dates, manifest):
    the explicit issue date (``--issued-on``) when given, else ``fixed_timestamp`` of the period."""
    issued = getattr(data, "issued_on", None)
    if issued is not None:
        return max(dt.datetime.combine(issued, dt.time(0, 0)), ZIP_EPOCH)
    return fixed_timestamp(data.period)


def normalize_zip(data: bytes, stamp: dt.datetime) -> bytes:
    """Rewrite a zip (an .xlsx) so every entry carries ``stamp`` and fixed attributes: two runs over
    the same content give the same bytes. Entry order and contents are kept."""
    date_time = (
        stamp.year,
        stamp.month,
        stamp.day,
        stamp.hour,
        stamp.minute,
        stamp.second - stamp.second % 2,
    )
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=date_time)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            fixed.create_system = 3
            dst.writestr(fixed, src.read(info.filename), compresslevel=6)
    return out.getvalue()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
