"""The DAGs' shared helpers: the dbt vars the Cosmos group passes, and the dbt-locked wrapper that
holds the warehouse lock around every dbt invocation of the transform DAG. The failure notice is
tested in test_notify.py."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from dags.common.constants import DBT_LOCKED_EXECUTABLE
from dags.common.cosmos_dbt import dbt_tasks
from newinfra import db
from newinfra.settings import DBT_PROJECT_DIR, Settings


def test_cosmos_passes_the_platform_settings_as_dbt_vars(home, monkeypatch):
    """The Cosmos task is built at parse time from the environment's settings: a changed setting
    reaches dbt's vars (the values below are written by hand, not computed by the code)."""
    from airflow.sdk import DAG

    monkeypatch.setenv("NEWINFRA_ON_TIME_DAYS", "7")
    monkeypatch.setenv("NEWINFRA_RECONCILIATION_THRESHOLD", "0.08")
    with DAG("vars_probe", schedule=None):
        operator = dbt_tasks("dbt_build")
    assert operator.vars == {"on_time_days": 7, "reconciliation_threshold": 0.08}


def _dbt_locked(args, home, timeout_s="2"):
    env = dict(os.environ)
    env.update(
        NEWINFRA_HOME=str(home),
        NEWINFRA_LOCK_TIMEOUT=timeout_s,
        NEWINFRA_PYTHON=sys.executable,
        DBT_PROFILES_DIR=str(DBT_PROJECT_DIR),
    )
    env.pop("DBT_TARGET_PATH", None)
    return subprocess.run(
        [str(DBT_LOCKED_EXECUTABLE), *args], env=env, capture_output=True, text=True, timeout=300
    )


def test_dbt_locked_waits_for_the_warehouse_lock(home, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    args = [
        "seed",
        "--select",
        "departments",
        "--project-dir",
        str(project),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
    ]
    settings = Settings(home=home)
    with db.write_lock(settings):  # another writer holds the warehouse
        proc = _dbt_locked(args, home)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "the warehouse is held by another writer" in proc.stderr
    # a command that never opens the warehouse does not wait
    with db.write_lock(settings):
        assert _dbt_locked(["--version"], home).returncode == 0
    # free: it runs dbt, and keeps the temporary project's artifacts where publish reads them
    (home / "dbt" / "target" / "run_results.json").unlink(missing_ok=True)
    proc = _dbt_locked(args, home)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert (home / "dbt" / "target" / "run_results.json").is_file()
    assert (home / "dbt" / "target" / "manifest.json").is_file()
