"""The warehouse: one DuckDB file, one writer at a time.

DuckDB refuses a second process while a writer holds the file (even read-only: see docs/architecture.md), so
every writer goes through :func:`writer`, which takes a file lock beside the warehouse first. A
second writer waits for the lock (up to ``NEWINFRA_LOCK_TIMEOUT`` seconds) and then proceeds, or
fails with a clear message. Under Airflow the ``duckdb_writer`` pool (1 slot) serialises tasks as
well; the lock also covers runs outside Airflow (the CLI, a test, a manual run).

The raw tables are declared by the parts that own them, each in its own ``schema.sql``
(``ingestion/<source>/schema.sql``, ``quality/schema.sql``, ``exports/schema.sql``); ``ensure_schema``
runs them all, so a new source adds a file and touches nothing here.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path

import duckdb
from filelock import FileLock, Timeout

from newinfra.errors import PlatformError
from newinfra.settings import PROJECT_ROOT, Settings

_locks: dict[str, FileLock] = {}
_locks_guard = threading.Lock()

# Order matters only for readability: each file is idempotent (`create ... if not exists`).
DDL_GLOBS = ("ingestion/*/schema.sql", "quality/schema.sql", "exports/schema.sql")


def ddl_files() -> list[Path]:
    files: list[Path] = []
    for pattern in DDL_GLOBS:
        files.extend(sorted(PROJECT_ROOT.glob(pattern)))
    return files


def _lock_for(settings: Settings) -> FileLock:
    key = str(settings.lock_file)
    with _locks_guard:
        lock = _locks.get(key)
        if lock is None:
            settings.home.mkdir(parents=True, exist_ok=True)
            # thread_local=False: the same process may nest writer() calls from one thread.
            lock = FileLock(key, thread_local=False)
            _locks[key] = lock
        return lock


@contextlib.contextmanager
def write_lock(settings: Settings, timeout: float | None = None) -> Iterator[None]:
    """Hold the warehouse write lock (re-entrant within a process)."""
    lock = _lock_for(settings)
    wait = settings.lock_timeout_s if timeout is None else timeout
    try:
        lock.acquire(timeout=wait)
    except Timeout as exc:
        raise PlatformError(
            f"仓库正被另一个写入进程占用，等待 {wait:.0f} 秒后超时：{settings.lock_file}",
            f"the warehouse is held by another writer; gave up after {wait:.0f} s: {settings.lock_file}",
        ) from exc
    try:
        yield
    finally:
        lock.release()


@contextlib.contextmanager
def writer(settings: Settings, timeout: float | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection to the warehouse, under the write lock."""
    with write_lock(settings, timeout):
        settings.home.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(settings.warehouse), config={"memory_limit": settings.duckdb_memory_limit})
        try:
            yield con
        finally:
            con.close()


@contextlib.contextmanager
def reader(settings: Settings, database: Path | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection (the warehouse by default, or e.g. the published analysts' copy)."""
    path = database or settings.warehouse
    if not path.exists():
        raise PlatformError(
            f"数据库文件不存在，请先运行 newinfra init：{path}",
            f"database file not found, run `newinfra init` first: {path}",
        )
    con = duckdb.connect(str(path), read_only=True, config={"memory_limit": settings.duckdb_memory_limit})
    try:
        yield con
    finally:
        con.close()


def ensure_schema(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Create every schema and raw table the parts declare. Idempotent."""
    applied = []
    for path in ddl_files():
        con.execute(path.read_text(encoding="utf-8"))
        applied.append(str(path.relative_to(PROJECT_ROOT)))
    return applied


def quote_identifier(name: str) -> str:
    """A schema, table or column name as a DuckDB identifier (``"a""b"``)."""
    return '"' + name.replace('"', '""') + '"'


def sql_literal(text: str) -> str:
    """A string as a SQL literal (for the statements that take no parameters: COPY, ATTACH)."""
    return "'" + text.replace("'", "''") + "'"
