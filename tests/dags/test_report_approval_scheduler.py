"""The report DAG's sign-off under a real scheduler (`airflow standalone` on 127.0.0.1: api-server,
scheduler, dag-processor, triggerer; LocalExecutor; SQLite; the simple auth manager with two logins)
and a local SMTP server (aiosmtpd), docs/report.md "审核与签发 / sign-off":

- the run waits at approve_package (``awaiting_input``) and nothing is sent; an approval through
  the REST API (``PATCH …/hitlDetails`` with the approver's token) leads to delivery of the signed
  package, and the approver is recorded; a user who is not an approver is refused (403);
- with no answer within NEWINFRA_REPORT_APPROVAL_DAYS the scheduler fails the task, the failure
  notice is mailed, and nothing is delivered.

Every wait polls with a generous deadline; the standalone process group is stopped at the end.
"""

from __future__ import annotations

import email
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.header import decode_header, make_header
from pathlib import Path

import pytest

from dags.common.constants import DAG_MONTHLY_REPORT
from newinfra.settings import Settings
from pipeline import local_airflow

pytestmark = pytest.mark.slow

PERIOD = "2022-02"
LOGICAL_DATE = "2022-03-06T00:00:00Z"  # the run that reports 2022-02
APPROVER = "李主任"
OUTSIDER = "路人甲"
PASSWORDS = {APPROVER: "approver-pw-7d1c", OUTSIDER: "outsider-pw-2b9e"}
STARTUP_TIMEOUT_S = 300
RUN_TIMEOUT_S = 900


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append(envelope.original_content or envelope.content)
        return "250 OK"

    def subjects(self) -> list[str]:
        return [
            str(make_header(decode_header(email.message_from_bytes(m)["Subject"]))) for m in self.messages
        ]


@dataclass
class Standalone:
    proc: subprocess.Popen
    env: dict
    db: Path
    log: Path
    port: int
    home: Path
    inbox: _Inbox

    def tail(self, n: int = 80) -> str:
        return "\n".join(self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-n:])

    def query(self, sql: str, *params) -> list[tuple]:
        for _ in range(20):  # the scheduler may hold SQLite's write lock for a moment
            try:
                con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=5)
                try:
                    return con.execute(sql, params).fetchall()
                finally:
                    con.close()
            except sqlite3.OperationalError:
                time.sleep(0.5)
        raise AssertionError(f"metadata DB unreadable: {self.db}")

    def wait(self, what: str, check, timeout: float = RUN_TIMEOUT_S):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = check()
            if value:
                return value
            if self.proc.poll() is not None:
                raise AssertionError(f"airflow standalone exited waiting for {what}:\n{self.tail()}")
            time.sleep(2)
        raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}:\n{self.tail()}")

    def api(self, method: str, path: str, body=None, token: str | None = None) -> tuple[int, dict]:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            data=None if body is None else json.dumps(body).encode("utf-8"),
            method=method,
            headers={
                "Content-Type": "application/json",
                **({"Authorization": f"Bearer {token}"} if token else {}),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"{}")
        except urllib.error.URLError:  # not listening yet
            return 0, {}

    def token(self, user: str) -> str:
        status, body = self.api("POST", "/auth/token", {"username": user, "password": PASSWORDS[user]})
        assert status == 201, (status, body)
        return body["access_token"]

    def states(self, run_id: str) -> dict[str, str]:
        return dict(
            self.query(
                "select task_id, state from task_instance where dag_id = ? and run_id = ?",
                DAG_MONTHLY_REPORT,
                run_id,
            )
        )


@pytest.fixture()
def standalone(request, seeded_home_template, dbt_manifest, tmp_path):
    """`airflow standalone` with a home holding PERIOD's submissions, SMTP at a local aiosmtpd, the
    approvers and the approval days of ``request.param``; stopped afterwards."""
    from aiosmtpd.controller import Controller

    from demo.generate import generate
    from ingestion.submissions import ingest_paths

    approval_days = request.param
    home = tmp_path / "home"
    shutil.copytree(seeded_home_template, home, ignore=shutil.ignore_patterns("dbt"))
    settings = Settings(home=home)
    generate(home, through="2022-03", settings=settings, folders=["CAC", "STD", "BDB"], workers=1)
    ingest_paths(settings, workers=1)
    inbox = _Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    smtp.start()

    airflow_home = tmp_path / "airflow"
    env = local_airflow.prepare_airflow_home(settings, airflow_home)
    passwords = airflow_home / "passwords.json"
    passwords.write_text(json.dumps(PASSWORDS, ensure_ascii=False), encoding="utf-8")
    port = _free_port()
    env.update(
        AIRFLOW__API__HOST="127.0.0.1",
        AIRFLOW__API__PORT=str(port),
        AIRFLOW__API__BASE_URL=f"http://127.0.0.1:{port}",
        AIRFLOW__CORE__EXECUTION_API_SERVER_URL=f"http://127.0.0.1:{port}/execution/",
        AIRFLOW__CORE__EXECUTOR="LocalExecutor",
        AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION="True",
        AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS="False",
        AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS=f"{APPROVER}:op,{OUTSIDER}:op",
        AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE=str(passwords),
        AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC="1",
        # only the test's own run: unpausing must not start the cron run of the latest 6th
        AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE="False",
        AIRFLOW__SCHEDULER__TRIGGER_TIMEOUT_CHECK_INTERVAL="2",  # the awaiting_input timeout sweep
        AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL="5",
        AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT=str(_free_port()),
        AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT=str(_free_port()),
        NEWINFRA_LOCK_TIMEOUT="300",
        NEWINFRA_SMTP_HOST="127.0.0.1",
        NEWINFRA_SMTP_PORT=str(smtp.port),
        NEWINFRA_MAIL_TO="office@example.org",
        NEWINFRA_REPORT_APPROVERS=APPROVER,
        NEWINFRA_REPORT_APPROVAL_DAYS=str(approval_days),
        NEWINFRA_REPORT_PDF="off",  # LibreOffice's rendering is the exports tests' business
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
    stack = Standalone(proc, env, airflow_home / "airflow.db", log, port, home, inbox)
    try:
        stack.wait(
            "the dag-processor to register the report DAG",
            lambda: (
                stack.db.exists()
                and bool(stack.query("select 1 from dag where dag_id = ?", DAG_MONTHLY_REPORT))
            ),
            STARTUP_TIMEOUT_S,
        )
        stack.wait("the api-server", lambda: stack.api("GET", "/api/v2/version")[0] == 200, STARTUP_TIMEOUT_S)
        yield stack
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)
        smtp.stop()


def _trigger(stack: Standalone, token: str) -> str:
    """A run of the report DAG for PERIOD, through the REST API; the DAG unpaused afterwards."""
    status, body = stack.api(
        "POST",
        f"/api/v2/dags/{DAG_MONTHLY_REPORT}/dagRuns",
        {"logical_date": LOGICAL_DATE, "conf": {"period": PERIOD}},
        token,
    )
    assert status == 200, (status, body)
    run_id = body["dag_run_id"]
    status, body = stack.api("PATCH", f"/api/v2/dags/{DAG_MONTHLY_REPORT}", {"is_paused": False}, token)
    assert status == 200, (status, body)
    return run_id


def _waiting(stack: Standalone, run_id: str):
    states = stack.states(run_id)
    failed = {t: s for t, s in states.items() if s in ("failed", "upstream_failed")}
    if failed:
        raise AssertionError(f"the report run failed before the approval: {failed}\n{stack.tail(150)}")
    return states.get("approve_package") == "awaiting_input"


def _parked(stack: Standalone, run_id: str) -> bool:
    """The worker that parked approve_package has finished and the scheduler took its event.

    Answering before that races Airflow 3.3 (seen here): the resumed task runs under the same try
    number, the parking worker's late "success" event then finds it running and the scheduler
    marks it failed. A person never answers within seconds; the test waits for the event."""
    text = stack.log.read_text(encoding="utf-8", errors="replace")
    return any(
        "Received executor event" in line and "task_id='approve_package'" in line and run_id in line
        for line in text.splitlines()
    )


def _package_mails(stack: Standalone) -> list[str]:
    return [s for s in stack.inbox.subjects() if "任务失败" not in s]


@pytest.mark.parametrize("standalone", [5], indirect=True)
def test_approval_through_the_rest_api_leads_to_delivery(standalone):
    stack = standalone
    token = stack.token(APPROVER)
    run_id = _trigger(stack, token)
    stack.wait("the approval wait", lambda: _waiting(stack, run_id))
    stack.wait("the parking worker's end", lambda: _parked(stack, run_id))

    # waiting: a draft, nothing sent, the approver's screen in the HITL detail
    package = stack.home / "exports" / PERIOD
    assert json.loads((package / "manifest.json").read_text(encoding="utf-8"))["is_draft"] is True
    assert _package_mails(stack) == []
    hitl = f"/api/v2/dags/{DAG_MONTHLY_REPORT}/dagRuns/{run_id}/taskInstances/approve_package/-1/hitlDetails"
    status, detail = stack.api("GET", hitl, token=token)
    assert status == 200, detail
    assert [u["name"] for u in detail["assigned_users"]] == [APPROVER]
    assert "指标状态" in detail["body"] and "草稿文件" in detail["body"]

    # someone who is not an approver is refused, and nothing is recorded
    status, body = stack.api(
        "PATCH", hitl, {"chosen_options": ["Approve"], "params_input": {"reason": ""}}, stack.token(OUTSIDER)
    )
    assert status == 403, body

    status, body = stack.api(
        "PATCH", hitl, {"chosen_options": ["Approve"], "params_input": {"reason": ""}}, token
    )
    assert status == 200, body
    assert body["responded_by"]["name"] == APPROVER

    def done():
        states = stack.states(run_id)
        if any(s in ("failed", "upstream_failed") for s in states.values()):
            raise AssertionError(f"the report run failed after the approval: {states}\n{stack.tail(150)}")
        return states.get("deliver_package") == "success"

    stack.wait("the delivery", done)
    from exports.approval import decisions

    rows = decisions(Settings(home=stack.home), PERIOD)
    assert [(r["decision"], r["decided_by"], r["via"]) for r in rows] == [("approved", APPROVER, "airflow")]
    assert json.loads((package / "manifest.json").read_text(encoding="utf-8"))["is_draft"] is False
    mails = _package_mails(stack)
    assert len(mails) == 1, stack.inbox.subjects()
    attached = [
        part.get_filename()
        for part in email.message_from_bytes(stack.inbox.messages[-1]).walk()
        if part.get_filename()
    ]
    assert f"责任分解表进展_{PERIOD}.xlsx" in attached


# 0.0005 days = 43 s: long enough for the run to park, short enough to wait for
@pytest.mark.parametrize("standalone", [0.0005], indirect=True)
def test_no_decision_in_time_fails_the_task_notifies_and_sends_nothing(standalone):
    stack = standalone
    token = stack.token(APPROVER)
    run_id = _trigger(stack, token)

    def timed_out():
        states = stack.states(run_id)
        assert states.get("deliver_package") != "success", states
        return (
            states.get("approve_package") == "failed" and states.get("deliver_package") == "upstream_failed"
        )

    stack.wait("the approval timeout", timed_out)
    # it did wait for a person: the request was written, and nobody answered it
    assert stack.query(
        "select h.responded_at, h.chosen_options from hitl_detail h join task_instance t on t.id = h.ti_id "
        "where t.run_id = ? and t.task_id = 'approve_package'",
        run_id,
    ) == [(None, None)]
    stack.wait(
        "the failure notice",
        lambda: any("approve_package" in s for s in stack.inbox.subjects() if "任务失败" in s),
        120,
    )
    # failed by the timeout, not by anything else
    notice = next(
        email.message_from_bytes(m)
        for m, s in zip(stack.inbox.messages, stack.inbox.subjects(), strict=True)
        if "approve_package" in s
    )
    text = "".join(
        part.get_payload(decode=True).decode("utf-8", "replace")
        for part in notice.walk()
        if part.get_content_maintype() == "text"
    )
    assert "HITLTimeoutError" in text, text
    assert _package_mails(stack) == []
    from exports.approval import decisions

    assert decisions(Settings(home=stack.home), PERIOD) == []
    manifest = json.loads((stack.home / "exports" / PERIOD / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["is_draft"] is True
