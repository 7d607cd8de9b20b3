"""Pure parts of the runner: thresholds, blocking, check keys, messages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from quality.helpers import (
    CheckRecord,
    CheckRun,
    check_key,
    fmt_number,
    is_blocking,
    message_for,
    schema_detail,
    threshold_text,
)


@dataclass
class T:
    """Stands in for Soda's Threshold (the helpers read it by attribute)."""

    level: str = "fail"
    must_be: float | None = None
    must_not_be: float | None = None
    must_be_greater_than: float | None = None
    must_be_greater_than_or_equal: float | None = None
    must_be_less_than: float | None = None
    must_be_less_than_or_equal: float | None = None


@pytest.mark.parametrize(
    ("threshold", "warn", "text", "blocking"),
    [
        (T(must_be=0), None, "= 0", True),
        (T(must_be_greater_than=0), None, "> 0", True),
        (T(level="warn", must_be=0), None, "warn: = 0", False),
        (T(must_be_less_than=5), T(level="warn", must_be=0), "< 5; warn: = 0", True),
        (T(must_be_greater_than_or_equal=1, must_be_less_than_or_equal=3.5), None, ">= 1 and <= 3.5", True),
        (None, None, "", True),
    ],
)
def test_threshold_text_and_blocking(threshold, warn, text, blocking):
    assert threshold_text(threshold, warn) == text
    assert is_blocking(threshold, warn) is blocking


@pytest.mark.parametrize(
    ("check_type", "column", "qualifier", "key"),
    [
        ("schema", None, None, "schema"),
        ("failed_rows", None, "rows_add_up", "rows_add_up"),
        ("missing", "period", None, "period.missing"),
        ("invalid", "value", "pct", "value.pct"),
    ],
)
def test_check_key(check_type, column, qualifier, key):
    assert check_key(check_type, column, qualifier) == key


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, "-"), (3.0, "3"), (0.125, "0.125"), (1234567.0, "1234567"), (float("nan"), "nan")],
)
def test_fmt_number(value, text):
    assert fmt_number(value) == text


def test_messages_are_bilingual():
    assert message_for("failed", 3.0, "= 0").startswith("未通过：观测值 3，要求 = 0 / failed: observed 3")
    assert "警告" in message_for("warned", 1.0, "warn: = 0")
    error = message_for(
        "error", None, "", ["Query execution failed, continuing with remaining checks: Catalog\n  Error"]
    )
    assert error == "检查未能执行 / the check could not run: Catalog Error"
    assert message_for("error", None, "", ["x" * 5000]).__len__() <= 1000
    assert schema_detail(["a"], ["b"], []) == "缺少列 missing columns: a; 多出列 unexpected columns: b"


def _record(outcome: str, blocking: bool) -> CheckRecord:
    return CheckRecord(
        run_id="r",
        period="2024-06",
        contract="newinfra/raw/x",
        dataset="raw.x",
        check_name=f"{outcome}_{blocking}",
        check_label="",
        check_type="metric",
        column_name=None,
        outcome=outcome,
        is_blocking=blocking,
        observed_value=None,
        threshold="",
        message="",
        diagnostics="{}",
        checked_at=dt.datetime(2024, 7, 1),
    )


@pytest.mark.parametrize(
    ("outcome", "blocking", "blocked"),
    [
        ("passed", True, False),
        ("warned", False, False),
        ("failed", False, False),
        ("error", False, False),
        ("failed", True, True),
        ("error", True, True),
    ],
)
def test_a_run_is_blocked_by_a_blocking_failure_or_error_only(outcome, blocking, blocked):
    run = CheckRun(
        "r", "2024-06", dt.datetime(2024, 7, 1), [_record("passed", True), _record(outcome, blocking)]
    )
    assert run.is_blocked is blocked
    assert run.counts[outcome] >= 1 and sum(run.counts.values()) == 2
