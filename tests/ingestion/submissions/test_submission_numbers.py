"""Table-driven: reading a cell as a number, money, written values, signatures, paths."""

from __future__ import annotations

import datetime as dt

import pytest

from ingestion.common.cells import as_written, column_index, column_letter
from ingestion.common.files import archive_relpath
from ingestion.common.numbers import parse_money_yuan, parse_number
from ingestion.submissions.paths import feedback_relpath, safe_path_part
from ingestion.submissions.signature import sign, signature_ok


@pytest.mark.parametrize(
    ("raw", "unit", "expected"),
    [
        (150000, "个", 150000.0),
        (1.5, "无量纲", 1.5),
        ("150000", "个", 150000.0),
        ("15万", "个", 150000.0),
        ("15 万", "个", 150000.0),
        ("1,234", "个", 1234.0),
        ("1,234,567.5", "个", 1234567.5),
        ("１２３", "个", 123.0),  # full-width digits
        ("１，２３４", "个", 1234.0),  # full-width comma
        ("65%", "%", 65.0),
        ("６５％", "%", 65.0),
        ("65.5 %", "%", 65.5),
        ("1.5亿", "元", 150000000.0),
        ("1.5亿元", "元", 150000000.0),  # the unit itself as a suffix
        ("15万个", "个", 150000.0),
        ("2万亿", "元", 2e12),
        ("  42  ", "个", 42.0),
        ("+7", "个", 7.0),
        ("-5", "个", -5.0),  # a number; the bounds rule rejects it for a count
        ("−5", "个", -5.0),  # unicode minus
        ("0.1万", "个", 1000.0),
        ("1e3", "个", 1000.0),
        ("0", "项", 0.0),
    ],
)
def test_numbers_read_unambiguously(raw, unit, expected):
    result = parse_number(raw, unit)
    assert result.ok, result
    assert result.value == expected


@pytest.mark.parametrize(
    ("raw", "unit", "code"),
    [
        (None, "个", "empty_value"),
        ("", "个", "empty_value"),
        ("   ", "个", "empty_value"),
        ("约15万", "个", "ambiguous_number"),
        ("15万左右", "个", "ambiguous_number"),
        ("近20", "个", "ambiguous_number"),
        ("15-20", "个", "ambiguous_number"),
        ("15～20", "个", "ambiguous_number"),
        ("15至20", "个", "ambiguous_number"),
        ("1.2.3", "个", "ambiguous_number"),
        ("1,23", "个", "ambiguous_number"),  # a decimal comma or a bad thousands group
        ("12,34,567", "个", "ambiguous_number"),
        ("1 234", "个", "ambiguous_number"),
        ("100以上", "个", "ambiguous_number"),
        ("15万%", "%", "ambiguous_number"),
        ("15万台", "个", "ambiguous_number"),  # another unit
        ("十五", "个", "not_a_number"),
        ("abc", "个", "not_a_number"),
        ("无", "个", "not_a_number"),
        ("65%", "个", "percent_sign_not_allowed"),
        ("=A1+1", "个", "formula_cell"),
        (True, "个", "not_a_number"),
        (float("nan"), "个", "not_a_number"),
        (float("inf"), "个", "not_a_number"),
        (dt.datetime(2024, 6, 1), "个", "not_a_number"),
    ],
)
def test_ambiguous_or_non_numbers_are_rejected(raw, unit, code):
    result = parse_number(raw, unit)
    assert not result.ok and result.value is None
    assert result.code == code


@pytest.mark.parametrize(
    ("raw", "unit", "percent_format", "expected", "code"),
    [
        (0.65, "%", True, 65.0, None),  # 65% typed into Excel: stored 0.65, shown as a percentage
        (0.655, "%", True, 65.5, None),
        (0.65, "个", True, None, "percent_sign_not_allowed"),
        (0.65, "%", False, 0.65, None),
    ],
)
def test_percent_formatted_cells(raw, unit, percent_format, expected, code):
    result = parse_number(raw, unit, percent_format)
    assert (result.value, result.code) == (expected, code)


@pytest.mark.parametrize(
    ("raw", "expected", "code"),
    [
        (12.5, 125000.0, None),  # 万元
        ("12.5", 125000.0, None),
        ("1,000", 10_000_000.0, None),
        ("1.5亿元", 150_000_000.0, None),
        ("3000万元", 30_000_000.0, None),
        ("500元", 500.0, None),
        ("1.5亿", None, "money_unit_ambiguous"),
        ("15万", None, "money_unit_ambiguous"),
        ("约100", None, "ambiguous_number"),
        ("", None, "empty_value"),
        ("五百", None, "not_a_number"),
    ],
)
def test_money_in_wan_yuan(raw, expected, code):
    result = parse_money_yuan(raw)
    assert (result.value, result.code) == (expected, code)


@pytest.mark.parametrize(
    ("raw", "written"),
    [(150000.0, "150000"), (0.65, "0.65"), ("15万", "15万"), (None, ""), (True, "TRUE"), (3, "3")],
)
def test_as_written(raw, written):
    assert as_written(raw) == written


def test_signature_binds_department_period_and_version():
    sig = sign("k", "CA", "2024-06", "2024.1")
    assert len(sig) == 64 and signature_ok("k", "CA", "2024-06", "2024.1", sig)
    assert signature_ok("k", "CA", "2024-06", "2024.1", sig.upper())
    for args in (("k", "BDB", "2024-06", "2024.1"), ("k", "CA", "2024-07", "2024.1"),
                 ("k", "CA", "2024-06", "2023.1"), ("other", "CA", "2024-06", "2024.1")):  # fmt: skip
        assert not signature_ok(*args, sig)
    assert not signature_ok("k", "CA", "2024-06", "2024.1", "")


@pytest.mark.parametrize(("index", "letters"), [(0, "A"), (25, "Z"), (26, "AA"), (701, "ZZ"), (702, "AAA")])
def test_column_letters(index, letters):
    assert column_letter(index) == letters and column_index(letters) == index


def test_paths_never_come_from_names():
    sha = "ab" * 32
    assert archive_relpath(sha, "../../etc/passwd") == f"archive/ab/{sha}.bin"
    assert archive_relpath(sha, "报送.XLSX") == f"archive/ab/{sha}.xlsx"
    assert archive_relpath(sha, "x.csv") == f"archive/ab/{sha}.csv"
    assert feedback_relpath("CA", "2024-06", 2, sha) == "feedback/CA/2024-06/反馈_CA_2024-06_v2.xlsx"
    assert (
        feedback_relpath("../x", "../..", None, sha)
        == f"feedback/_unknown/unknown/反馈__unknown_unknown_{sha[:8]}.xlsx"
    )
    assert safe_path_part("CA", "_x") == "CA" and safe_path_part("a/b", "_x") == "_x"
