"""Issue 16.2/16.3: every indicator has a plausible range in the plan's seed, and text numbers are
checked against it exactly (Decimal), never rounded first."""

from __future__ import annotations

import csv

from newinfra.settings import SEEDS_DIR


def _rows(name: str) -> list[dict[str, str]]:
    with (SEEDS_DIR / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_every_indicator_has_an_upper_bound_from_the_plan():
    """Counts: 0 ≤ value ≤ 10 × the largest target the plan sets; ratios 0–100; PUE 1–3; milestones 0–1."""
    largest: dict[str, float] = {}
    for row in _rows("indicator_targets.csv"):
        largest[row["indicator_id"]] = max(largest.get(row["indicator_id"], 0.0), float(row["target_value"]))
    for row in _rows("indicators.csv"):
        low, high = float(row["value_min"]), float(row["value_max"])  # both set, for every indicator
        if row["kind"] in ("cumulative", "level"):
            assert (low, high) == (0, 10 * largest[row["indicator_id"]]), row["indicator_id"]
        elif row["unit"] == "%":
            assert (low, high) == (0, 100), row["indicator_id"]
        elif row["indicator_id"].startswith("dc_pue"):
            assert (low, high) == (1, 3), row["indicator_id"]
        elif row["kind"] == "milestone":
            assert (low, high) == (0, 1), row["indicator_id"]
        else:
            assert 0 <= low < high, row["indicator_id"]


def test_text_numbers_are_parsed_exactly():
    from decimal import Decimal

    from ingestion.common.numbers import parse_number

    forty = "1234567890123456789012345678901234567890"
    assert parse_number(forty).exact == Decimal(forty)  # was rounded to 1.23456789012e+39
    assert parse_number(forty + "万").exact == Decimal(forty + "0000")
    assert parse_number("999999999999.5").value == 999999999999.5  # 13 digits kept (was 1e12)
    assert parse_number(0.655, "%", percent_format=True).value == 65.5
    assert parse_number("1,234").exact == Decimal(1234)
