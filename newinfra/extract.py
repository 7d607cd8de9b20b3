"""`newinfra extract`: one published mart as a CSV or Parquet file, for analysts who work in Excel,
R or pandas rather than SQL.

Reads only the analysts' copy (``published/marts.duckdb``, read-only), so it never waits for or
blocks the pipeline, and every extract says which copy it came from (its snapshot id, which
fingerprints the inputs, and when it was built)::

    newinfra extract --list                                   # the published tables, with row counts
    newinfra extract governance.fct_indicator_progress --period 2024-12
    newinfra extract compute.fct_compute_progress --format parquet --out racks.parquet
    newinfra extract governance.rpt_responsibility_table --period 2024-12 --sector broadband --out -

CSV is UTF-8 with a byte-order mark by default, so Excel opens the Chinese text correctly
(``--encoding utf-8`` without it, ``gb18030`` for older tools). A file is written to a temporary
name beside the target and renamed into place: a failed extract never leaves half a file.
The table name must be one the copy publishes (``meta.published_tables``); it is never pasted into
SQL otherwise.
"""

from __future__ import annotations

import argparse
import codecs
import difflib
import json
import os
import shutil
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from newinfra.errors import UserInputError
from newinfra.periods import parse_period
from newinfra.settings import Settings

FORMATS = ("csv", "parquet")
ENCODINGS = ("utf-8-sig", "utf-8", "gb18030")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class ExtractResult:
    table: str
    rows: int
    path: str  # "-" for standard output
    format: str
    encoding: str | None
    period: str | None
    sector: str | None
    snapshot_id: str
    built_at: str


def published_tables(con) -> list[tuple[str, str, int]]:
    """(schema, table, rows) of every table the analysts' copy publishes, in name order."""
    return [
        (schema, table, int(rows))
        for schema, table, rows in con.execute(
            "select table_schema, table_name, row_count from meta.published_tables order by 1, 2"
        ).fetchall()
    ]


def _snapshot(con) -> tuple[str, str]:
    snap, built_at = con.execute("select snapshot_id, built_at from meta.publication").fetchone()
    return str(snap), f"{built_at:%Y-%m-%dT%H:%M:%S}Z" if built_at is not None else ""


def _resolve(name: str, tables: list[tuple[str, str, int]]) -> tuple[str, str]:
    """``schema.table`` (or a table name that only one schema has) → (schema, table)."""
    known = {f"{s}.{t}": (s, t) for s, t, _ in tables}
    if name in known:
        return known[name]
    by_table = [(s, t) for s, t, _ in tables if t == name]
    if len(by_table) == 1:
        return by_table[0]
    close = difflib.get_close_matches(name, list(known), n=3, cutoff=0.6)
    hint_zh = f"；是否想要：{'、'.join(close)}" if close else ""
    hint_en = f"; did you mean: {', '.join(close)}" if close else ""
    raise UserInputError(
        f"分析副本中没有表 {name}（newinfra extract --list 列出全部）{hint_zh}",
        f"the analysts' copy has no table {name} (newinfra extract --list shows them){hint_en}",
    )


def _columns(con, schema: str, table: str) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = ? and table_name = ? order by ordinal_position",
            [schema, table],
        ).fetchall()
    ]


def _query(con, schema: str, table: str, period: str | None, sector: str | None) -> tuple[str, list[str]]:
    from newinfra.db import quote_identifier

    columns = _columns(con, schema, table)
    where, params = [], []
    for column, value, zh in (("period", period, "报告期"), ("sector", sector, "领域")):
        if value is None:
            continue
        if column not in columns:
            raise UserInputError(
                f"表 {schema}.{table} 没有 {column}（{zh}）列，不能按 --{column} 筛选",
                f"table {schema}.{table} has no `{column}` column to filter on with --{column}",
            )
        where.append(f"{quote_identifier(column)} = ?")
        params.append(value)
    # A stable row order, so the same copy always gives the same file: the usual keys first, then
    # every other column.
    first = [c for c in ("period", "sector", "sort_order", "prefecture_sort_order") if c in columns]
    order = first + [c for c in columns if c not in first]
    sql = f"select * from {quote_identifier(schema)}.{quote_identifier(table)}"
    if where:
        sql += " where " + " and ".join(where)
    sql += " order by " + ", ".join(quote_identifier(c) for c in order)
    return sql, params


def _check_args(fmt: str, encoding: str, period: str | None, sector: str | None) -> None:
    if fmt not in FORMATS:
        raise UserInputError(
            f"不支持的格式 {fmt}（可用：{'、'.join(FORMATS)}）",
            f"unsupported format {fmt} (use one of: {', '.join(FORMATS)})",
        )
    if encoding not in ENCODINGS:
        raise UserInputError(
            f"不支持的编码 {encoding}（可用：{'、'.join(ENCODINGS)}）",
            f"unsupported encoding {encoding} (use one of: {', '.join(ENCODINGS)})",
        )
    if period is not None:
        parse_period(period)
    if sector is not None:
        from newinfra.plan import load_plan

        sectors = sorted({i.sector for i in load_plan().indicators.values()})
        if sector not in sectors:
            raise UserInputError(
                f"未知领域 {sector}（可用：{'、'.join(sectors)}）",
                f"unknown sector {sector} (one of: {', '.join(sectors)})",
            )


def _transcode(src: Path, dst, encoding: str) -> None:
    """Copy DuckDB's UTF-8 CSV into ``dst`` (a binary file) in ``encoding``, in chunks."""
    if encoding == "utf-8":
        with src.open("rb") as fin:
            shutil.copyfileobj(fin, dst, _CHUNK)
        return
    encoder = codecs.getincrementalencoder(encoding)()
    with src.open("r", encoding="utf-8", newline="") as fin:
        while chunk := fin.read(_CHUNK):
            dst.write(encoder.encode(chunk))
        dst.write(encoder.encode("", final=True))


def default_name(schema: str, table: str, period: str | None, sector: str | None, fmt: str) -> str:
    parts = [f"{schema}.{table}", period, sector]
    return "_".join(p for p in parts if p) + f".{fmt}"


def extract(
    settings: Settings,
    name: str,
    *,
    out: str | None = None,
    fmt: str = "csv",
    encoding: str | None = None,
    period: str | None = None,
    sector: str | None = None,
) -> ExtractResult:
    """Write one published table (optionally one period / sector of it) to ``out``: a file, a
    folder (the default name inside it), ``-`` for standard output, or None for the default name in
    the current folder. The encoding defaults to UTF-8 with a BOM for files, without for stdout."""
    from newinfra import db
    from newinfra.db import sql_literal

    if encoding is None:
        encoding = "utf-8" if out == "-" else "utf-8-sig"
    _check_args(fmt, encoding, period, sector)
    if fmt == "parquet" and out == "-":
        raise UserInputError(
            "Parquet 不能写到标准输出，请用 --out 指定文件",
            "Parquet cannot go to standard output: use --out FILE",
        )
    with db.reader(settings, settings.published_warehouse) as con:
        schema, table = _resolve(name, published_tables(con))
        snap, built_at = _snapshot(con)
        sql, params = _query(con, schema, table, period, sector)
        target = None  # standard output
        if out != "-":
            name_here = default_name(schema, table, period, sector, fmt)
            target = Path(out or name_here).resolve()
            if target.is_dir():
                target = target / name_here
            if not target.parent.is_dir():
                raise UserInputError(
                    f"输出目录不存在：{target.parent}", f"the output folder does not exist: {target.parent}"
                )
        with tempfile.TemporaryDirectory(prefix="newinfra-extract-") as tmpdir:
            raw = Path(tmpdir) / f"rows.{fmt}"
            # COPY takes no parameters, so the filtered rows go to a temp table first (a prepared
            # statement: the filter values are never pasted into SQL).
            con.execute(f"create temp table extract_rows as {sql}", params)
            rows = con.execute("select count(*) from extract_rows").fetchone()[0]
            options = "format parquet" if fmt == "parquet" else "format csv, header true"
            con.execute(f"copy extract_rows to {sql_literal(str(raw))} ({options})")
            if target is None:
                try:
                    _transcode(raw, sys.stdout.buffer, encoding)
                    sys.stdout.buffer.flush()
                except BrokenPipeError:  # `| head`: the reader has what it wanted
                    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            else:
                fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
                try:
                    with os.fdopen(fd, "wb") as dst:
                        if fmt == "csv":
                            _transcode(raw, dst, encoding)
                        else:
                            with raw.open("rb") as fin:
                                shutil.copyfileobj(fin, dst, _CHUNK)
                    os.chmod(tmp_name, 0o644)
                    os.replace(tmp_name, target)
                except BaseException:
                    Path(tmp_name).unlink(missing_ok=True)
                    raise
    return ExtractResult(
        table=f"{schema}.{table}",
        rows=int(rows),
        path="-" if target is None else str(target),
        format=fmt,
        encoding=encoding if fmt == "csv" else None,
        period=period,
        sector=sector,
        snapshot_id=snap,
        built_at=built_at,
    )


# --- CLI ------------------------------------------------------------------------------------------------
def _cmd_extract(args: argparse.Namespace, settings: Settings) -> int:
    if args.list:
        from newinfra import db

        with db.reader(settings, settings.published_warehouse) as con:
            tables = published_tables(con)
            snap, built_at = _snapshot(con)
        if args.json:
            payload = {
                "snapshot_id": snap,
                "built_at": built_at,
                "tables": [{"table": f"{s}.{t}", "rows": n} for s, t, n in tables],
            }
            print(json.dumps(payload, ensure_ascii=False, indent=2))
            return 0
        print(f"分析副本 / analysts' copy: snapshot {snap}，构建于 / built {built_at}")
        width = max((len(s) + len(t) + 1 for s, t, _ in tables), default=10)
        for s, t, n in tables:
            print(f"  {s + '.' + t:<{width}}  {n:>10,} 行 / rows")
        return 0
    if not args.table:
        raise UserInputError(
            "请给出表名（如 governance.fct_indicator_progress），或用 --list 查看全部",
            "name a table (e.g. governance.fct_indicator_progress), or use --list",
        )
    result = extract(
        settings,
        args.table,
        out=args.out,
        fmt=args.format,
        encoding=args.encoding,
        period=args.period,
        sector=args.sector,
    )
    # with the rows on standard output, the summary goes to standard error
    stream = sys.stderr if result.path == "-" else sys.stdout
    if args.json:
        print(json.dumps(asdict(result), ensure_ascii=False, indent=2), file=stream)
        return 0
    message = (
        f"已导出 / extracted {result.table}: {result.rows} 行 / rows → {result.path}"
        f"（数据快照 / snapshot {result.snapshot_id}，构建于 / built {result.built_at}）"
    )
    if result.rows == 0:
        message += "\n  注意：筛选后没有数据 / note: no rows match the filters"
    print(message, file=stream)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "extract",
        help="把分析副本中的一张表导出为 CSV/Parquet / extract a published mart to CSV or Parquet",
    )
    p.add_argument("table", nargs="?", help="表名 schema.table，如 governance.fct_indicator_progress")
    p.add_argument("--list", action="store_true", help="列出分析副本中的表 / list the published tables")
    p.add_argument("--period", help="只导出该报告期 YYYY-MM / only this period")
    p.add_argument("--sector", help="只导出该领域（如 broadband）/ only this sector")
    p.add_argument("--format", default="csv", help="csv（默认）或 parquet / csv (default) or parquet")
    p.add_argument(
        "--encoding",
        help="CSV 编码：utf-8-sig（文件默认，Excel 可直接打开）、utf-8（标准输出默认）、gb18030 / CSV encoding",
    )
    p.add_argument("--out", "-o", help="输出文件或目录，- 为标准输出 / output file or folder, - for stdout")
    p.add_argument("--json", action="store_true", help="机器可读输出 / machine-readable output")
    p.set_defaults(func=_cmd_extract)
