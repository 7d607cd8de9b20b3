"""Run dbt for the platform: one place that knows the project dir, profile and environment.

dbt runs in a child process (``python -m dbt.cli.main``-equivalent: the venv's ``dbt``): in-process
``dbtRunner`` keeps the DuckDB file open read-write afterwards (STACK.md), which would block the
quality checks and the export that follow. The caller holds the warehouse write lock.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from newinfra.errors import PlatformError
from newinfra.periods import parse_period
from newinfra.settings import DBT_PROJECT_DIR, Settings


@dataclass(frozen=True)
class DbtResult:
    args: tuple[str, ...]
    returncode: int
    output: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def dbt_executable() -> str:
    candidate = Path(sys.executable).with_name("dbt")
    if candidate.exists():
        return str(candidate)
    found = shutil.which("dbt")
    if not found:
        raise PlatformError(
            "找不到 dbt 命令，请运行 make install", "dbt executable not found; run `make install`"
        )
    return found


def dbt_env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        NEWINFRA_HOME=str(settings.home),
        DBT_PROFILES_DIR=str(DBT_PROJECT_DIR),
        DBT_SEND_ANONYMOUS_USAGE_STATS="False",
        DBT_LOG_PATH=str(settings.home / "dbt" / "logs"),
        DBT_TARGET_PATH=str(settings.home / "dbt" / "target"),
    )
    return env


def run_dbt(settings: Settings, *args: str, check: bool = True, quiet: bool = True) -> DbtResult:
    """Run ``dbt <args>`` against the warehouse of ``settings``; raise PlatformError on failure."""
    cmd = [dbt_executable(), *args]
    if quiet and "--quiet" not in args and "-q" not in args:
        cmd.insert(1, "--log-format")
        cmd.insert(2, "text")
    proc = subprocess.run(
        cmd,
        cwd=DBT_PROJECT_DIR,
        env=dbt_env(settings),
        capture_output=True,
        text=True,
    )
    result = DbtResult(tuple(args), proc.returncode, proc.stdout + proc.stderr)
    if check and not result.ok:
        tail = "\n".join(result.output.strip().splitlines()[-40:])
        raise PlatformError(
            f"dbt {' '.join(args)} 失败（退出码 {proc.returncode}）\n{tail}",
            f"dbt {' '.join(args)} failed (exit {proc.returncode})",
        )
    return result


def dbt_vars(settings: Settings, period: str | None = None) -> dict[str, object]:
    """The dbt vars that come from the platform's settings (one source of truth for both). Light on
    purpose: the transform DAG's Cosmos task reads it at parse time."""
    values: dict[str, object] = {
        "on_time_days": settings.on_time_days,
        "reconciliation_threshold": settings.reconciliation_threshold,
    }
    if period:
        parse_period(period)
        values["report_period"] = period
    return values
