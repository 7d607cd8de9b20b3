"""What a monthly package says, as plain data: read from the published marts by ``exports.data``,
written out by ``exports.workbook`` (xlsx) and ``exports.briefing`` (HTML).

Values stay in base units (150000 架); the writers divide by ``display_scale`` for display.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ProgressRow:
    """One row of the marts for the report's period: a task x indicator (the target in force, from
    rpt_responsibility_table) in ``ReportData.progress``, or an indicator x target year (from
    fct_target_assessment; ``task_id`` empty) in ``ReportData.targets``."""

    task_id: str
    task_name: str
    indicator_id: str
    indicator_name: str
    sector: str
    unit: str = ""
    display_unit: str = ""
    display_scale: float = 1.0
    kind: str = "cumulative"
    direction: str = "at_least"
    source_clause: str = ""  # the task's clause in the plan's numbering (主方案 二(一)1)
    indicator_clause: str = ""  # every clause that sets the indicator's targets
    lead_department: str = ""
    co_departments: str = ""
    target_2022: float | None = None
    target_2024: float | None = None
    target_year: int | None = None
    target_value: float | None = None
    latest_actual: float | None = None
    as_of_period: str | None = None
    completion: float | None = None
    time_elapsed: float | None = None
    status_code: str = "no_data"
    status_label: str = "无数据"
    status_colour: str = "grey"
    change_since_last_month: float | None = None
    previous_status_code: str | None = None
    task_order: int = 0
    indicator_order: int = 0
    # The progress method's columns the package prints (docs/progress-method.md); Open SDG's R and
    # its grading are for analysts only and never reach the package.
    data_age_months: int | None = None
    is_stale: bool = False
    completion_rate: float | None = None
    progress_since_baseline: float | None = None
    target_text: str = ""  # target_text_zh: 1,820座以上, 力争4万个以上, 不高于1.2, 完成
    projected_value: float | None = None
    verdict_code: str | None = None
    verdict_label: str = ""
    required_monthly_change: float | None = None
    months_to_deadline: int | None = None
    deadline_status_code: str | None = None
    met_late_period: str | None = None
    assessment_note: str = ""


@dataclass(frozen=True)
class Headline:
    """A headline figure on the cover and in the briefing, with its monthly trend."""

    key: str
    name: str
    unit: str
    display_scale: float
    kind: str
    latest: float | None
    as_of_period: str | None
    target: float | None
    target_year: int | None
    completion: float | None
    status_code: str
    status_label: str
    status_colour: str
    series: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class QualitySummary:
    run_id: str | None
    checked_at: dt.datetime | None
    n_checks: int
    n_failed: int
    n_warned: int
    blocking_failures: tuple[str, ...]


@dataclass(frozen=True)
class Column:
    """A column of a table sheet. ``value`` maps a row to the cell value; ``number_format`` is a
    format string or a function of the row; ``status`` marks the column whose fill shows the row's
    status colour (``colour`` maps the row to green/yellow/red/grey)."""

    header: str
    value: Callable[[Any], Any]
    number_format: str | Callable[[Any], str] | None = None
    width: float | None = None
    colour: Callable[[Any], str | None] | None = None
    wrap: bool = False


@dataclass(frozen=True)
class Table:
    title: str
    sheet: str
    columns: tuple[Column, ...]
    rows: tuple[Any, ...]
    note: str = ""
    freeze_columns: int = 0  # columns kept visible when scrolling right (besides the header rows)
    printed: bool = True  # False: a sheet for the screen, left out of the PDF
    paper: str = "A4"  # A4 or A3, landscape (settings.PRINT_MAX_WIDTH: the widest printed table)


@dataclass
class ReportData:
    """Everything the package shows for one period."""

    period: str
    snapshot_id: str
    snapshot_at: dt.datetime | None
    is_forced: bool
    quality: QualitySummary
    progress: list[ProgressRow]
    headlines: list[Headline]
    sector_names: dict[str, str]
    investment_total_yuan: float | None
    investment_as_of: str | None
    investment_series: tuple[tuple[str, float], ...] = ()
    investment_status: tuple[str, str, str] = ("no_data", "无数据", "grey")  # code, label, colour
    investment_completion: float | None = None
    investment_basis: str = "none"  # indicator (the lead department's figure) | projects | none  # the progress method's completion (indicator basis only)
    compliance: list[dict[str, Any]] = field(default_factory=list)
    rates: dict[str, Any] = field(default_factory=dict)
    projects: list[dict[str, Any]] = field(default_factory=list)
    quality_rows: list[dict[str, Any]] = field(default_factory=list)
    # governance.fct_public_source_health: per public source, its last fetch and staleness
    source_health: list[dict[str, Any]] = field(default_factory=list)
    revisions: list[dict[str, Any]] = field(default_factory=list)
    next_period: str = ""
    notes: list[str] = field(default_factory=list)
    # The package's issue date (印发日期), given explicitly (``--issued-on``); None = not stated.
    issued_on: dt.date | None = None
    # Why the inputs are synthetic (示例数据), in plain Chinese; empty when every input is real.
    synthetic_inputs: tuple[str, ...] = ()
    # 编制单位 / 审核 / 签发 / 联系人 from the settings (keys org, reviewer, issuer, contact).
    document_fields: dict[str, str] = field(default_factory=dict)
    # Warnings for the leaders' pages, each naming its figure in words (from the quality results).
    leader_warnings: list[str] = field(default_factory=list)
    # (year, investment completed in the year up to the period, projects reporting), yuan.
    investment_by_year: list[tuple[int, float, int]] = field(default_factory=list)
    # Prefectures ranked per indicator reported by 市(州) (exports.data.rankings_of).
    rankings: list[dict[str, Any]] = field(default_factory=list)
    # Per expected department: compliance plus missing indicators, rejected rows, lateness history.
    chasing: list[dict[str, Any]] = field(default_factory=list)
    # Inputs of next period's department templates (ingestion.submissions.template.write_template):
    template_departments: list[str] = field(default_factory=list)
    previous_values: dict[tuple[str, str], float] = field(default_factory=dict)
    projects_by_department: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # 草稿（待审核）: a draft awaiting sign-off (docs/report.md "审核与签发 / sign-off").
    is_draft: bool = False
    # Every target of the plan, one row per indicator x target year, assessed in this period
    # (governance.fct_target_assessment): the main table's rows. Empty: one row per indicator from
    # ``progress`` (its target in force).
    targets: list[ProgressRow] = field(default_factory=list)
    # The departments' remarks (备注) of the period, one per row they were written beside
    # (governance.fct_submission_remarks, current rows only): 问题与建议 and the detail sheet.
    remarks: list[dict[str, Any]] = field(default_factory=list)

    @property
    def is_synthetic(self) -> bool:
        return bool(self.synthetic_inputs)

    @property
    def sectors(self) -> list[str]:
        from exports.helpers import sector_sort_key

        return sorted({row.sector for row in self.progress}, key=sector_sort_key)
