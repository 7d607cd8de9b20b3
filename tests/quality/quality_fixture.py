"""A small, valid raw fixture for the quality tests: what the loaders would have written.

Five departments report every month from 2023-07 to 2024-06 (values from the demo's deterministic
curves, split over the prefectures where the indicator is reported by prefecture); CA revises
2024-06; DRC reports three major projects; every loaded file has one rejected row; one file was
quarantined and one was a duplicate; a public source publishes province figures within 1% of the
departments'. Every contract passes on it after `dbt build`, with no warning.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sys
from typing import Any

import duckdb

from newinfra.periods import period_end, period_range
from newinfra.plan import Plan, load_plan
from newinfra.settings import PROJECT_ROOT

if str(PROJECT_ROOT) not in sys.path:  # demo/ is not an installed package
    sys.path.insert(0, str(PROJECT_ROOT))

from demo.curves import curve_for, split_by_prefecture  # noqa: E402

PERIOD = "2024-06"
PERIODS = period_range("2023-07", PERIOD)
DEPARTMENTS = ("BDB", "CA", "DRC", "HEALTH", "WRD")
REVISED = ("CA", PERIOD)
PROJECTS = (
    ("XJ-2023-001", "贵安数据中心集群二期", "compute", "GA", 6.0e9),
    ("XJ-2023-002", "全省5G网络深度覆盖工程", "broadband", "GY", 3.0e9),
    ("XJ-2023-003", "智慧水利监测网", "water", "ZY", 1.2e9),
)
PROJECT_DEPARTMENT = "DRC"
PUBLIC_SOURCE = "demo_stats"
PUBLIC_INDICATORS = ("g5_base_stations", "telemedicine_person_times")


def sha(*parts: object) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()


def insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    columns = list(rows[0])
    marks = ", ".join("?" for _ in columns)
    con.executemany(
        f"insert into {table} ({', '.join(columns)}) values ({marks})",
        [[row[c] for c in columns] for row in rows],
    )


def received_at(period: str, days_after_end: int = 3) -> dt.datetime:
    return dt.datetime.combine(period_end(period) + dt.timedelta(days=days_after_end), dt.time(2))


def indicator_rows(plan: Plan, department: str, period: str) -> list[tuple[str, str, float]]:
    """(indicator_id, prefecture_code, value) for every indicator the department leads."""
    rows = []
    for indicator in sorted(plan.indicators_of(department), key=lambda i: i.indicator_id):
        total = curve_for(plan, indicator.indicator_id).value(period)
        if indicator.is_by_prefecture:
            for code, value in sorted(split_by_prefecture(plan, indicator.indicator_id, total).items()):
                rows.append((indicator.indicator_id, code, value))
        else:
            rows.append((indicator.indicator_id, "GZ", total))
    return rows


def project_rows(period_index: int) -> list[dict[str, Any]]:
    rows = []
    for n, (code, name, sector, prefecture, total) in enumerate(PROJECTS):
        monthly = total / 40 * (1 + 0.1 * n)
        rows.append(
            {
                "project_code": code,
                "project_name": name,
                "sector": sector,
                "prefecture_code": prefecture,
                "total_investment_yuan": total,
                "completed_this_month_yuan": monthly,
                "cumulative_completed_yuan": monthly * (10 + period_index),
                "project_status": "under_construction",
            }
        )
    return rows


def load_healthy_raw(con: duckdb.DuckDBPyConnection, plan: Plan | None = None) -> None:
    """Write the fixture into the raw tables of an initialised warehouse (one transaction)."""
    plan = plan or load_plan()
    files, values, projects, rejections = [], [], [], []
    for department in DEPARTMENTS:
        for index, period in enumerate(PERIODS):
            versions = (1, 2) if (department, period) == REVISED else (1,)
            for version in versions:
                file_id = sha(department, period, version)
                rows = indicator_rows(plan, department, period)
                for row_number, (indicator_id, prefecture_code, value) in enumerate(rows, start=2):
                    values.append(
                        {
                            "file_id": file_id,
                            "sheet_name": "指标",
                            "row_number": row_number,
                            "department_code": department,
                            "period": period,
                            "indicator_id": indicator_id,
                            "prefecture_code": prefecture_code,
                            "value": value,
                            "value_as_written": f"{value:g}",
                            "is_flagged": False,
                        }
                    )
                n_projects = 0
                if department == PROJECT_DEPARTMENT:
                    for row_number, project in enumerate(project_rows(index), start=2):
                        projects.append(
                            {
                                "file_id": file_id,
                                "sheet_name": "重大项目进展",
                                "row_number": row_number,
                                "department_code": department,
                                "period": period,
                                **project,
                            }
                        )
                        n_projects += 1
                rejected_row = len(rows) + 2
                rejections.append(
                    {
                        "file_id": file_id,
                        "sheet_name": "指标",
                        "row_number": rejected_row,
                        "column_name": "数值",
                        "column_letter": "D",
                        "value_as_written": "约100",
                        "reason_code": "not_a_number",
                        "reason_zh": "“约100”不是数字",
                        "reason_en": "'约100' is not a number",
                    }
                )
                accepted = len(rows) + n_projects
                files.append(
                    {
                        "file_id": file_id,
                        "content_sha256": file_id,
                        "original_name": f"{department}_{period}_v{version}.xlsx",
                        "archive_path": f"archive/{file_id[:2]}/{file_id}.xlsx",
                        "sender_department_code": department,
                        "department_code": department,
                        "period": period,
                        "template_version": "v1",
                        "file_format": "xlsx",
                        "received_at": received_at(period, 2 + version),
                        "version": version,
                        "status": "loaded",
                        "quarantine_reason_code": None,
                        "rows_total": accepted + 1,
                        "rows_accepted": accepted,
                        "rows_rejected": 1,
                        "rows_flagged": 0,
                        "is_late": False,
                        "is_after_publication": False,
                        "duplicate_of": None,
                    }
                )
    first_loaded = files[0]["file_id"]
    files.append(
        {
            **files[0],
            "file_id": sha("quarantined"),
            "content_sha256": sha("quarantined"),
            "original_name": "BDB_伪造.xlsx",
            "archive_path": f"archive/{sha('quarantined')[:2]}/{sha('quarantined')}.xlsx",
            "version": None,
            "status": "quarantined",
            "quarantine_reason_code": "signature_mismatch",
            "rows_total": 0,
            "rows_accepted": 0,
            "rows_rejected": 0,
        }
    )
    files.append(
        {
            **files[0],
            "file_id": sha("duplicate"),
            "content_sha256": files[0]["file_id"],
            "archive_path": f"archive/{sha('duplicate')[:2]}/{sha('duplicate')}.xlsx",
            "version": None,
            "status": "duplicate",
            "rows_total": 0,
            "rows_accepted": 0,
            "rows_rejected": 0,
            "duplicate_of": first_loaded,
        }
    )
    now = dt.datetime(2024, 7, 2, 1, 0)
    registry = [
        {
            "project_code": code,
            "project_name": name,
            "sector": sector,
            "department_code": PROJECT_DEPARTMENT,
            "prefecture_code": prefecture,
            "total_investment_yuan": total,
            "start_year": 2022,
            "end_year": 2025,
            "source_file_id": sha("registry"),
            "loaded_at": now,
        }
        for code, name, sector, prefecture, total in PROJECTS
    ]
    fetch_id = sha("fetch", PUBLIC_SOURCE)
    fetches = [
        {
            "fetch_id": fetch_id,
            "source_name": PUBLIC_SOURCE,
            "location": "demo/public_sources/demo_stats.csv",
            "fetched_at": now,
            "status": "loaded",
            "file_sha256": sha("public file"),
            "rows_total": len(PUBLIC_INDICATORS),
            "rows_loaded": len(PUBLIC_INDICATORS),
        }
    ]
    observations = []
    for row_number, indicator_id in enumerate(PUBLIC_INDICATORS, start=2):
        value = round(curve_for(plan, indicator_id).value("2023-12") * 1.01)
        observations.append(
            {
                "source_name": PUBLIC_SOURCE,
                "publisher": "示例统计局",
                "indicator_id": indicator_id,
                "prefecture_code": "GZ",
                "period": "2023-12",
                "value": float(value),
                "observation_version": 1,
                "fetch_id": fetch_id,
                "fetched_at": now,
                "location": "demo/public_sources/demo_stats.csv",
                "file_sha256": sha("public file"),
                "row_number": row_number,
                "original_label": indicator_id,
                "is_synthetic": True,
            }
        )
    con.execute("begin")
    insert(con, "raw.submission_files", files)
    insert(con, "raw.submission_values", values)
    insert(con, "raw.submission_projects", projects)
    insert(con, "raw.submission_rejections", rejections)
    insert(con, "raw.project_registry", registry)
    insert(con, "raw.public_fetches", fetches)
    insert(con, "raw.public_observations", observations)
    con.execute("commit")
