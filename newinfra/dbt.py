"""Run dbt for the platform: one place that knows the project dir, profile and environment.

dbt runs in a child process (``python -m dbt.cli.main``-equivalent: the venv's ``dbt``): in-process
``dbtRunner`` keeps the DuckDB file open read-write afterwards (docs/architecture.md), which would block the
quality checks and the export that follow. The caller holds the warehouse write lock.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
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


#: dbt's events that say one node (model, test, seed, snapshot …) is finished or skipped.
NODE_DONE_EVENTS = frozenset(
    {
        "LogModelResult",
        "LogTestResult",
        "LogSeedResult",
        "LogSnapshotResult",
        "LogNodeNoOpResult",
        "LogFreshnessResult",
        "SkippingDetails",
    }
)


@dataclass(frozen=True)
class NodeEvent:
    """One finished dbt node, from dbt's own JSON event stream."""

    index: int
    total: int
    name: str
    status: str


def node_event(line: str) -> NodeEvent | None:
    """The finished node a JSON log line of dbt reports, or None for any other line."""
    try:
        event = json.loads(line)
    except (json.JSONDecodeError, TypeError):
        return None
    if not isinstance(event, dict) or event.get("info", {}).get("name") not in NODE_DONE_EVENTS:
        return None
    data = event.get("data", {})
    node = data.get("node_info", {}) or {}
    total = data.get("total") or data.get("num_models") or 0
    return NodeEvent(
        index=int(data.get("index") or 0),
        total=int(total),
        name=str(node.get("unique_id") or data.get("node_name") or data.get("name") or ""),
        status=str(data.get("status") or node.get("node_status") or ""),
    )


def run_dbt(
    settings: Settings,
    *args: str,
    check: bool = True,
    quiet: bool = True,
    on_node: Callable[[NodeEvent], None] | None = None,
) -> DbtResult:
    """Run ``dbt <args>`` against the warehouse of ``settings``; raise PlatformError on failure.

    With ``on_node``, dbt logs JSON events and ``on_node`` is called as each node finishes (the
    progress of a build); the result's ``output`` is still dbt's plain text."""
    cmd = [dbt_executable(), *args]
    if on_node is not None:
        cmd[1:1] = ["--log-format", "json"]
    elif quiet and "--quiet" not in args and "-q" not in args:
        cmd.insert(1, "--log-format")
        cmd.insert(2, "text")
    if on_node is None:
        proc = subprocess.run(
            cmd,
            cwd=DBT_PROJECT_DIR,
            env=dbt_env(settings),
            capture_output=True,
            text=True,
        )
        returncode, output = proc.returncode, proc.stdout + proc.stderr
    else:
        returncode, output = _stream(cmd, settings, on_node)
    result = DbtResult(tuple(args), returncode, output)
    if check and not result.ok:
        tail = "\n".join(result.output.strip().splitlines()[-40:])
        raise PlatformError(
            f"dbt {' '.join(args)} 失败（退出码 {returncode}）\n{tail}",
            f"dbt {' '.join(args)} failed (exit {returncode})",
        )
    return result


def _stream(cmd: list[str], settings: Settings, on_node: Callable[[NodeEvent], None]) -> tuple[int, str]:
    """Run dbt with JSON logs, calling ``on_node`` per finished node; return (exit code, text log)."""
    text: list[str] = []
    with subprocess.Popen(
        cmd,
        cwd=DBT_PROJECT_DIR,
        env=dbt_env(settings),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            try:
                message = json.loads(line).get("info", {}).get("msg")
            except (json.JSONDecodeError, AttributeError):
                message = None
            text.append(message if isinstance(message, str) else line.rstrip("\n"))
            event = node_event(line)
            if event is not None:
                on_node(event)
        returncode = proc.wait()
    return returncode, "\n".join(text) + "\n"


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
