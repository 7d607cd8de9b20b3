"""Run dbt while holding the warehouse write lock (``newinfra/bin/dbt-locked ARGS`` = ``dbt ARGS``).

Airflow's ``duckdb_writer`` pool serialises the tasks of Airflow; this lock also keeps out every
writer outside Airflow (the CLI, a manual run). Cosmos runs this wrapper instead of dbt
(``dbt_executable_path``), so each dbt invocation of the transform DAG holds the lock for its whole
run. dbt runs as a child process with this process's stdin/stdout/stderr (Cosmos reads dbt's JSON
log lines from stdout); a SIGTERM/SIGINT from Airflow is passed on to it; the exit code is dbt's.
Commands that never open the warehouse (parse, deps, ls, --version) run without the lock.

Cosmos runs dbt in a temporary copy of the project (``--project-dir /tmp/...``); after a build the
wrapper copies its ``manifest.json`` and ``run_results.json`` to ``NEWINFRA_HOME/dbt/target``, where
``newinfra.dbt.run_dbt`` keeps them and ``newinfra.transform.publish`` reads them.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from newinfra.atomic import write_with

NO_LOCK_COMMANDS = frozenset({"parse", "deps", "ls", "list", "clean", "debug", "init", "--version", "--help"})
ARTIFACT_COMMANDS = frozenset({"build", "run", "seed", "test", "snapshot"})
ARTIFACTS = ("manifest.json", "run_results.json")


def needs_lock(args: Sequence[str]) -> bool:
    """True unless the first non-flag word is a command that never opens the warehouse."""
    for arg in args:
        if arg in ("--version", "--help", "-h"):
            return False
        if not arg.startswith("-"):
            return arg not in NO_LOCK_COMMANDS
    return False


def run(args: Sequence[str]) -> int:
    from newinfra.dbt import dbt_executable

    proc = subprocess.Popen([dbt_executable(), *args])

    def forward(signum: int, _frame: object) -> None:
        proc.send_signal(signum)

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, forward)
    return proc.wait()


def command_of(args: Sequence[str]) -> str | None:
    return next((arg for arg in args if not arg.startswith("-")), None)


def project_dir_of(args: Sequence[str]) -> Path | None:
    for i, arg in enumerate(args):
        if arg == "--project-dir" and i + 1 < len(args):
            return Path(args[i + 1])
        if arg.startswith("--project-dir="):
            return Path(arg.split("=", 1)[1])
    return None


def keep_artifacts(args: Sequence[str], home: Path) -> list[Path]:
    """Copy a temporary project's dbt artifacts to ``home/dbt/target`` (each replaced atomically)."""
    project = project_dir_of(args)
    if command_of(args) not in ARTIFACT_COMMANDS or project is None:
        return []
    source = Path(os.environ.get("DBT_TARGET_PATH") or project / "target")
    if not source.is_absolute():
        source = project / source
    target = home / "dbt" / "target"
    if source.resolve() == target.resolve():
        return []
    copied = []
    for name in ARTIFACTS:
        if (source / name).is_file():
            with open(source / name, "rb") as src:
                write_with(target / name, lambda fh, src=src: shutil.copyfileobj(src, fh), sync=False)
            copied.append(target / name)
    return copied


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not needs_lock(args):
        return run(args)
    from newinfra import db
    from newinfra.errors import NewinfraError
    from newinfra.settings import Settings

    settings = Settings.from_env()
    try:
        with db.write_lock(settings):
            code = run(args)
            keep_artifacts(args, settings.home)
    except NewinfraError as exc:
        print(f"错误：{exc.message_zh}\nError: {exc.message_en}", file=sys.stderr)
        return exc.exit_code
    return code


if __name__ == "__main__":
    sys.exit(main())
