"""newinfra_transform — on new raw data: dbt build, quality checks, the analysts' copy.

Scheduled on either raw asset (``newinfra://raw/submissions`` | ``newinfra://raw/public_observations``).

1. ``dbt_build``: ONE ``dbt build`` (seeds, models, tests) through astronomer-cosmos
   (``DbtBuildLocalOperator``), under the ``duckdb_writer`` pool and the warehouse file lock
   (``newinfra/bin/dbt-locked``), with the dbt vars of ``newinfra.transform.build``. Cosmos's
   per-model WATCHER group (``dbt_tasks(mode="watcher")``) shows each model as a task but cost
   2-3x plain ``dbt build`` here; the figures: ``benchmarks/bench_transform.py``. dbt's own
   ``run_results.json`` (kept in ``NEWINFRA_HOME/dbt/target``) lists every node's outcome.
2. ``quality_checks``: ``quality.run_checks(settings)`` — every Soda contract; results appended to
   quality.check_results. A blocking failure does not stop the analysts' copy (the results are in
   it); it stops the monthly export (``newinfra_monthly_report``'s gate). It is logged as an error.
3. ``publish``: ``newinfra.transform.publish(settings)`` — the read-only analysts' copy, replaced
   atomically; publishes the ``newinfra://marts`` asset.
4. ``rebuild_portal``: ``portal.build_portal(settings)`` — the static indicator portal and the dbt
   docs from the new copy, swapped in atomically (docs/portal.md).
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import Asset, dag, task

from dags.common.constants import (
    DAG_TRANSFORM,
    MARTS_URI,
    RAW_PUBLIC_OBSERVATIONS_URI,
    RAW_SUBMISSIONS_URI,
    START_DATE,
    TAGS,
)
from dags.common.cosmos_dbt import dbt_tasks
from dags.common.defaults import default_args, platform_settings
from dags.common.queues import DATA_HOME, WAREHOUSE_WRITER

RAW_SUBMISSIONS = Asset(RAW_SUBMISSIONS_URI)
RAW_PUBLIC_OBSERVATIONS = Asset(RAW_PUBLIC_OBSERVATIONS_URI)
MARTS = Asset(MARTS_URI)


@dag(
    dag_id=DAG_TRANSFORM,
    schedule=(RAW_SUBMISSIONS | RAW_PUBLIC_OBSERVATIONS),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    tags=[*TAGS, "dbt", "quality"],
    doc_md=__doc__,
)
def newinfra_transform() -> None:
    dbt_build = dbt_tasks("dbt_build")

    @task(**WAREHOUSE_WRITER)
    def quality_checks() -> dict[str, Any]:
        """Run every Soda contract over the warehouse and record the results."""
        import logging

        from newinfra.progress import progress_factory
        from quality import run_checks

        run = run_checks(platform_settings(), progress=progress_factory(mode="lines"))
        summary = {"run_id": run.run_id, "counts": run.counts, "is_blocked": run.is_blocked}
        if run.is_blocked:
            names = ", ".join(sorted({str(r.check_name) for r in run.blocking_failures})[:20])
            logging.getLogger(__name__).error(
                "阻断性质量检查未通过（月报导出将被拦截）/ blocking checks failed (the export will stop): %s",
                names,
            )
        print(f"质量检查 / quality: {summary}")
        return summary

    @task(**WAREHOUSE_WRITER, outlets=[MARTS])
    def publish() -> str:
        """Replace the analysts' read-only copy of the marts."""
        from newinfra.transform import publish as publish_copy

        path = publish_copy(platform_settings())
        print(f"分析副本 / analysts' copy: {path}")
        return str(path)

    @task(**DATA_HOME)
    def rebuild_portal() -> str:
        """Rebuild the static indicator portal and the dbt docs from the new copy (docs/portal.md).
        It only reads the published copy: no writer pool."""
        from portal import build_portal

        result = build_portal(platform_settings())
        print(f"指标门户 / portal: {result.path / 'index.html'} {result.seconds}")
        if result.docs.startswith("failed"):
            raise RuntimeError(f"dbt 文档未生成 / dbt docs not generated: {result.docs}")
        return str(result.path)

    dbt_build >> quality_checks() >> publish() >> rebuild_portal()


newinfra_transform()
