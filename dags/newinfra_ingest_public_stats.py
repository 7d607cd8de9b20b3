"""newinfra_ingest_public_stats — daily: fetch the published statistics declared in sources.yml.

``fetch`` calls ``ingestion.public_stats.fetch_sources(settings)`` (every source in turn; bytes
archived by sha256; unchanged data writes nothing but the fetch row; a failing source fails alone)
and holds the ``duckdb_writer`` pool. ``announce`` publishes the ``newinfra://raw/public_observations``
asset — which schedules ``newinfra_transform`` — only when a figure is new or changed.
``check_sources`` fails the run (and so alerts) when a source failed, after the others were
loaded and announced.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import Asset, CronTriggerTimetable, dag, task

from dags.common.constants import DAG_INGEST_PUBLIC_STATS, RAW_PUBLIC_OBSERVATIONS_URI, START_DATE, TAGS
from dags.common.defaults import default_args, local_timezone, platform_settings
from dags.common.queues import WAREHOUSE_WRITER
from newinfra.results import summarize

RAW_PUBLIC_OBSERVATIONS = Asset(RAW_PUBLIC_OBSERVATIONS_URI)


@dag(
    dag_id=DAG_INGEST_PUBLIC_STATS,
    schedule=CronTriggerTimetable("30 6 * * *", timezone=local_timezone()),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    tags=[*TAGS, "ingestion", "public_stats"],
    doc_md=__doc__,
)
def newinfra_ingest_public_stats() -> None:
    @task(**WAREHOUSE_WRITER)
    def fetch() -> dict[str, Any]:
        """Fetch every declared source (the warehouse writer)."""
        from ingestion.public_stats import fetch_sources
        from newinfra.progress import Progress

        with Progress("公开统计 fetch-public", 0, unit="源 sources", mode="lines") as progress:
            results = fetch_sources(platform_settings(), progress=progress)
        summary = {
            "sources": len(results),
            "by_status": summarize(results),
            "rows_new": sum(r.rows_new for r in results),
            "rows_changed": sum(r.rows_changed for r in results),
            "failed": [
                {"name": r.name, "error_zh": r.error_zh, "error_en": r.error_en} for r in results if not r.ok
            ],
        }
        print(f"公开统计 / public statistics: {summary}")
        return summary

    @task(outlets=[RAW_PUBLIC_OBSERVATIONS])
    def announce(summary: dict[str, Any], *, outlet_events: Any = None) -> dict[str, Any]:
        """Publish the public-observations asset when a figure is new or changed."""
        from airflow.sdk.exceptions import AirflowSkipException

        if not (summary["rows_new"] or summary["rows_changed"]):
            raise AirflowSkipException("没有新的或变化的数据 / no new or changed figures")
        outlet_events[RAW_PUBLIC_OBSERVATIONS].extra = {k: summary[k] for k in ("rows_new", "rows_changed")}
        return summary

    @task
    def check_sources(summary: dict[str, Any]) -> None:
        """Fail (and alert) when a source could not be fetched; the others are already loaded."""
        from airflow.sdk.exceptions import AirflowFailException

        if summary["failed"]:
            lines = [f"{f['name']}: {f['error_zh']} / {f['error_en']}" for f in summary["failed"]]
            raise AirflowFailException("数据源获取失败 / sources failed:\n" + "\n".join(lines))

    summary = fetch()
    announce(summary)
    check_sources(summary)


newinfra_ingest_public_stats()
