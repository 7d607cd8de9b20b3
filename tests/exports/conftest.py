"""Fixtures of the report tests: the hand-made ReportData (report_fixtures.py) and a real SMTP server
(aiosmtpd) on 127.0.0.1 for the delivery tests."""

from __future__ import annotations

import pytest
from report_fixtures import free_port, make_report_data

from exports.model import ReportData


@pytest.fixture()
def report_data() -> ReportData:
    return make_report_data()


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append((list(envelope.rcpt_tos), envelope.original_content or envelope.content))
        return "250 OK"


@pytest.fixture()
def smtp_server():
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    inbox = _Inbox()
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=auth_data.password == b"secret-pw")

    port = free_port()
    controller = Controller(
        inbox, hostname="127.0.0.1", port=port, authenticator=authenticator, auth_require_tls=False
    )
    controller.start()
    try:
        yield port, inbox, logins
    finally:
        controller.stop()
