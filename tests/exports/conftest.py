"""Fixtures of the report tests (the hand-made ReportData lives in report_fixtures.py)."""

from __future__ import annotations

import pytest
from report_fixtures import make_report_data

from exports.model import ReportData


@pytest.fixture()
def report_data() -> ReportData:
    return make_report_data()
