"""Run dbt while holding the warehouse write lock (``newinfra/bin/dbt-locked ARGS`` = ``dbt ARGS``).

Airflow's ``duckdb_writer`` pool serialises the tasks of Airflow; this lock also keeps out every
writer outside Airflow (the CLI, a manual run). Cosmos runs this wrapper instead of dbt
(``dbt_executable_path``), so each dbt invocation of the transform DAG holds the lock for its whole
run. dbt runs as a child process with this process's stdin/stdout/stderr (Cosmos reads dbt's JSON
log lines from stdout); a SIGTERM/SIGINT from Airflow is passed on to it; the exit code is dbt's.
Commands that never open the warehouse (parse, deps, ls, --version) run without the lock.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Sequence

NO_LOCK_COMMANDS = frozenset({"parse", "deps", "ls", "list", "clean", "debug", "init", "--version", "--help"})


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


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not needs_lock(args):
        return run(args)
    from newinfra import db
    from newinfra.settings import Settings

    with db.write_lock(Settings.from_env()):
        return run(args)


if __name__ == "__main__":
    sys.exit(main())
