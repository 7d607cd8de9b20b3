"""Raw rows for the dbt tests, written straight into the raw tables (the contract of ingestion).

``insert_file`` / ``insert_values`` / ``insert_project`` / ``insert_public`` / ``insert_publication``
write one ledger row or value rows with SQL, as the loaders would after a successful load, so the dbt
tests need no spreadsheets. ``load_demo_raw`` fills every reporting department's months from
``demo.curves`` (the demo's deterministic trajectories): realistic volume for ``dbt build`` on demo data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sys
from collections.abc import Iterable

import duckdb

from newinfra.periods import period_end, period_range
from newinfra.plan import load_plan
from newinfra.settings import PROJECT_ROOT

if str(PROJECT_ROOT) not in sys.path:  # demo/ is not an installed package
    sys.path.insert(0, str(PROJECT_ROOT))


def file_id_for(*parts: object) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()


def received(period: str, days_after_end: int, hour_utc: int = 2) -> dt.datetime:
    """A UTC timestamp ``days_after_end`` days after the period's last day."""
    end = period_end(period)
    return dt.datetime.combine(end + dt.timedelta(days=days_after_end), dt.time(hour_utc))


def insert_file(
    con: duckdb.DuckDBPyConnection,
    *,
    file_id: str,
    department: str,
    period: str,
    version: int | None,
    received_at: dt.datetime,
    status: str = "loaded",
    is_after_publication: bool = False,
    is_late: bool | None = None,
    rows_accepted: int = 0,
) -> None:
    con.execute(
        """
        insert into raw.submission_files (
            file_id, original_name, archive_path, sender_department_code, department_code, period,
            template_version, file_format, received_at, version, status, rows_total, rows_accepted,
            is_late, is_after_publication
        ) values (?, ?, ?, ?, ?, ?, 'v1', 'xlsx', ?, ?, ?, ?, ?, ?, ?)
        """,
        [
            file_id,
            f"{department}_{period}.xlsx",
            f"archive/{file_id[:2]}/{file_id}.xlsx",
            department,
            department,
            period,
            received_at,
            version,
            status,
            rows_accepted,
            rows_accepted,
            is_late,
            is_after_publication,
        ],
    )


def insert_values(
    con: duckdb.DuckDBPyConnection,
    *,
    file_id: str,
    department: str,
    period: str,
    rows: Iterable[tuple[str, str, float]],
) -> int:
    data = [
        (file_id, "指标", i + 2, department, period, indicator, prefecture, float(value), str(value))
        for i, (indicator, prefecture, value) in enumerate(rows)
    ]
    if data:
        con.executemany(
            """
            insert into raw.submission_values (
                file_id, sheet_name, row_number, department_code, period, indicator_id, prefecture_code,
                value, value_as_written
            ) values (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            data,
        )
    return len(data)


def submit(
    con: duckdb.DuckDBPyConnection,
    department: str,
    period: str,
    rows: Iterable[tuple[str, str, float]],
    *,
    version: int = 1,
    days_after_end: int = 3,
    is_after_publication: bool = False,
    status: str = "loaded",
) -> str:
    """One accepted file with its value rows; returns the file id."""
    rows = list(rows)
    fid = file_id_for(department, period, version, days_after_end)
    insert_file(
        con,
        file_id=fid,
        department=department,
        period=period,
        version=version if status in ("loaded", "partially_loaded") else None,
        received_at=received(period, days_after_end),
        status=status,
        is_after_publication=is_after_publication,
        rows_accepted=len(rows),
    )
    if status in ("loaded", "partially_loaded"):
        insert_values(con, file_id=fid, department=department, period=period, rows=rows)
    return fid


def insert_project(
    con: duckdb.DuckDBPyConnection,
    *,
    file_id: str,
    department: str,
    period: str,
    project_code: str,
    total_yuan: float,
    this_month_yuan: float,
    cumulative_yuan: float,
    status: str = "under_construction",
    row_number: int = 2,
    prefecture: str = "GY",
    sector: str = "compute",
) -> None:
    con.execute(
        """
        insert into raw.submission_projects values (?, '重大项目进展', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [
            file_id,
            row_number,
            department,
            period,
            project_code,
            f"项目 {project_code}",
            sector,
            prefecture,
            total_yuan,
            this_month_yuan,
            cumulative_yuan,
            status,
        ],
    )


def insert_registry(
    con: duckdb.DuckDBPyConnection,
    project_code: str,
    department: str,
    total_yuan: float,
    *,
    sector: str = "compute",
    prefecture: str = "GY",
) -> None:
    con.execute(
        "insert into raw.project_registry values (?, ?, ?, ?, ?, ?, 2022, 2024, null, ?)",
        [
            project_code,
            f"项目 {project_code}",
            sector,
            department,
            prefecture,
            total_yuan,
            dt.datetime(2022, 1, 5),
        ],
    )


def insert_public(
    con: duckdb.DuckDBPyConnection,
    *,
    indicator: str,
    prefecture: str,
    period: str,
    value: float,
    version: int = 1,
    source: str = "stats_bulletin",
) -> None:
    con.execute(
        """
        insert into raw.public_observations (
            source_name, publisher, indicator_id, prefecture_code, period, value, original_label, location,
            file_sha256, fetched_at, observation_version, is_synthetic
        ) values (?, '省统计局', ?, ?, ?, ?, ?, 'file:///bulletin.csv', ?, ?, ?, true)
        """,
        [
            source,
            indicator,
            prefecture,
            period,
            value,
            indicator,
            file_id_for(source, indicator, prefecture, period, version),
            dt.datetime(2024, 7, 1) + dt.timedelta(minutes=version),
            version,
        ],
    )


def insert_publication(con: duckdb.DuckDBPyConnection, period: str, published_at: dt.datetime) -> None:
    con.execute(
        "insert into ops.report_publications values (?, ?, ?, ?, ?, false)",
        [period, published_at, f"exports/{period}", "0" * 64, f"snap-{period}"],
    )


def load_demo_raw(con: duckdb.DuckDBPyConnection, first: str = "2021-12", last: str = "2024-06") -> int:
    """Every reporting department's monthly file from the demo curves; returns the number of value rows."""
    from demo.curves import curve_for, split_by_prefecture

    plan = load_plan()
    curves = {i: curve_for(plan, i) for i in plan.indicators}
    n = 0
    for department in plan.reporting_departments():
        indicators = sorted(plan.indicators_of(department), key=lambda i: i.indicator_id)
        for period in period_range(first, last):
            rows = []
            for ind in indicators:
                total = curves[ind.indicator_id].value(period)
                if ind.is_by_prefecture:
                    split = split_by_prefecture(plan, ind.indicator_id, total)
                    rows.extend((ind.indicator_id, code, v) for code, v in sorted(split.items()))
                else:
                    rows.append((ind.indicator_id, "GZ", total))
            submit(con, department, period, rows)
            n += len(rows)
    return n
