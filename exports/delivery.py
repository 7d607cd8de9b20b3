"""E-mail the monthly package to the joint meeting office (optional).

SMTP settings come from ``Settings`` (NEWINFRA_SMTP_HOST, _PORT, _USER, _PASSWORD, _STARTTLS,
NEWINFRA_MAIL_FROM, NEWINFRA_MAIL_TO). Not configured (no host or no recipient) -> skipped with a
note, not an error. The message carries the workbook and the briefing (and the PDF when there is
one) as attachments, and the manifest; the department templates stay in the package folder (they go
to each department, not to the office).
"""

from __future__ import annotations

import json
import mimetypes
import smtplib
import ssl
from dataclasses import asdict, dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from exports import helpers as H
from exports import settings as S
from newinfra.errors import PlatformError
from newinfra.settings import Settings

SMTP_TIMEOUT_S = 30
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class DeliveryResult:
    status: str  # sent | skipped
    period: str
    recipients: list[str] = field(default_factory=list)
    subject: str = ""
    attachments: list[str] = field(default_factory=list)
    message_id: str = ""
    note_zh: str = ""
    note_en: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


def subject_for(period: str, is_forced: bool) -> str:
    prefix = "【强制生成，数据未通过质量检查】" if is_forced else ""
    return f"{prefix}贵州省新型基础设施建设月度材料（{H.period_label(period)}）：责任分解表进展与月度简报"


def body_for(manifest: dict) -> str:
    period = manifest["period"]
    lines = [
        "联席会议办公室：",
        "",
        f"附件为 {H.period_label(period)} 的《责任分解表进展》与《月度简报》（数据快照 {manifest.get('snapshot_id') or '未知'}）。",
    ]
    if manifest.get("is_forced"):
        lines.append("注意：本期存在未通过的阻断性数据质量检查，材料经强制生成，数据仅供参考。")
    templates = [f["path"] for f in manifest.get("files", []) if f.get("kind") == "template"]
    if templates:
        lines.append(
            f"下期（{H.period_label(manifest['next_period'])}）各部门填报模板共 {len(templates)} 份，见数据包 templates/ 目录。"
        )
    lines += ["", "各文件的 SHA-256 校验值见附件 manifest.json。", "", "—— newinfra 数据平台（自动发送）"]
    return "\n".join(lines) + "\n"


def build_message(settings: Settings, package_dir: Path, manifest: dict) -> tuple[EmailMessage, list[str]]:
    period = manifest["period"]
    msg = EmailMessage()
    msg["Subject"] = subject_for(period, bool(manifest.get("is_forced")))
    msg["From"] = settings.mail_from
    msg["To"] = ", ".join(settings.mail_to)
    msg["Date"] = formatdate(localtime=False)
    domain = settings.mail_from.rsplit("@", 1)[-1] if "@" in settings.mail_from else "localhost"
    msg["Message-ID"] = make_msgid(idstring=f"newinfra-{period}", domain=domain)
    msg.set_content(body_for(manifest))
    names = [S.WORKBOOK_NAME.format(period=period), S.BRIEFING_NAME.format(period=period)]
    pdf = manifest.get("pdf") or {}
    if pdf.get("status") == "created" and pdf.get("path"):
        names.append(pdf["path"])
    names.append(S.MANIFEST_NAME)
    attached = []
    for name in names:
        path = package_dir / name
        if not path.exists():
            raise PlatformError(f"数据包缺少文件：{path}", f"package file missing: {path}")
        data = path.read_bytes()
        if name.endswith(".xlsx"):
            maintype, subtype = XLSX_MIME.split("/")
        else:
            ctype = mimetypes.guess_type(name)[0] or "application/octet-stream"
            maintype, subtype = ctype.split("/", 1)
        if maintype == "text":  # the briefing: UTF-8 text, base64 so no line is rewrapped
            msg.add_attachment(
                data.decode("utf-8"), subtype=subtype, charset="utf-8", cte="base64", filename=name
            )
        else:
            msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
        attached.append(name)
    return msg, attached


def send(settings: Settings, msg: EmailMessage) -> None:
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT_S) as smtp:
            smtp.ehlo()
            if settings.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password)
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        raise PlatformError(
            f"邮件发送失败（{settings.smtp_host}:{settings.smtp_port}）：{exc}",
            f"sending mail via {settings.smtp_host}:{settings.smtp_port} failed: {exc}",
        ) from exc


def deliver_package(settings: Settings, package_dir: Path) -> DeliveryResult:
    manifest = json.loads((package_dir / S.MANIFEST_NAME).read_text(encoding="utf-8"))
    period = manifest["period"]
    if manifest.get("is_draft"):  # docs/report.md "审核与签发 / sign-off": a draft never leaves
        from newinfra.errors import UserInputError

        raise UserInputError(
            f"{package_dir} 是草稿（待审核），未经审核签发不发送",
            f"{package_dir} is a draft awaiting sign-off; it is not sent",
        )
    if not settings.smtp_host or not settings.mail_to:
        missing = "NEWINFRA_SMTP_HOST" if not settings.smtp_host else "NEWINFRA_MAIL_TO"
        return DeliveryResult(
            "skipped",
            period,
            note_zh=f"未配置邮件（{missing} 为空），跳过发送；数据包位于 {package_dir}",
            note_en=f"mail not configured ({missing} is empty); skipped. Package: {package_dir}",
        )
    from exports.approval import approval_of, not_approved_error

    if approval_of(settings, package_dir) is None:  # no package leaves without a recorded approval
        raise not_approved_error(period)
    msg, attached = build_message(settings, package_dir, manifest)
    send(settings, msg)
    return DeliveryResult(
        "sent",
        period,
        recipients=list(settings.mail_to),
        subject=str(msg["Subject"]),
        attachments=attached,
        message_id=str(msg["Message-ID"]),
        note_zh=f"已发送至 {', '.join(settings.mail_to)}",
        note_en=f"sent to {', '.join(settings.mail_to)}",
    )
