"""The report DAG's sign-off: build draft -> approval (Airflow human-in-the-loop) -> deliver
(docs/report.md "审核与签发 / sign-off").

The DAG's shape from a DagBag; then real ``airflow dags test`` runs of the report DAG on one home
with its own SQLite Airflow and a local SMTP server (aiosmtpd), answered by
``pipeline.local_airflow`` through the handler of Airflow's ``PATCH …/hitlDetails`` route:

1. no decision given: the run stops at the approval wait; the package is a draft; nothing sent;
2. rejected with a reason: delivery skipped, nothing sent, the reason recorded;
3. approved: the signed package (no draft mark) is sent, the approver recorded, the draft kept
   beside it with the rejection's reason in its notes;
4. answered by someone who is not an approver: Airflow refuses, nothing is recorded or sent.

The runs are slow (four report runs); tests/dags/test_dag_runs.py approves through the same path
in the fast tests.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import socket
import sqlite3
from pathlib import Path

import openpyxl
import pytest

from dags.common.constants import DAG_MONTHLY_REPORT
from dags.common.schedule import logical_date_for_period
from newinfra.settings import Settings
from pipeline import local_airflow

PROJECT_ROOT = Path(__file__).resolve().parents[2]
REPORT_DAG = PROJECT_ROOT / "dags" / "newinfra_monthly_report.py"
PERIOD = "2022-02"
DRAFT = "草稿（待审核）"
APPROVER = "李主任"
REASON = "投资完成额口径与上月不一致，请核实后重报"


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
        return bag.dags[DAG_MONTHLY_REPORT]


def test_under_fab_the_approvers_are_checked_by_name_when_recorded(monkeypatch):
    """FAB's user id is a number, never a login name: assigning names would lock everyone out, so
    the task is open to the auth manager's roles and the name is checked when it is recorded."""
    from dags.common.approval import approvers

    settings = Settings(home=Path("/nonexistent"), report_approvers=(APPROVER,))
    monkeypatch.setenv(
        "AIRFLOW__CORE__AUTH_MANAGER", "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager"
    )
    assert approvers(settings) is None
    monkeypatch.setenv(
        "AIRFLOW__CORE__AUTH_MANAGER",
        "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager",
    )
    assert approvers(settings) == [{"id": APPROVER, "name": APPROVER}]
    assert approvers(Settings(home=Path("/nonexistent"))) is None


def test_delivery_runs_only_after_the_approval_task(report_dag):
    from airflow.providers.standard.operators.hitl import ApprovalOperator

    approval = report_dag.get_task("approve_package")
    assert isinstance(approval, ApprovalOperator)
    assert approval.upstream_task_ids == {"export_package"}
    assert report_dag.get_task("deliver_package").upstream_task_ids == {"approve_package", "report_period"}
    # every path from the draft to delivery goes through the approval
    assert report_dag.get_task("export_package").downstream_task_ids == {"approve_package"}


def test_approval_settings_come_from_the_platform_settings(report_dag):
    approval = report_dag.get_task("approve_package")
    assert approval.assigned_users == [{"id": "李主任", "name": "李主任"}, {"id": "王处长", "name": "王处长"}]
    assert approval.response_timeout == dt.timedelta(days=3)
    # no default option: a timeout decides nothing (it fails the task, the failure notice goes out)
    assert approval.defaults is None
    assert approval.retries == 0 and approval.execution_timeout is None
    assert approval.on_failure_callback, "a timeout must notify"
    assert list(approval.params) == ["reason"]


# --- real runs ------------------------------------------------------------------------------------


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append(envelope.original_content or envelope.content)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def smtp():
    from aiosmtpd.controller import Controller

    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield controller.port, inbox
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def world(seeded_home_template, dbt_manifest, tmp_path_factory, smtp):
    """A home with PERIOD's submissions loaded, its own SQLite Airflow, SMTP pointing at ``smtp``."""
    from demo.generate import generate
    from ingestion.submissions import ingest_paths

    port, inbox = smtp
    root = tmp_path_factory.mktemp("report_approval")
    home = root / "home"
    shutil.copytree(seeded_home_template, home, ignore=shutil.ignore_patterns("dbt"))
    settings = Settings(home=home)
    generate(home, through="2022-03", settings=settings, folders=["CAC", "STD", "BDB"], workers=1)
    ingest_paths(settings, workers=1)
    env = local_airflow.prepare_airflow_home(settings, root / "airflow")
    env.update(
        NEWINFRA_SMTP_HOST="127.0.0.1",
        NEWINFRA_SMTP_PORT=str(port),
        NEWINFRA_MAIL_TO="office@example.org",
        NEWINFRA_REPORT_APPROVERS=f"{APPROVER},王处长",
        NEWINFRA_REPORT_PDF="off",  # LibreOffice's rendering is the exports tests' business
    )
    return {"home": home, "env": env, "inbox": inbox, "settings": Settings(home=home)}


def _run(world, decision):
    return local_airflow.dags_test(
        DAG_MONTHLY_REPORT, logical_date_for_period(PERIOD), world["env"], decision=decision
    )


def _states(env) -> dict[str, str]:
    db = env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].removeprefix("sqlite:///")
    with sqlite3.connect(db) as con:
        (run_id,) = con.execute(
            "select run_id from dag_run where dag_id = ? order by id desc limit 1", (DAG_MONTHLY_REPORT,)
        ).fetchone()
        return dict(
            con.execute(
                "select task_id, state from task_instance where dag_id = ? and run_id = ?",
                (DAG_MONTHLY_REPORT, run_id),
            ).fetchall()
        )


def _hitl(env) -> tuple:
    db = env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].removeprefix("sqlite:///")
    with sqlite3.connect(db) as con:
        return con.execute(
            "select h.subject, h.body, h.chosen_options, h.responded_by from hitl_detail h "
            "join task_instance t on t.id = h.ti_id where t.dag_id = ? and t.task_id = 'approve_package' "
            "order by h.created_at desc limit 1",
            (DAG_MONTHLY_REPORT,),
        ).fetchone()


def _decisions(settings) -> list[tuple]:
    from exports.approval import decisions

    return [(d["decision"], d["decided_by"], d["reason"], d["via"]) for d in decisions(settings, PERIOD)]


def _workbook_text(folder: Path) -> str:
    """Every cell and every sheet's page header, read back."""
    book = openpyxl.load_workbook(folder / f"责任分解表进展_{PERIOD}.xlsx")
    cells = [str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row if v]
    headers = [ws.oddHeader.center.text or "" for ws in book.worksheets]
    return "\n".join(cells + headers)


def _manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def waited(world):
    """1. No decision: the run stops at the wait."""
    return _run(world, None)


@pytest.mark.slow
def test_without_a_decision_the_run_stops_at_the_approval_and_sends_nothing(world, waited):
    assert not waited.ok and waited.awaiting == "approve_package", waited.tail(60)
    states = _states(world["env"])
    assert states["export_package"] == "success"
    assert states["approve_package"] == "awaiting_input"
    assert states.get("deliver_package") in (None, "none", "scheduled")
    package = world["home"] / "exports" / PERIOD
    assert _manifest(package)["is_draft"] is True
    assert DRAFT in _workbook_text(package)
    assert DRAFT in (package / f"月度简报_{PERIOD}.html").read_text(encoding="utf-8")
    assert world["inbox"].messages == []
    assert _decisions(world["settings"]) == []
    # the approver's screen: the status counts, the checks, the draft's files
    subject, body, chosen, responded_by = _hitl(world["env"])
    assert subject.startswith("审核签发")
    assert "指标状态" in body and "数据质量" in body and "报送情况" in body and "manifest.json" not in body
    assert f"责任分解表进展_{PERIOD}.xlsx" in body
    assert chosen is None and responded_by is None


@pytest.fixture(scope="module")
def rejected(world, waited):
    """2. Rejected with a reason."""
    return _run(world, local_airflow.Decision(by=APPROVER, approve=False, reason=REASON))


@pytest.mark.slow
def test_rejection_records_the_reason_and_sends_nothing(world, rejected):
    assert rejected.ok, rejected.tail(80)
    assert [a["chosen_options"] for a in rejected.answers] == [["Reject"]]
    states = _states(world["env"])
    assert states["approve_package"] == "success"
    assert states["deliver_package"] == "skipped"
    assert world["inbox"].messages == []
    assert _decisions(world["settings"]) == [("rejected", APPROVER, REASON, "airflow")]
    assert _manifest(world["home"] / "exports" / PERIOD)["is_draft"] is True


@pytest.fixture(scope="module")
def approved(world, rejected):
    """3. Asked again (a new run), approved."""
    return _run(world, local_airflow.Decision(by=APPROVER))


@pytest.mark.slow
def test_approval_delivers_the_signed_package_and_records_the_approver(world, approved):
    import email

    assert approved.ok, approved.tail(80)
    assert [a["responded_by"]["name"] for a in approved.answers] == [APPROVER]
    assert set(_states(world["env"]).values()) == {"success"}
    decisions = _decisions(world["settings"])
    assert decisions[-1] == ("approved", APPROVER, None, "airflow")
    _, _, chosen, responded_by = _hitl(world["env"])
    assert json.loads(chosen) == ["Approve"] and json.loads(responded_by)["name"] == APPROVER

    package = world["home"] / "exports" / PERIOD
    draft = world["home"] / "exports" / f"{PERIOD}.draft"
    signed = _manifest(package)
    assert signed["is_draft"] is False
    assert DRAFT not in _workbook_text(package)
    assert DRAFT not in (package / f"月度简报_{PERIOD}.html").read_text(encoding="utf-8")
    assert APPROVER in _workbook_text(package)  # 审核 / 签发
    # the draft that was approved, kept beside it: marked, and saying why the last one went back
    assert _manifest(draft)["is_draft"] is True
    assert DRAFT in _workbook_text(draft)
    assert REASON in _workbook_text(draft) + (draft / f"月度简报_{PERIOD}.html").read_text(encoding="utf-8")

    assert len(world["inbox"].messages) == 1
    msg = email.message_from_bytes(world["inbox"].messages[0])
    names = {part.get_filename() for part in msg.walk() if part.get_filename()}
    assert f"责任分解表进展_{PERIOD}.xlsx" in names
    from exports.helpers import sha256_bytes

    sent = next(p for p in msg.walk() if p.get_filename() == f"责任分解表进展_{PERIOD}.xlsx")
    assert sha256_bytes(sent.get_payload(decode=True)) == next(
        f["sha256"] for f in signed["files"] if f["path"] == f"责任分解表进展_{PERIOD}.xlsx"
    )


@pytest.mark.slow
def test_someone_outside_the_approvers_is_refused_by_airflow(world, approved):
    """A run answered by a person not assigned to the task: Airflow's route refuses (403), the run
    stops, nothing more is sent and nothing recorded."""
    before = (len(world["inbox"].messages), _decisions(world["settings"]))
    result = _run(world, local_airflow.Decision(by="路人甲"))
    assert not result.ok and result.answers == []
    assert "403" in result.output and "路人甲" in result.output
    assert _states(world["env"])["approve_package"] == "awaiting_input"
    assert (len(world["inbox"].messages), _decisions(world["settings"])) == before
