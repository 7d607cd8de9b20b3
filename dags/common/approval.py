"""The report DAG's sign-off task: Airflow's human-in-the-loop ``ApprovalOperator`` around
``exports.approval`` (docs/report.md "审核与签发 / sign-off").

The task waits (state ``awaiting_input``) until an approver decides in the UI or through the REST
API (``PATCH /api/v2/hitlDetails/{dag_id}/{dag_run_id}/{task_id}/{map_index}``, body
``{"chosen_options": ["Approve"|"Reject"], "params_input": {"reason": "…"}}``). Approve: the signed
package is built and recorded (``exports.approval.approve``), then delivery runs. Reject: the reason
(required) is recorded, delivery is skipped. No decision within NEWINFRA_REPORT_APPROVAL_DAYS: the
task fails with a timeout, the failure notice goes out, nothing is sent.
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


def approvers(settings: Settings) -> list[dict[str, str]] | None:
    """NEWINFRA_REPORT_APPROVERS as Airflow users; None = whoever the auth manager lets decide."""
    return [{"id": name, "name": name} for name in settings.report_approvers] or None


def approval_body(settings: Settings, period: str) -> str:
    """One screen for the approver: status counts, checks, the draft's files."""
    from exports import settings as S
    from exports.helpers import period_label
    from exports.package import package_dir

    folder = package_dir(settings, period)
    manifest = json.loads((folder / S.MANIFEST_NAME).read_text(encoding="utf-8"))
    q = manifest.get("quality") or {}
    lines = [
        f"## {period_label(period)} 月度材料（{manifest.get('snapshot_id') or '快照未知'}）草稿待审核",
        "",
        "**指标状态**：" + "，".join(
            f"{S.STATUS_LABELS[c]} {n}" for c, n in (manifest.get("status_counts") or {}).items()
        ),
        "",
        f"**数据质量**：共 {q.get('checks')} 项检查，失败 {q.get('failed')} 项，警告 {q.get('warned')} 项。",
    ]
    for line in q.get("blocking_failures") or []:
        lines.append(f"- 阻断：{line}")
    if manifest.get("is_forced"):
        lines.append("- **本稿经强制生成，存在未通过的阻断性检查**")
    lines += ["", "**草稿文件**："]
    lines += [f"- `{folder / f['path']}`" for f in manifest.get("files", []) if f.get("kind") != "template"]
    lines += ["", "退回时请在 reason 中填写原因（必填）。"]
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
            {"reason": Param("", type="string", description="退回原因（退回时必填）/ why it is rejected", source="task")}
        )
        self.period_task = period_task

    def _period(self, context: Any) -> str:
        return context["ti"].xcom_pull(task_ids=self.period_task)

    def execute(self, context: Any) -> Any:
        self.body = approval_body(Settings.from_env(), self._period(context))
        return super().execute(context)

    def execute_complete(self, context: Any, event: dict[str, Any]) -> Any:
        from exports import approval

        ret = super().execute_complete(context=context, event=event)
        user = ret["responded_by_user"] or {}
        by = user.get("name") or user.get("id") or ""
        period = self._period(context)
        settings = Settings.from_env()
        if ret["chosen_options"][0] == self.APPROVE:
            out = approval.approve(settings, period, by, via="airflow")
        else:
            reason = (ret.get("params_input") or {}).get("reason") or ""
            out = approval.reject(settings, period, by, reason, via="airflow")
        self.log.info("审核结果 / decision: %s", out)
        return {**out, "chosen_options": ret["chosen_options"]}
