"""Fixtures of the submission tests; the helpers live in submission_helpers.py."""

from __future__ import annotations

import pytest
from submission_helpers import Maker


@pytest.fixture()
def maker(settings, tmp_path) -> Maker:
    return Maker(settings, tmp_path)
