"""Sign-off of the monthly package: draft -> 审核/签发 (approve or reject) -> delivery.

docs/report.md "审核与签发 / sign-off". The CLI (``newinfra report --approve/--reject``) and the
Airflow approval task both call ``approve`` / ``reject`` here, so both record the same rows in
ops.report_publications:

- ``build_draft``: the package marked 草稿（待审核） on every sheet and on the briefing
  (``ReportData.is_draft``); its row has no decision.
- ``approve``: the same data (same snapshot) rebuilt with 审核/签发 filled and no draft mark into
  exports/YYYY-MM/; the draft is kept beside it as exports/YYYY-MM.draft/; row decision=approved.
- ``reject``: a reason is required; the package stays a draft; row decision=rejected with the reason.
- ``deliver_approved``: sends only a package whose manifest sha256 has an approved row.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import json
import shutil
from pathlib import Path
from typing import Any

from exports import settings as S
from newinfra.errors import UserInputError
from newinfra.periods import parse_period
from newinfra.settings import Settings

DRAFT_LABEL = "草稿（待审核）"
DRAFT_SUFFIX = ".draft"
APPROVED = "approved"
REJECTED = "rejected"


def draft_banner_html() -> str:
    return (
        f'<div class="banner forced" id="draft" style="text-align:center">{html.escape(DRAFT_LABEL)}：'
        "本简报尚未经审核签发，不得报送或引用</div>"
    )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def _schema(con) -> None:
    con.execute(Path(__file__).with_name("schema.sql").read_text(encoding="utf-8"))


def _rel(settings: Settings, path: Path) -> str:
    return path.relative_to(settings.home).as_posix() if path.is_relative_to(settings.home) else str(path)


def check_approver(settings: Settings, name: str) -> str:
    """The approver's name, stripped; refused when empty or not among NEWINFRA_REPORT_APPROVERS."""
    name = (name or "").strip()
    if not name:
        raise UserInputError("审核人姓名不能为空（--by）", "the approver's name is required (--by)")
    if settings.report_approvers and name not in settings.report_approvers:
        allowed = "、".join(settings.report_approvers)
        raise UserInputError(
            f"{name} 不在审核人名单（NEWINFRA_REPORT_APPROVERS：{allowed}）中",
            f"{name} is not an approver (NEWINFRA_REPORT_APPROVERS: {', '.join(settings.report_approvers)})",
        )
    return name


def _manifest(folder: Path) -> tuple[dict[str, Any], str]:
    from exports import helpers as H

    blob = (folder / S.MANIFEST_NAME).read_bytes()
    return json.loads(blob), H.sha256_bytes(blob)


def _draft_folder(settings: Settings, period: str) -> Path:
    """The draft awaiting a decision: exports/YYYY-MM/ while it is a draft."""
    from exports.package import package_dir

    folder = package_dir(settings, period)
    if not (folder / S.MANIFEST_NAME).is_file():
        raise UserInputError(
            f"报送期 {period} 没有待审核的草稿（{folder}），请先运行 newinfra report --period {period}",
            f"no draft for {period} at {folder}; run `newinfra report --period {period}` first",
        )
    manifest, _ = _manifest(folder)
    if not manifest.get("is_draft"):
        raise UserInputError(
            f"报送期 {period} 的数据包已审核签发，不是草稿；如需重新审核请先重新生成草稿",
            f"the {period} package is already approved, not a draft; rebuild the draft to ask again",
        )
    return folder


def build_draft(
    settings: Settings,
    period: str,
    force: bool = False,
    issued_on: dt.date | None = None,
    progress=None,
):
    """The month's package as a draft (草稿（待审核）), recorded with no decision."""
    from exports.data import load_report_data
    from exports.package import record_publication, write_package
    from exports.templates_adapter import templates_writer

    data = load_report_data(settings, period, force=force, issued_on=issued_on)
    data.is_draft = True
    last = latest_decision(settings, period)
    if last and last["decision"] == REJECTED:
        data.notes.append(
            f"上一稿被退回（{last['decided_by']}，{last['decided_at']:%Y-%m-%d %H:%M} UTC）：{last['reason']}"
        )
    result = write_package(
        settings,
        data,
        force_requested=force,
        templates_writer=templates_writer(settings, data),
        progress=progress,
    )
    record_publication(settings, result)
    return result


def _insert(settings: Settings, row: dict[str, Any]) -> None:
    from newinfra import db

    cols = list(row)
    with db.writer(settings) as con:
        _schema(con)
        con.execute(
            f"insert into ops.report_publications ({', '.join(cols)}) values ({', '.join('?' * len(cols))})",
            [row[c] for c in cols],
        )


def approve(settings: Settings, period: str, by: str, via: str = "cli") -> dict[str, Any]:
    """Approve the draft of ``period``: rebuild it from the same snapshot with 审核/签发 filled and no
    draft mark, keep the draft as exports/YYYY-MM.draft/, record decision=approved."""
    from exports.data import load_report_data
    from exports.package import PackageResult, write_package
    from exports.templates_adapter import templates_writer

    parse_period(period)
    by = check_approver(settings, by)
    folder = _draft_folder(settings, period)
    draft, draft_sha = _manifest(folder)
    issued = dt.date.fromisoformat(draft["issued_on"]) if draft.get("issued_on") else None
    data = load_report_data(settings, period, force=bool(draft.get("is_forced")), issued_on=issued)
    if data.snapshot_id != draft.get("snapshot_id"):
        raise UserInputError(
            f"草稿生成后数据已更新（草稿快照 {draft.get('snapshot_id')}，现为 {data.snapshot_id}），"
            f"请重新生成草稿后再审核：newinfra report --period {period}",
            f"the data changed since the draft (snapshot {draft.get('snapshot_id')} -> {data.snapshot_id}); "
            f"rebuild the draft and approve that",
        )
    fields = dict(data.document_fields)
    fields["reviewer"] = by
    fields["issuer"] = settings.report_issuer or by
    data = dataclasses.replace(data, document_fields=fields, is_draft=False)
    kept = folder.with_name(folder.name + DRAFT_SUFFIX)
    if kept.exists():
        shutil.rmtree(kept)
    shutil.copytree(folder, kept)
    result: PackageResult = write_package(
        settings,
        data,
        force_requested=bool(draft.get("force_requested")),
        templates_writer=templates_writer(settings, data),
    )
    decided_at = _now()
    _insert(
        settings,
        {
            "period": period,
            "published_at": decided_at,
            "package_path": _rel(settings, result.path),
            "manifest_sha256": result.manifest_sha256,
            "snapshot_id": result.snapshot_id,
            "is_forced": result.is_forced,
            "decision": APPROVED,
            "decided_by": by,
            "decided_at": decided_at,
            "via": via,
            "draft_sha256": draft_sha,
        },
    )
    return {
        "period": period,
        "decision": APPROVED,
        "decided_by": by,
        "decided_at": decided_at.isoformat(),
        "via": via,
        "package": str(result.path),
        "manifest_sha256": result.manifest_sha256,
        "draft": str(kept),
    }


def reject(settings: Settings, period: str, by: str, reason: str, via: str = "cli") -> dict[str, Any]:
    """Reject the draft of ``period``: the reason is required; nothing is rebuilt or sent."""
    parse_period(period)
    by = check_approver(settings, by)
    reason = (reason or "").strip()
    if not reason:
        raise UserInputError("退回必须说明原因（--reason）", "a rejection needs a reason (--reason)")
    folder = _draft_folder(settings, period)
    draft, draft_sha = _manifest(folder)
    decided_at = _now()
    _insert(
        settings,
        {
            "period": period,
            "published_at": decided_at,
            "package_path": _rel(settings, folder),
            "manifest_sha256": draft_sha,
            "snapshot_id": draft.get("snapshot_id"),
            "is_forced": bool(draft.get("is_forced")),
            "decision": REJECTED,
            "decided_by": by,
            "decided_at": decided_at,
            "reason": reason,
            "via": via,
            "draft_sha256": draft_sha,
        },
    )
    return {
        "period": period,
        "decision": REJECTED,
        "decided_by": by,
        "decided_at": decided_at.isoformat(),
        "via": via,
        "reason": reason,
        "draft": str(folder),
    }


def decisions(settings: Settings, period: str) -> list[dict[str, Any]]:
    """Every decision recorded for ``period``, oldest first."""
    from newinfra import db

    if not settings.warehouse.exists():
        return []
    with db.writer(settings) as con:
        _schema(con)
        cur = con.execute(
            """
            select decision, decided_by, decided_at, reason, via, package_path, manifest_sha256, draft_sha256
            from ops.report_publications
            where period = ? and decision is not null
            order by decided_at, published_at
            """,
            [period],
        )
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def latest_decision(settings: Settings, period: str) -> dict[str, Any] | None:
    rows = decisions(settings, period)
    return rows[-1] if rows else None


def approval_of(settings: Settings, folder: Path) -> dict[str, Any] | None:
    """The recorded approval of the package in ``folder`` (not a draft, and an approved row with its
    manifest's sha256), or None. ``exports.delivery`` sends nothing without one."""
    manifest, sha = _manifest(Path(folder))
    if manifest.get("is_draft"):
        return None
    approved = [
        d
        for d in decisions(settings, str(manifest["period"]))
        if d["decision"] == APPROVED and d["manifest_sha256"] == sha
    ]
    return approved[-1] if approved else None


def not_approved_error(period: str) -> UserInputError:
    return UserInputError(
        f"报送期 {period} 的数据包未经审核签发，不发送：newinfra report --period {period} --approve --by 姓名",
        f"the {period} package has no recorded approval; nothing is sent "
        f"(`newinfra report --period {period} --approve --by NAME`)",
    )


def deliver_approved(settings: Settings, period: str):
    """Deliver the package of ``period`` only when it is an approved one (not a draft, and its
    manifest sha256 has an approved row); otherwise ``UserInputError``."""
    from exports import deliver, load_package

    package = load_package(settings, period)
    if approval_of(settings, package.path) is None:
        raise not_approved_error(period)
    return deliver(settings, package)
