"""The report DAG's sign-off: build draft -> approval (Airflow human-in-the-loop) -> deliver
(docs/report.md "审核与签发 / sign-off")."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
REPORT_DAG = PROJECT_ROOT / "dags" / "newinfra_monthly_report.py"


@pytest.fixture(scope="module")
def report_dag(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        home = tmp_path_factory.mktemp("report_approval_airflow")
        mp.setenv("AIRFLOW_HOME", str(home))
        mp.setenv("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
        mp.setenv("NEWINFRA_REPORT_APPROVERS", "李主任,王处长")
        mp.setenv("NEWINFRA_REPORT_APPROVAL_DAYS", "3")
        from airflow.dag_processing.dagbag import DagBag

        bag = DagBag(dag_folder=str(REPORT_DAG))
        assert bag.import_errors == {}
        return bag.dags["newinfra_monthly_report"]


def test_delivery_runs_only_after_the_approval_task(report_dag):
    from airflow.providers.standard.operators.hitl import ApprovalOperator

    approval = report_dag.get_task("approve_package")
    assert isinstance(approval, ApprovalOperator)
    assert approval.upstream_task_ids == {"export_package"}
    assert report_dag.get_task("deliver_package").upstream_task_ids == {"approve_package", "report_period"}
    # every path from the draft to delivery goes through the approval
    export = report_dag.get_task("export_package")
    assert export.downstream_task_ids == {"approve_package"}


def test_approval_settings_come_from_the_platform_settings(report_dag):
    approval = report_dag.get_task("approve_package")
    assert approval.assigned_users == [{"id": "李主任", "name": "李主任"}, {"id": "王处长", "name": "王处长"}]
    assert approval.response_timeout == dt.timedelta(days=3)
    # no default option: a timeout decides nothing (it fails the task, the failure notice goes out)
    assert approval.defaults is None
    assert approval.retries == 0 and approval.execution_timeout is None
    assert approval.on_failure_callback, "a timeout must notify"
    assert "reason" in approval.params
