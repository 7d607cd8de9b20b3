"""E-mail delivery against a real SMTP server (aiosmtpd) on 127.0.0.1, started by the test."""

from __future__ import annotations

import dataclasses
import email
import email.policy
from pathlib import Path

import pytest
from report_fixtures import free_port, make_report_data, record_approval

from exports import deliver
from exports.delivery import deliver_package
from exports.package import write_package
from newinfra.errors import PlatformError, UserInputError


@pytest.fixture()
def package(settings):
    result = write_package(settings, make_report_data(), force_requested=False, make_pdf=False)
    record_approval(settings, result)
    return result


def _mail_settings(settings, port, **kw):
    return dataclasses.replace(
        settings,
        smtp_host="127.0.0.1",
        smtp_port=port,
        mail_from="newinfra@example.org",
        mail_to=("office@example.org", "drc@example.org"),
        **kw,
    )


def test_sends_the_package_with_a_chinese_subject(settings, package, smtp_server):
    port, inbox, logins = smtp_server
    result = deliver(_mail_settings(settings, port, smtp_user="newinfra", smtp_password="secret-pw"), package)
    assert result.status == "sent"
    assert logins == [("newinfra", "secret-pw")]
    assert len(inbox.messages) == 1
    rcpts, raw = inbox.messages[0]
    assert rcpts == ["office@example.org", "drc@example.org"]
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert msg["Subject"] == "贵州省新型基础设施建设月度材料（2024年6月）：责任分解表进展与月度简报"
    attachments = {part.get_filename(): part.get_content() for part in msg.iter_attachments()}
    assert set(attachments) == {"责任分解表进展_2024-06.xlsx", "月度简报_2024-06.html", "manifest.json"}
    folder = Path(package.path)
    assert attachments["责任分解表进展_2024-06.xlsx"] == (folder / "责任分解表进展_2024-06.xlsx").read_bytes()
    assert attachments["月度简报_2024-06.html"] == (folder / "月度简报_2024-06.html").read_text(
        encoding="utf-8"
    )
    assert "联席会议办公室" in msg.get_body(("plain",)).get_content()


def test_forced_package_says_so_in_the_subject(settings, smtp_server):
    port, inbox, _ = smtp_server
    forced = write_package(settings, make_report_data(forced=True), force_requested=True, make_pdf=False)
    record_approval(settings, forced)
    deliver(_mail_settings(settings, port), forced)
    msg = email.message_from_bytes(inbox.messages[0][1], policy=email.policy.default)
    assert msg["Subject"].startswith("【强制生成")


def test_not_configured_is_skipped_with_a_note(settings, package):
    result = deliver_package(dataclasses.replace(settings, smtp_host="", mail_to=()), package.path)
    assert result.status == "skipped"
    assert "NEWINFRA_SMTP_HOST" in result.note_zh
    result = deliver_package(dataclasses.replace(settings, smtp_host="127.0.0.1", mail_to=()), package.path)
    assert result.status == "skipped" and "NEWINFRA_MAIL_TO" in result.note_en


def test_unreachable_server_is_a_clear_error(settings, package):
    bad = _mail_settings(settings, free_port())
    with pytest.raises(PlatformError) as err:
        deliver(bad, package)
    assert "邮件发送失败" in err.value.message_zh


def test_a_package_nobody_approved_is_not_sent(settings, smtp_server):
    """Not a draft, but no approved row for its manifest: refused, nothing reaches the server; the
    same package once approved is sent. A later rebuild (another manifest) needs its own approval."""
    port, inbox, _ = smtp_server
    unsigned = write_package(settings, make_report_data(), force_requested=False, make_pdf=False)
    with pytest.raises(UserInputError) as err:
        deliver(_mail_settings(settings, port), unsigned)
    assert "未经审核签发" in err.value.message_zh
    assert inbox.messages == []
    record_approval(settings, unsigned)
    assert deliver(_mail_settings(settings, port), unsigned).status == "sent"
    rebuilt = write_package(settings, make_report_data(forced=True), force_requested=True, make_pdf=False)
    assert rebuilt.manifest_sha256 != unsigned.manifest_sha256
    with pytest.raises(UserInputError):
        deliver(_mail_settings(settings, port), rebuilt)
    assert len(inbox.messages) == 1
