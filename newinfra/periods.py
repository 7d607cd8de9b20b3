"""Reporting periods: a period is a calendar month written ``YYYY-MM``."""

from __future__ import annotations

import calendar
import datetime as dt
import re

from newinfra.errors import UserInputError

_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")
PLAN_FIRST = "2022-01"
PLAN_LAST = "2024-12"


def parse_period(text: str) -> tuple[int, int]:
    """``"2024-06"`` -> ``(2024, 6)``; a clear bilingual error for anything else."""
    m = _PERIOD.match((text or "").strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise UserInputError(
            f"报送期格式应为 YYYY-MM（如 2024-06），收到：{text!r}",
            f"period must be YYYY-MM (e.g. 2024-06), got {text!r}",
        )
    return int(m.group(1)), int(m.group(2))


def is_valid_period(text: str) -> bool:
    try:
        parse_period(text)
    except UserInputError:
        return False
    return True


def format_period(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def month_index(period: str) -> int:
    """Months since year 0, so differences of two periods are month counts."""
    year, month = parse_period(period)
    return year * 12 + (month - 1)


def from_index(index: int) -> str:
    return format_period(index // 12, index % 12 + 1)


def add_months(period: str, n: int) -> str:
    return from_index(month_index(period) + n)


def previous_period(period: str) -> str:
    return add_months(period, -1)


def next_period(period: str) -> str:
    return add_months(period, 1)


def period_range(first: str, last: str) -> list[str]:
    return [from_index(i) for i in range(month_index(first), month_index(last) + 1)]


def period_end(period: str) -> dt.date:
    year, month = parse_period(period)
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def period_start(period: str) -> dt.date:
    year, month = parse_period(period)
    return dt.date(year, month, 1)


def due_date(period: str, on_time_days: int) -> dt.date:
    """The last on-time day: N days after the period ends (DHIS2's timeliness)."""
    return period_end(period) + dt.timedelta(days=on_time_days)


def period_of(date: dt.date | dt.datetime) -> str:
    return format_period(date.year, date.month)


def report_period_for_run(logical_date: dt.date | dt.datetime) -> str:
    """The monthly report run on the 6th of month M reports month M-1."""
    return previous_period(period_of(logical_date))
