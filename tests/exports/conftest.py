"""Fixtures of the report tests.

``tests/exports`` is named like the ``exports`` package; with pytest's default (prepend) import mode
``tests/`` lands on sys.path and, the project root not being on it (an editable install resolves
``exports.*`` submodules only), ``import exports`` would find this folder as a namespace package and
miss ``exports/__init__.py``. Putting the project root on sys.path lets the real package win.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.append(_ROOT)
_mod = sys.modules.get("exports")
if _mod is not None and getattr(_mod, "__file__", None) is None:  # a namespace package: drop it
    del sys.modules["exports"]

from report_fixtures import make_report_data  # noqa: E402

from exports.model import ReportData  # noqa: E402


@pytest.fixture()
def report_data() -> ReportData:
    return make_report_data()
