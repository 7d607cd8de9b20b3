"""Published statistics for the cross-check: fetch every source declared in ``sources.yml``.

Entry point (called by the CLI ``newinfra fetch-public`` and the Airflow DAG)::

    from ingestion.public_stats import fetch_sources
    results = fetch_sources(settings)                   # every source
    results = fetch_sources(settings, names=["x"])      # some sources
    failed = [r for r in results if not r.ok]

Disabled sources (``enabled: false``: the real publishers, until the office turns one on) are
fetched only when named. ``from_file``: one named source read from a saved copy of what its
publisher serves (``newinfra fetch-public --source X --from-file F``); the file is recorded as the
location. Every run also records what sources.yml declares (``raw.public_sources``) for the
source-health mart (docs/public-stats.md).

Each source, in turn: read the last successful fetch (its ETag / Last-Modified and file hash) ->
download (HTTP with timeouts, bounded retries with backoff, a conditional request) or read the
local file -> archive the bytes by sha256 (``archive/public/<sha[:2]>/<sha>.<ext>``) before parsing
-> parse (``parsers.py``) -> map to our indicator, prefecture and period codes (``helpers.py``) ->
write, in ONE transaction per source, the fetch row, the new or changed figures and the rows that
could not be mapped.

Write mode: append-only. ``raw.public_fetches`` gets one row per source per run, whatever happened
(status loaded | unchanged | not_modified | failed). ``raw.public_observations`` gets a row only for
a figure that is new (observation_version 1) or changed (version + 1, per source x indicator x
prefecture x period); re-fetching unchanged data writes nothing else (same sha256 -> ``unchanged``;
HTTP 304 -> ``not_modified``). A source that is down, slow, truncated, mistyped or malformed fails
alone with a Chinese/English error in its result and its fetch row, nothing else of it written;
the other sources still load. Never raises for a bad source; raises ``UserInputError`` only for an
unreadable sources.yml or an unknown source name.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from newinfra.settings import Settings

__all__ = ["SourceResult", "fetch_sources", "list_sources"]


@dataclass
class SourceResult:
    """What happened to one source. ``ok`` is False only for status ``failed``."""

    name: str
    title_zh: str
    publisher: str
    location: str  # URL, or path relative to the project root
    status: str  # loaded | unchanged | not_modified | failed
    fetch_id: str
    fetched_at: str  # ISO 8601, UTC
    is_synthetic: bool = False
    http_status: int | None = None
    attempts: int = 0
    file_sha256: str | None = None
    archive_path: str | None = None  # relative to NEWINFRA_HOME
    rows_total: int = 0  # = rows_loaded + rows_unmapped
    rows_loaded: int = 0  # mapped to our codes
    rows_unmapped: int = 0
    rows_skipped: int = 0  # rows of regions outside mapping.keep_regions (not ours; counted, not loaded)
    rows_new: int = 0  # written as version 1
    rows_changed: int = 0  # written as a new version
    unmapped: list[dict[str, Any]] = field(default_factory=list)  # per reason: code, zh, en, count, examples
    error_code: str | None = None
    error_zh: str | None = None
    error_en: str | None = None

    @property
    def ok(self) -> bool:
        return self.status != "failed"

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def list_sources(sources_file: Path | None = None):
    """The declared sources (``config.Source``), checked against the plan's indicators."""
    from ingestion.public_stats.config import load_sources
    from ingestion.public_stats.settings import SOURCES_FILE
    from newinfra.plan import load_plan

    plan = load_plan()
    units = {i: ind.unit for i, ind in plan.indicators.items()}
    return load_sources(sources_file or SOURCES_FILE, os.environ, plan.indicators.keys(), units)


def fetch_sources(
    settings: Settings,
    names: Sequence[str] | None = None,
    *,
    force: bool = False,
    sources_file: Path | None = None,
    from_file: Path | None = None,
    throttle=None,
    progress=None,
) -> list[SourceResult]:
    """Fetch the declared public sources (all, or those in ``names``) and load what changed.

    ``force``: send no conditional headers and re-map even an unchanged file (after a mapping in
    sources.yml was extended); still writes only figures that are new or changed.
    ``sources_file``: another declarations file (tests); default ``ingestion/public_stats/sources.yml``.
    ``from_file``: read the one named source from this file instead of its location.
    ``throttle``: a ``fetch.HostThrottle`` (default: one with ``settings.http_min_delay_s``).
    ``progress``: a ``newinfra.progress.Progress``, advanced once per source with its status.
    Returns one ``SourceResult`` per source, in sources.yml order.
    """
    from ingestion.public_stats.fetch import HostThrottle, make_client
    from ingestion.public_stats.helpers import prefecture_lookup
    from newinfra import db
    from newinfra.errors import UserInputError
    from newinfra.plan import load_plan

    sources = list_sources(sources_file)
    if isinstance(names, str):
        names = [names]
    if names:
        known = {s.name for s in sources}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise UserInputError(
                f"未声明的数据源：{', '.join(unknown)}（已声明：{', '.join(sorted(known))}）",
                f"unknown source(s): {', '.join(unknown)} (declared: {', '.join(sorted(known))})",
            )
    declared = sources
    if names:
        sources = [s for s in sources if s.name in set(names)]
    else:
        sources = [s for s in sources if s.enabled]
    if from_file is not None:
        if len(sources) != 1 or not names:
            raise UserInputError(
                "--from-file 需要且只能配合一个 --source 使用", "--from-file needs exactly one --source"
            )
        path = Path(from_file).expanduser().resolve()
        if not path.is_file():
            raise UserInputError(f"找不到文件：{from_file}", f"file not found: {from_file}")
        if sources[0].config_error is None:
            sources = [sources[0].model_copy(update={"location": str(path)})]
    with db.writer(settings) as con:
        db.ensure_schema(con)
        _record_declarations(con, declared)
    lookup = prefecture_lookup(load_plan())
    throttle = throttle or HostThrottle(settings.http_min_delay_s)
    results = []
    with make_client(
        settings.http_connect_timeout_s, settings.http_read_timeout_s, settings.http_user_agent
    ) as client:
        from newinfra.progress import NULL_PROGRESS

        progress = progress or NULL_PROGRESS
        progress.total = len(sources)
        for source in sources:
            progress.set_current(source.name)
            results.append(_fetch_one(settings, source, client, lookup, force, throttle))
            status = results[-1].status
            progress.advance(item=source.name, counts={str(getattr(status, "value", status)): 1})
    return results


def _record_declarations(con, sources) -> None:
    """What sources.yml declares now, for the source-health mart: replaced whole on every run, in
    one transaction (a reader never sees half a list)."""
    con.execute("begin transaction")
    con.execute("delete from raw.public_sources")
    for s in sources:
        con.execute(
            """
            insert into raw.public_sources (
                source_name, title_zh, publisher, location, file_format, frequency, is_enabled,
                is_synthetic, max_age_months, config_error_zh, config_error_en
            ) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                s.name, s.title_zh, s.publisher, s.location_display, s.format or None,
                s.frequency or None, s.enabled, s.is_synthetic,
                s.allowed_age_months if s.frequency in ("monthly", "yearly") else None,
                s.config_error.message_zh if s.config_error else None,
                s.config_error.message_en if s.config_error else None,
            ],
        )  # fmt: skip
    con.execute("commit")


# One source ---------------------------------------------------------------------------------------
def _last_state(settings: Settings, source) -> tuple[str | None, str | None, str | None]:
    """(etag, last_modified) of the last successful fetch from this location, and the sha256 of
    the last file loaded from this source."""
    from ingestion.public_stats.settings import LOADED, OK_STATUSES
    from newinfra import db

    with db.writer(settings) as con:
        row = con.execute(
            f"""
            select etag, last_modified from raw.public_fetches
            where source_name = ? and location = ? and status in ({", ".join("?" for _ in OK_STATUSES)})
            order by fetched_at desc, fetch_id desc limit 1
            """,
            [source.name, source.location_display, *OK_STATUSES],
        ).fetchone()
        sha = _last_loaded_sha(con, source.name, LOADED)
    etag, last_modified = row if row else (None, None)
    return etag, last_modified, sha


def _last_loaded_sha(con, source_name: str, loaded: str) -> str | None:
    row = con.execute(
        """
        select file_sha256 from raw.public_fetches
        where source_name = ? and status = ?
        order by fetched_at desc, fetch_id desc limit 1
        """,
        [source_name, loaded],
    ).fetchone()
    return row[0] if row else None


def archive_body(settings: Settings, body: bytes, ext: str) -> tuple[str, str]:
    """Keep the bytes as received under archive/public/<sha[:2]>/<sha>.<ext>; returns (sha, relative
    path). Written to a temporary name and renamed, so a half-written archive file never exists."""
    from ingestion.public_stats.settings import ARCHIVE_SUBDIR

    sha = hashlib.sha256(body).hexdigest()
    rel = Path("archive") / ARCHIVE_SUBDIR / sha[:2] / f"{sha}.{ext or 'bin'}"
    path = settings.home / rel
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        tmp.write_bytes(body)
        os.replace(tmp, path)
    return sha, rel.as_posix()


def _fetch_one(
    settings: Settings, source, client, lookup: dict[str, str], force: bool, throttle
) -> SourceResult:
    from ingestion.public_stats.fetch import fetch_url, read_path, sniff
    from ingestion.public_stats.helpers import map_table, reason_summary
    from ingestion.public_stats.parsers import PARSERS, Limits, ParseError
    from ingestion.public_stats.settings import ARCHIVE_EXT, FAILED, NOT_MODIFIED, UNCHANGED

    fetched_at = _utcnow()
    result = SourceResult(
        name=source.name,
        title_zh=source.title_zh,
        publisher=source.publisher,
        location=source.location_display,
        status=FAILED,
        fetch_id=uuid.uuid4().hex,
        fetched_at=fetched_at.isoformat() + "Z",
        is_synthetic=source.is_synthetic,
    )
    extra: dict[str, Any] = {"file_format": source.format or None, "frequency": source.frequency or None}
    if source.config_error is not None:
        _fail(result, "config_error", source.config_error.message_zh, source.config_error.message_en)
        _record(settings, result, fetched_at, extra)
        return result

    etag, last_modified, last_sha = _last_state(settings, source)
    if source.is_url:
        download = fetch_url(
            source,
            client,
            retries=settings.http_retries,
            max_bytes=settings.max_upload_bytes,
            etag=None if force else etag,
            last_modified=None if force else last_modified,
            throttle=throttle,
        )
    else:
        download = read_path(source, max_bytes=settings.max_upload_bytes)
    result.http_status = download.http_status
    result.attempts = download.attempts
    extra.update(
        content_type=download.content_type,
        etag=download.etag,
        last_modified=download.last_modified,
        final_url=download.final_url,
    )

    if download.status == "not_modified":
        result.status = NOT_MODIFIED
        _record(settings, result, fetched_at, extra)
        return result
    if download.body is not None:
        # archived before anything reads it, even when the download itself failed (evidence)
        result.file_sha256, result.archive_path = archive_body(
            settings, download.body, ARCHIVE_EXT.get(source.format, source.format)
        )
    if download.status == "failed":
        _fail(result, download.error_code, download.error_zh, download.error_en)
        _record(settings, result, fetched_at, extra)
        return result
    where_zh = f"数据源 {source.name}（{source.location_display}）"
    wrong = sniff(download.body, source.format, download.final_url)
    if wrong is not None:  # a login or error page where data was expected: never parsed as data
        _fail(result, wrong[0], f"{where_zh}：{wrong[1]}", f"source {source.name}: {wrong[2]}")
        _record(settings, result, fetched_at, extra)
        return result
    if result.file_sha256 == last_sha and not force:
        result.status = UNCHANGED
        _record(settings, result, fetched_at, extra)
        return result

    try:
        limits = Limits(settings.max_xlsx_uncompressed_bytes, settings.max_xlsx_ratio)
        table = PARSERS[source.format](download.body, source.table, limits)
        mapped = map_table(table, source, lookup)
    except ParseError as exc:
        _fail(result, exc.code, f"{where_zh}：{exc.message_zh}", f"source {source.name}: {exc.message_en}")
        _record(settings, result, fetched_at, extra)
        return result

    if not mapped.observations:
        # a table with no row we can map has changed shape (or is empty): fail loudly, load nothing
        reasons = reason_summary(mapped.rejections, examples=1)
        top_zh = "；".join(f"{g['reason_zh']} {g['count']} 行" for g in reasons) or "表中没有数据行"
        top_en = (
            "; ".join(f"{g['reason_en']}: {g['count']} rows" for g in reasons) or "the table has no data rows"
        )
        result.unmapped = reasons
        _fail(
            result,
            "nothing_mapped",
            f"{where_zh}：{mapped.rows_total} 行中没有一行能对应到指标代码（{top_zh}），请检查 sources.yml 的映射",
            f"source {source.name}: none of {mapped.rows_total} rows could be mapped ({top_en}); "
            "check the mapping in sources.yml",
        )
        _record(settings, result, fetched_at, extra)
        return result
    result.rows_total = mapped.rows_total
    result.rows_loaded = len(mapped.observations)
    result.rows_unmapped = len(mapped.rejections)
    result.rows_skipped = mapped.skipped
    result.unmapped = reason_summary(mapped.rejections)
    try:
        _load(settings, source, result, fetched_at, extra, mapped, last_sha, force)
    except Exception as exc:  # the warehouse refused the load: this source fails, the others go on
        for name in (
            "rows_total",
            "rows_loaded",
            "rows_unmapped",
            "rows_skipped",
            "rows_new",
            "rows_changed",
        ):
            setattr(result, name, 0)
        result.unmapped = []
        _fail(
            result,
            "load_error",
            f"{where_zh}写入仓库失败，已回滚：{exc}",
            f"source {source.name}: writing to the warehouse failed, rolled back: {exc}",
        )
        _record(settings, result, fetched_at, extra)
    return result


def _fail(result: SourceResult, code: str | None, zh: str | None, en: str | None) -> None:
    from ingestion.public_stats.settings import FAILED

    result.status = FAILED
    result.error_code, result.error_zh, result.error_en = code, zh, en


def _load(settings, source, result, fetched_at, extra, mapped, last_sha, force) -> None:
    """The one transaction of a successful download: versions, fetch row, observations, rejections."""
    from ingestion.public_stats.helpers import new_versions
    from ingestion.public_stats.settings import LOADED, UNCHANGED
    from newinfra import db

    with db.writer(settings) as con:
        con.execute("begin transaction")
        try:
            # another run may have loaded the same bytes since _last_state: then this is a no-op
            if not force and _last_loaded_sha(con, source.name, LOADED) == result.file_sha256 != last_sha:
                for name in ("rows_total", "rows_loaded", "rows_unmapped", "rows_skipped"):
                    setattr(result, name, 0)
                result.unmapped = []
                result.status = UNCHANGED
                _insert_fetch(con, result, fetched_at, extra)
                con.execute("commit")
                return
            latest = {
                (ind, pref, period): (value, version)
                for ind, pref, period, value, version in con.execute(
                    """
                    select indicator_id, prefecture_code, period, value, observation_version
                    from raw.public_observations
                    where source_name = ?
                    qualify row_number() over (
                        partition by indicator_id, prefecture_code, period
                        order by observation_version desc
                    ) = 1
                    """,
                    [source.name],
                ).fetchall()
            }
            writes = new_versions(mapped.observations, latest)
            result.rows_new = sum(1 for _, version in writes if version == 1)
            result.rows_changed = len(writes) - result.rows_new
            changed_bytes = result.file_sha256 != last_sha
            result.status = LOADED if (changed_bytes or writes) else UNCHANGED
            _insert_fetch(con, result, fetched_at, extra)
            if writes:
                _insert_columns(
                    con,
                    "raw.public_observations",
                    {
                        "source_name": ("varchar", [source.name] * len(writes)),
                        "publisher": ("varchar", [source.publisher] * len(writes)),
                        "indicator_id": ("varchar", [o.indicator_id for o, _ in writes]),
                        "prefecture_code": ("varchar", [o.prefecture_code for o, _ in writes]),
                        "period": ("varchar", [o.period for o, _ in writes]),
                        "value": ("double", [o.value for o, _ in writes]),
                        "observation_version": ("integer", [v for _, v in writes]),
                        "fetch_id": ("varchar", [result.fetch_id] * len(writes)),
                        "fetched_at": ("timestamp", [fetched_at] * len(writes)),
                        "location": ("varchar", [result.location] * len(writes)),
                        "file_sha256": ("varchar", [result.file_sha256] * len(writes)),
                        "row_number": ("integer", [o.row_number for o, _ in writes]),
                        "column_name": ("varchar", [o.column_name for o, _ in writes]),
                        "original_label": ("varchar", [o.original_label for o, _ in writes]),
                        "original_prefecture": ("varchar", [o.original_prefecture for o, _ in writes]),
                        "original_period": ("varchar", [o.original_period for o, _ in writes]),
                        "value_as_written": ("varchar", [o.value_as_written for o, _ in writes]),
                        "unit_as_written": ("varchar", [o.unit_as_written for o, _ in writes]),
                        "is_synthetic": ("boolean", [source.is_synthetic] * len(writes)),
                    },
                )
            if mapped.rejections and result.status == LOADED:
                rej = mapped.rejections
                _insert_columns(
                    con,
                    "raw.public_rejections",
                    {
                        "fetch_id": ("varchar", [result.fetch_id] * len(rej)),
                        "source_name": ("varchar", [source.name] * len(rej)),
                        "row_number": ("integer", [r.row_number for r in rej]),
                        "column_name": ("varchar", [r.column_name for r in rej]),
                        "original_label": ("varchar", [r.original_label for r in rej]),
                        "value_as_written": ("varchar", [r.value_as_written for r in rej]),
                        "reason_code": ("varchar", [r.reason_code for r in rej]),
                        "reason_zh": ("varchar", [r.reason_zh for r in rej]),
                        "reason_en": ("varchar", [r.reason_en for r in rej]),
                    },
                )
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise


def _insert_columns(con, table: str, columns: dict[str, tuple[str, list[Any]]]) -> None:
    """Insert column lists in one statement (unnest of typed lists: ~100x faster than executemany)."""
    names = ", ".join(columns)
    selects = ", ".join(
        f"unnest(${i}::{sqltype}[])" for i, (sqltype, _) in enumerate(columns.values(), start=1)
    )
    con.execute(f"insert into {table} ({names}) select {selects}", [values for _, values in columns.values()])


def _insert_fetch(con, result: SourceResult, fetched_at: dt.datetime, extra: dict[str, Any]) -> None:
    con.execute(
        """
        insert into raw.public_fetches (
            fetch_id, source_name, publisher, location, file_format, fetched_at, status, http_status,
            content_type, attempts, file_sha256, archive_path, rows_total, rows_loaded, rows_unmapped,
            rows_new, rows_changed, error_code, error_zh, error_en, etag, last_modified, is_synthetic,
            rows_skipped, final_url, frequency
        ) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [
            result.fetch_id, result.name, result.publisher, result.location, extra.get("file_format"),
            fetched_at, result.status, result.http_status, extra.get("content_type"), result.attempts,
            result.file_sha256, result.archive_path, result.rows_total, result.rows_loaded,
            result.rows_unmapped, result.rows_new, result.rows_changed, result.error_code,
            result.error_zh, result.error_en, extra.get("etag"), extra.get("last_modified"),
            result.is_synthetic, result.rows_skipped, extra.get("final_url"), extra.get("frequency"),
        ],
    )  # fmt: skip


def _record(settings: Settings, result: SourceResult, fetched_at: dt.datetime, extra: dict[str, Any]) -> None:
    """The fetch row alone (failed, unchanged, not_modified), in its own short transaction."""
    from newinfra import db

    with db.writer(settings) as con:
        _insert_fetch(con, result, fetched_at, extra)
