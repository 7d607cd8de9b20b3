"""Helpers of the dbt tests: run the CLI in a child process, copy a seeded home, read one row."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb


def run_cli(home: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    env = {**os.environ, "NEWINFRA_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def copy_seeded_home(template: Path, target: Path) -> Path:
    shutil.copytree(template, target, ignore=shutil.ignore_patterns("dbt"))
    return target


def build_home(home: Path, *extra: str) -> dict:
    out = run_cli(home, "build", "--json", *extra)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    return json.loads(out.stdout)


def one(con: duckdb.DuckDBPyConnection, sql: str, params=None) -> dict:
    """The single row of ``sql`` as a dict (fails unless exactly one row)."""
    cur = con.execute(sql, params or [])
    rows = cur.fetchall()
    assert len(rows) == 1, f"{len(rows)} rows for {sql}"
    return dict(zip([d[0] for d in cur.description], rows[0], strict=True))
