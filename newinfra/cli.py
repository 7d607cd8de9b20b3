"""The `newinfra` command. Each part of the data flow registers its own subcommands.

A module listed in ``COMMAND_MODULES`` exposes ``register(subparsers)``; it adds its subparser(s)
and sets ``func`` (``func(args, settings) -> int``). Heavy imports stay inside the functions, so
``newinfra --help`` is quick. A user's mistake (``NewinfraError``) prints in Chinese and English
and exits non-zero; it never prints a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Sequence

from newinfra.errors import NewinfraError
from newinfra.settings import Settings

COMMAND_MODULES = (
    "newinfra.cli",
    "ingestion.submissions.cli",
    "ingestion.projects.cli",
    "ingestion.public_stats.cli",
    "quality.cli",
    "exports.cli",
    "newinfra.transform_cli",
    "demo.cli",
    "newinfra.run_cli",
    "newinfra.extract",
)


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newinfra",
        description="贵州省新型基础设施建设三年行动方案 数据平台 / Guizhou new-infrastructure plan tracker",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        settings = Settings.from_env()
        return int(args.func(args, settings) or 0)
    except NewinfraError as exc:
        print(f"错误：{exc.message_zh}\nError: {exc.message_en}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("已中断 / interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
