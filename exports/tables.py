"""The workbook's table sheets as data (``Table`` / ``Column``), built from a ``ReportData``.

Pure: no I/O. The workbook writer renders these; the tests read them back cell by cell.
Figures are shown in display units (value / display_scale) with a per-row number format.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from exports import helpers as H
from exports import settings as S
from exports.model import Column, ProgressRow, ReportData, Table

PROJECT_STATUS_ZH = {
    "planned": "计划",
    "under_construction": "在建",
    "completed": "已建成",
    "suspended": "暂停",
}
COMPLIANCE_STATUS_ZH = {"on_time": "按时报送", "late": "逾期报送", "missing": "未报送"}
COMPLIANCE_COLOUR = {"on_time": "green", "late": "yellow", "missing": "red"}
OUTCOME_ZH = {"failed": "失败", "warned": "警告", "error": "执行出错", "passed": "通过"}
OUTCOME_COLOUR = {"failed": "red", "error": "red", "warned": "yellow", "passed": "green"}


def _fmt(row: ProgressRow) -> str:
    return H.number_format(row.display_unit, row.display_scale, row.kind)


def _change_fmt(row: ProgressRow) -> str:
    value = H.scaled(row.change_since_last_month, row.display_scale)
    return H.change_format(row.unit, row.display_unit, row.display_scale, row.kind, value)


def _fmt_unit(row: ProgressRow) -> str:
    return H.with_unit(_fmt(row), row.display_unit or row.unit)


def _change_fmt_unit(row: ProgressRow) -> str:
    return H.with_unit(_change_fmt(row), row.display_unit or row.unit)


def _as_of(row: ProgressRow) -> str:
    return H.period_label(row.as_of_period) if row.as_of_period else "—"


def _r_text(row: ProgressRow) -> str | None:
    return S.R_CLASS_LABELS.get(row.r_class or "", row.r_class) if row.r_class else None


def _target_text(row: ProgressRow) -> str:
    if row.target_value is None:
        return "—"
    unit = H.unit_text(row.display_unit or row.unit)
    figure = (
        "建成"
        if row.kind == "milestone"
        else H.format_figure(row.target_value, unit, row.display_scale, row.kind)
    )
    return f"{row.target_year or ''}年 {figure}"


def status_trend(row: ProgressRow) -> str:
    """↑ when the status got better since last month, ↓ when worse, blank otherwise (or unknown)."""
    rank = {code: i for i, code in enumerate(S.TREND_ORDER)}
    now, before = rank.get(row.status_code), rank.get(row.previous_status_code or "")
    if now is None or before is None or now == before:
        return ""
    return "↑" if now < before else "↓"


def _previous_label(row: ProgressRow) -> str:
    """Last month's status, with ↑ (better now) or ↓ (worse now) when it changed."""
    code = row.previous_status_code
    if not code:
        return "—"
    trend = status_trend(row)
    return f"{H.status_label(code)}{' ' + trend if trend else ''}"


class IndicatorRow:
    """One indicator of the report's period, with every task (x indicator row of the mart) it
    belongs to: the main table has one row per indicator, so its status filter counts what 总览
    counts."""

    def __init__(self, rows: list[ProgressRow], sector_name: str) -> None:
        rows = sorted(rows, key=lambda r: (H.task_sort_key(r.task_id), r.task_id))
        self._row = rows[0]
        self.rows = rows
        self.sector_name = sector_name
        self.task_clauses = "；".join(dict.fromkeys(r.source_clause or r.task_id for r in rows))
        self.task_names = "；".join(
            dict.fromkeys(f"{r.source_clause or r.task_id} {r.task_name}".strip() for r in rows)
        )
        self.lead_departments = "、".join(
            dict.fromkeys(d for r in rows for d in (r.lead_department or "").split("、") if d)
        )
        self.co_departments_all = "、".join(
            dict.fromkeys(d for r in rows for d in (r.co_departments or "").split("、") if d)
        )
        self.target_text = _target_text(self._row)
        self.previous_label = _previous_label(self._row)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._row, name)


def indicator_rows(data: ReportData, sector: str | None = None) -> tuple[IndicatorRow, ...]:
    grouped: dict[str, list[ProgressRow]] = defaultdict(list)
    for r in data.progress:
        if sector is None or r.sector == sector:
            grouped[r.indicator_id].append(r)
    out = [IndicatorRow(rows, H.sector_name(rows[0].sector, data.sector_names)) for rows in grouped.values()]
    out.sort(key=lambda r: (H.task_sort_key(r.task_id), r.indicator_order, r.indicator_id))
    return tuple(out)


def leader_columns() -> tuple[Column, ...]:
    """The printed table: the columns the leaders read, within the width of an A4 landscape page
    (S.PRINT_MAX_WIDTH_UNITS); figures carry their unit in the number format."""
    return (
        Column("任务编号", lambda r: r.task_clauses, width=12, wrap=True),
        Column("指标", lambda r: r.indicator_name, width=19, wrap=True),
        Column("牵头单位", lambda r: r.lead_departments, width=9, wrap=True),
        Column("目标", lambda r: r.target_text, width=11, wrap=True),
        Column("最新值", lambda r: H.scaled(r.latest_actual, r.display_scale), _fmt_unit, width=11),
        Column("数据截至", lambda r: H.short_period(r.as_of_period), width=7),
        Column("完成度", lambda r: r.completion, H.PERCENT_FORMAT, width=7),
        Column("进展状态", lambda r: r.status_label, colour=lambda r: r.status_colour, width=9),
        Column("上月状态", lambda r: r.previous_label, width=9),
        Column(
            "较上月",
            lambda r: H.scaled(r.change_since_last_month, r.display_scale),
            _change_fmt_unit,
            width=13,
        ),
    )


def detail_columns() -> tuple[Column, ...]:
    """The rest, for the screen: every task by name, co-departments, both targets, time elapsed,
    the growth ratio and its grading (analysts' figures), the clauses."""
    return (
        Column("指标", lambda r: r.indicator_name, width=26, wrap=True),
        Column("领域", lambda r: r.sector_name, width=12),
        Column("相关任务", lambda r: r.task_names, width=40, wrap=True),
        Column("牵头单位", lambda r: r.lead_departments, width=14, wrap=True),
        Column("配合单位", lambda r: r.co_departments_all, width=24, wrap=True),
        Column("单位", lambda r: H.unit_text(r.display_unit or r.unit)),
        Column("2022年目标", lambda r: H.scaled(r.target_2022, r.display_scale), _fmt),
        Column("2024年目标", lambda r: H.scaled(r.target_2024, r.display_scale), _fmt),
        Column("最新值", lambda r: H.scaled(r.latest_actual, r.display_scale), _fmt),
        Column("数据截至", _as_of, width=11),
        Column("完成度", lambda r: r.completion, H.PERCENT_FORMAT),
        Column("时间进度", lambda r: r.time_elapsed, H.PERCENT_FORMAT),
        Column("进展状态", lambda r: r.status_label, colour=lambda r: r.status_colour, width=10),
        Column("增长比R", lambda r: r.r_value, "0.00"),
        Column("进展分级", _r_text),
        Column("指标依据条款", lambda r: r.indicator_clause, width=30, wrap=True),
    )


def responsibility_table(data: ReportData) -> Table:
    return Table(
        title=f"贵州省推进新型基础设施建设责任分解表进展情况（{H.period_label(data.period)}）",
        sheet=S.SHEET_RESPONSIBILITY,
        columns=leader_columns(),
        rows=indicator_rows(data),
        note=f"每项指标一行，相关任务按方案编号列于同一格；其余栏目见“{S.SHEET_DETAIL}”表。上月状态后 ↑ 为本月好转，↓ 为退步。",
        freeze_columns=2,
    )


def detail_table(data: ReportData) -> Table:
    return Table(
        title=f"责任分解表明细（{H.period_label(data.period)}）",
        sheet=S.SHEET_DETAIL,
        columns=detail_columns(),
        rows=indicator_rows(data),
        freeze_columns=1,
        printed=False,
    )


def sector_tables(data: ReportData, used_titles: list[str]) -> list[Table]:
    tables = []
    for sector in data.sectors:
        name = H.sector_name(sector, data.sector_names)
        sheet = H.sheet_title(name, used_titles)
        used_titles.append(sheet)
        tables.append(
            Table(
                title=f"{name}进展情况（{H.period_label(data.period)}）",
                sheet=sheet,
                columns=leader_columns(),
                rows=indicator_rows(data, sector),
                freeze_columns=2,
                printed=False,
            )
        )
    return tables


def compliance_table(data: ReportData) -> Table:
    cols = (
        Column("部门", lambda r: r.get("department_name"), width=14, wrap=True),
        Column("应报指标数", lambda r: r.get("indicators_expected"), "0", width=6),
        Column(
            "报送情况",
            lambda r: COMPLIANCE_STATUS_ZH.get(r.get("status"), r.get("status")),
            colour=lambda r: COMPLIANCE_COLOUR.get(r.get("status"), "grey"),
            width=12,
        ),
        Column("首次报送时间", lambda r: r.get("first_received_at"), "yyyy-mm-dd hh:mm", width=15),
        Column("截止日期", lambda r: r.get("due_date"), "yyyy-mm-dd", width=10),
        Column("逾期天数", lambda r: r.get("days_late"), "0", width=6),
        Column("接收文件数", lambda r: r.get("files_accepted"), "0", width=6),
        Column("修订次数", lambda r: r.get("revisions"), "0", width=6),
        Column("退回文件数", lambda r: r.get("files_quarantined"), "0", width=6),
        Column("接收行数", lambda r: r.get("rows_accepted"), "0", width=6),
        Column("被拒行数", lambda r: r.get("rows_rejected"), "0", width=6),
    )
    rates = data.rates
    note = (
        f"应报 {rates.get('expected', '—')} 个部门，已报 {rates.get('actual', '—')} 个，"
        f"按时 {rates.get('on_time', '—')} 个；报送率 {H.format_percent(rates.get('rate'))}，"
        f"及时率 {H.format_percent(rates.get('on_time_rate'))}（报送期结束后 {rates.get('on_time_days', 5)} 天内为按时）。"
    )
    rows = sorted(
        data.compliance,
        key=lambda r: (
            ["missing", "late", "on_time"].index(r.get("status"))
            if r.get("status") in COMPLIANCE_STATUS_ZH
            else 3,
            r.get("department_code") or "",
        ),
    )
    return Table(
        title=f"各成员单位报送情况（{H.period_label(data.period)}）",
        sheet=S.SHEET_COMPLIANCE,
        columns=cols,
        rows=tuple(rows),
        note=note,
        freeze_columns=1,
    )


def investment_table(data: ReportData) -> Table:
    cols = (
        Column("项目代码", lambda r: r.get("project_code"), width=14),
        Column("项目名称", lambda r: r.get("project_name"), width=34, wrap=True),
        Column("领域", lambda r: H.sector_name(r.get("sector") or "", data.sector_names), width=14),
        Column("责任单位", lambda r: r.get("department_name"), width=18),
        Column("所在地", lambda r: r.get("prefecture_name"), width=10),
        Column("总投资（亿元）", lambda r: _yi(r.get("total_investment_yuan")), H.YI_FORMAT),
        Column("本月完成（亿元）", lambda r: _yi(r.get("completed_this_month_yuan")), H.YI_FORMAT),
        Column("累计完成（亿元）", lambda r: _yi(r.get("cumulative_completed_yuan")), H.YI_FORMAT),
        Column("投资完成率", lambda r: r.get("completion_share"), H.PERCENT_FORMAT),
        Column(
            "项目状态",
            lambda r: PROJECT_STATUS_ZH.get(r.get("project_status"), r.get("project_status")),
            width=10,
        ),
        Column(
            "数据截至",
            lambda r: H.period_label(r["as_of_period"]) if r.get("as_of_period") else "未报送",
            width=11,
        ),
        Column("沿用上期", lambda r: "沿用上期" if not r.get("is_reported") else "", width=9),
    )
    total = data.investment_total_yuan
    note = (
        f"重点项目累计完成投资 {H.format_figure(None if total is None else total, '亿元', S.YI, 'level')}，"
        f"目标超 {S.INVESTMENT_TARGET_YUAN / S.YI:,.0f} 亿元（2024 年）。"
    )
    rows = sorted(
        data.projects, key=lambda r: (H.sector_sort_key(r.get("sector") or ""), r.get("project_code") or "")
    )
    return Table(
        title=f"新型基础设施重大项目投资完成情况（{H.period_label(data.period)}）",
        sheet=S.SHEET_INVESTMENT,
        columns=cols,
        rows=tuple(rows),
        note=note,
        freeze_columns=2,
        printed=False,
    )


def _period_text(period: str | None) -> str:
    return H.period_label(period) if period else "—"


def rankings_table(data: ReportData) -> Table:
    """市(州)排名 (for the screen): every prefecture's figure per indicator reported by 市(州), ranked;
    figures carried forward from an earlier month say 沿用上期."""

    def fmt(r: dict) -> str:
        return H.with_unit(
            H.number_format(r["display_unit"], r["display_scale"], r["kind"]), r["display_unit"] or r["unit"]
        )

    def change_fmt(r: dict) -> str:
        value = H.scaled(r["mom_change"], r["display_scale"])
        return H.with_unit(
            H.change_format(r["unit"], r["display_unit"], r["display_scale"], r["kind"], value),
            r["display_unit"] or r["unit"],
        )

    cols = (
        Column("指标", lambda r: r["indicator_name"], width=24, wrap=True),
        Column("排名", lambda r: f"{r['rank']}/{r['n']}", width=6),
        Column("市(州)", lambda r: r["prefecture_name"], width=10),
        Column("数值", lambda r: H.scaled(r["value"], r["display_scale"]), fmt, width=13),
        Column("占全省", lambda r: r["share"], H.PERCENT_FORMAT, width=8),
        Column("较上月", lambda r: H.scaled(r["mom_change"], r["display_scale"]), change_fmt, width=13),
        Column("数据截至", lambda r: _period_text(r["last_reported_month"]), width=11),
        Column("沿用上期", lambda r: "沿用上期" if r["is_carried_forward"] else "", width=9),
    )
    return Table(
        title=f"各市(州)指标排名（{H.period_label(data.period)}）",
        sheet=S.SHEET_RANKINGS,
        columns=cols,
        rows=tuple(data.rankings),
        note="排名第 1 为数值最大者（PUE 等越低越好的指标为最小者）；“沿用上期”表示该市(州)本月未报送，沿用最近一次报送数。",
        freeze_columns=3,
        printed=False,
    )


def _rejection_text(rows: list[dict], limit: int = 3) -> str:
    parts = [
        f"{r.get('sheet_name') or ''}第{r.get('row_number')}行{(r.get('column_letter') or '') + '列' if r.get('column_letter') else ''}"
        f"：{r.get('reason_zh') or ''}"
        for r in rows[:limit]
    ]
    more = f"等 {len(rows)} 行" if len(rows) > limit else ""
    return "；".join(parts) + more


def chasing_rows(data: ReportData) -> list[dict[str, Any]]:
    """The departments the office has to chase: not reported, late, indicators left out or rows
    rejected; worst first."""
    out = []
    for c in data.chasing:
        problems = []
        status = c.get("status")
        if status == "missing":
            problems.append("未报送")
        elif status == "late":
            problems.append(f"逾期 {c.get('days_late') or 0} 天")
        if c.get("missing_indicators"):
            problems.append(f"缺报指标 {len(c['missing_indicators'])} 项")
        if c.get("rejections"):
            problems.append(f"被退回数据 {len(c['rejections'])} 行")
        if problems:
            out.append({**c, "problems": problems, "notice": chasing_notice(data, c)})
    order = {"missing": 0, "late": 1}
    out.sort(
        key=lambda c: (order.get(c.get("status"), 2), -len(c["problems"]), c.get("department_code") or "")
    )
    return out


def chasing_notice(data: ReportData, c: dict[str, Any]) -> str:
    """A short notice, ready to send to the department."""
    period = H.period_label(data.period)
    name = c.get("department_name") or c.get("department_code")
    due = c.get("due_date")
    due_text = (
        f"（报送截止日期 {due.year}年{due.month}月{due.day}日）"
        if due is not None and hasattr(due, "year")
        else ""
    )
    lines = [f"{name}："]
    if c.get("status") == "missing":
        lines.append(f"贵单位{period}新型基础设施建设进展数据尚未报送{due_text}，请尽快通过报送渠道提交。")
    elif c.get("status") == "late":
        lines.append(
            f"贵单位{period}数据已收到，但晚于截止日期 {c.get('days_late') or 0} 天{due_text}，请下月按时报送。"
        )
    else:
        lines.append(f"贵单位{period}数据已按时收到。")
    if c.get("missing_indicators"):
        lines.append(f"以下指标本月未报：{'、'.join(c['missing_indicators'])}，请补报。")
    if c.get("rejections"):
        lines.append(
            f"被退回数据 {len(c['rejections'])} 行（{_rejection_text(c['rejections'])}），请按反馈表修正后重新报送。"
        )
    if c.get("late_in_last_6", 0) >= 2:
        lines.append(f"近 6 个月已有 {c['late_in_last_6']} 次逾期或未报，请加强报送管理。")
    lines.append("——省新型基础设施建设联席会议办公室")
    return "".join(lines)


def chasing_table(data: ReportData) -> Table:
    """催报清单 (for the screen: the office sends the notices from it)."""
    cols = (
        Column("部门", lambda r: r.get("department_name"), width=14, wrap=True),
        Column("问题", lambda r: "；".join(r["problems"]), width=18, wrap=True),
        Column("逾期天数", lambda r: r.get("days_late"), "0", width=6),
        Column("近6个月逾期或未报", lambda r: f"{r['late_in_last_6']}/{r['months_in_last_6']}", width=9),
        Column("缺报指标", lambda r: "、".join(r["missing_indicators"]), width=30, wrap=True),
        Column("被退回数据", lambda r: _rejection_text(r["rejections"], limit=10), width=36, wrap=True),
        Column("联系人", lambda r: r.get("contact") or "未登记", width=12, wrap=True),
        Column("催报通知（可直接发送）", lambda r: r["notice"], width=60, wrap=True),
    )
    return Table(
        title=f"催报清单（{H.period_label(data.period)}）",
        sheet=S.SHEET_CHASING,
        columns=cols,
        rows=tuple(chasing_rows(data)),
        note="列出未报送、逾期、缺报指标或有数据被退回的部门；联系人待报送模板登记填报人、联系电话后显示。",
        freeze_columns=1,
        printed=False,
    )


def investment_reconciliation(data: ReportData) -> dict[str, Any]:
    """The Development and Reform Commission's reported total beside the sum of the project rows,
    split by why a row's figure is what it is (reported this month, carried forward from its last
    report, outside the project library)."""
    projects = data.projects

    def part(rows: list[dict]) -> tuple[int, float]:
        return len(rows), sum(r.get("cumulative_completed_yuan") or 0.0 for r in rows)

    reported = [r for r in projects if r.get("is_reported")]
    carried = [r for r in projects if not r.get("is_reported")]
    outside = [r for r in projects if not r.get("is_registered", True)]
    n, total = part(projects)
    official = data.investment_total_yuan if data.investment_basis == "indicator" else None
    oldest = min((r["as_of_period"] for r in carried if r.get("as_of_period")), default=None)
    return {
        "official": official,
        "official_as_of": data.investment_as_of if official is not None else None,
        "n_projects": n,
        "projects_total": total,
        "reported": part(reported),
        "carried": part(carried),
        "outside": part(outside),
        "oldest_carried_period": oldest,
        "difference": None if official is None else official - total,
    }


def _yi_text(value: float | None) -> str:
    return "—" if value is None else f"{value / S.YI:,.2f}亿元"


def investment_note(data: ReportData) -> str | None:
    """One sentence for the cover: the reported total, the projects' sum and the difference."""
    rec = investment_reconciliation(data)
    if rec["official"] is None or not rec["n_projects"]:
        return None
    return (
        f"{S.INVESTMENT_LABEL} {_yi_text(rec['official'])} 为牵头部门报送数；重大项目库 {rec['n_projects']} 个项目"
        f"合计 {_yi_text(rec['projects_total'])}，差额 {_yi_text(rec['difference'])}，"
        f"其中 {rec['carried'][0]} 个项目本月未报送、沿用最近一次报送数，详见“{S.SHEET_INVESTMENT_CHECK}”表。"
    )


def investment_check_table(data: ReportData) -> Table:
    """投资核对 (printed): the reconciliation, then the projects' cumulative investment by sector, by
    市(州) and the investment completed by year."""
    rec = investment_reconciliation(data)
    total = rec["projects_total"] or None
    rows: list[dict[str, Any]] = []

    def add(group: str, label: str, count: int | None, value: float | None, note: str = "") -> None:
        rows.append({"group": group, "label": label, "n": count, "value": value, "note": note})

    period = H.period_label(data.period)
    if rec["official"] is not None:
        add("核对", "牵头部门报送的累计完成投资", None, rec["official"],
            f"数据截至 {H.period_label(rec['official_as_of'])}" if rec["official_as_of"] else "")  # fmt: skip
    add("核对", "重大项目库各项目累计完成投资合计", rec["n_projects"], rec["projects_total"])
    add("核对", "其中：本月报送的项目", *rec["reported"], f"{period}报送")
    oldest = rec["oldest_carried_period"]
    add("核对", "其中：本月未报送的项目（沿用最近一次报送数）", *rec["carried"],
        f"最早沿用自 {H.period_label(oldest)}" if oldest else "")  # fmt: skip
    add("核对", "其中：不在项目库的项目", *rec["outside"], "按部门报送列入合计")
    if rec["difference"] is not None:
        reasons = []
        if rec["carried"][0]:
            reasons.append(f"{rec['carried'][0]} 个项目本月未报送，合计中为其最近一次报送数")
        if rec["outside"][0]:
            reasons.append(f"{rec['outside'][0]} 个项目不在项目库")
        reasons.append("牵头部门报送数按其自身汇总口径，与逐项目合计不一定相同")
        add("核对", "差额（牵头部门报送 − 项目合计）", None, rec["difference"], "；".join(reasons) + "。")
    by_sector: dict[str, list[dict]] = defaultdict(list)
    by_prefecture: dict[str, list[dict]] = defaultdict(list)
    for r in data.projects:
        by_sector[r.get("sector") or ""].append(r)
        by_prefecture[r.get("prefecture_name") or "未注明"].append(r)
    for sector in sorted(by_sector, key=H.sector_sort_key):
        rs = by_sector[sector]
        add("按领域", H.sector_name(sector, data.sector_names), len(rs),
            sum(r.get("cumulative_completed_yuan") or 0.0 for r in rs))  # fmt: skip
    for name in sorted(
        by_prefecture, key=lambda k: -sum(r.get("cumulative_completed_yuan") or 0.0 for r in by_prefecture[k])
    ):
        rs = by_prefecture[name]
        add("按市(州)", name, len(rs), sum(r.get("cumulative_completed_yuan") or 0.0 for r in rs))
    for year, value, n in data.investment_by_year:
        add(
            "按年度",
            f"{year}年完成投资",
            n,
            value,
            "当年各月项目报送数之和" + ("（截至本期）" if str(year) == data.period[:4] else ""),
        )
    cols = (
        Column("分组", lambda r: r["group"], width=8),
        Column("项目", lambda r: r["label"], width=30, wrap=True),
        Column("项目数", lambda r: r["n"], "#,##0", width=7),
        Column("累计完成投资（亿元）", lambda r: _yi(r["value"]), "#,##0.00;-#,##0.00;0.00", width=12),
        Column(
            "占项目合计",
            lambda r: None if r["group"] == "核对" or not total else (r["value"] or 0.0) / total,
            H.PERCENT_FORMAT,
            width=8,
        ),
        Column("说明", lambda r: r["note"], width=36, wrap=True),
    )
    return Table(
        title=f"重大项目投资核对（{period}）",
        sheet=S.SHEET_INVESTMENT_CHECK,
        columns=cols,
        rows=tuple(rows),
        note=(
            "项目合计为重大项目库及部门报送的全部项目本期累计完成投资；本月未报送的项目沿用其最近一次报送数，"
            f"每个项目的报送月份见“{S.SHEET_INVESTMENT}”表的“数据截至”栏。"
        ),
    )


def _yi(value: float | None) -> float | None:
    return None if value is None else value / S.YI


def quality_table(data: ReportData) -> Table:
    cols = (
        Column(
            "结果",
            lambda r: OUTCOME_ZH.get(r.get("outcome"), r.get("outcome")),
            colour=lambda r: OUTCOME_COLOUR.get(r.get("outcome"), "grey"),
            width=10,
        ),
        Column("阻断性", lambda r: bool(r.get("is_blocking")), width=8),
        Column("数据集", lambda r: r.get("dataset"), width=28),
        Column("检查项", lambda r: r.get("check_name"), width=34, wrap=True),
        Column("类型", lambda r: r.get("check_type"), width=12),
        Column("观测值", lambda r: r.get("observed_value"), "#,##0.####"),
        Column("阈值", lambda r: r.get("threshold"), width=14),
        Column("说明", lambda r: r.get("message"), width=40, wrap=True),
    )
    q = data.quality
    note = (
        f"最近一次质量检查（批次号见 manifest.json）：共 {q.n_checks} 项，失败 {q.n_failed} 项，"
        f"警告 {q.n_warned} 项。本表只列失败、警告与执行出错的检查。"
    )
    return Table(
        title=f"数据质量检查（技术，供数据团队；失败与警告，{H.period_label(data.period)}）",
        sheet=S.SHEET_QUALITY,
        columns=cols,
        rows=tuple(data.quality_rows),
        note=note + f" 数据快照 {data.snapshot_id or '未知'}。",
        printed=False,
    )


HEALTH_COLOUR = {  # fct_public_source_health.health_status -> colour group
    "ok": "green",
    "stale": "yellow",
    "no_data": "yellow",
    "never_fetched": "yellow",
    "failing": "red",
    "misdeclared": "red",
    "undeclared": "grey",
    "disabled": "grey",
}


def source_health_table(data: ReportData) -> Table:
    """Per public source: the last successful fetch, the newest month it holds and how far that is
    behind the report month (governance.fct_public_source_health; docs/public-stats.md)."""
    cols = (
        Column(
            "状态",
            lambda r: r.get("health_label_zh"),
            colour=lambda r: HEALTH_COLOUR.get(r.get("health_status"), "grey"),
            width=12,
        ),
        Column("数据源", lambda r: r.get("title_zh"), width=26, wrap=True),
        Column("发布机构", lambda r: r.get("publisher"), width=16, wrap=True),
        Column("编码", lambda r: r.get("source_name"), width=18),
        Column("频率", lambda r: r.get("frequency"), width=8),
        Column("启用", lambda r: bool(r.get("is_enabled")), width=6),
        Column("合成", lambda r: bool(r.get("is_synthetic")), width=6),
        Column("最近获取", lambda r: r.get("last_fetch_at"), "yyyy-mm-dd hh:mm", width=15),
        Column("最近成功", lambda r: r.get("last_success_at"), "yyyy-mm-dd hh:mm", width=15),
        Column("最新数据月", lambda r: r.get("newest_period"), width=10),
        Column("落后月数", lambda r: r.get("months_behind"), "0", width=8),
        Column("允许滞后（月）", lambda r: r.get("max_age_months"), "0", width=10),
        Column("最近错误", lambda r: r.get("last_error_zh"), width=36, wrap=True),
    )
    return Table(
        title=f"公开数据源状态（技术，供数据团队；{H.period_label(data.period)}）",
        sheet=S.SHEET_SOURCES,
        columns=cols,
        rows=tuple(data.source_health),
        note="每个公开统计来源的最近一次获取、最近一次成功、所含最新月份及其相对报告期的滞后；"
        "超过允许滞后为“数据过期”，获取失败的来源保留上次成功的版本。",
        printed=False,
    )


def revisions_table(data: ReportData) -> Table:
    def fmt(r: dict) -> str:
        return H.number_format(r.get("display_unit"), r.get("display_scale"), r.get("kind"))

    cols = (
        Column("部门", lambda r: r.get("department_name"), width=12, wrap=True),
        Column("报送期", lambda r: H.period_label(r["period"]) if r.get("period") else None, width=9),
        Column("指标", lambda r: r.get("indicator_name"), width=18, wrap=True),
        Column("地区", lambda r: r.get("prefecture_name"), width=7),
        Column("单位", lambda r: H.unit_text(r.get("display_unit")), width=5),
        Column(
            "已发布值", lambda r: H.scaled(r.get("published_value"), r.get("display_scale")), fmt, width=10
        ),
        Column("修订后值", lambda r: H.scaled(r.get("revised_value"), r.get("display_scale")), fmt, width=10),
        Column("变化", lambda r: H.scaled(r.get("difference"), r.get("display_scale")), fmt, width=9),
        Column("修订到达时间", lambda r: r.get("received_at"), "yyyy-mm-dd hh:mm", width=14),
        Column("发布时间", lambda r: r.get("published_at"), "yyyy-mm-dd hh:mm", width=14),
    )
    return Table(
        title="发布后修订说明",
        sheet=S.SHEET_REVISIONS,
        columns=cols,
        rows=tuple(data.revisions),
        note=(
            "已发布的数字不会被悄悄改动：各报送期（不晚于本期）报告发布后到达、且改变了数值的修订均在此列示，"
            "修订后的数值已在本期数据中生效。"
        ),
    )


def status_summary(data: ReportData) -> dict[str, Any]:
    """Status counts by distinct indicator, overall and per sector (a task x indicator table lists
    some indicators under several tasks; each indicator counts once)."""
    per_indicator: dict[str, ProgressRow] = {}
    for row in data.progress:
        per_indicator.setdefault(row.indicator_id, row)
    counts = Counter(r.status_code for r in per_indicator.values())
    by_sector: dict[str, Counter] = defaultdict(Counter)
    for r in per_indicator.values():
        by_sector[r.sector][r.status_code] += 1
    sector_counts = [(s, dict(by_sector[s])) for s in sorted(by_sector, key=H.sector_sort_key)]
    return {"status_counts": dict(counts), "sector_counts": sector_counts, "n_indicators": len(per_indicator)}


def all_tables(data: ReportData) -> list[Table]:
    """The table sheets in workbook order (the cover 总览 is written separately)."""
    fixed = [
        S.SHEET_COVER,
        S.SHEET_RESPONSIBILITY,
        S.SHEET_DETAIL,
        S.SHEET_RANKINGS,
        S.SHEET_COMPLIANCE,
        S.SHEET_CHASING,
        S.SHEET_INVESTMENT_CHECK,
        S.SHEET_INVESTMENT,
        S.SHEET_QUALITY,
        S.SHEET_SOURCES,
        S.SHEET_REVISIONS,
    ]
    used = list(fixed)
    return [
        responsibility_table(data),
        detail_table(data),
        *sector_tables(data, used),
        rankings_table(data),
        compliance_table(data),
        chasing_table(data),
        investment_check_table(data),
        investment_table(data),
        quality_table(data),
        source_health_table(data),
        revisions_table(data),
    ]
