"""Helpers for the submission tests (a uniquely named module: every tests/ folder has a conftest): real templates (the real writer), filled with openpyxl, dropped
into a real NEWINFRA_HOME (the ``home``/``settings`` fixtures of tests/conftest.py)."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import duckdb

from newinfra.settings import PROJECT_ROOT

# In pytest's default import mode tests/ is on sys.path, so `ingestion` would resolve to tests/ingestion
# (a namespace package without __init__.py); put the project root first.
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from demo.fill import fill_template  # noqa: E402
from ingestion.submissions import constants  # noqa: E402
from ingestion.submissions.signature import sign  # noqa: E402
from ingestion.submissions.template import template_rows, write_template  # noqa: E402
from newinfra.plan import Plan, load_plan  # noqa: E402

PERIOD = "2024-06"
# Received 2024-07-03 10:00 in Guizhou: before the 2024-07-05 deadline.
ON_TIME = dt.datetime(2024, 7, 3, 2, 0, 0)
LATE = dt.datetime(2024, 7, 20, 2, 0, 0)

PROJECT_ROWS = [
    ("XJ-CA-001", "5G 网络深度覆盖工程（测试）", "broadband", "CA", "GY", 2.0e9),
    ("XJ-CA-002", "千兆光网县城覆盖（测试）", "broadband", "CA", "GZ", 8.0e8),
    ("XJ-BDB-001", "贵安数据中心集群（测试）", "compute", "BDB", "GA", 5.0e9),
]


def good_value(plan: Plan, indicator_id: str) -> float:
    """A value every rule accepts."""
    ind = plan.indicators[indicator_id]
    if ind.kind == "milestone":
        return 1
    if ind.unit.strip() == "%":
        return 66.5
    if "pue" in indicator_id:
        return 1.3
    if ind.value_max is not None:
        return min(ind.value_max, 20)
    return 1000


def good_values(plan: Plan, department: str) -> dict[tuple[str, str], float]:
    return {key: good_value(plan, key[0]) for key in template_rows(plan, department)}


def set_mtime(path: Path, when: dt.datetime) -> None:
    ts = (when - dt.datetime(1970, 1, 1)).total_seconds()
    os.utime(path, (ts, ts))


def query(settings, sql: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def counts(settings) -> dict[str, int]:
    tables = ("submission_files", "submission_values", "submission_projects", "submission_rejections")
    return {t: query(settings, f"select count(*) from raw.{t}")[0][0] for t in tables}


def check_invariant(settings) -> None:
    """rows_total = accepted + rejected for every file; rejected = distinct rejected rows."""
    bad = query(
        settings,
        """
        select f.file_id from raw.submission_files f
        left join (
            select file_id, count(distinct (sheet_name, row_number)) as n
            from raw.submission_rejections group by file_id
        ) r using (file_id)
        left join (select file_id, count(*) as n from raw.submission_values group by file_id) v using (file_id)
        left join (select file_id, count(*) as n from raw.submission_projects group by file_id) p using (file_id)
        where f.rows_total != f.rows_accepted + f.rows_rejected
            or f.rows_rejected != coalesce(r.n, 0)
            or f.rows_accepted != coalesce(v.n, 0) + coalesce(p.n, 0)
        """,
    )
    assert bad == [], bad


def add_projects(settings, rows=PROJECT_ROWS) -> None:
    from newinfra import db

    with db.writer(settings) as con:
        for code, name, sector, dept, pref, total in rows:
            con.execute(
                "insert into raw.project_registry (project_code, project_name, sector, department_code, "
                "prefecture_code, total_investment_yuan, loaded_at) values (?, ?, ?, ?, ?, ?, now())",
                [code, name, sector, dept, pref, total],
            )


def csv_bytes(
    maker, department="CA", period=PERIOD, encoding="utf-8", meta_over=None, rows=None, header=None
):
    """A CSV as 填报说明 describes it: #key=value metadata lines, the header, the rows."""
    plan = maker.plan
    meta = {
        constants.META_KIND: constants.TEMPLATE_KIND,
        constants.META_VERSION: constants.TEMPLATE_VERSION,
        constants.META_DEPARTMENT: department,
        constants.META_PERIOD: period,
        constants.META_SIGNATURE: sign(
            maker.settings.template_secret, department, period, constants.TEMPLATE_VERSION
        ),
    }
    meta.update(meta_over or {})
    lines = [f"#{k}={v}" for k, v in meta.items() if v is not None]
    lines.append(",".join(header or [h for _, h in constants.INDICATOR_COLUMNS]))
    if rows is None:
        values = good_values(plan, department)
        rows = [
            [
                ind,
                pref,
                plan.indicators[ind].name_zh,
                pref,
                plan.indicators[ind].unit,
                "",
                str(values[(ind, pref)]),
                "",
            ]
            for ind, pref in template_rows(plan, department)
        ]
    lines += [",".join(r) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


class Maker:
    """Make filled submission files the way a department does."""

    def __init__(self, settings, tmp_path: Path) -> None:
        self.settings = settings
        self.plan = load_plan()
        self.tmp = tmp_path / "made"
        self.tmp.mkdir(exist_ok=True)
        self.n = 0

    def template(self, department: str = "CA", period: str = PERIOD, projects=None, settings=None) -> Path:
        self.n += 1
        out = self.tmp / f"template_{self.n}.xlsx"
        info = [
            {"project_code": c, "project_name": n, "sector": s, "department_code": d, "prefecture_code": p,
             "total_investment_yuan": t}
            for c, n, s, d, p, t in (projects or [])
        ]  # fmt: skip
        return write_template(settings or self.settings, self.plan, department, period, out, None, info)

    def filled(
        self,
        department: str = "CA",
        period: str = PERIOD,
        overrides: dict | None = None,
        projects: list[dict] | None = None,
        template_projects=None,
        drop: tuple = (),
    ) -> Path:
        values = good_values(self.plan, department)
        values.update(overrides or {})
        for key in drop:
            values.pop(key, None)
        template = self.template(department, period, template_projects)
        return fill_template(template, values, projects, self.tmp / f"filled_{self.n}.xlsx")

    def drop(
        self, source: Path, folder: str | None = "CA", name: str = "报送.xlsx", when=ON_TIME, declare=True
    ) -> Path:
        """Put a file into landing/<folder>/ (or the landing root for None) that arrived at ``when``
        (None: just now, as an upload in progress would be). The platform times a file by its own
        scan; a past arrival is declared, as a transfer server's upload log would
        (``arrivals/tests.csv``), unless ``declare`` is False. The file's mtime is ``when`` too."""
        import hashlib

        from ingestion.submissions.arrivals import ARRIVALS_DIR, append_manifest

        target_dir = self.settings.landing / folder if folder else self.settings.landing
        target_dir.mkdir(parents=True, exist_ok=True)
        target = target_dir / name
        data = source.read_bytes() if isinstance(source, Path) else source
        target.write_bytes(data)
        if when is not None:
            set_mtime(target, when)
            if declare:
                rel = f"{folder}/{name}" if folder else name
                manifest = self.settings.home / ARRIVALS_DIR / "tests.csv"
                append_manifest(manifest, rel, hashlib.sha256(data).hexdigest(), when, "tests: upload log")
        return target
