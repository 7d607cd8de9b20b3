"""The report DAG's sign-off task: Airflow's human-in-the-loop ``ApprovalOperator`` around
``exports.approval`` (docs/report.md "审核与签发 / sign-off").

The task waits (state ``awaiting_input``, no worker slot) until an approver decides in the UI
(Required Actions) or through the REST API (``PATCH /api/v2/dags/{dag_id}/dagRuns/{run_id}/
taskInstances/approve_package/-1/hitlDetails``, body ``{"chosen_options": ["Approve"|"Reject"],
"params_input": {"reason": "…"}}``). Approve: the signed package is built and recorded
(``exports.approval.approve``), then delivery runs. Reject: the reason (required) is recorded and
delivery is skipped. No decision within NEWINFRA_REPORT_APPROVAL_DAYS: the scheduler's timeout sweep
fails the task, the failure notice goes out, nothing is sent.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from airflow.providers.standard.operators.hitl import ApprovalOperator
from airflow.sdk import Param
from airflow.sdk.definitions.param import ParamsDict

from newinfra.settings import Settings

APPROVAL_TASK = "approve_package"
SUBJECT = "审核签发：贵州省新型基础设施建设月度材料"
REASON = "reason"


def _user_ids_are_login_names() -> bool:
    """Whether the auth manager's user id is the login name: the simple auth manager's is; FAB's is
    its row number and Keycloak's a UUID, which a list of names cannot give."""
    from airflow.sdk.configuration import conf

    return conf.get("core", "auth_manager", fallback="").endswith("SimpleAuthManager")


def approvers(settings: Settings) -> list[dict[str, str]] | None:
    """NEWINFRA_REPORT_APPROVERS as the task's assigned Airflow users (id = name = the login name),
    so Airflow itself refuses anyone else (403). None = whoever the auth manager lets act on the
    task (the Op role and up in production); also under an auth manager whose user ids are not
    login names (FAB, Keycloak), where the names are checked when the decision is recorded
    (``exports.approval.check_approver``: anyone else's answer fails the task, nothing is sent)."""
    if not settings.report_approvers or not _user_ids_are_login_names():
        return None
    return [{"id": name, "name": name} for name in settings.report_approvers]


def _details(settings: Settings, period: str, forced: bool) -> list[str]:
    """What changed since last month and who has not reported, from the draft's data."""
    from exports import settings as S
    from exports.data import load_report_data

    data = load_report_data(settings, period, force=forced)
    lines: list[str] = []
    changed = [r for r in data.progress if r.previous_status_code and r.previous_status_code != r.status_code]
    lines.append(f"**较上月状态变化**：{len(changed)} 项")
    for row in changed[:15]:
        lines.append(
            f"- {row.indicator_name}：{S.STATUS_LABELS.get(row.previous_status_code, row.previous_status_code)}"
            f" → {row.status_label}"
        )
    if len(changed) > 15:
        lines.append(f"- ……另 {len(changed) - 15} 项")
    rates = data.rates or {}
    missing = [c for c in data.compliance if c.get("status") == "missing"]
    lines += [
        "",
        f"**报送情况**：应报 {rates.get('expected', '?')}，已报 {rates.get('actual', '?')}，"
        f"逾期 {rates.get('late', '?')}，缺报 {rates.get('missing', '?')}",
    ]
    lines += [f"- 未报送：{c['department_name']}（{c['department_code']}）" for c in missing]
    return lines


def approval_body(settings: Settings, period: str) -> str:
    """One screen for the approver: status counts, changes since last month, checks, who has not
    reported, the draft's files."""
    from exports import settings as S
    from exports.helpers import period_label
    from exports.package import package_dir

    folder = package_dir(settings, period)
    manifest = json.loads((folder / S.MANIFEST_NAME).read_text(encoding="utf-8"))
    q = manifest.get("quality") or {}
    lines = [
        f"## {period_label(period)} 月度材料（快照 {manifest.get('snapshot_id') or '未知'}）草稿待审核",
        "",
        "**指标状态**："
        + "，".join(
            f"{S.STATUS_LABELS.get(c, c)} {n}" for c, n in (manifest.get("status_counts") or {}).items()
        ),
        "",
    ]
    try:
        lines += _details(settings, period, bool(manifest.get("is_forced")))
    except Exception as exc:  # noqa: BLE001 - the approver still gets the rest of the screen
        lines.append(f"（变化与报送明细未能读取 / details unavailable: {exc}）")
    lines += [
        "",
        f"**数据质量**：共 {q.get('checks')} 项检查，失败 {q.get('failed')} 项，警告 {q.get('warned')} 项。",
    ]
    lines += [f"- 阻断：{line}" for line in q.get("blocking_failures") or []]
    if manifest.get("is_forced"):
        lines.append("- **本稿经强制生成，存在未通过的阻断性检查**")
    lines += ["", f"**草稿文件**（{folder}）："]
    lines += [f"- `{f['path']}`" for f in manifest.get("files", []) if f.get("kind") != "template"]
    lines += ["", "通过（Approve）后生成签发版并发送；退回（Reject）时请在 reason 中填写原因（必填）。"]
    return "\n".join(lines)


class ReportApprovalOperator(ApprovalOperator):
    """Approve or reject the period's draft; the decision is recorded by ``exports.approval``."""

    def __init__(self, *, period_task: str = "report_period", **kwargs: Any) -> None:
        settings = Settings.from_env()
        kwargs.setdefault("subject", SUBJECT)
        kwargs.setdefault("assigned_users", approvers(settings))
        kwargs.setdefault("response_timeout", dt.timedelta(days=settings.report_approval_days))
        super().__init__(**kwargs)
        # Set after the DAG's params were merged in (inside a DAG with params the operator's own
        # params come out empty): the approver's form holds only the rejection reason.
        self.params = ParamsDict(
            {
                REASON: Param(
                    "",
                    type="string",
                    description="退回原因（退回时必填）/ why it is rejected",
                    source="task",
                )
            }
        )
        self.period_task = period_task

    def _period(self, context: Any) -> str:
        return context["ti"].xcom_pull(task_ids=self.period_task)

    def execute(self, context: Any) -> Any:
        self.body = approval_body(Settings.from_env(), self._period(context))
        return super().execute(context)

    def execute_complete(self, context: Any, event: dict[str, Any]) -> Any:
        """Record the decision, then let ``ApprovalOperator`` go on: delivery runs after an approval;
        a rejection skips it (Airflow ends the task there, so the decision is recorded first)."""
        from exports import approval

        if "error" in event:  # a timeout: no decision; the task fails, the failure notice goes out
            return super().execute_complete(context=context, event=event)
        chosen = list(event["chosen_options"])
        self.validate_chosen_options(chosen)
        user = event.get("responded_by_user") or {}
        by = user.get("name") or user.get("id") or ""
        period = self._period(context)
        settings = Settings.from_env()
        if chosen == [self.APPROVE]:
            out = approval.approve(settings, period, by, via="airflow")
        else:
            reason = (event.get("params_input") or {}).get(REASON) or ""
            out = approval.reject(settings, period, by, reason, via="airflow")
        self.log.info("审核结果 / decision: %s", out)
        super().execute_complete(context=context, event=event)
        return {**out, "chosen_options": chosen}
