"""`newinfra load-projects FILE`: load the major-project library (重大项目库) into raw.project_registry."""

from __future__ import annotations

import argparse
import json

from newinfra.settings import Settings


def _cmd_load_projects(args: argparse.Namespace, settings: Settings) -> int:
    from ingestion.projects import load_projects

    result = load_projects(settings, args.file)
    if args.json:
        print(json.dumps(result.as_json(), ensure_ascii=False))
    elif result.unchanged:
        print(f"重大项目库未变（已是最新加载） / unchanged, already the latest load: {result.original_name}")
    else:
        print(
            f"已加载重大项目库 / loaded: {result.original_name}：{result.rows_loaded} 个项目"
            f"（新增 {result.rows_new}，更新 {result.rows_replaced}）"
        )
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "load-projects",
        help="加载重大项目库（xlsx/csv） / load the major-project library into raw.project_registry",
    )
    p.add_argument("file", help="项目库文件 .xlsx 或 .csv / the list, .xlsx or .csv")
    p.add_argument("--json", action="store_true", help="机器可读输出 / machine-readable output")
    p.set_defaults(func=_cmd_load_projects)
