"""Read what a monthly package shows: the published marts (read-only) and the quality results.

Sources, and nothing else:
- ``NEWINFRA_HOME/published/marts.duckdb`` (the analysts' copy written by the transform's publish
  step) and ``published/manifest.json`` (its snapshot id and time);
- ``quality.check_results`` in the warehouse, the latest run for the period
  (``quality.latest_results``), read under the warehouse lock so it waits for a running writer.

The quality gate lives here: a blocking check that failed (or errored) in the period's latest run,
or no run at all for the period, refuses the package unless ``force``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from collections.abc import Iterable
from typing import Any

from exports import helpers as H
from exports import settings as S
from exports.model import Headline, ProgressRow, QualitySummary, ReportData
from newinfra.errors import PlatformError, UserInputError
from newinfra.periods import next_period, parse_period
from newinfra.settings import Settings

GOVERNANCE = "governance"


# --- snapshot -------------------------------------------------------------------------------------
def read_snapshot(settings: Settings) -> tuple[str, dt.datetime | None, dict[str, Any]]:
    """The published snapshot's id and time, from published/manifest.json."""
    path = settings.published / "manifest.json"
    if not settings.published_warehouse.exists():
        raise PlatformError(
            f"尚未发布分析库（{settings.published_warehouse} 不存在），请先运行 newinfra build",
            f"no published marts at {settings.published_warehouse}; run the transform (newinfra build) first",
        )
    if not path.exists():
        raise PlatformError(
            f"分析库缺少发布清单 {path}，请重新运行 newinfra build",
            f"published manifest {path} is missing; re-run the transform",
        )
    manifest = json.loads(path.read_text(encoding="utf-8"))
    snapshot_id = str(manifest.get("snapshot_id") or "")
    stamp = None
    for key in ("built_at", "published_at", "snapshot_at", "created_at"):
        if manifest.get(key):
            stamp = _parse_ts(manifest[key])
            if stamp is not None:
                break
    return snapshot_id, stamp, manifest


def _parse_ts(text: Any) -> dt.datetime | None:
    try:
        value = dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


# --- quality gate ---------------------------------------------------------------------------------
def quality_gate(
    settings: Settings, period: str, force: bool
) -> tuple[QualitySummary, list[dict[str, Any]], bool, tuple[str, ...], dict[str, list[dict[str, Any]]]]:
    """(summary, failed/warned rows, is_forced, synthetic inputs, rejected rows by department), read
    in one visit to the warehouse. Raises UserInputError when the gate refuses."""
    import duckdb

    from newinfra import db
    from quality import latest_results

    try:
        with db.write_lock(settings), db.reader(settings) as con:
            records = latest_results(con, period)
            synthetic = synthetic_inputs(settings, con)
            rejections = rejections_of(con, period)
    except (duckdb.IOException, duckdb.ConnectionException) as exc:
        raise PlatformError(
            f"无法只读打开仓库读取质量检查结果（可能有其他进程正在写入）：{exc}",
            f"cannot open the warehouse read-only for the quality results (a writer holds it?): {exc}",
        ) from exc
    blocking = [r for r in records if r.is_blocking and r.outcome in ("failed", "error")]
    failures = tuple(
        f"{r.dataset} · {r.check_label or r.check_name}（{_outcome_zh(r.outcome)}）" for r in blocking
    )
    summary = QualitySummary(
        run_id=records[0].run_id if records else None,
        checked_at=records[0].checked_at if records else None,
        n_checks=len(records),
        n_failed=sum(1 for r in records if r.outcome in ("failed", "error")),
        n_warned=sum(1 for r in records if r.outcome == "warned"),
        blocking_failures=failures,
    )
    rows = [
        {
            "outcome": r.outcome,
            "is_blocking": r.is_blocking,
            "dataset": r.dataset,
            "check_name": r.check_label or r.check_name,
            "check_type": r.check_type,
            "observed_value": r.observed_value,
            "threshold": r.threshold,
            "message": r.message,
        }
        for r in records
        if r.outcome in ("failed", "warned", "error")
    ]
    if not records:
        if not force:
            raise UserInputError(
                f"报送期 {period} 没有数据质量检查记录，拒绝生成报告。请先运行 newinfra check --period {period}；"
                "确需生成请加 --force（封面将以红字注明）。",
                f"no quality run for period {period}; refusing to build the report. Run `newinfra check --period "
                f"{period}` first, or pass --force (the cover will say so in red).",
            )
        return summary, rows, True, synthetic, rejections
    if blocking:
        if not force:
            listed = "；".join(failures[:10]) + ("……" if len(failures) > 10 else "")
            raise UserInputError(
                f"报送期 {period} 有 {len(blocking)} 项阻断性质量检查未通过，拒绝生成报告：{listed}。"
                "修正数据后重新运行 newinfra check；确需生成请加 --force（封面将以红字注明）。",
                f"{len(blocking)} blocking quality check(s) failed for period {period} (run {summary.run_id}); "
                "refusing to build the report. Fix the data and re-run the checks, or pass --force.",
            )
        return summary, rows, True, synthetic, rejections
    return summary, rows, False, synthetic, rejections


def _outcome_zh(outcome: str) -> str:
    return {"failed": "未通过", "error": "执行出错", "warned": "警告"}.get(outcome, outcome)


# --- synthetic inputs -------------------------------------------------------------------------------
def synthetic_inputs(settings: Settings, con) -> tuple[str, ...]:
    """Why the package's inputs are synthetic (示例数据), in plain Chinese; () when every input is real.

    Follows the data, not a switch: department files in the warehouse whose sha256 the demo
    generator's manifest lists (NEWINFRA_HOME/demo/demo_manifest.json), a project list it wrote,
    and public statistics from a source declared ``is_synthetic: true``."""
    reasons = []
    files: set[str] = set()
    libraries: set[str] = set()
    path = settings.home / S.DEMO_MANIFEST
    if path.is_file():
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            manifest = {}
        if manifest.get("synthetic"):
            files = {f["sha256"] for f in manifest.get("files", []) if f.get("sha256")}
            sha = (manifest.get("project_library") or {}).get("sha256")
            libraries = {sha} if sha else set()
    tables = _tables(con)
    if files and "raw.submission_files" in tables:
        marks = ", ".join("?" for _ in files)
        n = con.execute(
            f"select count(*) from raw.submission_files where coalesce(content_sha256, file_id) in ({marks})",
            sorted(files),
        ).fetchone()[0]
        if n:
            reasons.append(f"{n} 份部门报送文件由演示数据生成器合成")
    if libraries and "raw.project_registry_loads" in tables:
        n = con.execute(
            "select count(*) from raw.project_registry_loads where file_id = ?", sorted(libraries)
        ).fetchone()[0]
        if n:
            reasons.append("重大项目库由演示数据生成器合成")
    if "raw.public_observations" in tables:
        names = [
            name
            for (name,) in con.execute(
                "select distinct source_name from raw.public_observations where is_synthetic order by 1"
            ).fetchall()
        ]
        if names:
            reasons.append(f"{len(names)} 个公开统计来源标注为示例数据")
    return tuple(reasons)


# --- the chasing list (催报) ---------------------------------------------------------------------------
def rejections_of(con, period: str) -> dict[str, list[dict[str, Any]]]:
    """Each department's rejected rows of the period, from its latest loaded file (earlier versions
    were replaced), with sheet, row, column and the reason in Chinese."""
    if not {"raw.submission_rejections", "raw.submission_files"} <= _tables(con):
        return {}
    rows = _fetch(
        con,
        """
        with latest as (
            select file_id, department_code
            from raw.submission_files
            where period = ? and status in ('loaded', 'partially_loaded')
            qualify row_number() over (partition by department_code order by version desc, received_at desc) = 1
        )

        select
            latest.department_code,
            rejections.sheet_name,
            rejections.row_number,
            rejections.column_name,
            rejections.column_letter,
            rejections.reason_zh
        from raw.submission_rejections as rejections
        inner join latest
            on rejections.file_id = latest.file_id
        order by latest.department_code, rejections.sheet_name, rejections.row_number, rejections.column_letter
        """,
        [period],
    )
    out: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(r["department_code"], []).append(r)
    return out


def chasing_of(
    con, period: str, compliance: list[dict[str, Any]], rejections: dict[str, list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    """Per expected department: the indicators it leads and did not report this month (from the
    monthly mart: no reported value in any row of the period), its late or missing months among the
    last six, and its rejected rows (read with the quality results)."""
    missing: dict[str, list[str]] = {}
    for dept, name in con.execute(
        """
        select department_code, indicator_name_zh
        from governance.fct_indicator_monthly
        where period = ? and department_code is not null
        group by department_code, indicator_id, indicator_name_zh
        having count(reported_value) = 0
        order by department_code, min(indicator_id)
        """,
        [period],
    ).fetchall():
        missing.setdefault(dept, []).append(name)
    year, month = parse_period(period)
    first = f"{year - (1 if month <= 5 else 0)}-{(month - 6) % 12 + 1:02d}"
    history = {
        dept: (int(n_bad), int(n))
        for dept, n_bad, n in con.execute(
            """
            select department_code,
                count(*) filter (where submission_status in ('late', 'missing')),
                count(*)
            from governance.fct_submission_compliance
            where period between ? and ? and is_expected
            group by department_code
            """,
            [first, period],
        ).fetchall()
    }
    out = []
    for c in compliance:
        code = c["department_code"]
        bad, months = history.get(code, (0, 0))
        out.append(
            {
                **c,
                "missing_indicators": missing.get(code, []),
                "rejections": rejections.get(code, []),
                "late_in_last_6": bad,
                "months_in_last_6": months,
            }
        )
    return out


def contacts_of(con) -> dict[str, str]:
    """Each department's contact as the 催报 list prints it (张三 13800000000), from
    governance.dim_department_contact: the 填报人 and 联系电话 of its latest file; a phone number
    that is not plausible is printed as written with its flag, never corrected."""
    if "governance.dim_department_contact" not in _tables(con):
        return {}
    out = {}
    for r in _fetch(
        con,
        """
        select department_code, contact_name, contact_phone, contact_phone_as_written,
            contact_phone_is_plausible, contact_phone_flag_zh, contact_period
        from governance.dim_department_contact
        where has_contact
        """,
    ):
        phone = r.get("contact_phone") or r.get("contact_phone_as_written") or ""
        if phone and r.get("contact_phone_is_plausible") is False:
            phone += f"（{r.get('contact_phone_flag_zh') or '号码无法识别'}）"
        text = " ".join(p for p in (r.get("contact_name") or "", phone) if p)
        if text:
            out[r["department_code"]] = text
    return out


def remarks_of(con, period: str) -> list[dict[str, Any]]:
    """The departments' remarks (备注) of the period, the current one of each row
    (governance.fct_submission_remarks), in the plan's indicator order."""
    if "governance.fct_submission_remarks" not in _tables(con):
        return []
    return _fetch(
        con,
        """
        select
            remarks.department_code,
            remarks.department_name_zh,
            remarks.row_kind,
            remarks.row_status,
            remarks.row_status_zh,
            remarks.indicator_id,
            remarks.indicator_name_zh,
            remarks.prefecture_code,
            remarks.prefecture_name_zh,
            remarks.project_code,
            remarks.project_name,
            remarks.remark
        from governance.fct_submission_remarks as remarks
        left join governance.dim_indicator as indicators
            on remarks.indicator_id = indicators.indicator_id
        where remarks.period = ? and remarks.is_current
        order by remarks.row_kind, indicators.sort_order, remarks.indicator_id, remarks.prefecture_code,
            remarks.project_code, remarks.department_code, remarks.sheet_name, remarks.row_number
        """,
        [period],
    )


# --- marts ----------------------------------------------------------------------------------------
def _fetch(con, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
    cur = con.execute(sql, list(params))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _num(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def _difference(value: Any, previous: Any) -> float | None:
    value, previous = _num(value), _num(previous)
    return None if value is None or previous is None else value - previous


def _tables(con) -> set[str]:
    return {
        f"{schema}.{name}"
        for schema, name in con.execute(
            "select table_schema, table_name from information_schema.tables"
        ).fetchall()
    }


REQUIRED = (
    "governance.rpt_responsibility_table",
    "governance.fct_indicator_monthly",
    "governance.fct_submission_compliance",
    "governance.fct_reporting_rates",
    "governance.fct_project_investment",
    "governance.fct_investment_rollup",
    "governance.fct_revisions_after_publication",
    "governance.dim_department",
    "governance.dim_prefecture",
    "governance.dim_indicator",
)


def progress_rows(con, period: str) -> list[ProgressRow]:
    rows = _fetch(
        con,
        """
        select *
        from governance.rpt_responsibility_table
        where period = ?
        """,
        [period],
    )
    out = []
    for r in rows:
        out.append(
            ProgressRow(
                task_id=r["task_id"],
                task_name=r.get("task_name_zh") or "",
                indicator_id=r["indicator_id"],
                indicator_name=r.get("indicator_name_zh") or r["indicator_id"],
                sector=r.get("sector") or "",
                unit=r.get("unit") or "",
                display_unit=r.get("display_unit") or "",
                display_scale=_num(r.get("display_scale")) or 1.0,
                kind=r.get("kind") or "",
                direction=r.get("direction") or "",
                source_clause=r.get("task_source_clause") or r.get("indicator_source_clause") or "",
                indicator_clause=r.get("indicator_source_clause") or "",
                previous_status_code=r.get("previous_status_code"),
                lead_department=r.get("lead_department_names_zh") or "",
                co_departments=r.get("co_department_names_zh") or "",
                target_2022=_num(r.get("target_2022_value")),
                target_2024=_num(r.get("target_2024_value")),
                **_target_fields(r),
                change_since_last_month=_num(r.get("change_since_last_month")),
                indicator_order=int(r.get("indicator_sort_order") or 0),
                **_method_fields(r),
            )
        )
    return out


def _target_fields(r: dict[str, Any]) -> dict[str, Any]:
    """One target's figure and status, as the marts name them (the main table and 收官评估 alike)."""
    return {
        "target_year": r.get("target_year"),
        "target_value": _num(r.get("target_value")),
        "latest_actual": _num(r.get("actual_value")),
        "as_of_period": r.get("actual_period"),
        "completion": _num(r.get("completion")),
        "time_elapsed": _num(r.get("time_elapsed")),
        "status_code": r.get("status_code") or "no_data",
        "status_label": H.status_label(r.get("status_code"), r.get("status_label_zh")),
        "status_colour": H.status_colour(r.get("status_code"), r.get("status_colour")),
    }


def _method_fields(r: dict[str, Any]) -> dict[str, Any]:
    """The progress method's columns the package prints, as the marts name them."""
    age = r.get("data_age_months")
    months = r.get("months_to_deadline")
    return {
        "data_age_months": None if age is None else int(age),
        "is_stale": bool(r.get("is_stale")),
        "completion_rate": _num(r.get("completion_rate")),
        "progress_since_baseline": _num(r.get("progress_since_baseline")),
        "target_text": r.get("target_text_zh") or "",
        "projected_value": _num(r.get("projected_value")),
        "verdict_code": r.get("verdict_code"),
        "verdict_label": r.get("verdict_label_zh") or "",
        "required_monthly_change": _num(r.get("required_monthly_change")),
        "months_to_deadline": None if months is None else int(months),
        "deadline_status_code": r.get("deadline_status_code"),
        "met_late_period": r.get("met_late_period"),
        "assessment_note": r.get("assessment_note_zh") or "",
    }


def targets_of(con, period: str, progress: list[ProgressRow]) -> list[ProgressRow]:
    """Every target of the plan assessed in ``period``: one row per indicator x target year, from
    governance.fct_target_assessment (docs/report.md). Tasks, departments and last month's change
    come from the indicator's rows of the responsibility table (the same figure series)."""
    if "governance.fct_target_assessment" not in _tables(con):
        return []
    by_indicator: dict[str, ProgressRow] = {}
    for row in progress:
        by_indicator.setdefault(row.indicator_id, row)
    out = []
    for r in _fetch(
        con,
        """
        select *
        from governance.fct_target_assessment
        where period = ?
        order by indicator_sort_order, indicator_id, target_year
        """,
        [period],
    ):
        base = by_indicator.get(r["indicator_id"])
        if base is None:  # an indicator outside the responsibility table: not the plan's
            continue
        out.append(
            dataclasses.replace(
                base,
                task_id="",
                **_target_fields(r),
                previous_status_code=r.get("previous_status_code"),
                **_method_fields(r),
            )
        )
    return out


def series_of(con, indicator_ids: list[str], period: str) -> dict[str, tuple[tuple[str, float], ...]]:
    """Province monthly series (plan start .. period) of the given indicators."""
    if not indicator_ids:
        return {}
    marks = ", ".join("?" for _ in indicator_ids)
    rows = con.execute(
        f"""
        select indicator_id, period, value
        from governance.fct_indicator_monthly
        where prefecture_code = 'GZ'
            and indicator_id in ({marks})
            and period <= ?
            and value is not null
        order by indicator_id, period
        """,
        [*indicator_ids, period],
    ).fetchall()
    out: dict[str, list[tuple[str, float]]] = {}
    for ind, p, v in rows:
        out.setdefault(ind, []).append((p, float(v)))
    return {k: tuple(v) for k, v in out.items()}


def pick_headlines(progress: list[ProgressRow]) -> list[tuple[str, ProgressRow]]:
    """The plan's 主要目标 (主方案 一(二)): every indicator whose own source clause cites it, in the
    plan's order (the indicators' sort order), each once."""
    by_id: dict[str, ProgressRow] = {}
    for row in progress:
        by_id.setdefault(row.indicator_id, row)
    goals = [r for r in by_id.values() if S.GOAL_CLAUSE in (r.indicator_clause or "")]
    goals.sort(key=lambda r: (r.indicator_order, r.indicator_id))
    return [(r.indicator_id, r) for r in goals]


def headlines_of(con, progress: list[ProgressRow], period: str) -> list[Headline]:
    picked = pick_headlines(progress)
    series = series_of(con, [row.indicator_id for _, row in picked], period)
    return [
        Headline(
            key=key,
            name=row.indicator_name,
            unit=row.display_unit or row.unit,
            display_scale=row.display_scale,
            kind=row.kind,
            latest=row.latest_actual,
            as_of_period=row.as_of_period,
            target=row.target_value,
            target_year=row.target_year,
            completion=row.completion,
            status_code=row.status_code,
            status_label=row.status_label,
            status_colour=row.status_colour,
            series=series.get(row.indicator_id, ()),
        )
        for key, row in picked
    ]


def investment_of(
    con, progress: list[ProgressRow], period: str
) -> tuple[float | None, str | None, tuple, str]:
    """Cumulative investment: the plan's indicator when reported, else the major projects' sum."""
    row = next((r for r in progress if r.indicator_id == S.INVESTMENT_INDICATOR), None)
    if row is not None and row.latest_actual is not None:
        series = series_of(con, [S.INVESTMENT_INDICATOR], period).get(S.INVESTMENT_INDICATOR, ())
        return row.latest_actual, row.as_of_period, series, "indicator"
    rollup = con.execute(
        """
        select period, cumulative_completed_yuan, n_projects_reported
        from governance.fct_investment_rollup
        where period <= ?
        order by period
        """,
        [period],
    ).fetchall()
    series = tuple((p, float(v)) for p, v, n in rollup if n)
    current = next(((p, v) for p, v, n in rollup if p == period and n), None)
    if current is None:
        return None, None, series, "none"
    return float(current[1]), period, series, "projects"


def compliance_of(con, period: str, settings: Settings) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    rows = _fetch(
        con,
        """
        select
            compliance.*,
            departments.n_indicators_reported as indicators_expected
        from governance.fct_submission_compliance as compliance
        left join governance.dim_department as departments
            on compliance.department_code = departments.department_code
        where compliance.period = ? and compliance.is_expected
        order by compliance.department_sort_order, compliance.department_code
        """,
        [period],
    )
    out = [
        {
            "department_code": r["department_code"],
            "department_name": r.get("department_name_zh") or r["department_code"],
            "indicators_expected": r.get("indicators_expected"),
            "status": r.get("submission_status"),
            "first_received_at": _local(r.get("first_accepted_at"), settings),
            "due_date": r.get("due_date"),
            "days_late": r.get("days_late"),
            "files_accepted": r.get("n_files_accepted"),
            "files_quarantined": r.get("n_files_quarantined"),
            "revisions": r.get("n_revisions"),
            "rows_accepted": r.get("rows_accepted"),
            "rows_rejected": r.get("rows_rejected"),
        }
        for r in rows
    ]
    rate_rows = _fetch(con, "select * from governance.fct_reporting_rates where period = ?", [period])
    rates: dict[str, Any] = {"on_time_days": settings.on_time_days}
    if rate_rows:
        r = rate_rows[0]
        rates.update(
            expected=r.get("n_expected"),
            actual=r.get("n_submitted"),
            on_time=r.get("n_on_time"),
            late=r.get("n_late"),
            missing=r.get("n_missing"),
            rate=_num(r.get("reporting_rate")),
            on_time_rate=_num(r.get("on_time_rate")),
        )
    return out, rates


def _local(value: Any, settings: Settings) -> Any:
    """A UTC timestamp from the marts in the platform's time zone (naive, for Excel)."""
    if not isinstance(value, dt.datetime):
        return value
    from zoneinfo import ZoneInfo

    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(ZoneInfo(settings.timezone)).replace(tzinfo=None)


def projects_of(con, period: str) -> list[dict[str, Any]]:
    """Every project's row of the period, with the month it last reported itself (its figures are
    carried forward from then) and whether it is in the project library."""
    rows = _fetch(
        con,
        """
        with last_reports as (
            select project_code, max(period) filter (where is_reported) as last_reported_period
            from governance.fct_project_investment
            where period <= ?
            group by project_code
        )

        select
            projects.*,
            last_reports.last_reported_period,
            departments.name_zh as department_name_zh,
            prefectures.name_zh as prefecture_name_zh
        from governance.fct_project_investment as projects
        left join last_reports
            on projects.project_code = last_reports.project_code
        left join governance.dim_department as departments
            on projects.department_code = departments.department_code
        left join governance.dim_prefecture as prefectures
            on projects.prefecture_code = prefectures.prefecture_code
        where projects.period = ?
        """,
        [period, period],
    )
    return [
        {
            "project_code": r["project_code"],
            "project_name": r.get("project_name"),
            "sector": r.get("sector"),
            "department_name": r.get("department_name_zh") or r.get("department_code"),
            "prefecture_code": r.get("prefecture_code"),
            "prefecture_name": r.get("prefecture_name_zh") or r.get("prefecture_code"),
            "total_investment_yuan": _num(r.get("total_investment_yuan")),
            "completed_this_month_yuan": _num(r.get("completed_this_month_yuan")),
            "cumulative_completed_yuan": _num(r.get("cumulative_completed_yuan")),
            "completion_share": _num(r.get("completion_share")),
            "project_status": r.get("project_status"),
            "is_carried_forward": bool(r.get("is_carried_forward")),
            "is_reported": bool(r.get("is_reported")),
            "is_registered": r.get("is_registered") is not False,
            "as_of_period": r.get("last_reported_period"),
        }
        for r in rows
    ]


def _month_text(value: Any) -> str | None:
    """A month as YYYY-MM (the marts keep some months as dates)."""
    if value is None:
        return None
    if isinstance(value, dt.date):
        return f"{value.year:04d}-{value.month:02d}"
    return str(value)[:7]


def rankings_of(con, period: str) -> list[dict[str, Any]]:
    """Each prefecture's figure of the period for the indicators reported by 市(州), ranked (1 = best:
    the largest, or the smallest for an at-most indicator such as PUE), with its share of the
    province's figure and whether it was carried forward from an earlier month."""
    rows = _fetch(
        con,
        """
        select
            monthly.indicator_id,
            monthly.indicator_name_zh,
            monthly.prefecture_code,
            monthly.prefecture_name_zh,
            monthly.prefecture_sort_order,
            monthly.unit,
            monthly.display_unit,
            monthly.display_scale,
            monthly.kind,
            monthly.value,
            monthly.mom_change,
            monthly.is_carried_forward,
            monthly.last_reported_month,
            indicators.direction,
            indicators.sort_order as indicator_sort_order,
            province.value as province_value
        from governance.fct_indicator_monthly as monthly
        inner join governance.dim_indicator as indicators
            on monthly.indicator_id = indicators.indicator_id
        left join governance.fct_indicator_monthly as province
            on monthly.indicator_id = province.indicator_id
            and monthly.period = province.period
            and province.is_province
        where monthly.period = ?
            and indicators.is_by_prefecture
            and not monthly.is_province
            and monthly.value is not null
        """,
        [period],
    )
    grouped: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        grouped.setdefault(r["indicator_id"], []).append(r)
    out = []
    for items in sorted(
        grouped.values(), key=lambda v: (v[0]["indicator_sort_order"] or 0, v[0]["indicator_id"])
    ):
        lower_is_better = items[0].get("direction") == "at_most"
        items.sort(
            key=lambda r: (
                (1 if lower_is_better else -1) * float(r["value"]),
                r["prefecture_sort_order"] or 0,
            )
        )
        for rank, r in enumerate(items, start=1):
            province = _num(r.get("province_value"))
            value = float(r["value"])
            out.append(
                {
                    "indicator_id": r["indicator_id"],
                    "indicator_name": r.get("indicator_name_zh") or r["indicator_id"],
                    "prefecture_code": r["prefecture_code"],
                    "prefecture_name": r.get("prefecture_name_zh") or r["prefecture_code"],
                    "unit": r.get("unit") or "",
                    "display_unit": r.get("display_unit") or "",
                    "display_scale": _num(r.get("display_scale")) or 1.0,
                    "kind": r.get("kind") or "",
                    "rank": rank,
                    "n": len(items),
                    "value": value,
                    "share": value / province if province and r.get("kind") != "ratio" else None,
                    "mom_change": _num(r.get("mom_change")),
                    "is_carried_forward": bool(r.get("is_carried_forward")),
                    "last_reported_month": _month_text(r.get("last_reported_month")),
                }
            )
    return out


def investment_by_year(con, period: str) -> list[tuple[int, float, int]]:
    """(year, investment completed in the year's months up to ``period``, projects reporting) — the
    sum of the projects' monthly figures."""
    return [
        (int(y), float(v or 0.0), int(n))
        for y, v, n in con.execute(
            """
            select
                cast(left(period, 4) as integer) as year,
                sum(completed_this_month_yuan),
                count(distinct project_code) filter (where is_reported)
            from governance.fct_project_investment
            where period <= ?
            group by 1
            order by 1
            """,
            [period],
        ).fetchall()
    ]


def reconciliation_warnings(con, period: str) -> list[str]:
    """Each flagged gap between a department's figure and the public statistic, in words
    (遵义市物联网连接数比公开统计低7.4%), for the leaders' pages; the check itself stays on the
    technical sheet."""
    if "governance.fct_reconciliation" not in _tables(con):
        return []
    rows = _fetch(
        con,
        """
        select
            reconciliation.indicator_name_zh,
            reconciliation.prefecture_code,
            prefectures.name_zh as prefecture_name_zh,
            reconciliation.gap_share,
            reconciliation.publisher
        from governance.fct_reconciliation as reconciliation
        left join governance.dim_prefecture as prefectures
            on reconciliation.prefecture_code = prefectures.prefecture_code
        where reconciliation.period = ? and reconciliation.is_flagged
        order by abs(reconciliation.gap_share) desc, reconciliation.indicator_id, reconciliation.prefecture_code
        """,
        [period],
    )
    out = []
    for r in rows:
        share = _num(r.get("gap_share"))
        if share is None:
            continue
        place = "全省" if r.get("prefecture_code") == "GZ" else (r.get("prefecture_name_zh") or "")
        direction = "低" if share < 0 else "高"
        source = f"{r['publisher']}公开统计" if r.get("publisher") else "公开统计"
        out.append(
            f"{place}{r.get('indicator_name_zh') or ''}（部门报送）比{source}{direction}{abs(share) * 100:.1f}%，请核实"
        )
    return out


def revisions_of(con, period: str, settings: Settings) -> list[dict[str, Any]]:
    """Values revised after their period's report was published (changed values only), for periods
    up to the report's; newest first."""
    rows = _fetch(
        con,
        """
        select
            revisions.*,
            departments.name_zh as department_name_zh,
            prefectures.name_zh as prefecture_name_zh,
            indicators.kind
        from governance.fct_revisions_after_publication as revisions
        left join governance.dim_department as departments
            on revisions.department_code = departments.department_code
        left join governance.dim_prefecture as prefectures
            on revisions.prefecture_code = prefectures.prefecture_code
        left join governance.dim_indicator as indicators
            on revisions.indicator_id = indicators.indicator_id
        where revisions.period <= ? and revisions.is_changed
        order by revisions.received_at desc, revisions.department_code, revisions.indicator_id,
            revisions.prefecture_code
        """,
        [period],
    )
    return [
        {
            "department_name": r.get("department_name_zh") or r.get("department_code"),
            "period": r.get("period"),
            "indicator_id": r.get("indicator_id"),
            "indicator_name": r.get("indicator_name_zh") or r.get("indicator_id"),
            "prefecture_name": r.get("prefecture_name_zh") or r.get("prefecture_code"),
            "display_unit": r.get("display_unit") or r.get("unit"),
            "display_scale": _num(r.get("display_scale")) or 1.0,
            "kind": r.get("kind"),
            "published_value": _num(r.get("previous_value")),
            "revised_value": _num(r.get("value")),
            "difference": _difference(r.get("value"), r.get("previous_value")),
            "received_at": _local(r.get("received_at"), settings),
            "published_at": _local(r.get("first_published_at"), settings),
        }
        for r in rows
    ]


def template_inputs(
    con, period: str
) -> tuple[list[str], dict[tuple[str, str], float], dict[str, list[dict]]]:
    """For next period's templates: the departments that report (lead an indicator, or own a major
    project), the latest value each (indicator, prefecture) was reported with up to ``period``, and
    each department's projects as last reported up to ``period``."""
    departments = [
        code
        for (code,) in con.execute(
            "select department_code from governance.dim_department where is_reporting_department order by sort_order"
        ).fetchall()
    ]
    previous = {
        (ind, pref): float(value)
        for ind, pref, value in con.execute(
            """
            select indicator_id, prefecture_code, arg_max(reported_value, period)
            from governance.fct_indicator_monthly
            where period <= ? and reported_value is not null
            group by indicator_id, prefecture_code
            """,
            [period],
        ).fetchall()
    }
    projects: dict[str, list[dict]] = {}
    for r in _fetch(
        con,
        """
        select
            project_code,
            arg_max(project_name, period) as project_name,
            arg_max(sector, period) as sector,
            arg_max(department_code, period) as department_code,
            arg_max(prefecture_code, period) as prefecture_code,
            arg_max(total_investment_yuan, period) as total_investment_yuan
        from governance.fct_project_investment
        where period <= ?
        group by project_code
        order by project_code
        """,
        [period],
    ):
        if r["department_code"]:
            projects.setdefault(r["department_code"], []).append(r)
    for code in projects:
        if code not in departments:
            departments.append(code)
    return departments, previous, projects


def load_report_data(
    settings: Settings, period: str, force: bool = False, issued_on: dt.date | None = None
) -> ReportData:
    """Everything the package shows for ``period``; raises UserInputError when the gate refuses or
    the period is not in the published marts."""
    import duckdb

    from newinfra import db

    parse_period(period)
    snapshot_id, snapshot_at, _ = read_snapshot(settings)
    summary, quality_rows, is_forced, synthetic, rejections = quality_gate(settings, period, force)
    try:
        with db.reader(settings, settings.published_warehouse) as con:
            missing = [t for t in REQUIRED if t not in _tables(con)]
            if missing:
                raise PlatformError(
                    f"已发布的分析库缺少数据表：{', '.join(missing)}；请重新运行 newinfra build",
                    f"the published marts lack {', '.join(missing)}; re-run the transform",
                )
            progress = progress_rows(con, period)
            if not progress:
                first, last = con.execute(
                    "select min(period), max(period) from governance.rpt_responsibility_table"
                ).fetchone()
                raise UserInputError(
                    f"已发布数据中没有报送期 {period}（现有 {first or '—'} 至 {last or '—'}）",
                    f"period {period} is not in the published marts (they hold {first} to {last})",
                )
            targets = targets_of(con, period, progress)
            headlines = headlines_of(con, progress, period)
            inv_total, inv_as_of, inv_series, inv_basis = investment_of(con, progress, period)
            compliance, rates = compliance_of(con, period, settings)
            chasing = chasing_of(con, period, compliance, rejections)
            contacts = contacts_of(con)
            for c in chasing:
                c["contact"] = contacts.get(c.get("department_code"))
            remarks = remarks_of(con, period)
            projects = projects_of(con, period)
            by_year = investment_by_year(con, period)
            rankings = rankings_of(con, period)
            revisions = revisions_of(con, period, settings)
            warnings = reconciliation_warnings(con, period)
            departments, previous, dept_projects = template_inputs(con, period)
            sector_names = dict(
                con.execute("select distinct sector, sector_zh from governance.dim_indicator").fetchall()
            )
            source_health = (
                _fetch(
                    con,
                    """
                    select title_zh, publisher, source_name, frequency, is_enabled, is_synthetic,
                           last_fetch_at, last_fetch_status, last_success_at, newest_period,
                           months_behind, max_age_months, health_status, health_label_zh, last_error_zh
                    from governance.fct_public_source_health
                    order by is_enabled desc, source_name
                    """,
                )
                if "governance.fct_public_source_health" in _tables(con)
                else []
            )
            # The method note, from the definition the models use (docs/progress-method.md).
            method_notes = (
                [
                    str(note)
                    for (note,) in con.execute(
                        "select note_zh from governance.dim_progress_method order by sort_order"
                    ).fetchall()
                ]
                if "governance.dim_progress_method" in _tables(con)
                else []
            )
    except (duckdb.IOException, duckdb.ConnectionException) as exc:
        raise PlatformError(
            f"无法只读打开已发布的分析库：{exc}",
            f"cannot open the published marts read-only: {exc}",
        ) from exc
    inv_row = next((r for r in progress if r.indicator_id == S.INVESTMENT_INDICATOR), None)
    if inv_basis == "indicator" and inv_row is not None:
        inv_status = (inv_row.status_code, inv_row.status_label, inv_row.status_colour)
    elif inv_total is not None and inv_total >= S.INVESTMENT_TARGET_YUAN:
        inv_status = ("achieved", S.STATUS_LABELS["achieved"], "green")
    elif inv_total is not None:
        inv_status = ("not_judged", "未评价", "grey")
    else:
        inv_status = ("no_data", S.STATUS_LABELS["no_data"], "grey")
    notes = [f"说明：{note}" if i == 0 else note for i, note in enumerate(method_notes)]
    if inv_basis == "projects":
        notes.append("重点项目累计完成投资：本期未报该指标，按重大项目库各项目累计完成投资合计列示。")
    data = ReportData(
        period=period,
        snapshot_id=snapshot_id,
        snapshot_at=snapshot_at,
        is_forced=is_forced,
        quality=summary,
        progress=progress,
        headlines=headlines,
        sector_names={k: v for k, v in sector_names.items() if k and v},
        investment_total_yuan=inv_total,
        investment_as_of=inv_as_of,
        investment_series=inv_series,
        investment_status=inv_status,
        investment_basis=inv_basis,
        investment_completion=inv_row.completion
        if inv_basis == "indicator" and inv_row is not None
        else None,
        compliance=compliance,
        rates=rates,
        projects=projects,
        quality_rows=quality_rows,
        source_health=source_health,
        revisions=revisions,
        next_period=next_period(period),
        notes=notes,
        issued_on=issued_on,
        synthetic_inputs=synthetic,
        document_fields={
            "org": settings.report_org,
            "reviewer": settings.report_reviewer,
            "issuer": settings.report_issuer,
            "contact": settings.report_contact,
        },
        leader_warnings=warnings,
        investment_by_year=by_year,
        rankings=rankings,
        chasing=chasing,
        template_departments=departments,
        previous_values=previous,
        projects_by_department=dept_projects,
        targets=targets,
        remarks=remarks,
    )
    from exports.tables import investment_note

    note = investment_note(data)
    if note:
        data.notes.append(note)
    return data
