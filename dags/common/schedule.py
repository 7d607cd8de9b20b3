"""The report period of a DAG run, from the run's data interval (never the wall clock), and back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from dags.common.constants import REPORT_DAY
from newinfra.errors import UserInputError


def context_value(context: Mapping[str, Any], key: str) -> Any:
    try:
        return context[key]
    except (KeyError, TypeError):
        return None


def report_period_for_interval(data_interval_end: dt.datetime, timezone: str = "Asia/Shanghai") -> str:
    """The report period of a monthly-report run: the month before the run's data-interval end, in
    local time.

    The DAG is scheduled with ``CronTriggerTimetable("0 8 6 * *")`` (Airflow 3's default for cron):
    its runs have ``data_interval_start == data_interval_end == logical_date`` (2024-07-06 08:00 ->
    2024-06). With ``CronDataIntervalTimetable`` the run scheduled on 2024-07-06 has the interval
    2024-06-06 .. 2024-07-06 and the same end, so either timetable gives 2024-06. A manual run or
    ``airflow dags test newinfra_monthly_report 2024-07-06`` gives the same.
    """
    from newinfra.periods import report_period_for_run

    end = data_interval_end
    if end.tzinfo is not None:
        from zoneinfo import ZoneInfo

        end = end.astimezone(ZoneInfo(timezone))
    return report_period_for_run(end)


def report_period_from_context(context: Mapping[str, Any], timezone: str = "Asia/Shanghai") -> str:
    """The report period of a run: ``params.period`` when given (re-running a month by hand), else
    from the data interval (see :func:`report_period_for_interval`)."""
    from newinfra.periods import parse_period

    params = context_value(context, "params") or {}
    override = str(params.get("period") or "").strip()
    if override:
        parse_period(override)
        return override
    end = context_value(context, "data_interval_end") or context_value(context, "logical_date")
    if end is None:
        raise UserInputError(
            "该运行没有逻辑日期，无法确定报告期：请指定逻辑日期（如 2024-07-06 对应 2024-06）或参数 period",
            "this run has no logical date, so no report period: give a logical date "
            "(2024-07-06 reports 2024-06) or the 'period' param",
        )
    return report_period_for_interval(end, timezone)


def logical_date_for_period(period: str) -> dt.date:
    """The logical date whose monthly-report run reports ``period``: the 6th of the month after."""
    from newinfra.periods import next_period, parse_period

    year, month = parse_period(next_period(period))
    return dt.date(year, month, REPORT_DAY)
