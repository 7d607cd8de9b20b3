"""`newinfra run` and `newinfra airflow-cycle`: the whole monthly cycle for one period.

``newinfra run --period 2024-06`` calls, in this process and without any scheduler, the same
functions the DAGs call, in the DAGs' order: ingest the landing folder, fetch the public statistics,
dbt build, publish the analysts' copy, the quality gate for the period, the package, its delivery.
It is the backfill / re-run of a month from the command line: the package reflects the data as it
stands now (``--force`` replaces a package that was already published).

``newinfra run --from 2022-01 --to 2024-12`` runs that cycle month by month in order (a backfill in
one command): it stops at the first month whose blocking checks fail (``--force`` goes on, and
replaces published packages), shows a progress bar or plain progress lines, prints one summary table
at the end, and records each finished month under ``NEWINFRA_HOME/state/run_range.json`` so that
``--resume`` after an interruption starts at the first month not yet done. See docs/operations.md.

``newinfra airflow-cycle --period 2024-06`` runs the four DAGs with ``airflow dags test`` (no
scheduler, a SQLite metadata DB under ``NEWINFRA_HOME/airflow``, the pool created), with the
logical date whose monthly report is that period (2024-07-06), printing each DAG's outcome.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newinfra.settings import Settings


@dataclass
class Step:
    name: str
    label_zh: str
    ok: bool
    seconds: float
    detail: Any = None
    error_zh: str = ""
    error_en: str = ""


@dataclass
class CycleResult:
    period: str
    steps: list[Step] = field(default_factory=list)
    # The package is a draft nobody has signed off yet: nothing was sent.
    awaiting_signoff: bool = False

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.steps)


def _timed(steps: list[Step], name: str, label_zh: str, fn: Callable[[], Any]) -> Any:
    from newinfra.errors import NewinfraError
    from newinfra.results import to_jsonable

    start = time.perf_counter()
    try:
        value = fn()
    except NewinfraError as exc:
        steps.append(
            Step(name, label_zh, False, time.perf_counter() - start, None, exc.message_zh, exc.message_en)
        )
        raise
    detail = to_jsonable(value)
    if isinstance(detail, dict):
        detail.pop("output", None)  # dbt's whole log
    steps.append(Step(name, label_zh, True, time.perf_counter() - start, detail))
    return value


def run_cycle(
    settings: Settings,
    period: str,
    force: bool = False,
    ingest: bool = True,
    deliver: bool = True,
    progress: Callable[..., Any] | None = None,
    approve_by: str | None = None,
) -> CycleResult:
    """The monthly cycle for ``period`` in this process. Stops at the first failing step; a blocked
    quality gate is a failed step (nothing exported), as in the DAG. ``progress`` (a
    ``newinfra.progress`` factory) shows the long steps item by item.

    The package is a draft (草稿（待审核）), as the report DAG's is: with ``approve_by`` that person
    signs it off (recorded in ops.report_publications, docs/report.md "审核与签发 / sign-off") and
    then, with ``deliver``, it is sent; without, the cycle ends at the draft
    (``CycleResult.awaiting_signoff``) and nothing is sent."""
    from newinfra.errors import NewinfraError, PlatformError
    from newinfra.periods import parse_period
    from newinfra.results import summarize

    parse_period(period)
    result = CycleResult(period)
    steps = result.steps
    try:
        if not settings.warehouse.exists():
            from newinfra.home import init_home

            _timed(steps, "init", "初始化", lambda: init_home(settings))
        if ingest:
            from ingestion.public_stats import fetch_sources
            from ingestion.submissions import ingest_paths

            _timed(steps, "ingest", "采集报送文件", lambda: summarize(ingest_paths(settings)))
            _timed(steps, "fetch_public", "获取公开统计", lambda: summarize(fetch_sources(settings)))
        from newinfra.transform import build, publish

        _timed(steps, "build", "dbt 构建", lambda: build(settings, period=period, progress=progress))
        _timed(steps, "publish", "发布分析副本", lambda: publish(settings))
        from portal import build_portal

        portal = _timed(steps, "portal", "生成指标门户", lambda: build_portal(settings))
        if portal.docs.startswith("failed"):
            steps[-1].ok = False
            steps[-1].error_zh = f"dbt 文档未生成：{portal.docs}"
            steps[-1].error_en = f"dbt docs not generated: {portal.docs}"

        from quality import run_checks

        run = _timed(steps, "check", "质量检查", lambda: run_checks(settings, period, progress=progress))
        if run.is_blocked:
            steps[-1].ok = False
            names = ", ".join(sorted({str(r.check_name) for r in run.blocking_failures})[:20])
            steps[-1].error_zh = f"阻断性质量检查未通过，不导出：{names}"
            steps[-1].error_en = f"blocking quality checks failed, nothing exported: {names}"
            return result

        from exports.approval import approve, build_draft, deliver_approved

        _timed(steps, "export", "生成报告包（草稿）", lambda: build_draft(settings, period, force=force))
        if not approve_by:
            result.awaiting_signoff = True
            return result
        _timed(steps, "approve", "审核签发", lambda: approve(settings, period, by=approve_by, via="cli"))
        if deliver:
            _timed(steps, "deliver", "送达", lambda: deliver_approved(settings, period))
    except NewinfraError:
        return result
    except Exception as exc:  # a crash in a part: report which step, keep the traceback's message
        raise PlatformError(
            f"{period} 运行在第 {len(steps) + 1} 步失败：{exc}",
            f"the cycle failed at step {len(steps) + 1}: {exc}",
        ) from exc
    return result


@dataclass
class MonthSummary:
    """One line of a range run's summary table."""

    period: str
    ok: bool
    files: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    checks: dict[str, int] = field(default_factory=dict)
    package: str = ""
    error_zh: str = ""
    error_en: str = ""
    seconds: float = 0.0
    resumed: bool = False


def summarize_month(result: CycleResult) -> MonthSummary:
    """The figures a person wants per month, from the cycle's steps."""
    summary = MonthSummary(result.period, result.ok, seconds=sum(s.seconds for s in result.steps))
    for step in result.steps:
        detail = step.detail if isinstance(step.detail, dict) else {}
        if step.name == "ingest":
            summary.files = {str(k): int(v) for k, v in detail.items()}
        elif step.name == "check":
            outcomes: dict[str, int] = {}
            for record in detail.get("results", []) or []:
                outcome = str(record.get("outcome", ""))
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
            summary.checks = outcomes
        elif step.name == "export":
            summary.package = str(detail.get("path", ""))
            summary.statuses = {str(k): int(v) for k, v in (detail.get("status_counts") or {}).items()}
        if not step.ok and not summary.error_zh:
            summary.error_zh, summary.error_en = step.error_zh, step.error_en
    return summary


def _state_path(settings: Settings) -> Path:
    return settings.home / "state" / "run_range.json"


def _load_state(settings: Settings) -> dict[str, Any]:
    path = _state_path(settings)
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}


def _save_state(settings: Settings, state: dict[str, Any]) -> None:
    from newinfra.atomic import write_bytes

    path = _state_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_bytes(path, json.dumps(state, ensure_ascii=False, indent=2).encode("utf-8"))


def run_range(
    settings: Settings,
    first: str,
    last: str,
    *,
    force: bool = False,
    resume: bool = False,
    ingest: bool = True,
    deliver: bool = True,
    progress_mode: str = "auto",
    approve_by: str | None = None,
    cycle: Callable[..., CycleResult] | None = None,
) -> list[MonthSummary]:
    """The cycle for every month from ``first`` to ``last`` in order.

    Stops after the first month that did not finish (blocked checks or an error) unless ``force``.
    Each month that finished is recorded in ``state/run_range.json`` as soon as it is done; with
    ``resume``, months recorded for the same range are skipped (their recorded summary is shown).
    ``cycle`` is ``run_cycle`` (a parameter only so that tests can interrupt a run).
    """
    from newinfra.errors import UserInputError
    from newinfra.periods import month_index, parse_period, period_range
    from newinfra.progress import Progress

    parse_period(first)
    parse_period(last)
    if month_index(first) > month_index(last):
        raise UserInputError(f"起始月 {first} 晚于结束月 {last}", f"--from {first} is after --to {last}")
    cycle = cycle or run_cycle
    months = period_range(first, last)
    key = f"{first}..{last}"
    state = _load_state(settings)
    if not resume or state.get("range") != key:
        state = {"range": key, "done": {}}
        _save_state(settings, state)
    summaries: list[MonthSummary] = []
    with Progress("逐月运行 run", len(months), unit="月 months", mode=progress_mode, every_items=1) as bar:
        for period in months:
            recorded = state["done"].get(period)
            if recorded is not None:
                summaries.append(MonthSummary(**{**recorded, "resumed": True}))
                bar.advance(item=f"{period} (已完成 resumed)", counts={"ok": 1})
                continue
            bar.set_current(period)
            # A month of a range never delivers twice: --force replaces packages, as for one month.
            summary = summarize_month(
                cycle(settings, period, force=force, ingest=ingest, deliver=deliver, approve_by=approve_by)
            )
            summaries.append(summary)
            if summary.ok:
                state["done"][period] = {k: v for k, v in summary.__dict__.items() if k != "resumed"}
                _save_state(settings, state)
            bar.advance(item=period, counts={"ok" if summary.ok else "stopped": 1})
            if not summary.ok and not force:
                break
    return summaries


def _counts_text(counts: dict[str, int]) -> str:
    return " ".join(f"{k} {v}" for k, v in counts.items()) or "-"


def print_range_summary(summaries: list[MonthSummary], months: int) -> None:
    """One table: month, files, status counts, checks, package."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"逐月运行汇总 / range summary ({len(summaries)}/{months} 月 months)")
    for header in (
        "月份 month",
        "结果 result",
        "文件 files",
        "状态 statuses",
        "检查 checks",
        "报告包 package",
    ):
        table.add_column(header, overflow="fold")
    for s in summaries:
        result = "✓ 完成" if s.ok else "✗ 停止"
        if s.resumed:
            result += "（续跑跳过 resumed）"
        table.add_row(
            s.period,
            result,
            _counts_text(s.files),
            _counts_text(s.statuses),
            _counts_text(s.checks),
            s.package or (f"{s.error_zh} / {s.error_en}" if s.error_zh else "-"),
        )
    Console(soft_wrap=False, width=200).print(table)


def _cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from newinfra.errors import UserInputError

    if bool(args.first) != bool(args.last) or (args.period and args.first):
        raise UserInputError(
            "请给出 --period，或同时给出 --from 与 --to",
            "give --period, or both --from and --to",
        )
    if args.first:
        return _cmd_run_range(args, settings)
    if not args.period:
        raise UserInputError("请给出 --period 或 --from/--to", "give --period or --from/--to")
    from newinfra.progress import progress_factory

    result = run_cycle(
        settings,
        args.period,
        force=args.force,
        ingest=not args.no_ingest,
        deliver=not args.no_deliver,
        progress=progress_factory(quiet=args.quiet or args.json),
        approve_by=args.approve_by,
    )
    if args.json:
        from newinfra.results import to_jsonable

        print(json.dumps({"ok": result.ok, **to_jsonable(result)}, ensure_ascii=False, indent=2))
    else:
        print(f"== 报告期 / period {result.period} ==")
        for step in result.steps:
            mark = "✓" if step.ok else "✗"
            print(f"{mark} {step.label_zh} / {step.name}  {step.seconds:.1f} s")
            if not step.ok:
                print(f"  错误：{step.error_zh}\n  Error: {step.error_en}")
        if result.ok and result.awaiting_signoff:
            print(
                f"报告包是草稿（待审核），未发送：审核后运行 newinfra report --period {result.period} --approve --by 姓名 --deliver"
                f" / the package is a draft awaiting sign-off, nothing sent: approve it with"
                f" `newinfra report --period {result.period} --approve --by NAME --deliver`"
            )
        print("完成 / done" if result.ok else "未完成 / stopped")
    return 0 if result.ok else 1


def _cmd_run_range(args: argparse.Namespace, settings: Settings) -> int:
    from newinfra.periods import period_range
    from newinfra.results import to_jsonable

    mode = "quiet" if (args.quiet or args.json) else "auto"
    summaries = run_range(
        settings,
        args.first,
        args.last,
        force=args.force,
        resume=args.resume,
        ingest=not args.no_ingest,
        deliver=not args.no_deliver,
        progress_mode=mode,
        approve_by=args.approve_by,
    )
    months = len(period_range(args.first, args.last))
    ok = len(summaries) == months and all(s.ok for s in summaries)
    if args.json:
        print(json.dumps({"ok": ok, "months": to_jsonable(summaries)}, ensure_ascii=False, indent=2))
    else:
        print_range_summary(summaries, months)
        if ok:
            print("完成 / done")
        else:
            print("未完成 / stopped — 修复后用 --resume 从未完成的月份继续 / fix it, then --resume")
    return 0 if ok else 1


def _cmd_airflow_cycle(args: argparse.Namespace, settings: Settings) -> int:
    from dags.common.constants import CYCLE_DAGS
    from dags.common.schedule import logical_date_for_period
    from pipeline import local_airflow

    dag_ids = tuple(args.dags.split(",")) if args.dags else CYCLE_DAGS
    unknown = [d for d in dag_ids if d not in CYCLE_DAGS]
    if unknown:
        from newinfra.errors import UserInputError

        raise UserInputError(f"未知的 DAG：{', '.join(unknown)}", f"unknown DAG(s): {', '.join(unknown)}")
    when = logical_date_for_period(args.period)
    home = Path(args.airflow_home) if args.airflow_home else None
    # The report waits for a named person's sign-off (docs/report.md "审核与签发 / sign-off").
    decision = None
    if args.approve_by:
        decision = local_airflow.Decision(by=args.approve_by)
    elif args.reject_by:
        if not args.reason.strip():
            from newinfra.errors import UserInputError

            raise UserInputError("退回必须说明原因（--reason）", "a rejection needs a reason (--reason)")
        decision = local_airflow.Decision(by=args.reject_by, approve=False, reason=args.reason)
    print(f"== airflow dags test, 逻辑日期 / logical date {when} -> 报告期 / period {args.period} ==")

    def show(result: local_airflow.DagTestResult) -> None:
        mark = "✓ 成功 / success" if result.ok else "✗ 失败 / failed"
        print(f"{result.dag_id:32s} {mark}  {result.seconds:.1f} s", flush=True)
        if not result.ok or args.verbose:
            print(result.tail(60 if not result.ok else 200))

    start = time.perf_counter()
    conf = {"force": True} if args.force else None
    results = local_airflow.run_cycle(
        settings,
        args.period,
        airflow_home=home,
        dag_ids=dag_ids,
        conf=conf,
        on_result=show,
        decision=decision,
    )
    if results and results[-1].awaiting:
        print(
            f"月报停在审核步骤 {results[-1].awaiting}：请加 --approve-by 姓名 或 --reject-by 姓名 --reason 原因 重新运行"
            f" / the report stopped at its sign-off: re-run with --approve-by NAME or --reject-by NAME --reason TEXT"
        )
    ok = len(results) == len(dag_ids) and all(r.ok for r in results)
    print(f"合计 / total {time.perf_counter() - start:.1f} s — {'完成 / done' if ok else '未完成 / stopped'}")
    return 0 if ok else 1


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "run",
        help="不经调度器运行某月的完整流程（采集、构建、检查、报告）/ run a month's whole cycle without Airflow",
    )
    p.add_argument("--period", help="报告期 YYYY-MM")
    p.add_argument(
        "--from", dest="first", metavar="YYYY-MM", help="逐月运行的起始月 / first month of a range"
    )
    p.add_argument("--to", dest="last", metavar="YYYY-MM", help="逐月运行的结束月 / last month of a range")
    p.add_argument(
        "--resume", action="store_true", help="从上次未完成的月份继续 / resume a range where it stopped"
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="重建已发布的报告包；逐月运行时检查阻断也继续 / rebuild published packages; a range goes on",
    )
    p.add_argument("--quiet", action="store_true", help="不显示进度 / no progress output")
    p.add_argument("--no-ingest", action="store_true", help="不采集新数据 / skip ingest and fetch-public")
    p.add_argument(
        "--no-deliver", action="store_true", help="只生成报告包，不送达 / build but do not deliver"
    )
    p.add_argument(
        "--approve-by",
        metavar="NAME",
        help="以此人身份审核签发报告包后再送达（否则停在草稿，不发送）/ sign the package off as NAME, then deliver"
        " (else it stays a draft and nothing is sent)",
    )
    p.add_argument("--json", action="store_true", help="机器可读输出 / machine-readable output")
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser(
        "airflow-cycle",
        help="用 airflow dags test 依次运行四个 DAG / run the four DAGs with `airflow dags test` for a period",
    )
    p.add_argument("--period", required=True, help="报告期 YYYY-MM（月报 DAG 的逻辑日期为次月 6 日）")
    p.add_argument("--airflow-home", help="AIRFLOW_HOME（默认 NEWINFRA_HOME/airflow，SQLite）")
    p.add_argument("--dags", help="只运行这些 DAG（逗号分隔）/ only these DAGs, comma-separated")
    p.add_argument("--force", action="store_true", help="月报 DAG 重建已发布的报告包 / force a rebuild")
    p.add_argument(
        "-v", "--verbose", action="store_true", help="打印每个 DAG 的日志尾部 / print each log's tail"
    )
    who = p.add_mutually_exclusive_group()
    who.add_argument(
        "--approve-by",
        metavar="NAME",
        help="以此人身份通过月报审核（否则停在审核步骤）/ approve the report as NAME (else it stops there)",
    )
    who.add_argument("--reject-by", metavar="NAME", help="以此人身份退回月报 / reject the report as NAME")
    p.add_argument("--reason", default="", help="退回原因（--reject-by 时必填）/ why it is rejected")
    p.set_defaults(func=_cmd_airflow_cycle)
