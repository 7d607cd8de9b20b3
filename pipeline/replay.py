"""`newinfra replay`: a fresh warehouse rebuilt from the archive and the ledger (docs/operations.md,
"Rebuilding the warehouse from the archive").

The warehouse is derived: every input it holds was archived by sha256 before it was loaded, and the
ledgers say in which order things arrived. ``newinfra replay --save-ledger`` writes those ledgers (not
the data) to ``archive/ledger.duckdb``; the cycle's last step and the backup recipe run it. ``newinfra
replay`` then, with no warehouse in the home:

1. creates the warehouse and loads the plan's seeds from the repository (``newinfra init``);
2. copies the records that are not derived from a file: the report publications (the revisions after
   publication depend on them), the quality check history, and the public statistics with their fetch
   log, each observation's archived body checked against its recorded sha256;
3. loads every project list again from the archive, in the order it was loaded, with its load time;
4. examines every archived submission again, in the ledger's order, as the file it was (sender, name,
   arrival time and its source): the rules decide again, revisions get their versions in order;
5. compares the new ledger with the saved one (``EXCEPT ALL`` both ways): any difference is reported
   and makes the command fail;
6. builds the marts and publishes the analysts' copy, as ``newinfra build`` does.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ingestion.submissions.archive import hash_stream
from newinfra.errors import UserInputError
from newinfra.settings import Settings

LEDGER_NAME = "ledger.duckdb"
# Order of arrival and the records of things that are not files: saved by --save-ledger.
LEDGER_TABLES = (
    "raw.submission_files",
    "raw.project_registry_loads",
    "raw.public_sources",
    "raw.public_fetches",
    "raw.public_observations",
    "raw.public_rejections",
    "ops.report_publications",
    "quality.check_results",
)
# Copied into the new warehouse as recorded (step 2).
RECORD_TABLES = LEDGER_TABLES[2:]


def ledger_path(settings: Settings) -> Path:
    return settings.home / "archive" / LEDGER_NAME


@dataclass
class ReplayResult:
    warehouse: str
    ledger: str
    records: dict[str, int] = field(default_factory=dict)
    project_lists: int = 0
    submissions: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    copied_unknown_senders: int = 0
    missing_archive: list[str] = field(default_factory=list)
    ledger_differences: int = 0
    # column -> files whose value differs from the saved ledger's (joined on file_id)
    ledger_differing_columns: dict[str, int] = field(default_factory=dict)
    built: bool = False
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.missing_archive and self.ledger_differences == 0


def save_ledger(settings: Settings, target: Path | None = None) -> Path:
    """Write the ledgers of the warehouse (``LEDGER_TABLES``, rows in their order of recording, with
    ``ledger_seq``) to ``archive/ledger.duckdb``: a new file, synced, then renamed over the old one."""
    from newinfra import db

    target = Path(target) if target else ledger_path(settings)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    tmp.unlink(missing_ok=True)
    with db.writer(settings) as con:
        con.execute(f"attach {db.sql_literal(str(tmp))} as ledger")
        try:
            for table in LEDGER_TABLES:
                schema, name = table.split(".")
                con.execute(f"create schema if not exists ledger.{schema}")
                con.execute(
                    f"create table ledger.{table} as select *, rowid as ledger_seq from {table} order by rowid"
                )
        finally:
            con.execute("detach ledger")
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    return target


def replay(settings: Settings, ledger: Path | None = None, build: bool = True, progress=None) -> ReplayResult:
    """Rebuild the warehouse of ``settings`` (which must not exist) from the archive and ``ledger``."""
    import time

    import duckdb

    from ingestion.projects import load_projects
    from ingestion.submissions.replay import Arrival, replay_arrivals
    from newinfra import db
    from newinfra.home import init_home
    from newinfra.progress import progress_factory

    started = time.monotonic()
    progress = progress or progress_factory(quiet=True)
    ledger = Path(ledger) if ledger else ledger_path(settings)
    if not ledger.is_file():
        raise UserInputError(
            f"找不到账本文件 {ledger}（先在原仓库上运行 newinfra replay --save-ledger，或用 --ledger 指定备份）",
            f"no ledger at {ledger} (run `newinfra replay --save-ledger` on the warehouse, or give --ledger)",
        )
    if settings.warehouse.exists():
        raise UserInputError(
            f"仓库 {settings.warehouse} 已存在：重建前请先将其移走（见 docs/operations.md）",
            f"the warehouse {settings.warehouse} exists: move it aside before a replay (docs/operations.md)",
        )
    result = ReplayResult(warehouse=str(settings.warehouse), ledger=str(ledger))
    saved = duckdb.connect(str(ledger), read_only=True)
    try:
        cur = saved.execute("select * from raw.submission_files order by ledger_seq")
        names = [d[0] for d in cur.description]
        arrivals = [Arrival.of(dict(zip(names, row, strict=True))) for row in cur.fetchall()]
        loads = saved.execute(
            "select file_id, original_name, archive_path, loaded_at from raw.project_registry_loads "
            "order by loaded_at, ledger_seq"
        ).fetchall()
        bodies = saved.execute(
            "select distinct archive_path, file_sha256 from raw.public_fetches where archive_path is not null"
        ).fetchall()
    finally:
        saved.close()
    for rel, sha in [*bodies, *((a.archive_path, a.content_sha256 or a.file_id) for a in arrivals)]:
        path = settings.home / rel
        if not path.is_file() or hash_stream(path) != sha:
            result.missing_archive.append(rel)
    if result.missing_archive:
        raise UserInputError(
            f"归档缺少或损坏 {len(result.missing_archive)} 个文件（如 {result.missing_archive[0]}）：请先恢复 archive/",
            f"{len(result.missing_archive)} archived files are missing or damaged "
            f"(e.g. {result.missing_archive[0]}): restore archive/ first",
        )

    init_home(settings)  # 1. the warehouse and the plan's seeds
    with db.writer(settings) as con:  # 2. the records
        con.execute(f"attach {db.sql_literal(str(ledger))} as ledger (read_only)")
        try:
            for table in RECORD_TABLES:
                con.execute(f"delete from {table}")  # raw.public_sources: written by init? start clean
                con.execute(
                    f"insert into {table} by name select * exclude (ledger_seq) from ledger.{table} order by ledger_seq"
                )
                result.records[table] = con.execute(f"select count(*) from {table}").fetchone()[0]
        finally:
            con.execute("detach ledger")

    with tempfile.TemporaryDirectory(prefix="newinfra-replay-") as tmp:  # 3. the project lists
        bar = progress("重放项目库 project lists", len(loads), unit="个 lists")
        for i, (_file_id, name, rel, loaded_at) in enumerate(loads):
            copy = Path(tmp) / str(i) / Path(name).name
            copy.parent.mkdir()
            shutil.copyfile(settings.home / rel, copy)
            load_projects(settings, copy, now=loaded_at)
            bar.advance(item=name)
        bar.close()
        result.project_lists = len(loads)

    known = [a for a in arrivals if a.sender is not None]  # 4. the submissions
    bar = progress("重放报送 submissions", len(known), unit="个文件 files")
    try:
        results = replay_arrivals(settings, known, progress=bar)
    finally:
        bar.close()
    result.submissions = len(results)
    for r in results:
        result.statuses[r.status] = result.statuses.get(r.status, 0) + 1
    unknown = [a.file_id for a in arrivals if a.sender is None]
    with db.writer(settings) as con:
        con.execute(f"attach {db.sql_literal(str(ledger))} as ledger (read_only)")
        try:
            if unknown:  # a folder that is no department: quarantined, nothing loaded; kept as recorded
                placeholders = ", ".join("?" for _ in unknown)
                con.execute(
                    "insert into raw.submission_files by name select * exclude (ledger_seq) "
                    f"from ledger.raw.submission_files where file_id in ({placeholders}) order by ledger_seq",
                    unknown,
                )
            result.copied_unknown_senders = len(unknown)
            # 5. the new ledger against the saved one, both ways
            columns = [
                r[0]
                for r in con.execute(
                    "select column_name from information_schema.columns "
                    "where table_catalog = 'ledger' and table_schema = 'raw' and table_name = 'submission_files' "
                    "and column_name <> 'ledger_seq' order by ordinal_position"
                ).fetchall()
            ]
            cols = ", ".join(db.quote_identifier(c) for c in columns)
            result.ledger_differences = con.execute(
                f"""
                select count(*) from (
                    (select {cols} from raw.submission_files except all select {cols} from ledger.raw.submission_files)
                    union all
                    (select {cols} from ledger.raw.submission_files except all select {cols} from raw.submission_files)
                )
                """
            ).fetchone()[0]
            if result.ledger_differences:
                for c in columns:
                    q = db.quote_identifier(c)
                    n = con.execute(
                        f"select count(*) from raw.submission_files as new "
                        f"join ledger.raw.submission_files as old using (file_id) "
                        f"where new.{q} is distinct from old.{q}"
                    ).fetchone()[0]
                    if n:
                        result.ledger_differing_columns[c] = n
        finally:
            con.execute("detach ledger")
    if build:  # 6. the marts and the analysts' copy
        from newinfra.transform import build as dbt_build
        from newinfra.transform import publish_marts

        dbt_build(settings, progress=progress)
        publish_marts(settings)
        result.built = True
    result.seconds = round(time.monotonic() - started, 1)
    return result


def _cmd_replay(args: argparse.Namespace, settings: Settings) -> int:
    from newinfra.progress import progress_factory

    if args.save_ledger:
        path = save_ledger(settings, Path(args.ledger) if args.ledger else None)
        if args.json:
            print(json.dumps({"ledger": str(path)}, ensure_ascii=False))
        else:
            print(f"账本已保存 / ledger saved: {path}")
        return 0
    result = replay(
        settings,
        Path(args.ledger) if args.ledger else None,
        build=not args.no_build,
        progress=progress_factory(quiet=args.quiet or args.json),
    )
    if args.json:
        print(json.dumps({**asdict(result), "ok": result.ok}, ensure_ascii=False, default=str))
    else:
        statuses = "，".join(f"{k} {v}" for k, v in sorted(result.statuses.items()))
        print(f"仓库已重建 / warehouse rebuilt: {result.warehouse}（{result.seconds} 秒）")
        print(f"  账本 / ledger: {result.ledger}")
        print("  记录表 / records: " + "，".join(f"{k} {v}" for k, v in result.records.items()))
        print(f"  项目库 / project lists: {result.project_lists}")
        print(f"  报送文件 / submissions: {result.submissions}（{statuses}）")
        if result.copied_unknown_senders:
            print(
                f"  未知目录的隔离文件按记录保留 / unknown folders kept as recorded: {result.copied_unknown_senders}"
            )
        verdict = (
            "一致 / identical"
            if result.ledger_differences == 0
            else f"{result.ledger_differences} 行不同 / rows differ"
        )
        print(f"  新台账与保存的台账 / new ledger against the saved one: {verdict}")
        for column, n in result.ledger_differing_columns.items():
            print(f"    {column}: {n} 个文件不同 / files differ")
        print(f"  构建 / built: {'是 yes' if result.built else '否 no (--no-build)'}")
    return 0 if result.ok else 1


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "replay",
        help="由归档和账本重建仓库 / rebuild the warehouse from archive/ and the ledger (docs/operations.md)",
    )
    p.add_argument(
        "--save-ledger",
        action="store_true",
        help="只保存当前仓库的账本到 archive/ledger.duckdb / save the ledgers for a later replay",
    )
    p.add_argument("--ledger", help="账本文件（默认 archive/ledger.duckdb）/ the ledger file")
    p.add_argument(
        "--no-build", action="store_true", help="只重放原始表，不构建 / raw tables only, no dbt build"
    )
    p.add_argument("--quiet", action="store_true", help="不显示进度 / no progress output")
    p.add_argument("--json", action="store_true", help="机器可读输出 / machine-readable output")
    p.set_defaults(func=_cmd_replay)
