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
        insert into raw.submission_projects (file_id, sheet_name, row_number, department_code, period,
            project_code, project_name, sector, prefecture_code, total_investment_yuan,
            completed_this_month_yuan, cumulative_completed_yuan, project_status)
        values (?, '重大项目进展', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
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
            source_name, publisher, indicator_id, prefecture_code, period, value, observation_version,
            fetch_id, fetched_at, location, file_sha256, row_number, original_label, is_synthetic
        ) values (?, '省统计局', ?, ?, ?, ?, ?, ?, ?, 'file:///bulletin.csv', ?, 2, ?, true)
        """,
        [
            source,
            indicator,
            prefecture,
            period,
            value,
            version,
            f"fetch-{version}",
            dt.datetime(2024, 7, 1) + dt.timedelta(minutes=version),
            file_id_for(source, indicator, prefecture, period, version),
            indicator,
        ],
    )


def insert_publication(con: duckdb.DuckDBPyConnection, period: str, published_at: dt.datetime) -> None:
    con.execute(
        "insert into ops.report_publications (period, published_at, package_path, manifest_sha256, snapshot_id,"
        " is_forced) values (?, ?, ?, ?, ?, false)",
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


# --- the small deterministic fixture of the dbt tests -----------------------------------------
# Two departments (CA, BDB), four months of 2022, a revision after publication, a late file, a
# quarantined file, a month with no report, public figures (one wide gap) and three projects (registered
# and reported, registered only, reported only).
FIXTURE_PERIOD = "2024-06"


def load_small_fixture(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Insert the fixture; returns the file ids by name."""
    ids: dict[str, str] = {}
    # CA: 5G base stations by prefecture (cumulative, additive) and 5G village coverage (ratio, GZ).
    ids["ca_2022_01"] = submit(
        con, "CA", "2022-01", [("g5_base_stations", "GY", 10000), ("g5_base_stations", "ZY", 5000),
                               ("g5_village_coverage_rate", "GZ", 40)],
    )  # fmt: skip
    ids["ca_2022_02_v1"] = submit(
        con, "CA", "2022-02", [("g5_base_stations", "GY", 12000), ("g5_base_stations", "ZY", 6000),
                               ("g5_village_coverage_rate", "GZ", 42)],
    )  # fmt: skip
    # The revision arrives after the 2022-02 report was published; it omits ZY (ZY's v1 value stands).
    ids["ca_2022_02_v2"] = submit(
        con, "CA", "2022-02", [("g5_base_stations", "GY", 12500), ("g5_village_coverage_rate", "GZ", 43)],
        version=2, days_after_end=20, is_after_publication=True,
    )  # fmt: skip
    # 2022-03: CA sends nothing. 2022-04: late (20 days after the month ends), no village coverage row.
    ids["ca_2022_04"] = submit(
        con, "CA", "2022-04", [("g5_base_stations", "GY", 14000), ("g5_base_stations", "ZY", 7000)],
        days_after_end=20,
    )  # fmt: skip
    # BDB: racks by prefecture (level, additive) and average PUE (at_most, GZ).
    ids["bdb_2022_01"] = submit(
        con, "BDB", "2022-01", [("dc_standard_racks", "GY", 60000), ("dc_standard_racks", "GA", 30000),
                                ("dc_pue_avg", "GZ", 1.5)],
    )  # fmt: skip
    ids["bdb_2022_02_quarantined"] = submit(con, "BDB", "2022-02", [], status="quarantined", days_after_end=2)
    ids["bdb_2022_03"] = submit(
        con, "BDB", "2022-03", [("dc_standard_racks", "GY", 70000), ("dc_standard_racks", "GA", 40000),
                                ("dc_pue_avg", "GZ", 1.4)],
    )  # fmt: skip
    insert_publication(con, "2022-02", dt.datetime(2022, 3, 10, 8))
    # Public figures: the province's 5G base stations for 2022-02 (v1, then v2 = 20000: gap -7.5%,
    # flagged), Guiyang's racks for 2022-03 (gap -0.7%, not flagged).
    insert_public(
        con, indicator="g5_base_stations", prefecture="GZ", period="2022-02", value=19000, version=1
    )
    insert_public(
        con, indicator="g5_base_stations", prefecture="GZ", period="2022-02", value=20000, version=2
    )
    insert_public(con, indicator="dc_standard_racks", prefecture="GY", period="2022-03", value=70500)
    # One registered project reported by CA: 1亿 by 2022-01, revised to 2亿 for 2022-02, 3亿 in 2022-04.
    insert_registry(con, "P-001", "CA", 1e9)
    insert_project(con, file_id=ids["ca_2022_01"], department="CA", period="2022-01", project_code="P-001",
                   total_yuan=1e9, this_month_yuan=1e8, cumulative_yuan=1e8)  # fmt: skip
    insert_project(con, file_id=ids["ca_2022_02_v1"], department="CA", period="2022-02", project_code="P-001",
                   total_yuan=1e9, this_month_yuan=5e7, cumulative_yuan=1.5e8)  # fmt: skip
    insert_project(con, file_id=ids["ca_2022_02_v2"], department="CA", period="2022-02", project_code="P-001",
                   total_yuan=1e9, this_month_yuan=1e8, cumulative_yuan=2e8)  # fmt: skip
    insert_project(con, file_id=ids["ca_2022_04"], department="CA", period="2022-04", project_code="P-001",
                   total_yuan=1e9, this_month_yuan=1e8, cumulative_yuan=3e8)  # fmt: skip
    # A registered project nobody has reported yet, and a project CA reports that is not in the library
    # (planned, nothing completed: the investment sums above stay as they are), its status changed by the
    # 2022-02 revision.
    insert_registry(con, "P-002", "BDB", 5e8, sector="compute", prefecture="GA")
    for name, period, status in (
        ("ca_2022_01", "2022-01", "planned"),
        ("ca_2022_02_v1", "2022-02", "planned"),
        ("ca_2022_02_v2", "2022-02", "under_construction"),
    ):
        insert_project(con, file_id=ids[name], department="CA", period=period, project_code="P-900",
                       total_yuan=2e8, this_month_yuan=0.0, cumulative_yuan=0.0, status=status, row_number=3,
                       sector="broadband", prefecture="ZY")  # fmt: skip
    return ids
