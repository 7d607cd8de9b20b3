"""The failure notice of every newinfra task: logged, and e-mailed when SMTP is configured."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Mapping
from email.message import EmailMessage
from typing import Any

from dags.common.schedule import context_value
from newinfra.settings import Settings

log = logging.getLogger(__name__)


def failure_message(context: Mapping[str, Any]) -> tuple[str, str]:
    """Subject and body of the failure notice for a task's context."""
    ti = context_value(context, "ti") or context_value(context, "task_instance")
    dag_id = getattr(ti, "dag_id", None) or getattr(context_value(context, "dag"), "dag_id", "?")
    task_id = getattr(ti, "task_id", "?")
    run_id = context_value(context, "run_id") or getattr(ti, "run_id", "?")
    try_number = getattr(ti, "try_number", "?")
    exception = context_value(context, "exception")
    log_url = getattr(ti, "log_url", "") or ""
    subject = f"[newinfra] 任务失败 / task failed: {dag_id}.{task_id}"
    lines = [
        f"DAG: {dag_id}",
        f"任务 / task: {task_id}",
        f"运行 / run: {run_id}",
        f"尝试次数 / try: {try_number}",
        f"数据区间 / data interval: {context_value(context, 'data_interval_start')} .. {context_value(context, 'data_interval_end')}",
        f"错误 / error: {type(exception).__name__ + ': ' if exception else ''}{exception or '(none)'}",
    ]
    if log_url:
        lines.append(f"日志 / log: {log_url}")
    return subject, "\n".join(lines) + "\n"


def send_mail(settings_: Settings, subject: str, body: str) -> bool:
    """Send a plain-text mail with the platform's SMTP settings; False when SMTP is not configured."""
    if not settings_.smtp_host or not settings_.mail_to:
        return False
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = settings_.mail_from
    msg["To"] = ", ".join(settings_.mail_to)
    msg.set_content(body)
    with smtplib.SMTP(
        settings_.smtp_host, settings_.smtp_port, timeout=settings_.http_read_timeout_s
    ) as smtp:
        if settings_.smtp_starttls:
            smtp.starttls()
        if settings_.smtp_user:
            smtp.login(settings_.smtp_user, settings_.smtp_password)
        smtp.send_message(msg)
    return True


def notify_failure(context: Mapping[str, Any]) -> None:
    """``on_failure_callback`` of every task: log the failure; e-mail it when SMTP is configured.

    Never raises: a broken mail server must not hide the task's own error.
    """
    subject, body = failure_message(context)
    log.error("%s\n%s", subject, body)
    try:
        if send_mail(Settings.from_env(), subject, body):
            log.info("failure notice mailed")
    except Exception as exc:  # noqa: BLE001 - the callback must not fail
        log.warning("could not mail the failure notice: %s", exc)
