"""`newinfra report --period YYYY-MM [--force] [--json]`: the monthly package, built as a draft;
`--approve --by NAME [--deliver]` / `--reject --by NAME --reason TEXT`: its sign-off (docs/report.md)."""

from __future__ import annotations

import argparse
import datetime as dt
import json

from newinfra.settings import Settings


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"印发日期应为 YYYY-MM-DD：{text!r} / the issue date must be YYYY-MM-DD"
        ) from exc


def _cmd_decision(args: argparse.Namespace, settings: Settings) -> int:
    """--approve --by NAME / --reject --by NAME --reason TEXT (docs/report.md "审核与签发")."""
    from exports import approval

    if args.approve:
        out = approval.approve(settings, args.period, args.by or "", via="cli")
        delivery = approval.deliver_approved(settings, args.period) if args.deliver else None
    else:
        out = approval.reject(settings, args.period, args.by or "", args.reason or "", via="cli")
        delivery = None
    if args.json:
        out["delivery"] = delivery.to_dict() if delivery else None
        print(json.dumps(out, ensure_ascii=False, indent=2, default=str))
        return 0
    if args.approve:
        print(f"已审核签发 / approved by {out['decided_by']} at {out['decided_at']} UTC: {out['package']}")
        print(f"草稿保留于 / draft kept at: {out['draft']}")
    else:
        print(f"已退回 / rejected by {out['decided_by']} at {out['decided_at']} UTC：{out['reason']}")
        print(f"数据包仍为草稿，不发送 / the package stays a draft, nothing is sent: {out['draft']}")
    if delivery is not None:
        print(f"邮件 / mail: {delivery.note_zh} / {delivery.note_en}")
    return 0


def _cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    from exports.approval import DRAFT_LABEL, build_draft
    from exports.helpers import period_label
    from exports.settings import STATUS_LABELS
    from newinfra.errors import UserInputError

    if args.approve and args.reject:
        raise UserInputError("--approve 与 --reject 只能选一个", "--approve and --reject exclude each other")
    if args.approve or args.reject:
        return _cmd_decision(args, settings)
    if args.deliver:
        raise UserInputError(
            f"新生成的数据包是{DRAFT_LABEL}，审核签发后才能发送：newinfra report --period {args.period} --approve --by 姓名 --deliver",
            f"a new package is a draft; approve it first: newinfra report --period {args.period} --approve --by NAME --deliver",
        )
    from newinfra.progress import Progress

    mode = "quiet" if (args.quiet or args.json) else "auto"
    with Progress("报告包 report", 0, unit="文件 files", mode=mode) as progress:
        result = build_draft(
            settings, args.period, force=args.force, issued_on=args.issued_on, progress=progress
        )
    delivery = None
    if args.json:
        out = result.to_dict()
        out["delivery"] = delivery.to_dict() if delivery else None
        print(json.dumps(out, ensure_ascii=False, indent=2, default=str))
        return 0
    print(f"月度数据包（{DRAFT_LABEL}）/ draft package {period_label(result.period)}: {result.path}")
    if result.is_forced:
        print("！强制生成：本期有未通过的阻断性质量检查或缺少质量检查 / FORCED past the quality gate")
        for line in result.quality.get("blocking_failures", []):
            print(f"  - {line}")
    print(f"数据快照 / snapshot: {result.snapshot_id or '未知'}")
    counts = "，".join(f"{STATUS_LABELS[c]} {n}" for c, n in result.status_counts.items())
    print(f"指标状态 / status: {counts}")
    for entry in result.files:
        print(f"  {entry['path']}  {entry['size']:,} B  sha256 {entry['sha256'][:12]}…")
    print(f"  manifest.json  sha256 {result.manifest_sha256[:12]}…")
    pdf = result.pdf
    if pdf.get("status") != "created":
        print(f"PDF：{pdf.get('note_zh')} / {pdf.get('note_en')}")
    if result.replaced_previous:
        print(f"上一版已保留为 / previous kept as: {result.path.name}.prev")
    if delivery is not None:
        print(f"邮件 / mail: {delivery.note_zh} / {delivery.note_en}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report",
        help="生成月度数据包（责任分解表进展、月度简报、下期模板）/ build the monthly package",
        description=(
            "从已发布的分析库生成 exports/YYYY-MM/。本期最近一次质量检查有阻断性失败、或本期没有质量检查时拒绝生成，"
            "除非加 --force（封面以红字注明）。/ Build exports/YYYY-MM/ from the published marts; refuses when a "
            "blocking quality check failed (or no check ran) for the period unless --force."
        ),
    )
    p.add_argument("--period", required=True, help="报送期 YYYY-MM / the period, e.g. 2024-06")
    p.add_argument(
        "--force", action="store_true", help="越过质量门禁强制生成 / build despite the quality gate"
    )
    p.add_argument(
        "--issued-on",
        type=_date,
        default=None,
        help="印发日期 YYYY-MM-DD（不给则封面留空待填，文件日期取报送期末）/ the issue date",
    )
    p.add_argument(
        "--approve",
        action="store_true",
        help="审核签发本期草稿（需 --by）/ approve the period's draft (needs --by)",
    )
    p.add_argument(
        "--reject",
        action="store_true",
        help="退回本期草稿（需 --by 与 --reason）/ reject the draft (--by, --reason)",
    )
    p.add_argument("--by", default=None, help="审核人姓名 / the approver's name")
    p.add_argument("--reason", default=None, help="退回原因（必填）/ why the draft is rejected (required)")
    p.add_argument(
        "--deliver",
        action="store_true",
        help="与 --approve 同用：签发后按 SMTP 设置发送 / with --approve: e-mail the approved package",
    )
    p.add_argument("--json", action="store_true", help="机器可读输出 / machine-readable output")
    p.add_argument("--quiet", action="store_true", help="不显示进度 / no progress output")
    p.set_defaults(func=_cmd_report)
