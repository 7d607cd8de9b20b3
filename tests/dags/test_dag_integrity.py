"""The DAG files as the dag-processor sees them: no import errors, every DAG tagged and owned, retries
with backoff, catchup off, the writers in the pool, the schedules and assets wired as designed."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import textwrap

import pytest

from dags.common.constants import (
    DAG_INGEST_PUBLIC_STATS,
    DAG_INGEST_SUBMISSIONS,
    DAG_MONTHLY_REPORT,
    DAG_TRANSFORM,
    DAGS_FOLDER,
    DBT_LOCKED_EXECUTABLE,
    MARTS_URI,
    OWNER,
    POOL,
    RAW_PUBLIC_OBSERVATIONS_URI,
    RAW_SUBMISSIONS_URI,
    REPORT_CRON,
    START_DATE,
)
from dags.common.cosmos_dbt import DBT_MODE_WATCHER, dbt_tasks
from dags.common.notify import notify_failure
from dags.common.queues import DEFAULT_QUEUE, WAREHOUSE_QUEUE
from dags.common.schedule import (
    logical_date_for_period,
    report_period_for_interval,
    report_period_from_context,
)

EXPECTED = {DAG_INGEST_SUBMISSIONS, DAG_INGEST_PUBLIC_STATS, DAG_TRANSFORM, DAG_MONTHLY_REPORT}

# Tasks that write the warehouse (directly or through dbt): each must hold the duckdb_writer pool.
WRITERS = {
    DAG_INGEST_SUBMISSIONS: {"ingest_landing"},
    DAG_INGEST_PUBLIC_STATS: {"fetch"},
    DAG_TRANSFORM: {"dbt_build", "quality_checks", "publish"},
    DAG_MONTHLY_REPORT: {"refresh_marts", "quality_gate", "export_package", "deliver_package"},
}
# Tasks that read the data home without writing the warehouse: the warehouse worker, no pool.
# The report's approval task waits for days: it holds no pool slot (docs/report.md "审核与签发").
DATA_HOME_READERS = {DAG_TRANSFORM: {"rebuild_portal"}, DAG_MONTHLY_REPORT: {"approve_package"}}
# Deliberately not retried: a blocked quality gate is a verdict, not a glitch.
# A decision (or its timeout) is not retried either: a retry would ask again.
NO_RETRY = {(DAG_MONTHLY_REPORT, "quality_gate"), (DAG_MONTHLY_REPORT, "approve_package")}
# The retry policy as docs/architecture.md and dags/common/defaults.py state it, written out here.
RETRIES = 2
RETRY_DELAY = dt.timedelta(minutes=2)
RETRY_BACKOFF = 2.0
MAX_RETRY_DELAY = dt.timedelta(minutes=30)


@pytest.fixture(scope="module")
def bag(tmp_path_factory, dbt_manifest):
    home = tmp_path_factory.mktemp("dagbag_airflow_home")
    values = {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__COSMOS__CACHE_DIR": str(home / "cosmos"),
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
    }
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)  # read when airflow is first imported, in this process
    try:
        from airflow.dag_processing.dagbag import DagBag

        yield DagBag(dag_folder=str(DAGS_FOLDER))
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def test_no_import_errors(bag):
    assert bag.import_errors == {}
    assert set(bag.dags) == EXPECTED


def test_every_dag_tagged_owned_no_catchup(bag):
    for dag_id, dag in bag.dags.items():
        assert "newinfra" in dag.tags, dag_id
        assert len(dag.tags) >= 2, dag_id
        assert dag.catchup is False, dag_id
        assert dag.max_active_runs == 1, dag_id
        assert dag.doc_md and dag_id in dag.doc_md, dag_id
        for task in dag.tasks:
            assert task.owner == OWNER, (dag_id, task.task_id)


def test_retries_with_backoff_and_failure_callback(bag):
    for dag_id, dag in bag.dags.items():
        for task in dag.tasks:
            key = (dag_id, task.task_id)
            if key in NO_RETRY:
                assert task.retries == 0, key
            else:
                assert task.retries == RETRIES, key
                assert task.retry_exponential_backoff == RETRY_BACKOFF, key
                assert task.retry_delay == RETRY_DELAY, key
                assert task.max_retry_delay == MAX_RETRY_DELAY, key
            callbacks = task.on_failure_callback
            callbacks = callbacks if isinstance(callbacks, list) else [callbacks]
            names = {getattr(cb, "__name__", "") for cb in callbacks} | {
                getattr(getattr(cb, "func", None), "__name__", "") for cb in callbacks
            }
            # Cosmos wraps the producer's callback with its own XCom backup; ours must still be there.
            assert "notify_failure" in names or _wraps_notify(callbacks), key


def _wraps_notify(callbacks) -> bool:
    for cb in callbacks:
        for cell in getattr(cb, "__closure__", None) or ():
            inner = cell.cell_contents
            if inner is notify_failure or (isinstance(inner, list) and notify_failure in inner):
                return True
    return False


def test_writers_hold_the_pool_and_nothing_else_does(bag):
    for dag_id, writers in WRITERS.items():
        dag = bag.dags[dag_id]
        in_pool = {t.task_id for t in dag.tasks if t.pool == POOL}
        assert in_pool == writers, dag_id


def test_writers_go_to_the_warehouse_queue_and_the_rest_to_default(bag):
    """Under the CeleryExecutor the writers run on the one worker with the data volume (the
    `warehouse` queue); every other task on any worker (docs/deploy.md)."""
    for dag_id, writers in WRITERS.items():
        queues = {t.task_id: t.queue for t in bag.dags[dag_id].tasks}
        data_home = writers | DATA_HOME_READERS.get(dag_id, set())
        assert {t for t, q in queues.items() if q == WAREHOUSE_QUEUE} == data_home, dag_id
        others = {q for t, q in queues.items() if t not in data_home}
        assert others <= {DEFAULT_QUEUE}, dag_id


def test_schedules_and_assets(bag):
    from airflow.sdk import Asset, CronTriggerTimetable

    ingest = bag.dags[DAG_INGEST_SUBMISSIONS]
    assert isinstance(ingest.timetable, CronTriggerTimetable)
    assert ingest.timetable.expression == "*/30 * * * *"
    assert [o.uri for o in ingest.task_dict["announce"].outlets] == [RAW_SUBMISSIONS_URI]

    public = bag.dags[DAG_INGEST_PUBLIC_STATS]
    assert isinstance(public.timetable, CronTriggerTimetable)
    assert [o.uri for o in public.task_dict["announce"].outlets] == [RAW_PUBLIC_OBSERVATIONS_URI]

    transform = bag.dags[DAG_TRANSFORM]
    condition = transform.timetable.asset_condition
    assert {asset.uri for asset in condition.objects} == {
        RAW_SUBMISSIONS_URI,
        RAW_PUBLIC_OBSERVATIONS_URI,
    }
    assert type(transform.timetable.asset_condition).__name__ == "AssetAny"  # either asset triggers it
    assert [o.uri for o in transform.task_dict["publish"].outlets] == [Asset(MARTS_URI).uri]

    report = bag.dags[DAG_MONTHLY_REPORT]
    assert isinstance(report.timetable, CronTriggerTimetable)
    assert report.timetable.expression == REPORT_CRON


def test_dbt_runs_once_through_cosmos_under_the_lock(bag):
    transform = bag.dags[DAG_TRANSFORM]
    dbt_build = transform.task_dict["dbt_build"]
    assert type(dbt_build).__name__ == "DbtBuildLocalOperator"
    assert dbt_build.dbt_executable_path == str(DBT_LOCKED_EXECUTABLE)
    assert dbt_build.invocation_mode.value == "subprocess"
    # the settings' vars only: the transform DAG builds every period (no report_period)
    assert set(dbt_build.vars) == {"on_time_days", "reconciliation_threshold"}
    assert [t.task_id for t in transform.tasks if not t.upstream_task_ids] == ["dbt_build"]
    assert transform.task_dict["quality_checks"].upstream_task_ids == {"dbt_build"}


def test_the_watcher_alternative_renders_with_the_producer_first(bag):
    """The per-model alternative (measured in benchmarks/bench_transform.py): one producer holding
    the pool, a sensor per node, none of them able to start before the producer."""
    from airflow.sdk import DAG

    with DAG("watcher_probe", schedule=None, start_date=START_DATE) as dag:
        dbt_tasks("dbt_build", mode=DBT_MODE_WATCHER)
    producer = dag.task_dict["dbt_build.dbt_producer_watcher"]
    assert type(producer).__name__ == "DbtProducerWatcherOperator"
    assert producer.pool == POOL and producer.dbt_executable_path == str(DBT_LOCKED_EXECUTABLE)
    sensors = [t for t in dag.tasks if t is not producer and not t.task_id.endswith("_done")]
    assert len(sensors) > 20 and all(t.pool != POOL for t in sensors)
    assert producer.queue == WAREHOUSE_QUEUE and all(t.queue == DEFAULT_QUEUE for t in sensors)
    assert [t.task_id for t in dag.tasks if not t.upstream_task_ids] == [producer.task_id]
    roots = [t for t in sensors if t.upstream_task_ids == {producer.task_id}]
    assert roots and all(t.trigger_rule == "all_done" for t in roots)
    with pytest.raises(ValueError):
        dbt_tasks("x", mode="per_model")


def test_report_period_comes_from_the_data_interval(bag):
    """Airflow's own timetables: the run scheduled on 2024-07-06 reports 2024-06, with the trigger
    timetable the DAG uses and with the data-interval one; so does a manual run / `dags test`."""
    from airflow.timetables.base import DataInterval, TimeRestriction
    from airflow.timetables.interval import CronDataIntervalTimetable
    from airflow.timetables.trigger import CronTriggerTimetable

    tz = "Asia/Shanghai"
    restriction = TimeRestriction(earliest=dt.datetime(2024, 5, 1, tzinfo=dt.UTC), latest=None, catchup=True)

    def run_on(timetable, day: dt.date):
        last = None
        for _ in range(4):
            info = timetable.next_dagrun_info(last_automated_data_interval=last, restriction=restriction)
            if info.run_after.in_timezone(tz).date() == day:
                return info
            last = info.data_interval
        raise AssertionError(f"{timetable} never runs on {day}")

    for timetable in (
        CronTriggerTimetable(REPORT_CRON, timezone=tz),
        CronDataIntervalTimetable(REPORT_CRON, tz),
    ):
        info = run_on(timetable, dt.date(2024, 7, 6))
        assert report_period_for_interval(info.data_interval.end, tz) == "2024-06", timetable
        info = run_on(timetable, dt.date(2024, 8, 6))
        assert report_period_for_interval(info.data_interval.end, tz) == "2024-07", timetable
        # `airflow dags test newinfra_monthly_report 2024-07-06` (midnight UTC = 08:00 in Guizhou)
        manual = timetable.infer_manual_data_interval(run_after=dt.datetime(2024, 7, 6, tzinfo=dt.UTC))
        assert isinstance(manual, DataInterval)
        assert report_period_for_interval(manual.end, tz) == "2024-06", timetable
    # the trigger timetable (the DAG's) has a single point: start == end == the logical date
    info = run_on(CronTriggerTimetable(REPORT_CRON, timezone=tz), dt.date(2024, 7, 6))
    assert info.data_interval.start == info.data_interval.end
    # the live DAG's own timetable
    report = bag.dags[DAG_MONTHLY_REPORT]
    from airflow.serialization.encoders import coerce_to_core_timetable

    info = run_on(coerce_to_core_timetable(report.timetable), dt.date(2024, 7, 6))
    assert report_period_for_interval(info.data_interval.end, tz) == "2024-06"
    assert logical_date_for_period("2024-06") == dt.date(2024, 7, 6)
    assert logical_date_for_period("2024-12") == dt.date(2025, 1, 6)


def test_report_period_param_and_missing_logical_date():
    from newinfra.errors import UserInputError

    end = dt.datetime(2024, 7, 6, 0, 0, tzinfo=dt.UTC)
    assert report_period_from_context({"params": {"period": ""}, "data_interval_end": end}) == "2024-06"
    assert (
        report_period_from_context({"params": {"period": "2023-11"}, "data_interval_end": end}) == "2023-11"
    )
    with pytest.raises(UserInputError):
        report_period_from_context({"params": {"period": "2023-13"}, "data_interval_end": end})
    with pytest.raises(UserInputError):
        report_period_from_context({"params": {}, "data_interval_end": None, "logical_date": None})
    # local time decides: 2024-07-31 20:00 UTC is already August in Guizhou
    assert report_period_for_interval(dt.datetime(2024, 7, 31, 20, tzinfo=dt.UTC)) == "2024-07"


HEAVY = ("pandas", "duckdb", "soda_core", "dbt", "openpyxl", "polars", "pyarrow")


@pytest.mark.parametrize("dag_file", sorted(p.name for p in DAGS_FOLDER.glob("*.py")))
def test_dag_file_import_is_light(dag_file, tmp_path, dbt_manifest):
    """Importing a DAG file (what the dag-processor does every 30 s) loads no data library: no
    pandas, DuckDB, Soda or dbt; they are imported inside the tasks."""
    code = textwrap.dedent(
        f"""
        import importlib.util, json, sys
        spec = importlib.util.spec_from_file_location("dagfile", {str(DAGS_FOLDER / dag_file)!r})
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))))
        """
    )
    env = dict(os.environ)
    env.update(
        AIRFLOW_HOME=str(tmp_path),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__COSMOS__CACHE_DIR=str(tmp_path / "cosmos"),
        AIRFLOW__COSMOS__ENABLE_TELEMETRY="False",
    )
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().splitlines()[-1] == "[]"
