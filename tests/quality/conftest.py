"""Fixtures of the quality tests: a healthy warehouse (small valid raw fixture + the real dbt build),
built once per session and copied per test (a copy costs milliseconds, a build seconds)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from newinfra import db
from newinfra.settings import Settings

sys.path.insert(0, str(Path(__file__).resolve().parent))

from quality_fixture import PERIOD, load_healthy_raw  # noqa: E402

_IGNORE = shutil.ignore_patterns("dbt", "*.lock", "*.wal")


@pytest.fixture(scope="session")
def healthy_template(seeded_home_template, tmp_path_factory) -> Path:
    """A NEWINFRA_HOME whose warehouse holds the healthy raw fixture and every model built."""
    from newinfra.transform import build

    home = tmp_path_factory.mktemp("quality_healthy") / "home"
    shutil.copytree(seeded_home_template, home, ignore=_IGNORE)
    settings = Settings(home=home)
    with db.writer(settings) as con:
        db.ensure_schema(con)
        load_healthy_raw(con)
    build(settings, period=PERIOD)
    (home / "warehouse.lock").unlink(missing_ok=True)
    return home


@pytest.fixture()
def healthy(healthy_template, tmp_path, monkeypatch) -> Settings:
    """Settings of a private copy of the healthy warehouse; NEWINFRA_HOME points at it."""
    target = tmp_path / "home"
    shutil.copytree(healthy_template, target, ignore=_IGNORE)
    monkeypatch.setenv("NEWINFRA_HOME", str(target))
    return Settings.from_env()
