"""`newinfra build` and `newinfra publish`: the transform stage from the command line."""

from __future__ import annotations

import argparse
import json

from newinfra.settings import Settings


def _cmd_build(args: argparse.Namespace, settings: Settings) -> int:
    from newinfra.progress import progress_factory
    from newinfra.transform import build, publish_marts

    progress = progress_factory(quiet=args.quiet or args.json)
    result = build(settings, args.select, period=args.period, progress=progress)
    published = None if args.no_publish else publish_marts(settings)
    if args.json:
        data = result.to_dict()
        if published:
            data["published"] = {
                "path": str(published.path),
                "snapshot_id": published.snapshot_id,
                "tables": len(published.tables),
            }
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    counts = ", ".join(f"{k} {v}" for k, v in sorted(result.counts.items()))
    print(f"dbt build 完成 / done: {counts}（{result.elapsed_s:.1f} 秒）")
    if published:
        _print_published(published)
    return 0


def _cmd_publish(args: argparse.Namespace, settings: Settings) -> int:
    from newinfra.transform import publish_marts

    published = publish_marts(settings)
    if args.json:
        print(
            json.dumps(
                {
                    "path": str(published.path),
                    "manifest": str(published.manifest_path),
                    "snapshot_id": published.snapshot_id,
                    "built_at": published.built_at,
                    "tables": [t.__dict__ for t in published.tables],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    _print_published(published)
    return 0


def _print_published(published) -> None:
    rows = sum(t.rows for t in published.tables)
    print(f"分析副本已发布 / analysts' copy published: {published.path}")
    print(f"  {len(published.tables)} 张表 / tables, {rows} 行 / rows, snapshot {published.snapshot_id}")
    print(f"  Parquet: {published.path.parent / 'parquet'}")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "build",
        help="运行 dbt build 并发布分析副本 / run dbt build, then publish the analysts' copy",
    )
    p.add_argument("--select", "-s", help="dbt 选择器，如 marts.governance / a dbt selector")
    p.add_argument("--period", help="报告期 YYYY-MM：序列至少延伸到该月 / series reach at least this month")
    p.add_argument("--no-publish", action="store_true", help="只构建，不发布分析副本 / build only")
    p.add_argument("--json", action="store_true", help="机器可读输出 / machine-readable output")
    p.add_argument("--quiet", action="store_true", help="不显示进度 / no progress output")
    p.set_defaults(func=_cmd_build)
    p = sub.add_parser(
        "publish",
        help="把数据集市复制为只读分析副本 / copy the marts to the read-only analysts' copy",
    )
    p.add_argument("--json", action="store_true", help="机器可读输出 / machine-readable output")
    p.set_defaults(func=_cmd_publish)
