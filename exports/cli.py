"""`newinfra report --period YYYY-MM [--force] [--deliver] [--json]`: the monthly package."""

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


def _cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    from exports import build_package, deliver
    from exports.helpers import period_label
    from exports.settings import STATUS_LABELS

    result = build_package(settings, args.period, force=args.force, issued_on=args.issued_on)
    delivery = deliver(settings, result) if args.deliver else None
    if args.json:
        out = result.to_dict()
        out["delivery"] = delivery.to_dict() if delivery else None
        print(json.dumps(out, ensure_ascii=False, indent=2, default=str))
        return 0
    print(f"月度数据包 / package {period_label(result.period)}: {result.path}")
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
    p.add_argument("--deliver", action="store_true", help="生成后按 SMTP 设置发送邮件 / e-mail the package")
    p.add_argument("--json", action="store_true", help="机器可读输出 / machine-readable output")
    p.set_defaults(func=_cmd_report)
