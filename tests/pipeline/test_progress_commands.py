"""Long commands show progress in a pipe (Airflow's log, CI): `newinfra build` per dbt node from
dbt's own event stream, `newinfra check` per contract; `--json` output stays machine-readable."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys


def _newinfra(home, *argv: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "NEWINFRA_HOME": str(home)}
    env.pop("NEWINFRA_PROGRESS", None)
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *argv], capture_output=True, text=True, env=env, timeout=1800
    )


def _lines(stderr: str, label: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith(f"[{label}] ")]


def _done(line: str) -> str:
    """``12/40`` of a progress line."""
    return re.search(r"\] (\d+/\d+) ", line).group(1)


def test_build_and_check_show_progress_per_node_and_per_contract(home):
    from quality.helpers import discover_contracts

    out = _newinfra(home, "build", "--no-publish", "--period", "2022-01")
    assert out.returncode == 0, out.stderr[-3000:]
    lines = _lines(out.stderr, "dbt build")
    assert len(lines) >= 2, out.stderr[-2000:]
    run_results = json.loads((home / "dbt" / "target" / "run_results.json").read_text(encoding="utf-8"))
    nodes = len(run_results["results"])
    assert _done(lines[-1]) == f"{nodes}/{nodes}" and "(100%)" in lines[-1]
    assert "success" in lines[-1] and "pass" in lines[-1]  # running counts by dbt status
    assert "dbt build 完成" in out.stdout and "[dbt build]" not in out.stdout

    contracts = len(discover_contracts())
    out = _newinfra(home, "check", "--period", "2022-01")
    lines = _lines(out.stderr, "质量检查 check")
    assert lines and _done(lines[-1]) == f"{contracts}/{contracts}", out.stderr[-2000:]
    assert "(100%)" in lines[-1]

    out = _newinfra(home, "check", "--period", "2022-01", "--json")
    assert not _lines(out.stderr, "质量检查 check")
    assert json.loads(out.stdout)["period"] == "2022-01"


def test_ingest_shows_each_file_with_running_counts_by_status(home):
    from demo.generate import generate
    from newinfra.settings import Settings

    generate(home, through="2022-02", settings=Settings(home=home), folders=["CAC", "STD"], workers=1)
    files = [p for p in (home / "landing").rglob("*") if p.is_file()]
    out = _newinfra(home, "ingest")
    assert out.returncode == 0, out.stderr[-2000:]
    lines = _lines(out.stderr, "采集 ingest")
    assert lines and _done(lines[-1]) == f"{len(files)}/{len(files)}", out.stderr[-2000:]
    assert "(100%)" in lines[-1]
    counts = lines[-1].split(" | ")[1].split()  # running counts by status: "loaded 3 quarantined 1"
    assert sum(int(n) for n in counts[1::2]) == len(files)
    assert "[采集 ingest]" not in out.stdout  # stdout keeps the per-file summary only
    quiet = _newinfra(home, "ingest", "--quiet")
    assert not _lines(quiet.stderr, "采集 ingest")


def test_fetch_public_shows_each_source(home):
    from ingestion.public_stats import list_sources

    enabled = [s for s in list_sources() if s.enabled]
    out = _newinfra(home, "fetch-public")
    assert out.returncode == 0, out.stderr[-2000:]
    lines = _lines(out.stderr, "公开统计 fetch-public")
    assert lines and _done(lines[-1]) == f"{len(enabled)}/{len(enabled)}", out.stderr[-2000:]
    assert "(100%)" in lines[-1]
    counts = lines[-1].split(" | ")[1].split()
    assert sum(int(n) for n in counts[1::2]) == len(enabled)


def test_demo_data_shows_each_file_written(home, tmp_path):
    out = _newinfra(
        home,
        "demo-data",
        "--out",
        str(tmp_path / "d"),
        "--through",
        "2022-02",
        "--department",
        "CAC",
        "--workers",
        "1",
    )
    assert out.returncode == 0, out.stderr[-2000:]
    files = [p for p in (tmp_path / "d" / "landing").rglob("*") if p.is_file()]
    lines = _lines(out.stderr, "示例数据 demo-data")
    assert files and lines and _done(lines[-1]) == f"{len(files)}/{len(files)}", out.stderr[-2000:]
    assert "(100%)" in lines[-1]
