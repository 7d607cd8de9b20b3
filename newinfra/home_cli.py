"""`newinfra init` and `newinfra where`: the core's own subcommands (the data home and its paths)."""

from __future__ import annotations

import argparse
import json

from newinfra.settings import Settings


def _cmd_init(args: argparse.Namespace, settings: Settings) -> int:
    from newinfra.home import init_home

    result = init_home(settings, load_seeds=not args.no_seeds)
    if args.json:
        print(json.dumps(result.__dict__, ensure_ascii=False, indent=2))
        return 0
    print(f"数据目录 / home: {result.home}")
    print(f"新建目录 / created: {', '.join(result.created_dirs) or '无 (none)'}")
    print(f"建表脚本 / DDL: {len(result.ddl_files)} 个文件")
    for table, n in result.seed_tables.items():
        print(f"  plan.{table}: {n} 行")
    return 0


def _cmd_where(args: argparse.Namespace, settings: Settings) -> int:
    paths = {
        "home": settings.home,
        "warehouse": settings.warehouse,
        "landing": settings.landing,
        "feedback": settings.feedback,
        "exports": settings.exports,
        "published": settings.published_warehouse,
    }
    for name, path in paths.items():
        print(f"{name}\t{path}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "init", help="创建数据目录与仓库并加载规划种子数据 / create the home, warehouse and seeds"
    )
    p.add_argument("--no-seeds", action="store_true", help="只建目录和表，不运行 dbt seed")
    p.add_argument("--json", action="store_true", help="机器可读输出 / machine-readable output")
    p.set_defaults(func=_cmd_init)
    p = sub.add_parser("where", help="列出各数据路径 / print the platform's paths")
    p.set_defaults(func=_cmd_where)
