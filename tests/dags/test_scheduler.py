"""Under a real scheduler (`airflow standalone` on 127.0.0.1: api-server, scheduler, dag-processor,
triggerer; LocalExecutor; SQLite), an ingest run triggers the transform through its asset, and the
one-slot ``duckdb_writer`` pool serialises the writers of the three DAGs: no two pool tasks ever
overlap in time, although both ingest DAGs are triggered together and the executor could run them
side by side. The standalone process group is stopped at the end; every wait is bounded."""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from dags.common.constants import (
    CYCLE_DAGS,
    DAG_INGEST_PUBLIC_STATS,
    DAG_INGEST_SUBMISSIONS,
    DAG_TRANSFORM,
    POOL,
    RAW_PUBLIC_OBSERVATIONS_URI,
    RAW_SUBMISSIONS_URI,
)
from newinfra.settings import Settings
from pipeline import local_airflow

pytestmark = pytest.mark.slow

STARTUP_TIMEOUT_S = 240
RUN_TIMEOUT_S = 900


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _query(db: Path, sql: str, *params) -> list[tuple]:
    for _ in range(20):  # the scheduler may hold SQLite's write lock for a moment
        try:
            con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
            try:
                return con.execute(sql, params).fetchall()
            finally:
                con.close()
        except sqlite3.OperationalError:
            time.sleep(0.5)
    raise AssertionError(f"metadata DB unreadable: {db}")


def _wait(what: str, check, timeout: float, proc: subprocess.Popen, log: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        if proc.poll() is not None:
            raise AssertionError(
                f"airflow standalone exited ({proc.returncode}) waiting for {what}:\n{_tail(log)}"
            )
        time.sleep(2)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}:\n{_tail(log)}")


def _tail(log: Path, n: int = 60) -> str:
    return "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-n:])


def _ts(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace(" ", "T"))


@pytest.fixture()
def standalone(home, tmp_path, dbt_manifest):
    """`airflow standalone` on a free port with this test's NEWINFRA_HOME; stopped afterwards."""
    from demo.generate import generate

    settings = Settings(home=home)
    generate(home, through="2022-02", settings=settings, folders=["CAC", "STD"], workers=1)
    airflow_home = tmp_path / "airflow"
    env = local_airflow.prepare_airflow_home(
        settings, airflow_home
    )  # migrate + the pool, as the init service does
    port = _free_port()
    env.update(
        AIRFLOW__API__HOST="127.0.0.1",
        AIRFLOW__API__PORT=str(port),
        AIRFLOW__API__BASE_URL=f"http://127.0.0.1:{port}",
        AIRFLOW__CORE__EXECUTION_API_SERVER_URL=f"http://127.0.0.1:{port}/execution/",
        AIRFLOW__CORE__EXECUTOR="LocalExecutor",
        AIRFLOW__CORE__PARALLELISM="8",
        AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION="True",
        AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS="True",
        AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC="1",
        AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL="5",
        # the log servers' fixed default ports (8793, 8794) may be taken by another Airflow here
        AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT=str(_free_port()),
        AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT=str(_free_port()),
        NEWINFRA_LOCK_TIMEOUT="300",
    )
    log = tmp_path / "standalone.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [local_airflow.airflow_executable(), "standalone"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=str(tmp_path),
            start_new_session=True,  # its own process group: stopped as one below
        )
    db = airflow_home / "airflow.db"
    try:
        yield {"proc": proc, "env": env, "db": db, "log": log, "home": home}
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)


def _airflow(env, *args) -> None:
    proc = subprocess.run(
        [local_airflow.airflow_executable(), *args], env=env, capture_output=True, text=True, timeout=180
    )
    assert proc.returncode == 0, f"airflow {' '.join(args)}:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}"


def test_asset_triggers_transform_and_pool_serialises_writers(standalone):
    env, db, proc, log = standalone["env"], standalone["db"], standalone["proc"], standalone["log"]
    dags = set(CYCLE_DAGS)
    _wait(
        "the dag-processor to register the DAGs",
        lambda: dags <= {r[0] for r in _query(db, "select dag_id from dag")} if db.exists() else False,
        STARTUP_TIMEOUT_S,
        proc,
        log,
    )
    # the consumer first: asset events are queued only for DAGs that are not paused
    _airflow(env, "dags", "unpause", DAG_TRANSFORM)
    # unpausing a cron DAG schedules its latest run at once: both ingest DAGs start together,
    # and their writers compete for the pool's one slot
    for dag_id in (DAG_INGEST_SUBMISSIONS, DAG_INGEST_PUBLIC_STATS):
        _airflow(env, "dags", "unpause", dag_id)

    def transform_done():
        rows = _query(
            db,
            "select state from dag_run where dag_id = ? and run_type = 'asset_triggered'",
            DAG_TRANSFORM,
        )
        if any(state == "failed" for (state,) in rows):
            raise AssertionError(f"the asset-triggered transform failed:\n{_tail(log, 120)}")
        return any(state == "success" for (state,) in rows)

    _wait("the asset-triggered transform run", transform_done, RUN_TIMEOUT_S, proc, log)
    _wait(
        "both ingest runs",
        lambda: (
            {
                r[0]
                for r in _query(
                    db,
                    "select dag_id from dag_run where dag_id in (?, ?) and state = 'success'",
                    DAG_INGEST_SUBMISSIONS,
                    DAG_INGEST_PUBLIC_STATS,
                )
            }
            == {DAG_INGEST_SUBMISSIONS, DAG_INGEST_PUBLIC_STATS}
        ),
        RUN_TIMEOUT_S,
        proc,
        log,
    )

    # the transform was triggered by the raw assets the ingest runs announced
    triggered_by = {
        r[0]
        for r in _query(
            db,
            "select a.uri from dag_run d "
            "join dagrun_asset_event dae on dae.dag_run_id = d.id "
            "join asset_event e on e.id = dae.event_id join asset a on a.id = e.asset_id "
            "where d.dag_id = ? and d.run_type = 'asset_triggered'",
            DAG_TRANSFORM,
        )
    }
    assert triggered_by and triggered_by <= {RAW_SUBMISSIONS_URI, RAW_PUBLIC_OBSERVATIONS_URI}

    # the pool: every writer task ran, and no two of them ever overlapped
    rows = _query(
        db,
        "select dag_id, task_id, start_date, end_date, state from task_instance "
        "where pool = ? and start_date is not null order by start_date",
        POOL,
    )
    ran = {(d, t) for d, t, _, _, state in rows if state == "success"}
    assert {
        (DAG_INGEST_SUBMISSIONS, "ingest_landing"),
        (DAG_INGEST_PUBLIC_STATS, "fetch"),
        (DAG_TRANSFORM, "dbt_build"),
        (DAG_TRANSFORM, "quality_checks"),
        (DAG_TRANSFORM, "publish"),
    } <= ran
    intervals = [(d, t, _ts(s), _ts(e)) for d, t, s, e, _ in rows if e]
    for (d1, t1, _, end1), (d2, t2, start2, _) in zip(intervals, intervals[1:], strict=False):
        assert start2 >= end1, f"{d1}.{t1} (until {end1}) overlaps {d2}.{t2} (from {start2})"
    # and the pool held its one slot: no task ran outside it
    assert _query(db, "select slots from slot_pool where pool = ?", POOL) == [(1,)]
