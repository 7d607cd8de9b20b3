"""What one ingest run says about each file: ``FileResult`` (the ledger row's fields) and its line for people."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from ingestion.submissions import constants
from ingestion.submissions.landing import Candidate


@dataclass
class FileResult:
    """One file: the ledger row's fields (``status`` 'error' = a platform failure, not recorded; 'waiting'
    = a landing file that changed moments ago, left untouched for the next run)."""

    file_id: str | None
    content_sha256: str | None
    original_name: str
    source_path: str
    archive_path: str | None = None
    sender_department_code: str | None = None
    department_code: str | None = None
    period: str | None = None
    template_version: str | None = None
    file_format: str | None = None
    file_encoding: str | None = None
    received_at: dt.datetime | None = None
    version: int | None = None
    status: str = "error"
    quarantine_reason_code: str | None = None
    quarantine_reason_zh: str | None = None
    quarantine_reason_en: str | None = None
    rows_total: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    rows_flagged: int = 0
    rows_blank: int = 0
    sender_mtime: dt.datetime | None = None
    received_at_source: str | None = None
    received_at_basis: str | None = None
    is_late: bool | None = None
    is_after_publication: bool | None = None
    duplicate_of: str | None = None
    feedback_path: str | None = None
    is_replay: bool = False  # this very receipt was handled before: nothing changed
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        for key in ("received_at", "sender_mtime"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key).isoformat() + "Z"
        return out


LEDGER_FIELDS = (
    "file_id", "content_sha256", "original_name", "archive_path", "sender_department_code",
    "department_code", "period", "template_version", "file_format", "file_encoding", "received_at",
    "version", "status", "quarantine_reason_code", "quarantine_reason_zh", "quarantine_reason_en",
    "rows_total", "rows_accepted", "rows_rejected", "rows_flagged", "is_late", "is_after_publication",
    "duplicate_of", "feedback_path", "rows_blank", "sender_mtime", "received_at_source", "received_at_basis",
)  # fmt: skip


def unrecorded_result(cand: Candidate, status: str, error: str | None = None) -> FileResult:
    """The result of a file that is not in the ledger: left for the next run, or a platform failure."""
    return FileResult(
        file_id=None,
        content_sha256=None,
        original_name=cand.name,
        source_path=str(cand.path),
        sender_department_code=cand.sender,
        received_at=cand.received_at,
        status=status,
        error=error,
    )


def waiting_result(cand: Candidate) -> FileResult:
    """A landing file left for the next run: not archived, not in the ledger, not touched."""
    return unrecorded_result(cand, constants.STATUS_WAITING)


def error_result(cand: Candidate, exc: BaseException) -> FileResult:
    return unrecorded_result(cand, "error", f"{type(exc).__name__}: {exc}")


STATUS_TEXT = {
    constants.STATUS_LOADED: "已接收 loaded",
    constants.STATUS_PARTIAL: "部分接收 partially_loaded",
    constants.STATUS_QUARANTINED: "已隔离 quarantined",
    constants.STATUS_DUPLICATE: "重复 duplicate",
    constants.STATUS_BLANK: "未填报 blank",
    constants.STATUS_WAITING: "等待 waiting",
    "error": "失败 error",
}


def summary_line(r: FileResult) -> str:
    """One line per file for people (Chinese, with English)."""
    head = f"[{STATUS_TEXT.get(r.status, r.status)}] {r.original_name}"
    who = f"{r.department_code or r.sender_department_code or '?'} {r.period or ''}".strip()
    replay = "（此前已处理，未改变 / already handled, unchanged）" if r.is_replay else ""
    if r.status in (constants.STATUS_LOADED, constants.STATUS_PARTIAL):
        flags = []
        if r.is_late:
            flags.append("逾期 late")
        if r.is_after_publication:
            flags.append("发布后修订 after publication")
        extra = f"；{'，'.join(flags)}" if flags else ""
        return (
            f"{head} {who} v{r.version}：共 {r.rows_total} 行，接收 {r.rows_accepted}，退回 {r.rows_rejected}，"
            f"待核实 {r.rows_flagged}"
            + (f"，未填报 {r.rows_blank}" if r.rows_blank else "")
            + f"{extra}；反馈 {r.feedback_path}{replay}"
        )
    if r.status == constants.STATUS_QUARANTINED:
        return f"{head} {who}：{r.quarantine_reason_zh} / {r.quarantine_reason_en}；反馈 {r.feedback_path}{replay}"
    if r.status == constants.STATUS_WAITING:
        return (
            f"{head} {who}：文件刚有改动，可能仍在上传，下次运行再接收 / changed moments ago, may still be "
            "uploading: the next run takes it"
        )
    if r.status == constants.STATUS_DUPLICATE:
        return f"{head} {who}：{r.quarantine_reason_zh} / {r.quarantine_reason_en}；反馈 {r.feedback_path}{replay}"
    if r.status == constants.STATUS_BLANK:
        return f"{head} {who}：没有填写任何数值，按未填报处理 / nothing filled in: not reported；反馈 {r.feedback_path}{replay}"
    return f"{head}：{r.error}"
