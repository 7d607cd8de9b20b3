"""The clean demo data passes: the whole demo through the real commands, then `newinfra check`.

The demo's deliberate mistakes are rejected rows and a quarantined file (ingestion's business), so no
blocking check may fail; its deliberate public-statistics gap must show as a warning, not a stop.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from newinfra.settings import PROJECT_ROOT

LAST_PERIOD = "2024-12"


def _run(home, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "NEWINFRA_HOME": str(home)}
    proc = subprocess.run(
        [sys.executable, *args], env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=900
    )
    return proc


@pytest.mark.slow
def test_the_clean_demo_data_passes_every_blocking_check(home):
    steps = [
        ("-m", "demo.cli", "--through", LAST_PERIOD),
        ("-m", "pipeline.cli", "load-projects", str(home / "demo" / "重大项目库.xlsx")),
        ("-m", "pipeline.cli", "ingest"),
        ("-m", "pipeline.cli", "fetch-public"),
        ("-m", "pipeline.cli", "build", "--period", LAST_PERIOD),
    ]
    for step in steps:
        proc = _run(home, *step)
        assert proc.returncode == 0, f"{step}: {proc.stderr[-2000:]}"

    proc = _run(home, "-m", "pipeline.cli", "check", "--period", LAST_PERIOD, "--json")
    run = json.loads(proc.stdout)
    problems = [
        f"{r['contract']}:{r['check_name']} {r['message']}"
        for r in run["results"]
        if r["outcome"] in ("failed", "error")
    ]
    assert problems == []
    assert proc.returncode == 0 and run["is_blocked"] is False
    assert run["n_contracts"] >= 19
    warned = {(r["contract"], r["check_name"]) for r in run["results"] if r["outcome"] == "warned"}
    assert ("newinfra/governance/fct_reconciliation", "gap_within_threshold") in warned
