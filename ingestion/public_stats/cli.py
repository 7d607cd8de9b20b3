"""`newinfra fetch-public [--source NAME ...] [--from-file FILE] [--force] [--json]`: fetch the public
statistics. ``--from-file`` loads one named source from a saved copy of what its publisher serves
(an easyquery answer, a web page, a release's xlsx), with the file recorded as its location.

Exit code 0 when every source loaded, was unchanged or not modified; 1 when any source failed (the
others still loaded: the summary says which).
"""

from __future__ import annotations

import argparse
import json

from newinfra.settings import Settings


def _cmd_fetch_public(args: argparse.Namespace, settings: Settings) -> int:
    from ingestion.public_stats import fetch_sources
    from ingestion.public_stats.settings import STATUS_LABELS
    from newinfra.progress import Progress

    with Progress(
        "公开统计 fetch-public", 0, unit="源 sources", mode="quiet" if (args.quiet or args.json) else "auto"
    ) as progress:
        results = fetch_sources(
            settings,
            names=args.source or None,
            force=args.force,
            from_file=args.from_file,
            progress=progress,
        )
    if args.json:
        print(json.dumps([r.to_dict() for r in results], ensure_ascii=False, indent=2))
        return 0 if all(r.ok for r in results) else 1
    print("公开统计数据采集 / public statistics fetch")
    for r in results:
        synthetic = "［示例数据，非官方统计 synthetic］" if r.is_synthetic else ""
        print(f"\n● {r.name}  {r.title_zh}{synthetic}")
        print(f"  发布单位 publisher: {r.publisher}   来源 location: {r.location}")
        print(f"  状态 status: {STATUS_LABELS.get(r.status, r.status)}", end="")
        if r.http_status is not None:
            print(f"   HTTP {r.http_status}   尝试 attempts: {r.attempts}", end="")
        print()
        if r.status == "loaded" or (r.status == "unchanged" and r.rows_total):
            print(
                f"  行数 rows: 共 total {r.rows_total} = 已映射 mapped {r.rows_loaded} + 未映射 unmapped "
                f"{r.rows_unmapped}；新增 new {r.rows_new}，修订 changed {r.rows_changed}"
            )
            if r.rows_skipped:
                print(f"  范围外地区 outside the plan's area: {r.rows_skipped} 行 rows（keep_regions）")
        for group in r.unmapped:
            print(f"    未映射 {group['count']} 行：{group['reason_zh']} / {group['reason_en']}")
            for ex in group["examples"]:
                print(f"      第 {ex['row_number']} 行 row，列 column {ex['column_name']}：{ex['reason_zh']}")
        if r.file_sha256:
            print(f"  存档 archive: {r.archive_path}")
        if not r.ok:
            print(f"  错误：{r.error_zh}")
            print(f"  Error: {r.error_en}")
            print("  上次成功采集的数据保留不变 / the last good version of this source stays as it was")
    if not args.source:
        from ingestion.public_stats import list_sources

        disabled = [s.name for s in list_sources() if not s.enabled]
        if disabled:
            print(
                f"\n未启用、未采集 / disabled, not fetched: {', '.join(disabled)}"
                "（启用方法见 docs/public-stats.md / how to enable: docs/public-stats.md）"
            )
    n_failed = sum(1 for r in results if not r.ok)
    print(f"\n合计 {len(results)} 个数据源，失败 {n_failed} 个 / {len(results)} source(s), {n_failed} failed")
    return 0 if n_failed == 0 else 1


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "fetch-public",
        help="采集 sources.yml 中声明的公开统计数据 / fetch the public statistics declared in sources.yml",
    )
    p.add_argument(
        "--source",
        action="append",
        metavar="NAME",
        help="只采集该数据源（可重复）/ only this source (repeatable)",
    )
    p.add_argument(
        "--from-file",
        metavar="FILE",
        help="从保存的文件读取该数据源（需配合一个 --source）/ read the one --source from this saved file",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="不发送条件请求，未变化的文件也重新映射 / no conditional request; re-map unchanged files",
    )
    p.add_argument("--json", action="store_true", help="机器可读输出 / machine-readable output")
    p.add_argument("--quiet", action="store_true", help="不显示进度 / no progress output")
    p.set_defaults(func=_cmd_fetch_public)
