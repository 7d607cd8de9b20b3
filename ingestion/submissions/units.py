"""An edited 计量单位: accepted only when it converts exactly to the plan's unit (万架 -> 架 x 10,000).

The template shows each indicator's unit in a locked cell; a department that overwrites it (unlocking
the sheet, or in a CSV) and types 15 under 万架 means 150,000 架. That is converted, exactly, and the
unit as written is recorded with the value (raw.submission_values.unit_as_written). Any other unit
(another thing, a ratio, an unknown prefix) is refused, never guessed. README, "Submissions".
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

# Chinese magnitude prefixes a unit may carry: 万个, 亿元, 千米 is an alias below, not a prefix of 米.
PREFIXES: dict[str, Decimal] = {
    "十": Decimal(10),
    "百": Decimal(100),
    "千": Decimal(1_000),
    "万": Decimal(10_000),
    "十万": Decimal(100_000),
    "百万": Decimal(1_000_000),
    "千万": Decimal(10_000_000),
    "亿": Decimal(100_000_000),
    "万亿": Decimal(10**12),
}
# Other spellings of the same unit (the factor is 1).
ALIASES: dict[str, tuple[str, ...]] = {
    "公里": ("千米", "km"),
    "毫秒": ("ms",),
    "Gbps": ("Gb/s", "Gbit/s"),
    "元": ("人民币元",),
}
# Units that never take a magnitude prefix: a ratio, a dimensionless number, a milestone.
NO_PREFIX = frozenset({"%", "无量纲", "项"})


def normalise_unit(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def unit_factor(written: str, unit: str) -> Decimal | None:
    """How many ``unit`` one ``written`` is (1 when they are the same unit), or None when ``written``
    does not convert exactly to ``unit``."""
    w, u = normalise_unit(written), normalise_unit(unit)
    names = (u, *(normalise_unit(a) for a in ALIASES.get(u, ())))
    if w.lower() in (n.lower() for n in names):
        return Decimal(1)
    if u in NO_PREFIX:
        return None
    for name in names:
        if len(w) > len(name) and w.lower().endswith(name.lower()):
            prefix = w[: -len(name)]
            if prefix in PREFIXES:
                return PREFIXES[prefix]
    return None
