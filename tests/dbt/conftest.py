"""Fixtures of the dbt tests: a seeded home with the small raw fixture, built once per session.

Each dbt invocation costs seconds, so the session builds once (``newinfra build`` through the CLI, in a
child process, as an operator would run it) and its tests query the result read-only.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from dbt_rawdata import FIXTURE_PERIOD, load_small_fixture
from dbt_testing import build_home, copy_seeded_home


@pytest.fixture(scope="session")
def fixture_home(seeded_home_template, tmp_path_factory) -> Path:
    """A home with the small fixture loaded and `newinfra build --period 2024-06` run (published too)."""
    home = copy_seeded_home(seeded_home_template, tmp_path_factory.mktemp("dbt_fixture") / "home")
    con = duckdb.connect(str(home / "warehouse.duckdb"))
    try:
        load_small_fixture(con)
    finally:
        con.close()
    result = build_home(home, "--period", FIXTURE_PERIOD)
    assert result["ok"] is True
    return home


@pytest.fixture(scope="session")
def warehouse(fixture_home):
    con = duckdb.connect(str(fixture_home / "warehouse.duckdb"), read_only=True)
    yield con
    con.close()
