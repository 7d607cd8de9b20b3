"""`newinfra check [--period YYYY-MM] [--json]`: verify every contract, record, exit 1 when blocked."""

from __future__ import annotations

import argparse
import json
import sys

from newinfra.settings import Settings


def _line(record) -> str:
    tag = "阻断 blocking" if record.is_blocking else "提示 non-blocking"
    return (
        f"  [{record.outcome_label_zh} {record.outcome} · {tag}] {record.contract} :: {record.check_name}"
        f"（{record.check_label}）— {record.message}"
    )


def _show_contract(path: str) -> int:
    """Print the YAML Soda verifies for one contract file (a template rendered), e.g. to run it by hand."""
    from pathlib import Path

    from newinfra.errors import UserInputError
    from quality.helpers import contract_yaml, discover_contracts

    wanted = Path(path).resolve()
    for contract in discover_contracts():
        if contract.path == wanted:
            sys.stdout.write(contract_yaml(contract))
            return 0
    raise UserInputError(f"不是质量检查合约文件：{path}", f"not a contract file of quality/contracts: {path}")


def _cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    from quality.runner import run_checks

    if args.show_contract:
        return _show_contract(args.show_contract)
    from newinfra.progress import progress_factory

    run = run_checks(settings, period=args.period, progress=progress_factory(quiet=args.quiet or args.json))
    if args.json:
        print(json.dumps(run.to_dict(), ensure_ascii=False, indent=2))
    else:
        c = run.counts
        print(f"数据质量检查 / quality checks — 报送期 / period {run.period}")
        print(
            f"运行 / run {run.run_id}：合约 / contracts {run.n_contracts}，检查 / checks {run.n_checks}，"
            f"用时 / took {run.duration_s:.1f} s"
        )
        print(
            f"通过 passed {c['passed']} · 未通过 failed {c['failed']} · 警告 warned {c['warned']}"
            f" · 错误 error {c['error']}"
        )
        problems = [r for r in run.results if r.outcome != "passed"]
        problems.sort(key=lambda r: (not r.stops_export, r.contract, r.check_name))
        for record in problems:
            print(_line(record))
    if run.is_blocked:
        names = "；".join(r.full_name for r in run.blocking_failures)
        print(
            f"错误：{len(run.blocking_failures)} 项阻断性质量检查未通过，不得导出：{names}\n"
            f"Error: {len(run.blocking_failures)} blocking quality check(s) failed; the export is blocked: "
            f"{names}",
            file=sys.stderr,
        )
        return 1
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "check",
        help="运行数据质量合约检查并记录结果（阻断性检查失败时退出码 1）/ run the data contracts, record, gate",
    )
    p.add_argument(
        "--period",
        help="报送期 YYYY-MM（默认：最近有已加载报送的月份）/ reporting period (default: latest loaded)",
    )
    p.add_argument("--json", action="store_true", help="机器可读输出 / machine-readable output")
    p.add_argument("--quiet", action="store_true", help="不显示进度 / no progress output")
    p.add_argument(
        "--show-contract",
        metavar="CONTRACT_YML",
        help="只打印该合约交给 Soda 的 YAML（模板已展开），不运行检查 / print the YAML Soda verifies, run nothing",
    )
    p.set_defaults(func=_cmd_check)
