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


def _signed(row: ProgressRow) -> str:
    return H.signed_format(row.display_unit, row.display_scale, row.kind)


def _as_of(row: ProgressRow) -> str:
    return H.period_label(row.as_of_period) if row.as_of_period else "—"


def _r_text(row: ProgressRow) -> str | None:
    return S.R_CLASS_LABELS.get(row.r_class or "", row.r_class) if row.r_class else None


def progress_columns(with_sector: bool) -> tuple[Column, ...]:
    cols = [
        Column("任务编号", lambda r: r.task_id, width=10),
        Column("重点任务", lambda r: r.task_name, width=28, wrap=True),
        Column("指标", lambda r: r.indicator_name, width=30, wrap=True),
    ]
    if with_sector:
        cols.append(Column("领域", lambda r: r.sector_name, width=14))
    cols += [
        Column("牵头单位", lambda r: r.lead_department, width=16, wrap=True),
        Column("配合单位", lambda r: r.co_departments, width=24, wrap=True),
        Column("单位", lambda r: r.display_unit or r.unit),
        Column("2022年目标", lambda r: H.scaled(r.target_2022, r.display_scale), _fmt),
        Column("2024年目标", lambda r: H.scaled(r.target_2024, r.display_scale), _fmt),
        Column("最新值", lambda r: H.scaled(r.latest_actual, r.display_scale), _fmt),
        Column("数据截至", _as_of, width=11),
        Column("完成度", lambda r: r.completion, H.PERCENT_FORMAT),
        Column("时间进度", lambda r: r.time_elapsed, H.PERCENT_FORMAT),
        Column("进展状态", lambda r: r.status_label, colour=lambda r: r.status_colour, width=12),
        Column("较上月变化", lambda r: H.scaled(r.change_since_last_month, r.display_scale), _signed),
        Column("增长比R", lambda r: r.r_value, "0.00"),
        Column("进展分级", _r_text),
        Column("依据条款", lambda r: r.source_clause, width=16),
    ]
    return tuple(cols)


class _Row:
    """A ProgressRow with the sector's Chinese name attached (for the 领域 column)."""

    def __init__(self, row: ProgressRow, sector_name: str) -> None:
        self._row = row
        self.sector_name = sector_name

    def __getattr__(self, name: str) -> Any:
        return getattr(self._row, name)


def progress_rows(data: ReportData, sector: str | None = None) -> tuple[Any, ...]:
    rows = [r for r in data.progress if sector is None or r.sector == sector]
    rows.sort(key=lambda r: (r.task_order, H.task_sort_key(r.task_id), r.indicator_order, r.indicator_id))
    return tuple(_Row(r, H.sector_name(r.sector, data.sector_names)) for r in rows)


def responsibility_table(data: ReportData) -> Table:
    return Table(
        title=f"贵州省推进新型基础设施建设责任分解表 进展情况（{H.period_label(data.period)}）",
        sheet=S.SHEET_RESPONSIBILITY,
        columns=progress_columns(with_sector=True),
        rows=progress_rows(data),
        note="完成度、时间进度按方案目标测算；状态颜色：绿=已完成/正常推进，黄=存在风险，红=滞后/逾期未完成，灰=无数据。",
        freeze_columns=3,
    )


def sector_tables(data: ReportData, used_titles: list[str]) -> list[Table]:
    tables = []
    for sector in data.sectors:
        name = H.sector_name(sector, data.sector_names)
        sheet = H.sheet_title(name, used_titles)
        used_titles.append(sheet)
        tables.append(
            Table(
                title=f"{name} 进展情况（{H.period_label(data.period)}）",
                sheet=sheet,
                columns=progress_columns(with_sector=False),
                rows=progress_rows(data, sector),
                freeze_columns=3,
            )
        )
    return tables


def compliance_table(data: ReportData) -> Table:
    cols = (
        Column("部门代码", lambda r: r.get("department_code"), width=10),
        Column("部门", lambda r: r.get("department_name"), width=22),
        Column("应报指标数", lambda r: r.get("indicators_expected"), "0"),
        Column(
            "报送情况",
            lambda r: COMPLIANCE_STATUS_ZH.get(r.get("status"), r.get("status")),
            colour=lambda r: COMPLIANCE_COLOUR.get(r.get("status"), "grey"),
            width=12,
        ),
        Column(
            "首次报送时间（北京时间）", lambda r: r.get("first_received_at"), "yyyy-mm-dd hh:mm", width=20
        ),
        Column("截止日期", lambda r: r.get("due_date"), "yyyy-mm-dd", width=12),
        Column("逾期天数", lambda r: r.get("days_late"), "0"),
        Column("接收文件数", lambda r: r.get("files_accepted"), "0"),
        Column("修订次数", lambda r: r.get("revisions"), "0"),
        Column("隔离文件数", lambda r: r.get("files_quarantined"), "0"),
        Column("接收行数", lambda r: r.get("rows_accepted"), "0"),
        Column("被拒行数", lambda r: r.get("rows_rejected"), "0"),
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
        freeze_columns=2,
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
            lambda r: H.period_label(r["as_of_period"]) if r.get("as_of_period") else "—",
            width=11,
        ),
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
        title=f"数据质量检查（失败与警告，{H.period_label(data.period)}）",
        sheet=S.SHEET_QUALITY,
        columns=cols,
        rows=tuple(data.quality_rows),
        note=note,
    )


def revisions_table(data: ReportData) -> Table:
    def fmt(r: dict) -> str:
        return H.number_format(r.get("display_unit"), r.get("display_scale"), r.get("kind"))

    cols = (
        Column("部门", lambda r: r.get("department_name"), width=18),
        Column("报送期", lambda r: H.period_label(r["period"]) if r.get("period") else None, width=11),
        Column("指标", lambda r: r.get("indicator_name"), width=30, wrap=True),
        Column("地区", lambda r: r.get("prefecture_name"), width=10),
        Column("单位", lambda r: r.get("display_unit")),
        Column("已发布值", lambda r: H.scaled(r.get("published_value"), r.get("display_scale")), fmt),
        Column("修订后值", lambda r: H.scaled(r.get("revised_value"), r.get("display_scale")), fmt),
        Column("变化", lambda r: H.scaled(r.get("difference"), r.get("display_scale")), fmt),
        Column("修订到达时间", lambda r: r.get("received_at"), "yyyy-mm-dd hh:mm", width=18),
        Column("发布时间", lambda r: r.get("published_at"), "yyyy-mm-dd hh:mm", width=18),
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
        S.SHEET_COMPLIANCE,
        S.SHEET_INVESTMENT,
        S.SHEET_QUALITY,
        S.SHEET_REVISIONS,
    ]
    used = list(fixed)
    return [
        responsibility_table(data),
        *sector_tables(data, used),
        compliance_table(data),
        investment_table(data),
        quality_table(data),
        revisions_table(data),
    ]
