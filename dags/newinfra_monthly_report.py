"""newinfra_monthly_report — 08:00 on the 6th: the monthly package for the month before.

The period comes from the run's data interval, never from the wall clock: the run of 2024-07-06
reports 2024-06 (``dags.common.schedule.report_period_for_interval``). Re-running a past month:
trigger a run with that logical date (``airflow dags test newinfra_monthly_report 2024-07-06``,
``airflow backfill create``), or set the ``period`` param; ``force`` rebuilds a package that was
already published (the same switch as ``newinfra export --force``).

1. ``report_period``: the period of this run.
2. ``refresh_marts``: ``newinfra.transform.build`` (dbt build under the warehouse lock) and
   ``newinfra.transform.publish`` — the marts reflect the data as it stands now.
3. ``quality_gate``: ``quality.run_checks(settings, period)``; a blocking failure fails the run
   here (no retry) and nothing is exported.
4. ``export_package``: ``exports.approval.build_draft(settings, period, force)`` — xlsx, briefing,
   templates, manifest marked 草稿（待审核）, written to a temporary folder and moved into place.
5. ``approve_package``: Airflow's human-in-the-loop ``ApprovalOperator``
   (``dags.common.approval``): waits for an approver (NEWINFRA_REPORT_APPROVERS) in the UI or the
   REST API; approve builds the signed package, reject records the required reason and skips
   delivery; no decision in NEWINFRA_REPORT_APPROVAL_DAYS days fails the task (failure notice).
6. ``deliver_package``: ``exports.approval.deliver_approved(settings, period)`` — e-mail of the
   approved package only (docs/report.md "审核与签发 / sign-off").

Every task but the first and the approval holds the ``duckdb_writer`` pool.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import CronTriggerTimetable, Param, dag, task

from dags.common.approval import APPROVAL_TASK, ReportApprovalOperator
from dags.common.constants import DAG_MONTHLY_REPORT, REPORT_CRON, START_DATE, TAGS
from dags.common.defaults import default_args, local_timezone, platform_settings
from dags.common.queues import DATA_HOME, WAREHOUSE_WRITER
from dags.common.schedule import report_period_from_context
from newinfra.results import to_jsonable


@dag(
    dag_id=DAG_MONTHLY_REPORT,
    schedule=CronTriggerTimetable(REPORT_CRON, timezone=local_timezone()),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    tags=[*TAGS, "export", "monthly"],
    doc_md=__doc__,
    params={
        "period": Param(
            "",
            type="string",
            pattern=r"^(\d{4}-(0[1-9]|1[0-2]))?$",
            description="报告期 YYYY-MM；留空则取运行的数据区间的上一个月 / empty: the month before the run",
        ),
        "force": Param(False, type="boolean", description="重建已发布的报告包 / rebuild a published package"),
    },
)
def newinfra_monthly_report() -> None:
    @task
    def report_period(**context: Any) -> str:
        """The month this run reports: the month before its data interval's end (local time)."""
        period = report_period_from_context(context, local_timezone())
        print(f"报告期 / period: {period}")
        return period

    @task(**WAREHOUSE_WRITER)
    def refresh_marts(period: str) -> dict[str, Any]:
        """dbt build (the monthly series reaching the period) + the analysts' copy, so the package
        reads the data as it stands."""
        from newinfra.transform import build, publish

        settings = platform_settings()
        from newinfra.progress import progress_factory

        result = build(settings, period=period, progress=progress_factory(mode="lines"))
        path = publish(settings)
        summary = to_jsonable(result)
        summary.pop("output", None)  # dbt's log: in the task log, not in XCom
        return {"build": summary, "published": str(path)}

    @task(**WAREHOUSE_WRITER, retries=0)
    def quality_gate(period: str) -> dict[str, Any]:
        """Stop here when a blocking quality check fails for the period."""
        from airflow.sdk.exceptions import AirflowFailException

        from newinfra.progress import progress_factory
        from quality import run_checks

        run = run_checks(platform_settings(), period, progress=progress_factory(mode="lines"))
        summary = {"run_id": run.run_id, "period": period, "counts": run.counts, "is_blocked": run.is_blocked}
        print(f"质量闸门 / quality gate: {summary}")
        if run.is_blocked:
            lines = [
                f"{r.check_name}: {getattr(r, 'message', '') or r.outcome}" for r in run.blocking_failures
            ]
            raise AirflowFailException(
                f"{period} 有阻断性质量问题，不导出 / blocking quality failures, no export:\n"
                + "\n".join(lines[:30])
            )
        return summary

    @task(**WAREHOUSE_WRITER)
    def export_package(period: str, gate: dict[str, Any], params: Any = None) -> dict[str, Any]:
        """Build the month's package as a draft awaiting sign-off: 草稿（待审核）."""
        from exports.approval import build_draft

        force = bool((params or {}).get("force", False))
        from newinfra.progress import Progress

        with Progress("报告包 report", 0, unit="文件 files", mode="lines") as progress:
            result = build_draft(platform_settings(), period, force=force, progress=progress)
        summary = to_jsonable(result)
        print(f"报告包 / package: {summary}")
        return summary

    @task(**WAREHOUSE_WRITER)
    def deliver_package(period: str) -> dict[str, Any]:
        """Deliver the approved package (refused without a recorded approval)."""
        from exports.approval import deliver_approved

        result = deliver_approved(platform_settings(), period)
        summary = to_jsonable(result)
        print(f"送达 / delivery: {summary}")
        return summary

    period = report_period()
    marts = refresh_marts(period)
    gate = quality_gate(period)
    marts >> gate
    package = export_package(period, gate)
    # Waits for days: the warehouse worker, no duckdb_writer slot (its writes take newinfra.db's lock).
    approval = ReportApprovalOperator(task_id=APPROVAL_TASK, retries=0, execution_timeout=None, **DATA_HOME)
    package >> approval >> deliver_package(period)


newinfra_monthly_report()
