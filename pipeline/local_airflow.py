"""A local Airflow without a scheduler, for ``make demo`` and ``newinfra airflow-cycle``.

:func:`airflow_env` / :func:`prepare_airflow_home` give a SQLite-backed ``AIRFLOW_HOME`` (by default
``NEWINFRA_HOME/airflow``) with the ``duckdb_writer`` pool, and :func:`run_cycle` runs
``airflow dags test`` of the four DAGs in order for one report period.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dags.common.constants import (
    CYCLE_DAGS,
    DAG_MONTHLY_REPORT,
    DAGS_FOLDER,
    DBT_MANIFEST,
    POOL,
    POOL_DESCRIPTION,
    POOL_SLOTS,
)
from dags.common.schedule import logical_date_for_period
from newinfra.errors import PlatformError
from newinfra.settings import DBT_PROJECT_DIR, PROJECT_ROOT, Settings


def airflow_executable() -> str:
    candidate = Path(sys.executable).with_name("airflow")
    if candidate.exists():
        return str(candidate)
    found = shutil.which("airflow")
    if not found:
        raise PlatformError("找不到 airflow 命令，请运行 make install", "airflow executable not found")
    return found


def airflow_env(
    settings_: Settings, airflow_home: Path | None = None, base: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Environment for a local Airflow: SQLite metadata DB under ``airflow_home`` (default
    ``NEWINFRA_HOME/airflow``), this repository's ``dags/``, examples and telemetry off."""
    home = Path(airflow_home or settings_.home / "airflow").resolve()
    env = dict(os.environ if base is None else base)
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__DAGS_FOLDER=str(DAGS_FOLDER),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{home / 'airflow.db'}",
        AIRFLOW__LOGGING__BASE_LOG_FOLDER=str(home / "logs"),
        AIRFLOW__COSMOS__ENABLE_TELEMETRY="False",
        AIRFLOW__COSMOS__CACHE_DIR=str(home / "cosmos"),
        NEWINFRA_HOME=str(settings_.home),
        DBT_SEND_ANONYMOUS_USAGE_STATS="False",
        SODA_CORE_TELEMETRY_ENABLED="false",
        SCARF_ANALYTICS="false",
        DO_NOT_TRACK="1",
    )
    # `airflow standalone` starts its components as `airflow ...` from PATH: this interpreter's first.
    bin_dir = str(Path(sys.executable).parent)
    if env.get("PATH", "").split(os.pathsep)[0] != bin_dir:
        env["PATH"] = os.pathsep.join([bin_dir, env.get("PATH", "")])
    # A local Airflow must not inherit another metadata DB or dbt target from the caller.
    for name in ("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC", "DBT_TARGET_PATH", "DBT_PROFILES_DIR"):
        env.pop(name, None)
    return env


def _run(
    cmd: Sequence[str], env: Mapping[str, str], timeout: float | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        list(cmd), env=dict(env), capture_output=True, text=True, timeout=timeout, cwd=str(PROJECT_ROOT)
    )


_STARTING_TASK = re.compile(r"\[DAG TEST\] starting task_id=(\S+)")


def _run_streaming(
    cmd: Sequence[str], env: Mapping[str, str], timeout: float | None, on_task: Callable[[str], None]
) -> subprocess.CompletedProcess:
    """``_run`` that reads the merged log line by line and reports each task as it starts."""
    deadline = None if timeout is None else time.monotonic() + timeout
    lines: list[str] = []
    with subprocess.Popen(
        list(cmd),
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
        cwd=str(PROJECT_ROOT),
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            found = _STARTING_TASK.search(line)
            if found:
                on_task(found.group(1))
            if deadline is not None and time.monotonic() > deadline:
                proc.kill()
                raise subprocess.TimeoutExpired(list(cmd), timeout or 0, "".join(lines))
        returncode = proc.wait()
    return subprocess.CompletedProcess(list(cmd), returncode, "".join(lines), "")


def _check(proc: subprocess.CompletedProcess, what: str) -> None:
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-30:])
        raise PlatformError(f"{what} 失败（退出码 {proc.returncode}）\n{tail}", f"{what} failed")


def ensure_pool(env: Mapping[str, str]) -> None:
    """Create (or reset) the ``duckdb_writer`` pool with its single slot."""
    proc = _run([airflow_executable(), "pools", "set", POOL, str(POOL_SLOTS), POOL_DESCRIPTION], env)
    _check(proc, f"airflow pools set {POOL}")


def prepare_airflow_home(settings_: Settings, airflow_home: Path | None = None) -> dict[str, str]:
    """Create the local AIRFLOW_HOME: ``airflow db migrate`` (once: skipped while the stamp is
    there), the pool, and the dbt manifest the transform DAG renders from. Returns its env."""
    env = airflow_env(settings_, airflow_home)
    home = Path(env["AIRFLOW_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    stamp = home / ".migrated"
    if not stamp.exists() or not (home / "airflow.db").exists():
        _check(_run([airflow_executable(), "db", "migrate"], env), "airflow db migrate")
        ensure_pool(env)
        stamp.write_text(dt.datetime.now(dt.UTC).isoformat() + "\n", encoding="utf-8")
    ensure_manifest(settings_)
    return env


def ensure_manifest(settings_: Settings, force: bool = False) -> Path:
    """``dbt parse`` into ``dbt_project/target`` when the manifest is missing (what ``make dbt-parse``
    does); the transform DAG renders its Cosmos tasks from it."""
    if DBT_MANIFEST.exists() and not force:
        return DBT_MANIFEST
    from newinfra.dbt import dbt_env, dbt_executable

    env = dbt_env(settings_)
    env["DBT_TARGET_PATH"] = str(DBT_MANIFEST.parent)
    proc = subprocess.run(
        [dbt_executable(), "parse", "--quiet"], cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True
    )
    _check(proc, "dbt parse")
    return DBT_MANIFEST


@dataclass
class DagTestResult:
    dag_id: str
    logical_date: str
    ok: bool
    seconds: float
    returncode: int
    output: str = field(repr=False, default="")

    def tail(self, n: int = 40) -> str:
        return "\n".join(self.output.strip().splitlines()[-n:])


def dags_test(
    dag_id: str,
    logical_date: dt.date | dt.datetime | str,
    env: Mapping[str, str],
    conf: Mapping[str, Any] | None = None,
    timeout: float | None = 1800,
    on_task: Callable[[str], None] | None = None,
) -> DagTestResult:
    """``airflow dags test DAG_ID LOGICAL_DATE`` in a child process; ok when the run succeeded.

    With ``on_task``, the log is read as it comes and ``on_task(task_id)`` is called as each task
    starts (``[DAG TEST] starting task_id=…``), so that a person sees which task is running."""
    import json

    when = logical_date if isinstance(logical_date, str) else logical_date.isoformat()
    cmd = [airflow_executable(), "dags", "test", dag_id, when]
    if conf:
        cmd += ["--conf", json.dumps(dict(conf))]
    start = time.perf_counter()
    if on_task is None:
        proc = _run(cmd, env, timeout=timeout)
    else:
        proc = _run_streaming(cmd, env, timeout, on_task)
    seconds = time.perf_counter() - start
    output = proc.stdout + proc.stderr
    # a run with no task at all (e.g. a logical date before start_date) is not a success
    ok = proc.returncode == 0 and "DagRun failed" not in output and "[DAG TEST] starting task" in output
    return DagTestResult(dag_id, when, ok, seconds, proc.returncode, output)


def run_cycle(
    settings_: Settings,
    period: str,
    airflow_home: Path | None = None,
    dag_ids: Sequence[str] = CYCLE_DAGS,
    conf: Mapping[str, Any] | None = None,
    on_result: Callable[[DagTestResult], None] | None = None,
    on_task: Callable[[str, str], None] | None = None,
) -> list[DagTestResult]:
    """Run ``airflow dags test`` of each DAG, in order, with the logical date whose monthly report
    is ``period`` (the 6th of the month after). Stops at the first failed DAG. ``on_task(dag_id,
    task_id)`` is called as each task starts."""
    from newinfra.periods import parse_period

    parse_period(period)
    env = prepare_airflow_home(settings_, airflow_home)
    when = logical_date_for_period(period)
    results = []
    for dag_id in dag_ids:
        result = dags_test(
            dag_id,
            when,
            env,
            conf=conf if dag_id == DAG_MONTHLY_REPORT else None,
            on_task=None if on_task is None else (lambda task_id, d=dag_id: on_task(d, task_id)),
        )
        results.append(result)
        if on_result:
            on_result(result)
        if not result.ok:
            break
    return results
