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


def _target_text(row: ProgressRow) -> str:
    """``2024年 1,820座以上``: the year and the target as the plan writes it (target_text_zh, from
    the marts), or the figure in display units when the marts give no text."""
    if row.target_value is None and not row.target_text:
        return "—"
    figure = row.target_text
    if not figure:
        unit = H.unit_text(row.display_unit or row.unit)
        figure = (
            "完成"
            if row.kind == "milestone"
            else H.format_figure(row.target_value, unit, row.display_scale, row.kind)
        )
    return f"{row.target_year or ''}年 {figure}"


def as_of_text(row: ProgressRow) -> str:
    """数据截至: ``2024.6``; a figure older than the report month allows (is_stale, from the marts)
    reads 数据未更新（截至2024年9月）."""
    if not row.as_of_period:
        return "—"
    if row.is_stale:
        return f"{S.FLAG_LABELS.get('stale', '数据未更新')}（截至{H.period_label(row.as_of_period)}）"
    return H.short_period(row.as_of_period)


def _pace_text(row: ProgressRow) -> str:
    """需月均增加 X / 需月均减少 X, at the figure's own precision."""
    pace = row.required_monthly_change
    if pace is None:
        return ""
    unit = H.unit_text(row.display_unit or row.unit)
    places = H.decimals_for(row.display_unit, row.display_scale, row.kind)
    shown = abs(H.scaled(pace, row.display_scale) or 0.0)
    while places < 4 and shown and round(shown, places) == 0:
        places += 1
    return f"需月均{'增加' if pace > 0 else '减少'}{shown:,.{places}f}{unit}"


def outlook_text(row: ProgressRow) -> str:
    """研判, worded for the office. Before the deadline: the projection at the deadline and the monthly
    pace needed (按当前进度预计可完成：预计到期 62.10万架，需月均增加0.50万架); at the deadline and
    after: the target's own assessment (2022年目标未按期完成，2023年5月完成)."""
    if row.assessment_note:
        return row.assessment_note
    if row.status_code == "no_data":
        return "无数据，请督促报送"
    if row.status_code == "achieved":
        return f"已达到{row.target_year or ''}年目标"
    if row.kind == "milestone":
        return f"需于{row.target_year or ''}年12月前完成"
    pace = _pace_text(row)
    if row.projected_value is not None:
        unit = H.unit_text(row.display_unit or row.unit)
        projected = H.format_figure(row.projected_value, unit, row.display_scale, row.kind)
        verdict = row.verdict_label or S.VERDICT_LABELS.get(row.verdict_code or "", "")
        return f"{verdict}：预计到期{projected}" + (f"，{pace}" if pace else "")
    return pace or "—"


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


class TargetRow:
    """One target of one indicator (a row of fct_target_assessment) with every task the indicator
    belongs to (the task x indicator rows of the responsibility table): the main table has one row
    per indicator and target year, so its status filter counts what 总览 counts."""

    def __init__(
        self, target: ProgressRow, rows: list[ProgressRow], sector_name: str, remarks: str = ""
    ) -> None:
        rows = sorted(rows, key=lambda r: (H.task_sort_key(r.task_id), r.task_id))
        self._row = target
        self.rows = rows
        self.first_task_id = rows[0].task_id if rows else ""
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
        self.target_text = _target_text(target)
        self.previous_label = _previous_label(target)
        self.as_of_text = as_of_text(target)
        self.outlook_text = outlook_text(target)
        self.remarks = remarks

    def __getattr__(self, name: str) -> Any:
        return getattr(self._row, name)


def target_rows(data: ReportData, sector: str | None = None) -> tuple[TargetRow, ...]:
    """The main table's rows: every target (indicator x target year) of the period, in the plan's
    order (the indicator's first task, the indicator, the target year). Without per-target rows
    (``data.targets`` empty), one row per indicator for its target in force."""
    tasks: dict[str, list[ProgressRow]] = defaultdict(list)
    for r in data.progress:
        tasks[r.indicator_id].append(r)
    targets = data.targets or [rows[0] for rows in tasks.values()]
    remarks = indicator_remarks(data)
    out = [
        TargetRow(
            t,
            tasks.get(t.indicator_id, [t]),
            H.sector_name(t.sector, data.sector_names),
            remarks.get(t.indicator_id, ""),
        )
        for t in targets
        if sector is None or t.sector == sector
    ]
    out.sort(
        key=lambda r: (
            H.task_sort_key(r.first_task_id),
            r.indicator_order,
            r.indicator_id,
            r.target_year or 0,
        )
    )
    return tuple(out)


def indicator_remarks(data: ReportData) -> dict[str, str]:
    """The departments' remarks of the period per indicator, in one cell (遵义市：…；全省：…)."""
    out: dict[str, list[str]] = defaultdict(list)
    for r in data.remarks:
        if r.get("row_kind") == "indicator" and r.get("indicator_id"):
            place = r.get("prefecture_name_zh") or r.get("prefecture_code") or ""
            out[r["indicator_id"]].append(
                f"{place}：{r.get('remark') or ''}" if place else str(r.get("remark"))
            )
    return {k: "；".join(dict.fromkeys(v)) for k, v in out.items()}


def leader_columns() -> tuple[Column, ...]:
    """The printed table: the columns the leaders read, within the width of an A3 landscape page
    (S.PRINT_MAX_WIDTH_UNITS_A3); figures carry their unit in the number format. Nothing beside the
    status contradicts it: no growth ratio (docs/progress-method.md)."""
    return (
        Column("任务编号", lambda r: r.task_clauses, width=13, wrap=True),
        Column("指标", lambda r: r.indicator_name, width=21, wrap=True),
        Column("牵头单位", lambda r: r.lead_departments, width=10, wrap=True),
        Column("目标", lambda r: r.target_text, width=12, wrap=True),
        Column("最新值", lambda r: H.scaled(r.latest_actual, r.display_scale), _fmt_unit, width=11),
        Column("数据截至", lambda r: r.as_of_text, width=9, wrap=True),
        Column("完成率", lambda r: r.completion_rate, H.PERCENT_FORMAT, width=7),
        Column("进展状态", lambda r: r.status_label, colour=lambda r: r.status_colour, width=9),
        Column("上月状态", lambda r: r.previous_label, width=9, wrap=True),
        Column(
            "较上月",
            lambda r: H.scaled(r.change_since_last_month, r.display_scale),
            _change_fmt_unit,
            width=11,
        ),
        Column("研判", lambda r: r.outlook_text, width=28, wrap=True),
    )


def _deadline_label(row: Any) -> str | None:
    return H.status_label(row.deadline_status_code) if row.deadline_status_code else None


def detail_columns() -> tuple[Column, ...]:
    """The rest, for the screen: every task by name, co-departments, both completion figures, time
    elapsed, the projection and the pace needed, the assessment, the clauses."""
    return (
        Column("指标", lambda r: r.indicator_name, width=26, wrap=True),
        Column("目标年", lambda r: r.target_year, "0", width=7),
        Column("领域", lambda r: r.sector_name, width=12),
        Column("相关任务", lambda r: r.task_names, width=40, wrap=True),
        Column("牵头单位", lambda r: r.lead_departments, width=14, wrap=True),
        Column("配合单位", lambda r: r.co_departments_all, width=24, wrap=True),
        Column("单位", lambda r: H.unit_text(r.display_unit or r.unit)),
        Column("目标", lambda r: r.target_text, width=18, wrap=True),
        Column("目标值", lambda r: H.scaled(r.target_value, r.display_scale), _fmt),
        Column("最新值", lambda r: H.scaled(r.latest_actual, r.display_scale), _fmt),
        Column("数据截至", _as_of, width=11),
        Column("数据月龄（月）", lambda r: r.data_age_months, "0", width=8),
        Column("完成率", lambda r: r.completion_rate, H.PERCENT_FORMAT),
        Column("基期以来进度", lambda r: r.progress_since_baseline, H.PERCENT_FORMAT),
        Column("时间进度", lambda r: r.time_elapsed, H.PERCENT_FORMAT),
        Column("进展状态", lambda r: r.status_label, colour=lambda r: r.status_colour, width=10),
        Column("预计到期值", lambda r: H.scaled(r.projected_value, r.display_scale), _fmt),
        Column("预测结论", lambda r: r.verdict_label or None, width=18),
        Column(
            "需月均变化",
            lambda r: H.scaled(r.required_monthly_change, r.display_scale),
            lambda r: H.signed_format(r.display_unit, r.display_scale, r.kind),
        ),
        Column("到期评估", _deadline_label, width=10),
        Column("研判", lambda r: r.outlook_text, width=30, wrap=True),
        Column("部门备注", lambda r: r.remarks or None, width=30, wrap=True),
        Column("指标依据条款", lambda r: r.indicator_clause, width=30, wrap=True),
    )


def responsibility_table(data: ReportData) -> Table:
    return Table(
        title=f"贵州省推进新型基础设施建设责任分解表进展情况（{H.period_label(data.period)}）",
        sheet=S.SHEET_RESPONSIBILITY,
        columns=leader_columns(),
        rows=target_rows(data),
        note=(
            "每项指标每个目标年一行，相关任务按方案编号列于同一格；完成率 = 最新值 ÷ 目标（“不高于”类为目标 ÷ 最新值）。"
            f"上月状态后 ↑ 为本月好转，↓ 为退步；“数据未更新”为最新数据早于本月的允许时限。其余栏目见“{S.SHEET_DETAIL}”表。"
        ),
        freeze_columns=2,
        paper="A3",
    )


def detail_table(data: ReportData) -> Table:
    return Table(
        title=f"责任分解表明细（{H.period_label(data.period)}）",
        sheet=S.SHEET_DETAIL,
        columns=detail_columns(),
        rows=target_rows(data),
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
                rows=target_rows(data, sector),
                freeze_columns=2,
                printed=False,
            )
        )
    return tables


FINAL_OUTCOMES = ("achieved", "achieved_late", "not_achieved", "no_data")  # 收官评估, in this order


def final_outcome(row: Any) -> str:
    """A target's outcome at the plan's end: 已完成 (met by its deadline), 逾期完成 (met later), 未完成
    (not met, whether at its deadline or after it), 无数据 (no figure at its deadline)."""
    if row.deadline_status_code == "achieved":
        return "achieved"
    if row.status_code == "achieved_late":
        return "achieved_late"
    if row.deadline_status_code == "no_data" and row.latest_actual is None:
        return "no_data"
    return "not_achieved"


def is_final_assessment(data: ReportData) -> bool:
    """The plan's last month or later: every target of the plan has reached its deadline."""
    return bool(data.targets) and all(t.deadline_status_code for t in data.targets)


def final_counts(data: ReportData) -> dict[int | None, Counter]:
    """Outcomes per target year, and overall under ``None``."""
    counts: dict[int | None, Counter] = defaultdict(Counter)
    for row in target_rows(data):
        outcome = final_outcome(row)
        counts[row.target_year][outcome] += 1
        counts[None][outcome] += 1
    return counts


def final_summary(data: ReportData) -> str:
    """收官评估's paragraph: how many targets were met on time, met late, not met, per target year."""
    counts = final_counts(data)

    def line(c: Counter) -> str:
        return "，".join(f"{S.STATUS_LABELS[o]} {c[o]} 个" for o in FINAL_OUTCOMES if c[o])

    total = counts[None]
    years = sorted(y for y in counts if y is not None)
    parts = [f"规划期目标共 {sum(total.values())} 个：{line(total)}"]
    parts += [f"{y}年目标 {sum(counts[y].values())} 个：{line(counts[y])}" for y in years]
    late = [r for r in target_rows(data) if final_outcome(r) == "achieved_late"]
    text = "；".join(parts) + "。"
    if late:
        text += f"逾期完成的目标均注明完成月份（如“{late[0].assessment_note}”）。"
    if years and data.period > f"{years[-1]}-12":  # after the plan's last month (docs/progress-method.md)
        still_open = sum(n for o, n in total.items() if o not in ("achieved", "achieved_late"))
        text = f"规划期（至{years[-1]}年12月）已结束，本期继续跟踪尚未完成的 {still_open} 个目标。" + text
    return text


def final_assessment_table(data: ReportData) -> Table:
    """收官评估 (the plan's last month and after): every target of the plan with its outcome, the
    final figure and, for a late completion, the month it was met; the 2022 look-back included."""
    colour = {"achieved": "green", "achieved_late": "green", "not_achieved": "red", "no_data": "grey"}
    order = {code: i for i, code in enumerate(FINAL_OUTCOMES)}
    rows = sorted(
        target_rows(data),
        key=lambda r: (
            r.target_year or 0,
            order[final_outcome(r)],
            H.task_sort_key(r.first_task_id),
            r.indicator_order,
        ),
    )
    cols = (
        Column("任务编号", lambda r: r.task_clauses, width=10, wrap=True),
        Column("指标", lambda r: r.indicator_name, width=18, wrap=True),
        Column("牵头单位", lambda r: r.lead_departments, width=8, wrap=True),
        Column("目标", lambda r: r.target_text, width=12, wrap=True),
        Column("最终值", lambda r: H.scaled(r.latest_actual, r.display_scale), _fmt_unit, width=11),
        Column("数据截至", lambda r: r.as_of_text, width=8, wrap=True),
        Column("完成率", lambda r: r.completion_rate, H.PERCENT_FORMAT, width=7),
        Column(
            "评估结果",
            lambda r: S.STATUS_LABELS[final_outcome(r)],
            colour=lambda r: colour[final_outcome(r)],
            width=8,
        ),
        Column("说明", lambda r: r.assessment_note, width=24, wrap=True),
    )
    return Table(
        title=f"新型基础设施建设三年行动方案收官评估（{H.period_label(data.period)}）",
        sheet=S.SHEET_FINAL,
        columns=cols,
        rows=tuple(rows),
        note=final_summary(data)
        + " 每个目标按其到期月（目标年 12 月）评估：到期时达到为已完成，到期后达到为逾期完成（注明月份），至今未达到为未完成。",
        freeze_columns=2,
        printed=False,
    )


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
        note=(
            "列出未报送、逾期、缺报指标或有数据被退回的部门；联系人为该部门最近一次报送文件中的填报人与联系电话"
            "（号码无法识别时原样列出并注明），从未填写的为“未登记”。"
        ),
        freeze_columns=1,
        printed=False,
    )


def remarks_table(data: ReportData) -> Table:
    """问题与建议 (for the screen): every remark (备注) the departments wrote beside a row of this
    period's files, the current one of each row, indicators in the plan's order then projects."""
    cols = (
        Column(
            "部门", lambda r: r.get("department_name_zh") or r.get("department_code"), width=14, wrap=True
        ),
        Column("类别", lambda r: "重大项目" if r.get("row_kind") == "project" else "指标", width=8),
        Column(
            "指标或项目",
            lambda r: (
                r.get("project_name") or r.get("project_code")
                if r.get("row_kind") == "project"
                else r.get("indicator_name_zh") or r.get("indicator_id")
            ),
            width=28,
            wrap=True,
        ),
        Column("地区", lambda r: r.get("prefecture_name_zh") or "", width=8),
        Column("填报情况", lambda r: r.get("row_status_zh") or r.get("row_status"), width=8),
        Column("备注（问题与建议）", lambda r: r.get("remark"), width=60, wrap=True),
    )
    return Table(
        title=f"问题与建议：各部门备注（{H.period_label(data.period)}）",
        sheet=S.SHEET_REMARKS,
        columns=cols,
        rows=tuple(data.remarks),
        note="各部门在本期报送表中逐行填写的备注（同一行多次报送时取最新文件的备注）；“未填报”行的备注通常说明未填原因。",
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
    """Status counts over the main table's rows (one per indicator and target year), overall and
    per sector, so that filtering 责任分解表 by status gives the same numbers; and how many of them
    rest on a figure flagged 数据未更新."""
    rows = target_rows(data)
    counts = Counter(r.status_code for r in rows)
    by_sector: dict[str, Counter] = defaultdict(Counter)
    for r in rows:
        by_sector[r.sector][r.status_code] += 1
    sector_counts = [(s, dict(by_sector[s])) for s in sorted(by_sector, key=H.sector_sort_key)]
    return {
        "status_counts": dict(counts),
        "sector_counts": sector_counts,
        "n_indicators": len({r.indicator_id for r in rows}),
        "n_targets": len(rows),
        "n_stale": sum(1 for r in rows if r.is_stale),
    }


def all_tables(data: ReportData) -> list[Table]:
    """The table sheets in workbook order (the cover 总览 is written separately)."""
    fixed = [
        S.SHEET_COVER,
        S.SHEET_FINAL,
        S.SHEET_RESPONSIBILITY,
        S.SHEET_DETAIL,
        S.SHEET_RANKINGS,
        S.SHEET_COMPLIANCE,
        S.SHEET_CHASING,
        S.SHEET_REMARKS,
        S.SHEET_INVESTMENT_CHECK,
        S.SHEET_INVESTMENT,
        S.SHEET_QUALITY,
        S.SHEET_SOURCES,
        S.SHEET_REVISIONS,
    ]
    used = list(fixed)
    final = [final_assessment_table(data)] if is_final_assessment(data) else []
    return [
        *final,
        responsibility_table(data),
        detail_table(data),
        *sector_tables(data, used),
        rankings_table(data),
        compliance_table(data),
        chasing_table(data),
        remarks_table(data),
        investment_check_table(data),
        investment_table(data),
        quality_table(data),
        source_health_table(data),
        revisions_table(data),
    ]
