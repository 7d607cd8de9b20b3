"""Shared fixtures: a real NEWINFRA_HOME with a real DuckDB warehouse, seeded once per session.

``seeded_home_template`` runs the real `newinfra init` (dbt seed) once; ``home`` copies it into the
test's tmp_path so every test gets its own warehouse in milliseconds.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

# Quiet, offline tools for every test (set before anything imports them).
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
os.environ.setdefault("SODA_CORE_TELEMETRY_ENABLED", "false")
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__COSMOS__ENABLE_TELEMETRY", "False")
os.environ.setdefault("SCARF_ANALYTICS", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
# Tests drop files into the landing folder and ingest them at once (the upload is complete): no settle
# time, except where a test sets one (tests/ingestion/submissions/test_submission_ingest.py).
os.environ.setdefault("NEWINFRA_LANDING_SETTLE_SECONDS", "0")
# Packages built by tests skip the LibreOffice PDF (seconds per build); the tests of the PDF itself
# render it once per session with NEWINFRA_REPORT_PDF=on (tests/exports/test_print.py).
os.environ.setdefault("NEWINFRA_REPORT_PDF", "off")
# A real-looking template key: outside a demo home `newinfra` refuses the demo's default key
# (pipeline/guard.py); tests run as production would.
os.environ.setdefault("NEWINFRA_TEMPLATE_SECRET", "tests-only-template-key-4c1f9b2e7a")

from newinfra.settings import Settings  # noqa: E402


@pytest.fixture(scope="session")
def seeded_home_template(tmp_path_factory) -> Path:
    from newinfra.home import init_home

    home = tmp_path_factory.mktemp("seeded_home")
    old = os.environ.get("NEWINFRA_HOME")
    os.environ["NEWINFRA_HOME"] = str(home)
    try:
        init_home(Settings.from_env())
    finally:
        if old is None:
            os.environ.pop("NEWINFRA_HOME", None)
        else:
            os.environ["NEWINFRA_HOME"] = old
    (home / "warehouse.lock").unlink(missing_ok=True)
    return home


@pytest.fixture()
def home(seeded_home_template, tmp_path, monkeypatch) -> Path:
    """A fresh, seeded NEWINFRA_HOME for this test; NEWINFRA_HOME points at it."""
    target = tmp_path / "home"
    shutil.copytree(seeded_home_template, target, ignore=shutil.ignore_patterns("dbt"))
    monkeypatch.setenv("NEWINFRA_HOME", str(target))
    return target


@pytest.fixture()
def settings(home) -> Settings:
    return Settings.from_env()
