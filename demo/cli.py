"""`newinfra demo-data`: write the synthetic demo submissions, project library and manifest."""

from __future__ import annotations

import argparse
import dataclasses
import json

from newinfra.settings import Settings


def _cmd_demo_data(args: argparse.Namespace, settings: Settings) -> int:
    from demo import settings as S  # noqa: PLC0415 (keep `newinfra --help` quick)
    from demo.generate import generate
    from newinfra.progress import Progress

    with Progress(
        "示例数据 demo-data", 0, unit="文件 files", mode="quiet" if (args.quiet or args.json) else "auto"
    ) as progress:
        result = generate(
            args.out,
            seed=args.seed,
            through=args.through or S.LAST_PERIOD,
            settings=settings,
            folders=args.department or None,
            workers=args.workers,
            progress=progress,
        )
    if args.json:
        print(json.dumps(dataclasses.asdict(result), ensure_ascii=False, indent=2))
        return 0
    print(f"示例数据（合成，非官方统计）已生成 / synthetic demo data written: {result.out_dir}")
    print(f"  报送期 / periods: {result.first_period} … {result.last_period}  种子 / seed: {result.seed}")
    print(
        f"  报送文件 / files: {result.files_written}（xlsx {result.xlsx_files}，csv {result.csv_files}）"
        f" → {result.landing_dir}"
    )
    print(
        f"  逾期 / late: {result.late_files}  缺报 / missing: {result.missing}  故意错误 / mistakes: {result.mistakes}"
    )
    print(f"  重大项目库 / project library: {result.projects} 个项目 → {result.library_path}")
    print(f"  清单 / manifest: {result.manifest_path}")
    print(f"  用时 / took: {result.seconds:.1f} s（{result.workers} 个进程 / workers）")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo-data",
        help="生成示例报送数据（合成，确定性） / write the synthetic, deterministic demo submissions",
        description=(
            "写入各报送单位每月的填报文件（通过正式模板生成）、重大项目库和清单。"
            " Writes every department's monthly submission (through the real templates), the major-project"
            " library and a manifest under --out (default NEWINFRA_HOME): landing/<department>/ and demo/."
        ),
    )
    p.add_argument("--through", metavar="YYYY-MM", help="最后一个报送期（默认 2024-12） / last period")
    p.add_argument("--out", metavar="DIR", help="输出目录（默认 NEWINFRA_HOME） / output root")
    p.add_argument("--seed", type=int, default=20220101, help="随机种子 / seed (default 20220101)")
    p.add_argument(
        "--department",
        action="append",
        metavar="CODE",
        help="只写该单位目录（可重复） / only this landing folder (repeatable)",
    )
    p.add_argument("--workers", type=int, default=None, help="并行进程数（默认 ≤2） / worker processes")
    p.add_argument("--json", action="store_true", help="机器可读输出 / machine-readable output")
    p.add_argument("--quiet", action="store_true", help="不显示进度 / no progress output")
    p.set_defaults(func=_cmd_demo_data)


def main(argv: list[str] | None = None) -> int:
    """``python -m demo.cli [options]`` from the repository root: the same as `newinfra demo-data`."""
    import sys

    from newinfra.errors import NewinfraError

    parser = argparse.ArgumentParser(prog="python -m demo.cli")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["demo-data", *(sys.argv[1:] if argv is None else argv)])
    try:
        return int(args.func(args, Settings.from_env()) or 0)
    except NewinfraError as exc:
        print(f"错误：{exc.message_zh}\nError: {exc.message_en}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    raise SystemExit(main())
