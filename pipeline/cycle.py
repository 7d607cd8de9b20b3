"""`newinfra run` and `newinfra airflow-cycle`: the whole monthly cycle for one period.

``newinfra run --period 2024-06`` calls, in this process and without any scheduler, the same
functions the DAGs call, in the DAGs' order: ingest the landing folder, fetch the public statistics,
dbt build, publish the analysts' copy, the quality gate for the period, the package, its delivery.
It is the backfill / re-run of a month from the command line: the package reflects the data as it
stands now (``--force`` replaces a package that was already published).

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
) -> CycleResult:
    """The monthly cycle for ``period`` in this process. Stops at the first failing step; a blocked
    quality gate is a failed step (nothing exported), as in the DAG."""
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

        _timed(steps, "build", "dbt 构建", lambda: build(settings, period=period))
        _timed(steps, "publish", "发布分析副本", lambda: publish(settings))

        from quality import run_checks

        run = _timed(steps, "check", "质量检查", lambda: run_checks(settings, period))
        if run.is_blocked:
            steps[-1].ok = False
            names = ", ".join(sorted({str(r.check_name) for r in run.blocking_failures})[:20])
            steps[-1].error_zh = f"阻断性质量检查未通过，不导出：{names}"
            steps[-1].error_en = f"blocking quality checks failed, nothing exported: {names}"
            return result

        from exports import build_package
        from exports import deliver as deliver_package

        package = _timed(steps, "export", "生成报告包", lambda: build_package(settings, period, force=force))
        if deliver:
            _timed(steps, "deliver", "送达", lambda: deliver_package(settings, package))
    except NewinfraError:
        return result
    except Exception as exc:  # a crash in a part: report which step, keep the traceback's message
        raise PlatformError(
            f"{period} 运行在第 {len(steps) + 1} 步失败：{exc}",
            f"the cycle failed at step {len(steps) + 1}: {exc}",
        ) from exc
    return result


def _cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    result = run_cycle(
        settings, args.period, force=args.force, ingest=not args.no_ingest, deliver=not args.no_deliver
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
        print("完成 / done" if result.ok else "未完成 / stopped")
    return 0 if result.ok else 1


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
    print(f"== airflow dags test, 逻辑日期 / logical date {when} -> 报告期 / period {args.period} ==")

    def show(result: local_airflow.DagTestResult) -> None:
        mark = "✓ 成功 / success" if result.ok else "✗ 失败 / failed"
        print(f"{result.dag_id:32s} {mark}  {result.seconds:.1f} s", flush=True)
        if not result.ok or args.verbose:
            print(result.tail(60 if not result.ok else 200))

    start = time.perf_counter()
    conf = {"force": True} if args.force else None
    results = local_airflow.run_cycle(
        settings, args.period, airflow_home=home, dag_ids=dag_ids, conf=conf, on_result=show
    )
    ok = len(results) == len(dag_ids) and all(r.ok for r in results)
    print(f"合计 / total {time.perf_counter() - start:.1f} s — {'完成 / done' if ok else '未完成 / stopped'}")
    return 0 if ok else 1


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "run",
        help="不经调度器运行某月的完整流程（采集、构建、检查、报告）/ run a month's whole cycle without Airflow",
    )
    p.add_argument("--period", required=True, help="报告期 YYYY-MM")
    p.add_argument("--force", action="store_true", help="重建已发布的报告包 / rebuild a published package")
    p.add_argument("--no-ingest", action="store_true", help="不采集新数据 / skip ingest and fetch-public")
    p.add_argument(
        "--no-deliver", action="store_true", help="只生成报告包，不送达 / build but do not deliver"
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
    p.set_defaults(func=_cmd_airflow_cycle)
