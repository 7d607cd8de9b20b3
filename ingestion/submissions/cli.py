"""`newinfra template` and `newinfra ingest`: department submissions from the command line.

Thin: argument parsing and printing; the work is in ``ingestion.submissions`` (``template``).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ingestion.submissions import constants
from newinfra.errors import UserInputError
from newinfra.settings import Settings


def _resolve_department(plan, text: str) -> str:
    dept = plan.department(text)
    if dept is None:
        raise UserInputError(
            f"未知单位：{text}（可用单位代码或中文名，如 CA 或 省通信管理局）",
            f"unknown department: {text} (use a code or the Chinese name, e.g. CA)",
        )
    return dept.code


def _cmd_template(args: argparse.Namespace, settings: Settings) -> int:
    from ingestion.submissions import store
    from ingestion.submissions.template import template_filename, write_template
    from newinfra import db
    from newinfra.periods import parse_period
    from newinfra.plan import load_plan

    plan = load_plan()
    parse_period(args.period)
    if args.all:
        codes = plan.reporting_departments()
    elif args.department:
        codes = [_resolve_department(plan, args.department)]
    else:
        raise UserInputError("请用 --department 指定单位，或用 --all", "give --department CODE, or --all")
    if args.out and len(codes) > 1:
        raise UserInputError("--out 只能用于单个单位", "--out works with one department only")
    written = []
    for code in codes:
        previous: dict = {}
        projects: dict = {}
        if settings.warehouse.exists():
            with db.writer(settings) as con:
                db.ensure_schema(con)
                previous = {k: v for k, (_, v) in store.previous_values(con, code, args.period).items()}
                projects = store.department_projects(con, code)
        if args.out:
            out = Path(args.out)
        else:
            out = settings.home / "templates" / args.period / template_filename(plan, code, args.period)
        path = write_template(settings, plan, code, args.period, out, previous, list(projects.values()))
        written.append(
            {
                "department_code": code,
                "period": args.period,
                "path": str(path),
                "indicator_rows": sum(1 for _ in _rows(plan, code)),
                "projects": len(projects),
                "previous_values": len(previous),
            }
        )
    for item in written:
        if args.json:
            print(json.dumps(item, ensure_ascii=False))
        else:
            print(
                f"已生成填报模板 / template written: {item['path']}\n"
                f"  指标行 {item['indicator_rows']}，项目 {item['projects']}，上期数值 {item['previous_values']}"
            )
    return 0


def _rows(plan, code):
    from ingestion.submissions.template import template_rows

    return template_rows(plan, code)


def _cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from ingestion.submissions import ingest_paths, summary_line
    from newinfra.plan import load_plan

    department = _resolve_department(load_plan(), args.department) if args.department else None
    paths = [Path(p) for p in args.paths] or None
    if paths:
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            raise UserInputError(f"文件不存在：{', '.join(missing)}", f"no such file: {', '.join(missing)}")
    from ingestion.submissions.arrivals import parse_instant

    received_at = parse_instant(args.received_at, "--received-at") if args.received_at else None
    if args.arrivals and not Path(args.arrivals).is_file():
        raise UserInputError(f"到达清单不存在：{args.arrivals}", f"no such arrival manifest: {args.arrivals}")
    from newinfra.progress import Progress

    # Per file, with running counts by status; the total is set once the landing scan is done.
    with Progress(
        "采集 ingest", 0, unit="文件 files", mode="quiet" if (args.quiet or args.json) else "auto"
    ) as progress:
        results = ingest_paths(
            settings,
            paths,
            department=department,
            received_at=received_at,
            arrivals=args.arrivals,
            retry_quarantined=args.retry_quarantined,
            progress=progress,
        )
    failed = waiting = 0
    for result in results:
        if result.status == "error" or result.error:
            failed += 1
        waiting += result.status == constants.STATUS_WAITING
        if args.json:
            print(json.dumps(result.as_json(), ensure_ascii=False))
        else:
            print(summary_line(result))
    if not args.json:
        handled = len(results) - waiting
        print(
            f"共处理 {handled} 个文件 / {handled} file(s) handled"
            + (f"，{failed} 个失败 / {failed} failed" if failed else "")
            + (
                f"；{waiting} 个仍在上传，下次运行处理 / {waiting} still uploading, left for the next run"
                if waiting
                else ""
            )
        )
    return 1 if failed else 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "template",
        help="生成单位的月度填报模板 / write a department's pre-filled submission template",
    )
    p.add_argument("--department", help="单位代码或中文名 / department code or Chinese name")
    p.add_argument("--all", action="store_true", help="所有报送单位 / every reporting department")
    p.add_argument("--period", required=True, help="报送期 YYYY-MM")
    p.add_argument("--out", help="输出路径（默认 NEWINFRA_HOME/templates/<period>/） / output file")
    p.add_argument("--json", action="store_true", help="机器可读输出 / machine-readable output")
    p.set_defaults(func=_cmd_template)

    p = sub.add_parser(
        "ingest",
        help="接收单位报送文件（默认接收目录） / ingest department submissions (default: the landing folder)",
    )
    p.add_argument("paths", nargs="*", help="文件或目录（默认 NEWINFRA_HOME/landing） / files or folders")
    p.add_argument(
        "--department",
        help="手工接收时指定报送单位；不给路径时只处理 landing/<单位>/ / the sender, when the office loads "
        "a file by hand; without paths: only landing/<department>/",
    )
    p.add_argument(
        "--received-at",
        metavar="TIME",
        help="声明这些文件的到达时间（带时区的 ISO 8601，如 2024-07-03T10:00+08:00），记为 declared / "
        "declare when these files arrived (a backlog the scan never saw); recorded as declared",
    )
    p.add_argument(
        "--arrivals",
        metavar="CSV",
        help="到达清单（path,sha256,received_at,source；path 相对接收目录） / an arrival manifest "
        "(path relative to the landing folder, sha256, received_at, source)",
    )
    p.add_argument(
        "--retry-quarantined",
        action="store_true",
        help="重新检查因可变原因（文件过大、报送期未到）被隔离的文件 / examine again the files quarantined "
        "for a reason that can change (too large, a future period)",
    )
    p.add_argument("--json", action="store_true", help="每个文件一行 JSON / one JSON object per file")
    p.add_argument("--quiet", action="store_true", help="不显示进度 / no progress output")
    p.set_defaults(func=_cmd_ingest)
