"""`newinfra portal` (build the static indicator portal) and `newinfra serve` (show it on 127.0.0.1)."""

from __future__ import annotations

import argparse
import functools
import http.server
import json

from newinfra.errors import UserInputError
from newinfra.settings import Settings


def _cmd_portal(args: argparse.Namespace, settings: Settings) -> int:
    from portal.build import build_portal

    result = build_portal(settings, docs=not args.no_docs)
    if args.json:
        data = {**result.__dict__, "path": str(result.path), "target": str(result.target)}
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    print_result(result)
    return 1 if result.docs.startswith("failed") else 0


def rebuild_after_publish(settings: Settings, *, as_json: bool = False) -> int:
    """After `newinfra build` / `newinfra publish`: rebuild the portal from the new copy. Its lines go
    to stderr when the command printed JSON. Exit 1 when the dbt docs could not be generated (the
    pages are published; the docs link shows why)."""
    import sys

    from portal.build import build_portal

    result = build_portal(settings)
    print_result(result, file=sys.stderr if as_json else sys.stdout)
    if result.docs.startswith("failed"):
        print(f"错误：dbt 文档未生成 / dbt docs not generated: {result.docs}", file=sys.stderr)
        return 1
    return 0


def print_result(result, file=None) -> None:
    mark = "（示例数据，非官方统计）" if result.synthetic else ""
    print(f"指标门户 / indicator portal{mark}: {result.path / 'index.html'}", file=file)
    print(
        f"  报告期 {result.report_period}：{result.n_indicator_pages} 个指标页，"
        f"{result.n_department_pages} 个部门页；dbt 文档 / docs: {result.docs}；"
        f"用时 {result.seconds.get('total', 0):.1f} 秒",
        file=file,
    )


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".csv": "text/csv; charset=utf-8",
        ".html": "text/html; charset=utf-8",
        ".js": "text/javascript; charset=utf-8",
    }

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        pass


def _cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    site = settings.published / "portal"
    if not (site / "index.html").exists():
        raise UserInputError(
            f"指标门户尚未生成：{site}；请先运行 newinfra publish 或 newinfra portal",
            f"the portal has not been built: {site}; run `newinfra publish` or `newinfra portal` first",
        )
    handler = functools.partial(_QuietHandler, directory=str(site.resolve()))
    try:
        server = http.server.ThreadingHTTPServer((args.bind, args.port), handler)
    except OSError as exc:
        raise UserInputError(
            f"无法在 {args.bind}:{args.port} 启动网页服务（{exc.strerror}）；请用 --port 换一个端口",
            f"cannot serve on {args.bind}:{args.port} ({exc.strerror}); choose another --port",
        ) from None
    host, port = server.server_address[:2]
    print(f"指标门户 / portal: http://{host}:{port}/index.html  （Ctrl+C 停止 / to stop）", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("已停止 / stopped")
    finally:
        server.server_close()
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "portal",
        help="从分析副本生成静态指标门户与 dbt 文档 / build the static indicator portal and the dbt docs",
    )
    p.add_argument("--no-docs", action="store_true", help="不生成 dbt 文档 / skip the dbt docs")
    p.add_argument("--json", action="store_true", help="机器可读输出 / machine-readable output")
    p.set_defaults(func=_cmd_portal)
    p = sub.add_parser("serve", help="在本机浏览指标门户 / serve the portal on 127.0.0.1")
    p.add_argument("--port", type=int, default=8000, help="端口（默认 8000，0 = 任选）/ port (0 = any free)")
    p.add_argument(
        "--bind", default="127.0.0.1", help="监听地址（默认仅本机）/ address (default: this machine only)"
    )
    p.set_defaults(func=_cmd_serve)
