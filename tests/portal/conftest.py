"""Fixtures of the portal tests: a real home (raw rows -> dbt build -> publish -> portal), built once
per session from tests/portal/portal_fixture.py's rows."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from portal_fixture import PERIOD, load_portal_raw

from newinfra.settings import Settings


@pytest.fixture(scope="session")
def portal_home(seeded_home_template, tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """A home with the raw rows above, built, published and its portal built (dbt docs included)."""
    from newinfra import transform
    from portal import build_portal

    home = tmp_path_factory.mktemp("portal") / "home"
    shutil.copytree(seeded_home_template, home, ignore=shutil.ignore_patterns("dbt"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NEWINFRA_HOME", str(home))
        settings = Settings.from_env()
        ids = load_portal_raw(settings)
        transform.build(settings, period=PERIOD)
        transform.publish_marts(settings)
        result = build_portal(settings)
        assert result.docs == "built", result.docs
    return home, ids


@pytest.fixture(scope="session")
def site(portal_home) -> Path:
    return portal_home[0] / "published" / "portal"


@pytest.fixture(scope="session")
def published(portal_home):
    import duckdb

    con = duckdb.connect(str(portal_home[0] / "published" / "marts.duckdb"), read_only=True)
    yield con
    con.close()
