"""Fixtures of the DAG tests: a real Airflow 3 (SQLite metadata DB, migrated once per session, the
``duckdb_writer`` pool created as production's init does) and a fresh dbt manifest for Cosmos."""

from __future__ import annotations

from pathlib import Path

import pytest

from newinfra.settings import Settings
from pipeline import local_airflow


@pytest.fixture(scope="session")
def dbt_manifest(seeded_home_template) -> Path:
    """Re-parse the dbt project once per session (the models change under us; Cosmos renders the
    transform DAG from this manifest, what `make dbt-parse` writes)."""
    return local_airflow.ensure_manifest(Settings(home=seeded_home_template), force=True)


@pytest.fixture(scope="session")
def airflow_home(tmp_path_factory, seeded_home_template, dbt_manifest) -> Path:
    """A migrated SQLite AIRFLOW_HOME with the pool: `airflow db migrate` + `airflow pools set`."""
    home = tmp_path_factory.mktemp("airflow_home")
    local_airflow.prepare_airflow_home(Settings(home=seeded_home_template), home)
    return home
