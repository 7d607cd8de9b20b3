"""The DAGs' shared helpers: the failure callback (logs; mails through a real SMTP server when
configured; never raises), the dbt vars the Cosmos group passes, and the dbt-locked wrapper that
holds the warehouse lock around every dbt invocation of the transform DAG."""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import sys
import types
from email.header import decode_header, make_header

import pytest

from dags.common.constants import DBT_LOCKED_EXECUTABLE
from dags.common.cosmos_dbt import dbt_tasks
from dags.common.notify import notify_failure
from newinfra import db
from newinfra.settings import DBT_PROJECT_DIR, Settings


def _context(exc: Exception) -> dict:
    ti = types.SimpleNamespace(
        dag_id="newinfra_monthly_report",
        task_id="export_package",
        run_id="scheduled__2024-07-06T00:00:00+00:00",
        try_number=3,
        log_url="http://localhost:8080/dags/newinfra_monthly_report/runs/x/tasks/export_package",
    )
    return {"ti": ti, "run_id": ti.run_id, "exception": exc, "data_interval_end": "2024-07-06T00:00:00+00:00"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def smtp_server():
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received = []

    class Keep(Message):
        def handle_message(self, message):
            received.append(message)

    controller = Controller(Keep(), hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, received
    controller.stop()


def test_failure_is_logged_and_mailed(home, monkeypatch, smtp_server, caplog):
    controller, received = smtp_server
    monkeypatch.setenv("NEWINFRA_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("NEWINFRA_SMTP_PORT", str(controller.port))
    monkeypatch.setenv("NEWINFRA_MAIL_TO", "ops@example.org, lead@example.org")
    with caplog.at_level(logging.INFO, logger="dags.common.notify"):
        notify_failure(_context(RuntimeError("SMTP of the department down")))
    assert "newinfra_monthly_report.export_package" in caplog.text
    assert len(received) == 1
    mail = received[0]
    subject = " ".join(str(make_header(decode_header(mail["Subject"]))).split())
    assert subject == "[newinfra] 任务失败 / task failed: newinfra_monthly_report.export_package"
    assert mail["To"] == "ops@example.org, lead@example.org"
    body = mail.get_payload(decode=True).decode("utf-8")
    assert "RuntimeError: SMTP of the department down" in body and "尝试次数 / try: 3" in body


def test_failure_without_smtp_only_logs(home, monkeypatch, caplog):
    monkeypatch.delenv("NEWINFRA_SMTP_HOST", raising=False)
    with caplog.at_level(logging.INFO, logger="dags.common.notify"):
        notify_failure(_context(ValueError("boom")))
    assert "task failed: newinfra_monthly_report.export_package" in caplog.text
    assert "mailed" not in caplog.text


def test_failure_callback_never_raises(home, monkeypatch, caplog):
    monkeypatch.setenv("NEWINFRA_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("NEWINFRA_SMTP_PORT", str(_free_port()))  # nobody listens
    monkeypatch.setenv("NEWINFRA_MAIL_TO", "ops@example.org")
    notify_failure(_context(ValueError("boom")))
    assert "could not mail the failure notice" in caplog.text


def test_cosmos_passes_the_platform_settings_as_dbt_vars(home, monkeypatch):
    """The Cosmos task is built at parse time from the environment's settings: a changed setting
    reaches dbt's vars (the values below are written by hand, not computed by the code)."""
    from airflow.sdk import DAG

    monkeypatch.setenv("NEWINFRA_ON_TIME_DAYS", "7")
    monkeypatch.setenv("NEWINFRA_RECONCILIATION_THRESHOLD", "0.08")
    with DAG("vars_probe", schedule=None):
        operator = dbt_tasks("dbt_build")
    assert operator.vars == {"on_time_days": 7, "reconciliation_threshold": 0.08}


def _dbt_locked(args, home, timeout_s="2"):
    env = dict(os.environ)
    env.update(
        NEWINFRA_HOME=str(home),
        NEWINFRA_LOCK_TIMEOUT=timeout_s,
        NEWINFRA_PYTHON=sys.executable,
        DBT_PROFILES_DIR=str(DBT_PROJECT_DIR),
    )
    env.pop("DBT_TARGET_PATH", None)
    return subprocess.run(
        [str(DBT_LOCKED_EXECUTABLE), *args], env=env, capture_output=True, text=True, timeout=300
    )


def test_dbt_locked_waits_for_the_warehouse_lock(home, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    args = [
        "seed",
        "--select",
        "departments",
        "--project-dir",
        str(project),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
    ]
    settings = Settings(home=home)
    with db.write_lock(settings):  # another writer holds the warehouse
        proc = _dbt_locked(args, home)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "the warehouse is held by another writer" in proc.stderr
    # a command that never opens the warehouse does not wait
    with db.write_lock(settings):
        assert _dbt_locked(["--version"], home).returncode == 0
    # free: it runs dbt, and keeps the temporary project's artifacts where publish reads them
    (home / "dbt" / "target" / "run_results.json").unlink(missing_ok=True)
    proc = _dbt_locked(args, home)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert (home / "dbt" / "target" / "run_results.json").is_file()
    assert (home / "dbt" / "target" / "manifest.json").is_file()
