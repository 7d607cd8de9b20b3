"""The transform stage: ``dbt build`` over the warehouse, then the analysts' read-only copy.

Write modes:

- :func:`build` rebuilds the dbt project (seeds, staging views, intermediate and mart tables, tests)
  under the warehouse write lock; every model is replaced whole, so re-running is an exact replay.
- :func:`publish` writes the marts (every ``models/marts/**`` model and the plan's seeds) into a NEW
  DuckDB file and new Parquet files, then swaps them in atomically (``os.replace`` of the file, a
  symlink swap of the Parquet folder). Analysts open ``published/marts.duckdb`` read-only and never
  block the pipeline (DuckDB refuses a second process while a writer holds the warehouse) nor see
  half a build: a connection opened before the swap keeps reading the old, complete file.

Layout under ``NEWINFRA_HOME/published/``::

    marts.duckdb                     <- the analysts' copy (schemas as in the warehouse, plus meta.*)
    parquet -> parquet-<id>/         <- symlink; parquet-<id>/<schema>/<table>.parquet
    manifest.json                    <- tables, row counts, built_at, snapshot_id
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb

from newinfra import db
from newinfra.atomic import write_bytes
from newinfra.db import quote_identifier, sql_literal
from newinfra.dbt import NodeEvent, dbt_vars, run_dbt
from newinfra.errors import PlatformError
from newinfra.progress import Progress
from newinfra.settings import Settings

PUBLISHED_DB = "marts.duckdb"
PARQUET_LINK = "parquet"
MANIFEST = "manifest.json"
# Schemas that are never published (the fallback when dbt's manifest is missing).
PRIVATE_SCHEMAS = (
    "raw",
    "staging",
    "intermediate",
    "ops",
    "quality",
    "main",
    "information_schema",
    "pg_catalog",
)
# Statuses in dbt's run_results.json that mean the build failed.
FAILED_STATUSES = ("error", "fail", "runtime error")


@dataclass(frozen=True)
class BuildResult:
    ok: bool
    select: str | None
    period: str | None
    elapsed_s: float
    counts: dict[str, int] = field(default_factory=dict)  # dbt status -> number of nodes
    failures: list[dict[str, str]] = field(default_factory=list)  # unique_id, status, message
    output: str = ""

    def to_dict(self) -> dict:
        data = asdict(self)
        data.pop("output")
        return data


@dataclass(frozen=True)
class PublishedTable:
    schema: str
    table: str
    rows: int
    parquet: str  # relative to published/


@dataclass(frozen=True)
class PublishResult:
    path: Path
    parquet_dir: Path
    manifest_path: Path
    snapshot_id: str
    built_at: str
    tables: list[PublishedTable]


# --- build ------------------------------------------------------------------------------------


def _target_dir(settings: Settings) -> Path:
    return settings.home / "dbt" / "target"


def _read_run_results(settings: Settings, since: float) -> tuple[dict[str, int], list[dict[str, str]]]:
    path = _target_dir(settings) / "run_results.json"
    if not path.exists() or path.stat().st_mtime < since - 1:
        return {}, []
    data = json.loads(path.read_text(encoding="utf-8"))
    counts: dict[str, int] = {}
    failures = []
    for result in data.get("results", []):
        status = str(result.get("status"))
        counts[status] = counts.get(status, 0) + 1
        if status in FAILED_STATUSES:
            failures.append(
                {
                    "unique_id": result.get("unique_id", ""),
                    "status": status,
                    "message": (result.get("message") or "").strip()[:500],
                }
            )
    return counts, failures


def build(
    settings: Settings,
    select: str | None = None,
    *,
    period: str | None = None,
    check: bool = True,
    progress: Callable[..., Progress] | None = None,
) -> BuildResult:
    """Run ``dbt build`` (optionally ``--select``) under the warehouse write lock.

    ``period`` ('YYYY-MM') makes the monthly series reach at least that month even when no
    submission for it has arrived yet. Raises :class:`PlatformError` when a model or test fails
    (unless ``check=False``; then the result says ``ok=False``). ``progress`` (a
    ``newinfra.progress`` factory) shows each node as dbt finishes it."""
    args = ["build", "--vars", json.dumps(dbt_vars(settings, period))]
    if select:
        args += ["--select", select]
    started = time.time()
    with db.write_lock(settings):
        if progress is None:
            result = run_dbt(settings, *args, check=False)
        else:
            shown: list[Progress] = []

            def on_node(event: NodeEvent) -> None:
                if not shown:  # dbt tells the number of nodes with the first one
                    shown.append(progress("dbt build", event.total, unit="节点 nodes", every_seconds=5.0))
                shown[0].advance(item=event.name.split(".")[-1], counts={event.status: 1})

            try:
                result = run_dbt(settings, *args, check=False, on_node=on_node)
            finally:
                for bar in shown:
                    bar.close()
    elapsed = time.time() - started
    counts, failures = _read_run_results(settings, started)
    outcome = BuildResult(
        ok=result.ok and not failures,
        select=select,
        period=period,
        elapsed_s=round(elapsed, 2),
        counts=counts,
        failures=failures,
        output=result.output,
    )
    if check and not outcome.ok:
        listed = "\n".join(f"  {f['status']}: {f['unique_id']} {f['message'][:200]}" for f in failures[:20])
        if not listed:
            listed = "\n".join(result.output.strip().splitlines()[-30:])
        raise PlatformError(
            f"dbt build 失败（{len(failures)} 个模型或测试未通过）：\n{listed}",
            f"dbt build failed ({len(failures)} nodes failed); see the list above",
        )
    return outcome


# --- publish ----------------------------------------------------------------------------------


def mart_relations(settings: Settings, con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(schema, table) of every mart and seed, from dbt's manifest; those missing in the warehouse
    are skipped. Without a manifest: every table outside the private schemas."""
    existing = {
        (schema, name)
        for schema, name in con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = current_database()"
        ).fetchall()
    }
    manifest = _target_dir(settings) / "manifest.json"
    wanted: set[tuple[str, str]] = set()
    if manifest.exists():
        nodes = json.loads(manifest.read_text(encoding="utf-8")).get("nodes", {})
        for node in nodes.values():
            kind = node.get("resource_type")
            path = node.get("original_file_path", "")
            if kind == "seed" or (kind == "model" and path.startswith("models/marts/")):
                wanted.add((node["schema"], node.get("alias") or node["name"]))
        relations = wanted & existing
    else:
        relations = {(s, t) for s, t in existing if s not in PRIVATE_SCHEMAS}
    return sorted(relations)


def _content_probe(table: str, columns: str) -> str:
    """Row count and an order-independent digest of ``columns`` of ``table``."""
    return (
        "select count(*), md5(coalesce(string_agg(row_text, ',' order by row_text), '')) "
        f"from (select concat_ws(':', {columns}) as row_text from {table})"
    )


def snapshot_id(con: duckdb.DuckDBPyConnection, relations: list[tuple[str, str]] | None = None) -> str:
    """A fingerprint of what the marts were built from: the submission ledger (file ids and statuses),
    the public observations, the project library, and the marts' row counts. Equal ids mean the
    same inputs; the export records it with each published report."""
    parts = []
    probes = {
        "files": "select count(*), md5(coalesce(string_agg(file_id || ':' || status, ',' order by file_id), '')) "
        "from raw.submission_files",
        # Content, not load times: a replay of the same inputs gives the same id.
        "public": _content_probe(
            "raw.public_observations",
            "source_name, indicator_id, prefecture_code, period, value, observation_version",
        ),
        "projects": _content_probe(
            "raw.project_registry",
            "project_code, project_name, sector, department_code, prefecture_code, total_investment_yuan",
        ),
    }
    for name, sql in probes.items():
        try:
            parts.append(f"{name}={con.execute(sql).fetchone()}")
        except duckdb.Error:
            parts.append(f"{name}=absent")
    for schema, table in relations or []:
        n = con.execute(
            f"select count(*) from {quote_identifier(schema)}.{quote_identifier(table)}"
        ).fetchone()[0]
        parts.append(f"{schema}.{table}={n}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def _clean_leftovers(published: Path, keep: set[str]) -> None:
    """Remove temp files of an interrupted publish and Parquet versions older than the previous one."""
    for path in published.glob(f"{PUBLISHED_DB}.tmp-*"):
        path.unlink(missing_ok=True)
    for path in published.glob(f"{PARQUET_LINK}.tmp-*"):
        if path.is_symlink() or path.is_file():
            path.unlink(missing_ok=True)
    for path in published.glob(f"{MANIFEST}.tmp-*"):
        path.unlink(missing_ok=True)
    for path in published.glob(f"{PARQUET_LINK}-*"):
        if path.is_dir() and path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)


def _swap_parquet(published: Path, new_dir: Path, run_id: str) -> str | None:
    """Point published/parquet at ``new_dir`` atomically; return the folder it pointed at before."""
    link = published / PARQUET_LINK
    previous = None
    if link.is_symlink():
        previous = os.readlink(link)
    elif link.exists():  # a real folder (written by hand or an older version): move it aside first
        previous = f"{PARQUET_LINK}-legacy-{run_id}"
        link.rename(published / previous)
    tmp_link = published / f"{PARQUET_LINK}.tmp-{run_id}"
    tmp_link.symlink_to(new_dir.name, target_is_directory=True)
    os.replace(tmp_link, link)
    return previous


def publish(settings: Settings) -> Path:
    """Publish the marts for analysts; returns the path of ``published/marts.duckdb``."""
    return publish_marts(settings).path


def publish_marts(settings: Settings) -> PublishResult:
    """Copy every mart and seed into new files and swap them in (see the module docstring)."""
    published = settings.published
    published.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC)
    run_id = f"{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    tmp_db = published / f"{PUBLISHED_DB}.tmp-{run_id}"
    parquet_dir = published / f"{PARQUET_LINK}-{run_id}"
    built_at = now.replace(microsecond=0).isoformat().replace("+00:00", "Z")
    with db.writer(settings) as con:
        _clean_leftovers(published, keep=_parquet_to_keep(published))
        relations = mart_relations(settings, con)
        if not relations:
            raise PlatformError(
                "仓库中没有可发布的数据集市表，请先运行 newinfra build",
                "no mart tables in the warehouse to publish; run `newinfra build` first",
            )
        snap = snapshot_id(con, relations)
        catalog = con.execute("select current_database()").fetchone()[0]
        tables: list[PublishedTable] = []
        try:
            con.execute(f"attach {sql_literal(str(tmp_db))} as published_copy")
            for schema, table in relations:
                source = f"{quote_identifier(catalog)}.{quote_identifier(schema)}.{quote_identifier(table)}"
                target = f"published_copy.{quote_identifier(schema)}.{quote_identifier(table)}"
                con.execute(f"create schema if not exists published_copy.{quote_identifier(schema)}")
                con.execute(f"create table {target} as select * from {source}")
                rows = con.execute(f"select count(*) from {target}").fetchone()[0]
                out = parquet_dir / schema / f"{table}.parquet"
                out.parent.mkdir(parents=True, exist_ok=True)
                con.execute(f"copy {target} to {sql_literal(str(out))} (format parquet)")
                tables.append(PublishedTable(schema, table, rows, f"{PARQUET_LINK}/{schema}/{table}.parquet"))
            _write_meta(con, tables, built_at, snap)
            con.execute("checkpoint published_copy")
            con.execute("detach published_copy")
        except BaseException:
            _detach_quietly(con)
            tmp_db.unlink(missing_ok=True)
            shutil.rmtree(parquet_dir, ignore_errors=True)
            raise
    # Swap: Parquet first, then the database file, then the manifest that describes both.
    _swap_parquet(published, parquet_dir, run_id)
    final_db = published / PUBLISHED_DB
    os.replace(tmp_db, final_db)
    manifest = {
        "built_at": built_at,
        "snapshot_id": snap,
        "database": PUBLISHED_DB,
        "parquet_dir": PARQUET_LINK,
        "tables": [asdict(t) for t in tables],
    }
    manifest_path = published / MANIFEST
    write_bytes(manifest_path, json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8"), sync=False)
    _clean_leftovers(published, keep=_parquet_to_keep(published))
    return PublishResult(final_db, parquet_dir, manifest_path, snap, built_at, tables)


def _detach_quietly(con: duckdb.DuckDBPyConnection) -> None:
    try:
        con.execute("detach database if exists published_copy")
    except duckdb.Error:
        pass


def _write_meta(
    con: duckdb.DuckDBPyConnection, tables: list[PublishedTable], built_at: str, snap: str
) -> None:
    """meta.publication (one row) and meta.published_tables inside the copy, for analysts in SQL."""
    con.execute("create schema if not exists published_copy.meta")
    con.execute(
        "create table published_copy.meta.publication as "
        "select cast(? as timestamp) as built_at, ? as snapshot_id, ? as n_tables",
        [built_at.rstrip("Z"), snap, len(tables)],
    )
    con.execute(
        "create table published_copy.meta.published_tables "
        "(table_schema varchar, table_name varchar, row_count bigint, parquet_path varchar)"
    )
    if tables:
        con.executemany(
            "insert into published_copy.meta.published_tables values (?, ?, ?, ?)",
            [(t.schema, t.table, t.rows, t.parquet) for t in tables],
        )


def _parquet_to_keep(published: Path) -> set[str]:
    """The Parquet version the link points at, and the newest other one (a reader may have resolved
    the link to it a moment ago)."""
    link = published / PARQUET_LINK
    current = os.readlink(link) if link.is_symlink() else None
    others = sorted(
        (p for p in published.glob(f"{PARQUET_LINK}-*") if p.is_dir() and p.name != current),
        key=lambda p: p.stat().st_mtime,
    )
    keep = {current} if current else set()
    if others:
        keep.add(others[-1].name)
    return keep
