"""What the portal shows, read from the published analysts' copy (``published/marts.duckdb``) only.

A handful of set-based queries, grouped in Python by indicator and department; nothing here
computes a figure: every number on a page is a column of a published mart (docs/portal.md lists
which). Columns added later to ``governance.fct_indicator_progress`` (the progress method's 完成率,
基期以来进度, data age, stale flag, projection) are shown when the published table has them.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

# At most this many 市(州) / reporting areas are drawn beside the province in an indicator's chart
# (the plan has 10: 9 市(州) and 贵安新区); every area is in the page's CSV download.
CHART_MAX_AREAS = 12
# Reconciliation rows listed per indicator page (most recent first); the CSV has them all.
RECONCILIATION_ROWS = 24
# Status history cells: every month of the progress series (the plan's 36 months, or more).

# Optional progress columns (issue 14), looked up by the first name present in the published table.
OPTIONAL_PROGRESS_COLUMNS: dict[str, tuple[str, ...]] = {
    "completion_rate": ("completion_rate", "attainment_rate", "completion_ratio"),
    "progress_since_baseline": ("progress_since_baseline", "completion_since_baseline"),
    "data_age_months": ("data_age_months",),
    "is_stale": ("is_stale", "is_data_stale"),
    "stale_label_zh": ("stale_label_zh", "stale_flag_zh"),
    "projected_value": ("projected_value", "projected_value_at_deadline", "projection_value"),
    "projected_display": ("projected_display", "projected_value_display", "projection_display"),
    "projection_method": ("projection_method", "projection_method_zh"),
    "projection_verdict_zh": ("verdict_label_zh", "projection_verdict_zh", "projection_label_zh"),
    "verdict_code": ("verdict_code",),
    "required_monthly_pace_display": (
        "required_monthly_change_display",
        "required_monthly_pace_display",
        "pace_needed_display",
    ),
    "target_text_zh": ("target_text_zh", "target_wording_display", "target_label_zh"),
    "assessment_note_zh": ("assessment_note_zh",),
    "earlier_targets_note_zh": ("earlier_targets_note_zh",),
    "plan_ended_label_zh": ("plan_ended_label_zh",),
}


class Record(dict):
    """A row: ``row.column`` in the templates; a column the published table lacks reads as None
    (optional columns, a missing progress row)."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return self.get(name)


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[Record]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [Record(zip(names, row, strict=True)) for row in cur.fetchall()]


def _columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = ? and table_name = ? order by ordinal_position",
            [schema, table],
        ).fetchall()
    ]


def _has_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(_columns(con, schema, table))


@dataclass
class SyntheticMark:
    """Why the data are marked synthetic (示例数据，非官方统计), with the evidence."""

    reasons: list[str]


@dataclass
class PortalData:
    report_period: str
    built_at: str
    snapshot_id: str
    synthetic: SyntheticMark | None
    statuses: list[dict[str, Any]]
    sectors: list[dict[str, Any]]
    departments: list[dict[str, Any]]
    indicators: list[dict[str, Any]]  # dim_indicator + the report period's progress row
    optional_columns: Record  # logical name -> column present in fct_indicator_progress
    history: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    targets: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    tasks: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    co_departments: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    series: dict[str, dict[str, Any]] = field(default_factory=dict)
    provenance: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    reconciliation: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    reconciliation_counts: dict[str, dict[str, int]] = field(default_factory=dict)
    compliance: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    rejections: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    dept_indicators: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    tables: list[str] = field(default_factory=list)  # schema.table published
    sources: list[dict[str, Any]] = field(default_factory=list)  # governance.fct_public_source_health

    @property
    def indicator_by_id(self) -> dict[str, dict[str, Any]]:
        return {i["indicator_id"]: i for i in self.indicators}


def synthetic_mark(con: duckdb.DuckDBPyConnection, home: Path) -> SyntheticMark | None:
    """The data are synthetic when the demo generated them (its manifest in the data home) or when a
    public figure in the published copy is flagged is_synthetic (sources.yml)."""
    reasons = []
    manifest = home / "demo" / "demo_manifest.json"
    if manifest.exists():
        reasons.append("部门报送为演示生成器生成的示例数据（demo/demo_manifest.json）")
    if _has_table(con, "governance", "fct_reconciliation"):
        n = con.execute("select count(*) from governance.fct_reconciliation where is_synthetic").fetchone()[0]
        if n:
            reasons.append(f"公开统计中有 {n} 个数值标记为示例数据（sources.yml: is_synthetic）")
    return SyntheticMark(reasons) if reasons else None


def load(con: duckdb.DuckDBPyConnection, home: Path) -> PortalData:
    """Everything the pages need, from the published copy ``con`` (read-only)."""
    period = con.execute("select max(period) from governance.fct_indicator_progress").fetchone()[0]
    if period is None:
        from newinfra.errors import PlatformError

        raise PlatformError(
            "分析副本中没有指标进展数据，无法生成门户；请先运行 newinfra build",
            "the analysts' copy holds no progress rows; run `newinfra build` first",
        )
    meta = {"built_at": "", "snapshot_id": ""}
    if _has_table(con, "meta", "publication"):
        row = con.execute("select cast(built_at as varchar), snapshot_id from meta.publication").fetchone()
        if row:
            meta = {"built_at": row[0], "snapshot_id": row[1]}
    tables = []
    if _has_table(con, "meta", "published_tables"):
        tables = [
            f"{s}.{t}"
            for s, t in con.execute(
                "select table_schema, table_name from meta.published_tables order by 1, 2"
            ).fetchall()
        ]

    present = set(_columns(con, "governance", "fct_indicator_progress"))
    optional = Record()
    for logical, candidates in OPTIONAL_PROGRESS_COLUMNS.items():
        for name in candidates:
            if name in present:
                optional[logical] = name
                break

    statuses = _rows(
        con,
        "select status_code, any_value(status_label_zh) as label_zh, any_value(status_colour) as colour, "
        "min(status_sort_order) as sort_order from governance.fct_indicator_progress "
        "group by status_code order by sort_order, status_code",
    )
    departments = _rows(con, "select * from governance.dim_department order by sort_order")
    indicators = _rows(con, "select * from governance.dim_indicator order by sort_order, indicator_id")
    latest = {
        r["indicator_id"]: r
        for r in _rows(con, "select * from governance.fct_indicator_progress where period = ?", [period])
    }
    for ind in indicators:
        ind["progress"] = latest.get(ind["indicator_id"]) or Record()
    sectors = _rows(
        con,
        "select sector, any_value(sector_zh) as sector_zh, min(sort_order) as first_sort "
        "from governance.dim_indicator group by sector order by first_sort",
    )

    data = PortalData(
        report_period=period,
        built_at=meta["built_at"],
        snapshot_id=meta["snapshot_id"],
        synthetic=synthetic_mark(con, home),
        statuses=statuses,
        sectors=sectors,
        departments=departments,
        indicators=indicators,
        optional_columns=optional,
        tables=tables,
    )

    history_cols = [
        "indicator_id",
        "period",
        "status_code",
        "status_label_zh",
        "status_colour",
        "completion",
        "time_elapsed",
        "actual_display",
        "actual_period",
        "target_display",
        "target_year",
    ]
    history_cols += [
        optional[k] for k in ("completion_rate", "is_stale", "projected_display") if k in optional
    ]
    for r in _rows(
        con,
        f"select {', '.join(dict.fromkeys(history_cols))} from governance.fct_indicator_progress "
        "order by indicator_id, period",
    ):
        data.history.setdefault(r["indicator_id"], []).append(r)

    for r in _rows(con, "select * from plan.indicator_targets order by indicator_id, target_year"):
        data.targets.setdefault(r["indicator_id"], []).append(r)

    for r in _rows(
        con,
        "select distinct indicator_id, task_id, task_source_clause, task_section_zh, task_name_zh, plan_part_zh, "
        "lead_department_names_zh, co_department_names_zh from governance.rpt_responsibility_table "
        "where period = ? order by indicator_id, task_id",
        [period],
    ):
        data.tasks.setdefault(r["indicator_id"], []).append(r)

    for r in _rows(
        con,
        "select distinct r.indicator_id, r.department_code, d.name_zh, d.sort_order "
        "from plan.responsibilities r join plan.departments d using (department_code) "
        "where r.role = 'co' order by r.indicator_id, d.sort_order",
    ):
        data.co_departments.setdefault(r["indicator_id"], []).append(r)

    _load_series(con, data)
    _load_provenance(con, data)
    _load_reconciliation(con, data)
    _load_departments(con, data)
    if _has_table(con, "governance", "fct_public_source_health"):
        data.sources = _rows(
            con,
            "select * from governance.fct_public_source_health order by is_declared desc, publisher, source_name",
        )
    return data


def _load_series(con: duckdb.DuckDBPyConnection, data: PortalData) -> None:
    """The monthly series for the charts: the province and up to CHART_MAX_AREAS areas."""
    areas = _rows(
        con,
        """
        select indicator_id, prefecture_code, any_value(prefecture_name_zh) as name_zh,
               bool_or(is_province) as is_province, min(prefecture_sort_order) as sort_order,
               count(value) as n_values
        from governance.fct_indicator_monthly
        group by indicator_id, prefecture_code
        having count(value) > 0
        order by indicator_id, bool_or(is_province) desc, min(prefecture_sort_order), prefecture_code
        """,
    )
    by_indicator: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for a in areas:
        by_indicator[a["indicator_id"]].append(a)
    chosen: list[tuple[str, str]] = []
    for ind_id, items in by_indicator.items():
        province = [a for a in items if a["is_province"]]
        others = [a for a in items if not a["is_province"]]
        shown = province + others[:CHART_MAX_AREAS]
        data.series[ind_id] = {
            "areas": [
                {"code": a["prefecture_code"], "name": a["name_zh"], "is_province": a["is_province"]}
                for a in shown
            ],
            "n_areas_total": len(others),
            "periods": [],
            "values": {a["prefecture_code"]: [] for a in shown},
            "carried": {a["prefecture_code"]: [] for a in shown},
        }
        chosen += [(ind_id, a["prefecture_code"]) for a in shown]
    if not chosen:
        return
    con.execute("create or replace temp table portal_chosen (indicator_id varchar, prefecture_code varchar)")
    con.executemany("insert into portal_chosen values (?, ?)", chosen)
    cur = con.execute(
        """
        select m.indicator_id, m.prefecture_code, m.period, m.value_display, m.is_carried_forward
        from governance.fct_indicator_monthly m
        join portal_chosen c using (indicator_id, prefecture_code)
        order by m.indicator_id, m.period
        """
    )
    periods_seen: dict[str, dict[str, int]] = defaultdict(dict)
    for ind_id, code, period, value, carried in cur.fetchall():
        s = data.series[ind_id]
        index = periods_seen[ind_id]
        if period not in index:
            index[period] = len(s["periods"])
            s["periods"].append(period)
            for c in s["values"]:
                s["values"][c].append(None)
                s["carried"][c].append(False)
        i = index[period]
        s["values"][code][i] = value
        s["carried"][code][i] = bool(carried)


def _load_provenance(con: duckdb.DuckDBPyConnection, data: PortalData) -> None:
    if not _has_table(con, "governance", "fct_indicator_provenance"):
        return
    # The files behind the report period's figure: for each indicator, the month of its latest actual.
    for r in _rows(
        con,
        """
        select p.*
        from governance.fct_indicator_provenance p
        join governance.fct_indicator_progress g
          on g.indicator_id = p.indicator_id and g.period = ? and p.period = g.actual_period
        order by p.indicator_id, p.received_at, p.file_id
        """,
        [data.report_period],
    ):
        data.provenance.setdefault(r["indicator_id"], []).append(r)


def _load_reconciliation(con: duckdb.DuckDBPyConnection, data: PortalData) -> None:
    if not _has_table(con, "governance", "fct_reconciliation"):
        return
    for r in _rows(
        con,
        """
        select indicator_id, count(*) as n, count(*) filter (where is_flagged) as n_flagged,
               count(distinct source_name) as n_sources
        from governance.fct_reconciliation group by indicator_id
        """,
    ):
        data.reconciliation_counts[r["indicator_id"]] = r
    for r in _rows(
        con,
        f"""
        select * from (
            select r.*, p.name_zh as prefecture_name_zh,
                   row_number() over (partition by r.indicator_id
                                      order by r.period desc, r.is_flagged desc, p.sort_order, r.source_name) as rn
            from governance.fct_reconciliation r
            left join governance.dim_prefecture p using (prefecture_code)
        ) where rn <= {RECONCILIATION_ROWS}
        order by indicator_id, rn
        """,
    ):
        data.reconciliation.setdefault(r["indicator_id"], []).append(r)


def _load_departments(con: duckdb.DuckDBPyConnection, data: PortalData) -> None:
    for r in _rows(
        con,
        "select department_code, period, submission_status, submission_status_zh, is_expected, "
        "n_files_received, n_files_accepted, n_files_quarantined, first_accepted_local_date, days_late, "
        "rows_accepted, rows_rejected from governance.fct_submission_compliance "
        "order by department_code, period",
    ):
        data.compliance.setdefault(r["department_code"], []).append(r)
    if _has_table(con, "governance", "fct_submission_rejections"):
        for r in _rows(
            con,
            "select * from governance.fct_submission_rejections where is_open "
            "order by department_code, period desc nulls last, received_at desc, sheet_name, row_number",
        ):
            data.rejections.setdefault(r["department_code"] or "", []).append(r)
    roles: dict[tuple[str, str], set[str]] = defaultdict(set)
    for ind in data.indicators:
        roles[(ind["lead_department_code"], ind["indicator_id"])].add("lead")
    for ind_id, items in data.co_departments.items():
        for item in items:
            roles[(item["department_code"], ind_id)].add("co")
    order = {ind["indicator_id"]: i for i, ind in enumerate(data.indicators)}
    for (dept, ind_id), kinds in sorted(roles.items(), key=lambda kv: (kv[0][0], order.get(kv[0][1], 0))):
        data.dept_indicators.setdefault(dept, []).append(
            {"indicator_id": ind_id, "role": "lead" if "lead" in kinds else "co"}
        )


def chart_payload(data: PortalData, ind: dict[str, Any]) -> str:
    """The JSON the page's chart script reads (inline, so the page works from file://)."""
    series = data.series.get(ind["indicator_id"], {"areas": [], "periods": [], "values": {}, "carried": {}})
    prog = ind.get("progress") or {}
    scale = ind.get("display_scale") or 1
    targets = [
        {
            "year": t["target_year"],
            "value": (t["target_value"] / scale) if t["target_value"] is not None else None,
            "label": f"{t['target_year']}年目标",
        }
        for t in data.targets.get(ind["indicator_id"], [])
    ]
    projection = None
    col = data.optional_columns.get("projected_display")
    if col and prog.get(col) is not None:
        projection = {
            "from_period": prog.get("actual_period"),
            "from_value": prog.get("actual_display"),
            "to_period": _deadline(prog),
            "to_value": prog.get(col),
        }
    payload = {
        "unit": ind.get("display_unit") or "",
        "periods": series["periods"],
        "areas": series["areas"],
        "values": series["values"],
        "carried": series["carried"],
        "targets": targets,
        "projection": projection,
    }
    # Safe inside <script type="application/json">: no "</" can close the element.
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")


def _deadline(prog: dict[str, Any]) -> str | None:
    month = prog.get("target_deadline_month")
    return f"{month:%Y-%m}" if month is not None else None
