"""The failure notice of every newinfra task: logged, and e-mailed when SMTP is configured.

The mail goes out through the SMTP provider's ``SmtpNotifier`` (apache-airflow-providers-smtp): it
builds the message, opens the connection (STARTTLS, login) and sends. Its connection is made from the
platform's own settings (``NEWINFRA_SMTP_*``, ``NEWINFRA_MAIL_FROM``, ``NEWINFRA_MAIL_TO``), the same
that deliver the monthly package, so the mail server is configured in one place. See
docs/operations.md and docs/architecture.md.

Only the standard library and the core are imported at module level (the DAG files import this at
parse time); the provider is imported when a task fails.
"""

from __future__ import annotations

import html
import json
import logging
from collections.abc import Mapping
from typing import Any

from dags.common.schedule import context_value
from newinfra.settings import Settings

log = logging.getLogger(__name__)

# The id of the connection the notifier's hook uses; it is built from the settings, never looked up.
SMTP_CONN_ID = "newinfra_smtp"


def failure_message(context: Mapping[str, Any]) -> tuple[str, list[str]]:
    """Subject and body lines (Chinese and English) of the failure notice for a task's context."""
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
    return subject, lines


def failure_html(lines: list[str]) -> str:
    """The notice's lines as the HTML body the provider sends (escaped: an error may hold ``<``)."""
    return "<p>" + "<br>\n".join(html.escape(line) for line in lines) + "</p>\n"


def smtp_connection(settings: Settings) -> Any:
    """The Airflow SMTP connection of the platform's settings: plain SMTP, STARTTLS when
    ``NEWINFRA_SMTP_STARTTLS`` is on, login when a user is set."""
    from airflow.providers.common.compat.sdk import Connection

    extra = {
        "from_email": settings.mail_from,
        "disable_ssl": True,  # SMTPS (port 465) is not offered; STARTTLS below
        "disable_tls": not settings.smtp_starttls,
        "timeout": int(settings.http_read_timeout_s),
    }
    return Connection(
        conn_id=SMTP_CONN_ID,
        conn_type="smtp",
        host=settings.smtp_host,
        port=settings.smtp_port,
        login=settings.smtp_user or None,
        password=settings.smtp_password or None,
        extra=json.dumps(extra),
    )


def failure_notifier(settings: Settings, subject: str, lines: list[str]) -> Any:
    """The provider's ``SmtpNotifier`` for one notice, its hook connected with the platform's settings."""
    from functools import cached_property

    from airflow.providers.smtp.hooks.smtp import SmtpHook
    from airflow.providers.smtp.notifications.smtp import SmtpNotifier

    class PlatformSmtpHook(SmtpHook):
        def get_connection(self, conn_id: str) -> Any:  # type: ignore[override]
            return smtp_connection(settings)

    class PlatformSmtpNotifier(SmtpNotifier):
        @cached_property
        def hook(self) -> SmtpHook:
            return PlatformSmtpHook(smtp_conn_id=SMTP_CONN_ID)

    return PlatformSmtpNotifier(
        to=list(settings.mail_to),
        from_email=settings.mail_from,
        subject=subject,
        html_content=failure_html(lines),
        smtp_conn_id=SMTP_CONN_ID,
    )


def notify_failure(context: Mapping[str, Any]) -> None:
    """``on_failure_callback`` of every task: log the failure; e-mail it when SMTP is configured.

    Never raises: a broken mail server must not hide the task's own error.
    """
    subject, lines = failure_message(context)
    log.error("%s\n%s", subject, "\n".join(lines))
    settings = Settings.from_env()
    if not settings.smtp_host or not settings.mail_to:
        return
    try:
        # notify(), not __call__: the subject and body are final text, not Jinja templates (an error
        # message may contain "{{").
        failure_notifier(settings, subject, lines).notify(dict(context))
        log.info("failure notice mailed to %s", ", ".join(settings.mail_to))
    except Exception as exc:  # noqa: BLE001 - the callback must not fail
        log.warning("could not mail the failure notice: %s", exc)
