"""`newinfra run --from … --to …`: the monthly cycle over a range of months, in order, with one
summary table, a stop at the first blocked month, and ``--resume`` after an interruption.

The three-month run is real (demo submissions, dbt, Soda, the package); only the interruption and
the blocked month are staged, by handing ``run_range`` a cycle that raises or reports a failed
check step — the control flow under test, not the cycle itself."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from newinfra.settings import Settings
from pipeline.cycle import CycleResult, Step, run_cycle, run_range

DEPARTMENTS = ["CAC", "STD", "BDB"]


@pytest.fixture(scope="module")
def range_home(seeded_home_template, tmp_path_factory):
    from demo.generate import generate

    home = tmp_path_factory.mktemp("range") / "home"
    shutil.copytree(seeded_home_template, home, ignore=shutil.ignore_patterns("dbt"))
    settings = Settings(home=home)
    generate(home, through="2022-04", settings=settings, folders=DEPARTMENTS, workers=1)
    return home


@pytest.mark.slow
def test_a_range_interrupted_then_resumed_runs_every_month_once(range_home):
    settings = Settings(home=range_home)
    calls: list[str] = []

    def interrupted(settings, period, **kwargs):
        calls.append(period)
        if period == "2022-02":
            raise KeyboardInterrupt  # Ctrl-C during the second month
        return run_cycle(settings, period, **kwargs)

    with pytest.raises(KeyboardInterrupt):
        run_range(settings, "2022-01", "2022-03", deliver=False, progress_mode="quiet", cycle=interrupted)
    assert calls == ["2022-01", "2022-02"]
    state = json.loads((range_home / "state" / "run_range.json").read_text(encoding="utf-8"))
    assert state["range"] == "2022-01..2022-03" and list(state["done"]) == ["2022-01"]

    # The resumed run, from the command line through a pipe: plain progress lines, then the table.
    env = {**os.environ, "NEWINFRA_HOME": str(range_home)}
    env.pop("NEWINFRA_PROGRESS", None)
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline.cli",
            "run",
            "--from",
            "2022-01",
            "--to",
            "2022-03",
            "--resume",
            "--no-deliver",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=1200,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    progress = [line for line in out.stderr.splitlines() if line.startswith("[逐月运行 run]")]
    assert [line.split()[2] for line in progress] == ["1/3", "2/3", "3/3"], out.stderr[-2000:]
    assert "(100%)" in progress[-1] and "ok 3" in progress[-1]
    table = out.stdout
    assert "range summary (3/3" in table
    for period in ("2022-01", "2022-02", "2022-03"):
        assert period in table
        assert (range_home / "exports" / period / "manifest.json").exists()
    assert table.count("续跑跳过 resumed") == 1  # 2022-01 was not run again
    state = json.loads((range_home / "state" / "run_range.json").read_text(encoding="utf-8"))
    assert list(state["done"]) == ["2022-01", "2022-02", "2022-03"]
    march = state["done"]["2022-03"]
    manifest = json.loads((range_home / "exports" / "2022-03" / "manifest.json").read_text(encoding="utf-8"))
    assert march["statuses"] == manifest["status_counts"]  # the summary's counts are the package's
    # Nobody signed it off: every month's package stays a draft (docs/report.md, sign-off).
    assert manifest["is_draft"] is True
    assert march["files"] == {} or sum(march["files"].values()) >= 0
    assert march["checks"].get("failed", 0) == 0 and sum(march["checks"].values()) > 100


def _blocked(period: str) -> CycleResult:
    result = CycleResult(period)
    result.steps.append(Step("check", "质量检查", False, 0.1, {"results": []}, "阻断", "blocked"))
    return result


def _fine(period: str) -> CycleResult:
    result = CycleResult(period)
    result.steps.append(
        Step("export", "生成报告包", True, 0.1, {"path": f"/x/{period}", "status_counts": {}})
    )
    return result


def test_a_range_stops_at_the_first_blocked_month_unless_forced(home):
    settings = Settings.from_env()
    seen: list[str] = []

    def cycle(settings, period, **kwargs):
        seen.append(period)
        return _blocked(period) if period == "2023-02" else _fine(period)

    summaries = run_range(settings, "2023-01", "2023-04", progress_mode="quiet", cycle=cycle)
    assert [s.period for s in summaries] == ["2023-01", "2023-02"]
    assert summaries[-1].ok is False and summaries[-1].error_en == "blocked"
    seen.clear()
    summaries = run_range(settings, "2023-01", "2023-04", force=True, progress_mode="quiet", cycle=cycle)
    assert seen == ["2023-01", "2023-02", "2023-03", "2023-04"]
    assert [s.ok for s in summaries] == [True, False, True, True]
    # --resume after the forced run re-runs only the blocked month
    seen.clear()
    run_range(settings, "2023-01", "2023-04", resume=True, progress_mode="quiet", cycle=cycle)
    assert seen == ["2023-02"]
    # a different range starts afresh
    seen.clear()
    run_range(settings, "2023-01", "2023-02", resume=True, progress_mode="quiet", cycle=cycle)
    assert seen == ["2023-01", "2023-02"]


def test_range_mistakes_are_explained(home):
    env = {**os.environ, "NEWINFRA_HOME": str(home)}
    for argv, expected in (
        (["--from", "2024-03", "--to", "2024-01"], "晚于"),
        (["--from", "2024-03"], "--from"),
        (["--period", "2024-03", "--from", "2024-01", "--to", "2024-02"], "--period"),
        (["--from", "2024-13", "--to", "2025-01"], "2024-13"),
    ):
        out = subprocess.run(
            [sys.executable, "-m", "pipeline.cli", "run", *argv], capture_output=True, text=True, env=env
        )
        assert out.returncode != 0 and "Traceback" not in out.stderr, out.stderr
        assert expected in out.stderr and "Error:" in out.stderr, (argv, out.stderr)
