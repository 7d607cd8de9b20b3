"""newinfra_ingest_submissions — every 30 minutes: load the departments' files from the landing folder.

``ingest_landing`` calls ``ingestion.submissions.ingest_paths(settings)`` on ``NEWINFRA_HOME/landing``
(every file archived by sha256 first; a file already seen is a no-op; bad files go to quarantine
with feedback; one transaction per file) and holds the ``duckdb_writer`` pool. ``announce`` then
publishes the ``newinfra://raw/submissions`` asset — which schedules ``newinfra_transform`` — only
when something new arrived (loaded, partially loaded or quarantined); with nothing new it is
skipped and no asset event is sent.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import Asset, CronTriggerTimetable, dag, task

from dags.common.constants import DAG_INGEST_SUBMISSIONS, RAW_SUBMISSIONS_URI, START_DATE, TAGS
from dags.common.defaults import default_args, local_timezone, platform_settings
from dags.common.queues import WAREHOUSE_WRITER
from newinfra.results import summarize

RAW_SUBMISSIONS = Asset(RAW_SUBMISSIONS_URI)


@dag(
    dag_id=DAG_INGEST_SUBMISSIONS,
    schedule=CronTriggerTimetable("*/30 * * * *", timezone=local_timezone()),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    tags=[*TAGS, "ingestion", "submissions"],
    doc_md=__doc__,
)
def newinfra_ingest_submissions() -> None:
    @task(**WAREHOUSE_WRITER)
    def ingest_landing() -> dict[str, Any]:
        """Ingest every file in the landing folder (the warehouse writer)."""
        from ingestion.submissions import ingest_paths
        from newinfra.progress import Progress

        # plain progress lines in the task log: files done, rate, ETA, counts by status
        with Progress("采集 ingest", 0, unit="文件 files", mode="lines") as progress:
            results = ingest_paths(platform_settings(), progress=progress)
        by_status = summarize(results)
        # duplicates change nothing; 'waiting' files (still uploading) are left for the next run
        new = sum(n for status, n in by_status.items() if status not in ("duplicate", "waiting"))
        summary = {"files": len(results), "new_files": new, "by_status": by_status}
        print(f"收到文件 / files: {summary}")
        return summary

    @task(outlets=[RAW_SUBMISSIONS])
    def announce(summary: dict[str, Any], *, outlet_events: Any = None) -> dict[str, Any]:
        """Publish the raw-submissions asset when new files were loaded or quarantined."""
        from airflow.sdk.exceptions import AirflowSkipException

        if not summary["new_files"]:
            raise AirflowSkipException("没有新文件 / no new files: nothing to announce")
        outlet_events[RAW_SUBMISSIONS].extra = summary
        return summary

    announce(ingest_landing())


newinfra_ingest_submissions()
