"""The dbt build of the transform DAG through astronomer-cosmos (imported inside the functions: the
DAG files import this module at parse time)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from dags.common.constants import DBT_LOCKED_EXECUTABLE, DBT_MANIFEST
from dags.common.queues import WAREHOUSE_WRITER
from newinfra.dbt import dbt_vars
from newinfra.settings import DBT_PROJECT_DIR, Settings

DBT_MODE_BUILD = "build"  # one Cosmos task: `dbt build` (the DAG's choice: benchmarks/bench_transform.py)
DBT_MODE_WATCHER = "watcher"  # the Cosmos WATCHER group: the same build + one sensor per node


def dbt_tasks(task_id: str = "dbt_build", mode: str = DBT_MODE_BUILD, **operator_args: Any) -> Any:
    """The dbt build of the transform DAG, through astronomer-cosmos; must be called in a DAG.

    Both modes run ONE ``dbt build`` (seeds, models, tests) with ``newinfra/bin/dbt-locked`` (the
    warehouse file lock for the whole build) in a subprocess (the DuckDB file is closed when it
    ends: docs/architecture.md), holding the ``duckdb_writer`` pool, with the same dbt vars as
    ``newinfra.transform.build``:

    - ``build`` (the DAG's): one ``DbtBuildLocalOperator`` task. Overhead over plain ``dbt build``:
      the project copied to a temporary folder, dbt's partial parse carried over in Cosmos's cache.
    - ``watcher``: a ``DbtTaskGroup`` in ``ExecutionMode.WATCHER``, rendered from the manifest
      (``LoadMode.DBT_MANIFEST``): the producer runs the build and pushes each node's status to
      XCom; one sensor per seed/model (and per model's tests) shows that node's outcome. Costs a
      few XCom writes per node in the producer and one task per sensor: measured 2-3x plain
      ``dbt build`` on this project (benchmarks/bench_transform.py), hence not the default.
    """
    if mode == DBT_MODE_WATCHER:
        return _dbt_watcher_group(task_id, **operator_args)
    if mode != DBT_MODE_BUILD:
        raise ValueError(f"unknown dbt mode {mode!r}")
    from cosmos import ProfileConfig
    from cosmos import settings as cosmos_settings
    from cosmos.constants import InvocationMode
    from cosmos.operators.local import DbtBuildLocalOperator

    args: dict[str, Any] = _cosmos_operator_args()
    # where Cosmos keeps dbt's partial parse between runs (without it every run re-parses the
    # project: ~6 s here); AIRFLOW__COSMOS__CACHE_DIR, default /tmp/cosmos
    args["cache_dir"] = Path(cosmos_settings.cache_dir) / f"newinfra__{task_id}"
    args.update(operator_args)
    return DbtBuildLocalOperator(
        task_id=task_id,
        project_dir=str(DBT_PROJECT_DIR),
        profile_config=ProfileConfig(
            profile_name="newinfra",
            target_name="dev",
            profiles_yml_filepath=DBT_PROJECT_DIR / "profiles.yml",
        ),
        dbt_executable_path=str(DBT_LOCKED_EXECUTABLE),
        invocation_mode=InvocationMode.SUBPROCESS,
        **WAREHOUSE_WRITER,
        **args,
    )


def _cosmos_operator_args() -> dict[str, Any]:
    return {
        "vars": dbt_vars(Settings.from_env()),
        "emit_datasets": False,
        "append_env": True,
        # the Python of this Airflow, for newinfra/bin/dbt-locked
        "env": {"NEWINFRA_PYTHON": sys.executable},
    }


def _dbt_watcher_group(group_id: str, **operator_args: Any) -> Any:
    """The WATCHER group (see :func:`dbt_tasks`). The producer holds the pool
    (``setup_operator_args``: the producer only); the sensors only read XCom. On a retry of the
    producer Cosmos falls back to one ``dbt run --select <model>`` per sensor, each through
    ``dbt-locked`` too. The producer is made upstream of the root sensors with trigger rule
    ``all_done`` (Cosmos does this only for a ``DbtDag``, and with ``always``, which does not wait):
    under ``airflow dags test`` (one process, tasks in turn) a sensor that ran before the producer
    would wait for it forever."""
    from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
    from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, TestBehavior

    if not DBT_MANIFEST.exists():
        raise FileNotFoundError(
            f"dbt manifest not found: {DBT_MANIFEST} — run `make dbt-parse` (or `newinfra airflow-cycle`)"
        )
    args = _cosmos_operator_args()
    args.update(operator_args)
    group = DbtTaskGroup(
        group_id=group_id,
        project_config=ProjectConfig(
            manifest_path=DBT_MANIFEST,
            project_name="newinfra",
            partial_parse=True,
            install_dbt_deps=False,  # no dbt packages (no network for `dbt deps` here)
        ),
        profile_config=ProfileConfig(
            profile_name="newinfra",
            target_name="dev",
            profiles_yml_filepath=DBT_PROJECT_DIR / "profiles.yml",
        ),
        execution_config=ExecutionConfig(
            execution_mode=ExecutionMode.WATCHER,
            invocation_mode=InvocationMode.SUBPROCESS,
            dbt_executable_path=str(DBT_LOCKED_EXECUTABLE),
            dbt_project_path=DBT_PROJECT_DIR,
            setup_operator_args=dict(WAREHOUSE_WRITER),
        ),
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            test_behavior=TestBehavior.AFTER_EACH,
        ),
        operator_args=args,
    )
    _producer_first(group)
    return group


def _producer_first(group: Any) -> None:
    """Put the watcher producer upstream of every root sensor of ``group`` (trigger rule all_done)."""
    from airflow.sdk import TriggerRule

    tasks = {t.task_id: t for t in _walk(group)}
    producer = next(t for tid, t in tasks.items() if tid.endswith(".dbt_producer_watcher"))
    done = next((t for tid, t in tasks.items() if tid.endswith(".dbt_producer_watcher_done")), None)
    for task in tasks.values():
        if task is producer or task is done:
            continue
        if not (task.upstream_task_ids & tasks.keys()):
            producer >> task
            task.trigger_rule = TriggerRule.ALL_DONE


def _walk(group: Any) -> list[Any]:
    out = []
    for child in group.children.values():
        if hasattr(child, "children"):
            out.extend(_walk(child))
        else:
            out.append(child)
    return out
