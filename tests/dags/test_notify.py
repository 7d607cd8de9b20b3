"""The failure notice (dags/common/notify.py): logged always; mailed through the SMTP provider's
SmtpNotifier to a real SMTP server (aiosmtpd on 127.0.0.1, started here) when SMTP is configured;
never raises."""

from __future__ import annotations

import logging
import socket
import types
from email.header import decode_header, make_header

# Imported before the tests, as in a worker: importing the provider sets up Airflow's logging, which
# would drop pytest's log capture if it happened inside a test.
import airflow.providers.smtp.notifications.smtp  # noqa: F401
import pytest

from dags.common.notify import notify_failure


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


def _html_body(mail) -> str:
    parts = [p for p in mail.walk() if p.get_content_type() == "text/html"]
    assert len(parts) == 1, [p.get_content_type() for p in mail.walk()]
    return parts[0].get_payload(decode=True).decode(parts[0].get_content_charset())


def test_failure_is_logged_and_mailed(home, monkeypatch, smtp_server, caplog):
    controller, received = smtp_server
    monkeypatch.setenv("NEWINFRA_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("NEWINFRA_SMTP_PORT", str(controller.port))
    monkeypatch.setenv("NEWINFRA_MAIL_FROM", "newinfra@example.org")
    monkeypatch.setenv("NEWINFRA_MAIL_TO", "ops@example.org, lead@example.org")
    with caplog.at_level(logging.INFO, logger="dags.common.notify"):
        notify_failure(_context(RuntimeError("SMTP of the department down: <b> & {{ x }}")))
    assert "newinfra_monthly_report.export_package" in caplog.text
    assert "failure notice mailed" in caplog.text
    assert len(received) == 1
    mail = received[0]
    subject = " ".join(str(make_header(decode_header(mail["Subject"]))).split())
    assert subject == "[newinfra] 任务失败 / task failed: newinfra_monthly_report.export_package"
    assert mail["From"] == "newinfra@example.org"
    assert mail["To"] == "ops@example.org, lead@example.org"
    assert mail["X-RcptTo"] == "ops@example.org, lead@example.org"  # aiosmtpd: the envelope's recipients
    body = _html_body(mail)
    # the error text reaches the reader as written: escaped for HTML, not rendered as a template
    assert "RuntimeError: SMTP of the department down: &lt;b&gt; &amp; {{ x }}" in body
    assert "尝试次数 / try: 3" in body and "任务 / task: export_package" in body
    assert (
        "日志 / log: http://localhost:8080/dags/newinfra_monthly_report/runs/x/tasks/export_package" in body
    )


def test_failure_without_smtp_only_logs(home, monkeypatch, caplog):
    monkeypatch.delenv("NEWINFRA_SMTP_HOST", raising=False)
    with caplog.at_level(logging.INFO, logger="dags.common.notify"):
        notify_failure(_context(ValueError("boom")))
    assert "task failed: newinfra_monthly_report.export_package" in caplog.text
    assert "错误 / error: ValueError: boom" in caplog.text
    assert "mailed" not in caplog.text


def test_failure_callback_never_raises(home, monkeypatch, caplog):
    monkeypatch.setenv("NEWINFRA_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("NEWINFRA_SMTP_PORT", str(_free_port()))  # nobody listens
    monkeypatch.setenv("NEWINFRA_MAIL_TO", "ops@example.org")
    notify_failure(_context(ValueError("boom")))
    assert "could not mail the failure notice" in caplog.text
    assert "mailed to" not in caplog.text
