"""`make demo`: set up, generate the synthetic demo data and run the whole monthly cycle through
Airflow (`airflow dags test` of each DAG in order) for the last demo month, then print where the
report package, the feedback folder and the analysts' copy are, with a one-screen summary.

The report DAG waits for a person's sign-off (docs/report.md "审核与签发 / sign-off"): the demo
answers it as the named demo approver 演示审核人 through Airflow's own HITL response handler
(``pipeline.local_airflow.Decision``), says so, and leaves the signed package with the draft beside it.

The demo owns its data home: it replays from scratch every time (so a second run yields the same
package), and refuses to wipe a NEWINFRA_HOME that holds anything but an earlier demo.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

from newinfra.errors import NewinfraError, UserInputError
from newinfra.settings import HOME_SUBDIRS, Settings

DEMO_MARKER = ".newinfra-demo-home"
DEMO_PERIOD = "2024-12"
DEMO_APPROVER = "演示审核人"
_REPLAYED = (*HOME_SUBDIRS, "demo", "airflow", "dbt", "warehouse.duckdb", "warehouse.duckdb.wal")


def prepare_home(settings: Settings) -> None:
    """Empty the demo's data home (only if it is new, empty or an earlier demo's)."""
    home = settings.home
    marker = home / DEMO_MARKER
    if home.exists() and any(home.iterdir()) and not marker.exists():
        raise UserInputError(
            f"{home} 已有非演示数据，演示不会覆盖它；请设置另一个 NEWINFRA_HOME 再运行 make demo",
            f"{home} holds data that is not the demo's; set another NEWINFRA_HOME for `make demo`",
        )
    home.mkdir(parents=True, exist_ok=True)
    for name in _REPLAYED:
        path = home / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    marker.write_text(
        "newinfra demo data home (示例数据); `make demo` replays it from scratch\n", encoding="utf-8"
    )


def _step(label: str, started: float) -> None:
    print(f"   … {label}  {time.perf_counter() - started:.1f} s", flush=True)


def summary(settings: Settings, period: str) -> list[str]:
    """One screen: indicators by status, reporting rate, failed checks (from the published copy)."""
    from newinfra import db

    lines: list[str] = []
    with db.reader(settings, settings.published_warehouse) as con:
        rows = con.execute(
            """
            select status_label_zh, status_code, count(distinct indicator_id)
            from governance.rpt_responsibility_table
            where period = ?
            group by all
            order by min(status_sort_order)
            """,
            [period],
        ).fetchall()
        total = sum(n for _, _, n in rows)
        lines.append(f"指标状态 / indicators by status（{period}，共 {total} 项）:")
        for label, code, n in rows:
            lines.append(f"   {label:<6} {code:<10} {n:>3}")
        rate = con.execute(
            "select n_expected, n_submitted, n_on_time, n_late, n_missing, reporting_rate, on_time_rate "
            "from governance.fct_reporting_rates where period = ?",
            [period],
        ).fetchone()
    if rate:
        n_exp, n_sub, n_on, n_late, n_miss, r_rate, r_on = rate
        lines.append(
            f"报送率 / reporting rate: {n_sub}/{n_exp} = {r_rate or 0:.0%}；"
            f"及时率 / on time: {n_on}/{n_exp} = {r_on or 0:.0%}（逾期 {n_late}，缺报 {n_miss}）"
        )
    from quality import latest_results

    results = latest_results(settings, period)
    failed = [r for r in results if r.outcome in ("failed", "error")]
    warned = [r for r in results if r.outcome == "warned"]
    lines.append(
        f"质量检查 / checks: {len(results)} 项，失败 {len(failed)}（阻断 {sum(r.is_blocking for r in failed)}），"
        f"警告 {len(warned)}"
    )
    for record in failed[:8]:
        lines.append(f"   ✗ {record.contract} · {record.check_name}")
    return lines


def signed_off(settings: Settings, period: str) -> list[str]:
    """The recorded decision on the period's package (ops.report_publications)."""
    from exports.approval import APPROVED, latest_decision

    last = latest_decision(settings, period)
    if not last:
        return ["审核 / sign-off: 无记录 / none recorded"]
    verdict = "通过 / approved" if last["decision"] == APPROVED else f"退回 / rejected：{last['reason']}"
    return [
        f"审核 / sign-off: {last['decided_by']} {verdict}，{last['decided_at']:%Y-%m-%d %H:%M} UTC"
        f"（经 {last['via']}，记录于 ops.report_publications）"
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.demo", description=__doc__)
    parser.add_argument("--period", default=DEMO_PERIOD, help="报告期 / the demo's report month")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    started = time.perf_counter()
    try:
        return _run(settings, args.period, started)
    except NewinfraError as exc:
        print(f"错误：{exc.message_zh}\nError: {exc.message_en}", file=sys.stderr)
        return exc.exit_code


def _run(settings: Settings, period: str, started: float) -> int:
    from dags.common.constants import CYCLE_DAGS
    from demo.generate import generate
    from ingestion.projects import load_projects
    from newinfra.home import init_home
    from pipeline import local_airflow

    print("== newinfra 演示 / demo（示例数据，非官方统计 / synthetic data）==", flush=True)
    prepare_home(settings)
    print(f"1. 初始化数据目录与规划种子 / init home + seeds: {settings.home}", flush=True)
    init_home(settings)
    _step("init", started)

    print(f"2. 生成示例报送 2022-01 … {period} / generate the demo submissions", flush=True)
    from newinfra.progress import Progress

    with Progress("示例数据 demo-data", 0, unit="文件 files") as progress:
        generated = generate(None, through=period, settings=settings, progress=progress)
    print(
        f"   {generated.files_written} 个文件，逾期 {generated.late_files}，缺报 {generated.missing}，"
        f"故意错误 {generated.mistakes}；重大项目 {generated.projects} 个"
    )
    load_projects(settings, Path(generated.library_path))
    _step("generate + project library", started)

    print(f"3. Airflow: airflow dags test 依次运行四个 DAG（报告期 {period}）", flush=True)
    print(
        f"   月报在 approve_package 等待审核；演示以「{DEMO_APPROVER}」身份经 Airflow 的人工审核接口通过"
        f" / the report waits for sign-off; the demo approves as {DEMO_APPROVER}",
        flush=True,
    )

    # A bar on a terminal (plain lines in a log) naming the DAG and task running now.
    with Progress("Airflow", len(CYCLE_DAGS), unit="DAG", every_items=1) as bar:

        def show(result: local_airflow.DagTestResult) -> None:
            mark = "✓" if result.ok else "✗"
            print(f"   {mark} {result.dag_id:<30} {result.seconds:5.1f} s", flush=True)
            for answer in result.answers:
                print(
                    f"     审核 / sign-off: {answer['responded_by']['name']} 选择 {answer['chosen_options'][0]}"
                    f"（{answer['responded_at'][:19].replace('T', ' ')} UTC，经 Airflow approve_package）",
                    flush=True,
                )
            if not result.ok:
                print(result.tail(60))
            bar.advance(item=result.dag_id, counts={"ok" if result.ok else "failed": 1})

        results = local_airflow.run_cycle(
            settings,
            period,
            on_result=show,
            on_task=lambda dag_id, task_id: bar.set_current(f"{dag_id} · {task_id}"),
            decision=local_airflow.Decision(by=DEMO_APPROVER),
        )
    if len(results) < len(CYCLE_DAGS) or not all(r.ok for r in results):
        print("✗ 演示流程未完成 / the demo cycle stopped (see the log above)", file=sys.stderr)
        return 1
    _step("airflow cycle", started)

    package = settings.exports / period
    print()
    print("== 结果 / where things are ==")
    for line in signed_off(settings, period):
        print(line)
    print(f"报告包（已审核签发）/ signed package: {package}")
    names = (
        f"责任分解表进展_{period}.xlsx",
        f"责任分解表进展_{period}.pdf",
        f"月度简报_{period}.html",
        "manifest.json",
    )
    for name in names:
        if (package / name).is_file():  # the PDF only where LibreOffice is installed
            print(f"   {package / name}")
    print(f"草稿 / the draft it was signed from: {package.with_name(package.name + '.draft')}")
    print(f"反馈文件 / feedback:          {settings.feedback}")
    print(f"分析副本 / analysts' copy:    {settings.published_warehouse}")
    portal_index = settings.published / "portal" / "index.html"
    built = (
        ""
        if portal_index.exists()
        else "（未生成，见上方 transform 的日志 / not built: see the transform log）"
    )
    print(f"指标门户 / indicator portal:  {portal_index}{built}")
    print("   浏览 / browse: newinfra serve  →  http://127.0.0.1:8000/index.html")
    print()
    for line in summary(settings, period):
        print(line)
    print(f"\n用时 / took {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
