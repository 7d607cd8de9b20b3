"""The department template: the pre-filled submission workbook a department fills in each month.

``write_template`` makes the .xlsx (xlsxwriter; the same inputs give the same bytes); the readers of
this package parse it back. The layout (sheet names, headers, column keys, template version) comes
from ``ingestion/submissions/constants.py``, which the parser reads too. Filling one in as a person
would is the demo's job (``demo.fill.fill_template``).

Workbook layout (template version ``ingestion.submissions.constants.TEMPLATE_VERSION``):

- ``填报说明``: department, period, deadline, the 填报人 and 联系电话 input cells (label in column A,
  value in B; ``constants.CONTACT_FIELDS``), how to fill it, how to send a CSV instead.
- ``指标填报``: one row per indicator the department leads (one per prefecture where the indicator is
  reported by prefecture, else one 全省 row). Hidden columns A:B hold ``indicator_id`` and
  ``prefecture_code``; the unit and last period's value are shown; only the value and note cells
  (yellow) are unlocked, with Excel data validation (numbers within the indicator's bounds).
- ``重大项目进展``: the department's projects from the major-project library, plus blank rows for
  projects it adds; money in 万元; status and prefecture as drop-down lists.
- ``_meta`` (very hidden): template, template_version, department_code, period, signature
  (HMAC-SHA256 of ``department_code|period|template_version`` with ``NEWINFRA_TEMPLATE_SECRET``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any, BinaryIO

from ingestion.common.numbers import MONEY_SCALE
from ingestion.common.sectors import SECTOR_LABELS_ZH
from ingestion.submissions import constants
from ingestion.submissions.rules import ProjectInfo, bounds_of
from ingestion.submissions.signature import sign
from newinfra.atomic import write_with
from newinfra.errors import UserInputError
from newinfra.periods import due_date, parse_period, period_start, previous_period
from newinfra.plan import Plan, load_plan
from newinfra.settings import Settings

OFFICE_NAME = "贵州省新型基础设施建设联席会议办公室"
EXTRA_PROJECT_ROWS = 20  # blank rows at the end of the project sheet for projects a department adds
_HUGE = 1e15

TEMPLATE_FILENAME = "{code}_{name_zh}_{period}_填报模板.xlsx"


def template_filename(plan: Plan, department_code: str, period: str) -> str:
    """``CA_省通信管理局_2024-06_填报模板.xlsx`` (the same pattern as the monthly package)."""
    dept = plan.departments[department_code]
    return TEMPLATE_FILENAME.format(code=dept.code, name_zh=dept.name_zh, period=period)


def _date_label(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _period_label(period: str) -> str:
    year, month = parse_period(period)
    return f"{year}年{month}月"


def _project_info(item: ProjectInfo | Mapping[str, Any]) -> ProjectInfo:
    if isinstance(item, ProjectInfo):
        return item
    data = dict(asdict(item)) if is_dataclass(item) else dict(item)
    return ProjectInfo(
        project_code=str(data["project_code"]),
        project_name=str(data.get("project_name") or ""),
        sector=str(data.get("sector") or ""),
        department_code=str(data.get("department_code") or ""),
        prefecture_code=str(data.get("prefecture_code") or ""),
        total_investment_yuan=float(data.get("total_investment_yuan") or 0.0),
    )


def template_rows(
    plan: Plan, department_code: str, indicator_ids: Iterable[str] | None = None
) -> list[tuple[str, str]]:
    """(indicator_id, prefecture_code) of every row of the department's indicator sheet, in order.

    ``indicator_ids``: only these indicators (after the plan's end the templates ask only for the
    targets not yet met: docs/progress-method.md "After the plan"); ``None`` = all of the department's."""
    rows = []
    province = [p.code for p in plan.prefectures.values() if p.level == "province"]
    wanted = None if indicator_ids is None else set(indicator_ids)
    for indicator in plan.indicators_of(department_code):
        if wanted is not None and indicator.indicator_id not in wanted:
            continue
        codes = [p.code for p in plan.sub_prefectures] if indicator.is_by_prefecture else province
        rows.extend((indicator.indicator_id, code) for code in codes)
    return rows


def write_template(
    settings: Settings | None,
    plan: Plan | None,
    department_code: str,
    period: str,
    out_path: str | Path,
    previous_values: Mapping[tuple[str, str], float] | None = None,
    projects: Iterable[ProjectInfo | Mapping[str, Any]] | None = None,
    indicator_ids: Iterable[str] | None = None,
) -> Path:
    """Write the submission template of ``department_code`` (code or Chinese name) for ``period``.

    ``indicator_ids``: ask only for these indicators (``needs_follow_up`` of the progress marts once
    the plan period has ended); ``None`` asks for every indicator the department reports.

    ``previous_values``: (indicator_id, prefecture_code) -> last accepted value, shown for reference.
    ``projects``: the department's projects (``ProjectInfo`` or dicts with ``project_code``,
    ``project_name``, ``sector``, ``prefecture_code``, ``total_investment_yuan``).
    The file is written to a temporary name and moved into place; returns ``out_path``.
    Deterministic: the same arguments give the same bytes.
    """
    import xlsxwriter

    settings = settings or Settings.from_env()
    plan = plan or load_plan()
    parse_period(period)
    dept = plan.department(department_code)
    if dept is None:
        raise UserInputError(f"未知单位：{department_code}", f"unknown department: {department_code}")
    previous_values = previous_values or {}
    project_list = sorted((_project_info(p) for p in (projects or [])), key=lambda p: p.project_code)
    out = Path(out_path)

    def write(fh: BinaryIO) -> None:
        wb = xlsxwriter.Workbook(
            fh,
            {
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
            },
        )
        try:
            wb.set_properties(
                {
                    "title": f"{dept.name_zh} {_period_label(period)} 新型基础设施建设进展填报",
                    "author": OFFICE_NAME,
                    "company": OFFICE_NAME,
                    "comments": f"{constants.TEMPLATE_KIND} {constants.TEMPLATE_VERSION}",
                    "created": dt.datetime.combine(period_start(period), dt.time()),
                }
            )
            fmt = _formats(wb)
            only = None if indicator_ids is None else sorted(set(indicator_ids))
            _guide_sheet(wb, fmt, settings, plan, dept.code, period, only)
            _indicator_sheet(wb, fmt, plan, dept.code, period, previous_values, only)
            _project_sheet(wb, fmt, plan, dept.code, period, project_list)
            meta = wb.add_worksheet(constants.SHEET_META)
            signature = sign(settings.template_secret, dept.code, period, constants.TEMPLATE_VERSION)
            meta_rows = (
                (constants.META_KIND, constants.TEMPLATE_KIND),
                (constants.META_VERSION, constants.TEMPLATE_VERSION),
                (constants.META_DEPARTMENT, dept.code),
                (constants.META_PERIOD, period),
                (constants.META_SIGNATURE, signature),
            )
            for i, (key, value) in enumerate(meta_rows):
                meta.write_string(i, 0, key)
                meta.write_string(i, 1, value)
            meta.very_hidden()
            meta.protect()
            wb.worksheets()[1].activate()
        finally:
            wb.close()

    return write_with(out, write, sync=False)


def _formats(wb) -> dict[str, Any]:
    base = {"font_name": "等线", "font_size": 11, "valign": "vcenter"}
    border = {"border": 1, "border_color": "#BFBFBF"}
    return {
        "title": wb.add_format({**base, "bold": True, "font_size": 14}),
        "hint": wb.add_format({**base, "font_color": "#7F7F7F", "text_wrap": True}),
        "header": wb.add_format(
            {**base, **border, "bold": True, "bg_color": "#D9E1F2", "text_wrap": True, "align": "center"}
        ),
        "label": wb.add_format({**base, **border}),
        "code": wb.add_format({**base, **border, "font_color": "#7F7F7F"}),
        "ref": wb.add_format({**base, **border, "bg_color": "#F2F2F2", "font_color": "#595959"}),
        "input": wb.add_format({**base, **border, "bg_color": "#FFF2CC", "locked": False}),
        "input_text": wb.add_format(
            {**base, **border, "bg_color": "#FFF2CC", "locked": False, "num_format": "@"}
        ),
        "key": wb.add_format({**base, "bold": True}),
        "text": wb.add_format({**base, "text_wrap": True}),
        "mono": wb.add_format({**base, "font_name": "Consolas"}),
    }


def _guide_sheet(
    wb, fmt, settings: Settings, plan: Plan, code: str, period: str, only: list[str] | None = None
) -> None:
    ws = wb.add_worksheet(constants.SHEET_GUIDE)
    ws.set_column(0, 0, 16)
    ws.set_column(1, 1, 100)
    dept = plan.departments[code]
    due = due_date(period, settings.on_time_days)
    signature = sign(settings.template_secret, code, period, constants.TEMPLATE_VERSION)
    n_indicators = len({i for i, _ in template_rows(plan, code, only)})
    ws.write_string(0, 0, "贵州省新型基础设施建设三年行动方案 月度进展填报", fmt["title"])
    facts = (
        ("填报单位", f"{dept.name_zh}（{code}）"),
        ("报送期", f"{_period_label(period)}（{period}）"),
        ("截止日期", f"{_date_label(due)}（报送期结束后 {settings.on_time_days} 天内；逾期将记为迟报）"),
        ("模板版本", constants.TEMPLATE_VERSION),
        (
            "本单位指标",
            f"{n_indicators} 项（只含本单位牵头报送的指标）"
            if only is None
            else f"{n_indicators} 项（规划期已结束，只含本单位目标尚未完成、需继续跟踪的指标）",
        ),
    )
    row = 2
    for key, value in facts:
        ws.write_string(row, 0, key, fmt["key"])
        ws.write_string(row, 1, value, fmt["text"])
        row += 1
    for _key, label in constants.CONTACT_FIELDS:  # 填报人, 联系电话: filled in by the department
        ws.write_string(row, 0, label, fmt["key"])
        ws.write_blank(row, 1, None, fmt["input_text"])
        row += 1
    steps = (
        f"1. 在“{constants.SHEET_INDICATORS}”页的黄色单元格填写本期数值，按“计量单位”列的单位填写"
        "（如机架数填 150000，也可写“15万”“1,234”“1.5亿”；百分比指标填 65 或“65%”）。",
        "2. 只填确切数值：“约15万”、范围（“15-20”）、中文数字（“十五”）或公式都会被退回，不会被猜测。",
        "3. 累计类指标填截至本月末的累计数；如低于上期已接收的数值，将被接收但标记待核实。",
        f"4. 在“{constants.SHEET_PROJECTS}”页填写本月完成投资、累计完成投资（单位：万元）和项目状态；"
        "库中有但未列出的项目，可在下方空白行填写项目编号后补报。",
        "5. 请勿增删、改名工作表，请勿修改表头和灰色（锁定）单元格；隐藏列和隐藏页是机器识别用的代码和签名。",
        "6. 在本页黄色单元格填写填报人和联系电话（手机号或带区号的固定电话，如 0851-86812345），"
        "以便联席会议办公室核实数据时联系。",
        f"7. 保存为 .xlsx，放入本单位的报送目录（landing/{code}/）。同一报送期可再次报送，"
        "新版本替代旧版本，旧版本仍保留可查；报告发布后的修订会在下期报告中说明。",
        "8. 每个文件处理后都会生成反馈文件（反馈_单位代码_报送期_版本.xlsx），逐行列出接收和退回的原因。",
    )
    row += 1
    ws.write_string(row, 0, "填报步骤", fmt["key"])
    for step in steps:
        ws.write_string(row, 1, step, fmt["text"])
        row += 1
    row += 1
    ws.write_string(row, 0, "CSV 报送", fmt["key"])
    ws.write_string(
        row,
        1,
        "也可用 CSV 报送（编码 UTF-8、带 BOM 的 UTF-8 或 GB18030）：文件开头原样写下面 5 行元数据，"
        f"然后是表头行和数据行；列与“{constants.SHEET_INDICATORS}”页相同（须含指标代码、地区代码两列）。"
        f"一个 CSV 只含一张表；“{constants.SHEET_PROJECTS}”如用 CSV，另存一个文件，表头与该页相同。"
        "填报人和联系电话可另写两行：#填报人=姓名、#联系电话=号码。",
        fmt["text"],
    )
    row += 1
    for key, value in (
        (constants.META_KIND, constants.TEMPLATE_KIND),
        (constants.META_VERSION, constants.TEMPLATE_VERSION),
        (constants.META_DEPARTMENT, code),
        (constants.META_PERIOD, period),
        (constants.META_SIGNATURE, signature),
    ):
        ws.write_string(row, 1, f"#{key}={value}", fmt["mono"])
        row += 1
    ws.write_string(row, 1, ",".join(h for _, h in constants.INDICATOR_COLUMNS), fmt["mono"])
    ws.protect()


def _sheet_head(ws, fmt, columns, widths: Mapping[str, int], hidden_keys, title: str, hint: str):
    """Column widths (machine columns hidden), the title row and the hint row of an input sheet.
    Returns the column keys, their indexes and the last column index."""
    keys = [k for k, _ in columns]
    col = {k: i for i, k in enumerate(keys)}
    for key, width in widths.items():
        ws.set_column(col[key], col[key], width, None, {"hidden": True} if key in hidden_keys else {})
    last_col = len(keys) - 1
    ws.merge_range(constants.TITLE_ROW - 1, 0, constants.TITLE_ROW - 1, last_col, title, fmt["title"])
    ws.merge_range(constants.HINT_ROW - 1, 0, constants.HINT_ROW - 1, last_col, hint, fmt["hint"])
    return keys, col, last_col


def _indicator_sheet(
    wb, fmt, plan: Plan, code: str, period: str, previous: Mapping, only: list[str] | None = None
) -> None:
    ws = wb.add_worksheet(constants.SHEET_INDICATORS)
    widths = {"indicator_id": 14, "prefecture_code": 8, "indicator_name": 46, "prefecture_name": 12}
    widths.update({"unit": 10, "previous_value": 16, "value": 22, "note": 24})
    keys, col, last_col = _sheet_head(
        ws, fmt, constants.INDICATOR_COLUMNS, widths, constants.INDICATOR_HIDDEN_KEYS,
        f"{plan.departments[code].name_zh} {_period_label(period)} 新型基础设施建设指标填报",
        f"只填黄色单元格；数值按“计量单位”填写（可写“15万”）；上期数值为 {previous_period(period)} "
        "及以前已接收的最新数值，仅供参考。",
    )  # fmt: skip
    ws.set_row(constants.HINT_ROW - 1, 30)
    for i, (_, header) in enumerate(constants.INDICATOR_COLUMNS):
        ws.write_string(constants.HEADER_ROW - 1, i, header, fmt["header"])
    ws.set_row(constants.HEADER_ROW - 1, 32)
    row = constants.FIRST_DATA_ROW - 1
    for indicator_id, pref in template_rows(plan, code, only):
        ind = plan.indicators[indicator_id]
        prefecture = plan.prefectures[pref]
        ws.write_string(row, col["indicator_id"], indicator_id, fmt["code"])
        ws.write_string(row, col["prefecture_code"], pref, fmt["code"])
        ws.write_string(row, col["indicator_name"], ind.name_zh, fmt["label"])
        name = "全省" if prefecture.level == "province" else prefecture.short_name_zh
        ws.write_string(row, col["prefecture_name"], name, fmt["label"])
        ws.write_string(row, col["unit"], ind.unit, fmt["label"])
        prev = previous.get((indicator_id, pref))
        if prev is None:
            ws.write_blank(row, col["previous_value"], None, fmt["ref"])
        else:
            ws.write_number(row, col["previous_value"], float(prev), fmt["ref"])
        ws.write_blank(row, col["value"], None, fmt["input"])
        ws.write_blank(row, col["note"], None, fmt["input_text"])
        low, high = bounds_of(ind)
        ws.data_validation(row, col["value"], row, col["value"], _number_validation(low, high, ind.unit))
        row += 1
    ws.freeze_panes(constants.FIRST_DATA_ROW - 1, col["indicator_name"] + 1)
    ws.protect("", {"select_locked_cells": True, "select_unlocked_cells": True})


def _number_validation(low: float | None, high: float | None, unit: str) -> dict[str, Any]:
    low_v = -_HUGE if low is None else low
    high_v = _HUGE if high is None else high
    range_text = (
        f"{low:g} 到 {high:g}"
        if low is not None and high is not None
        else (f"不小于 {low:g}" if low is not None else "数字")
    )
    return {
        "validate": "decimal",
        "criteria": "between",
        "minimum": low_v,
        "maximum": high_v,
        "input_title": "填写数值",
        "input_message": f"单位：{unit}；范围：{range_text}"[:255],
        "error_title": "数值无效",
        "error_message": f"请填写 {range_text} 的数字（单位：{unit}）"[:255],
        "error_type": "stop",
    }


def _project_sheet(wb, fmt, plan: Plan, code: str, period: str, projects: list[ProjectInfo]) -> None:
    ws = wb.add_worksheet(constants.SHEET_PROJECTS)
    widths = {"project_code": 16, "project_name": 40, "sector": 14, "prefecture": 14, "total_investment": 16}
    widths.update({"completed_this_month": 18, "cumulative_completed": 18, "status": 12, "note": 24})
    keys, col, last_col = _sheet_head(
        ws, fmt, constants.PROJECT_COLUMNS, widths, (),
        f"{plan.departments[code].name_zh} {_period_label(period)} 重大项目进展",
        "金额单位：万元。填写本月完成投资、累计完成投资和项目状态；补报库中其他项目时在空白行填写项目编号。",
    )  # fmt: skip
    ws.set_row(constants.HINT_ROW - 1, 30)
    for i, (_, header) in enumerate(constants.PROJECT_COLUMNS):
        ws.write_string(constants.HEADER_ROW - 1, i, header, fmt["header"])
    ws.set_row(constants.HEADER_ROW - 1, 32)
    prefecture_names = [
        ("全省" if p.level == "province" else p.short_name_zh) for p in plan.prefectures.values()
    ]
    statuses = list(constants.PROJECT_STATUSES.values())
    sectors = list(SECTOR_LABELS_ZH.values())
    first = constants.FIRST_DATA_ROW - 1
    row = first
    for project in projects:
        pref = plan.prefectures.get(project.prefecture_code)
        pref_name = ("全省" if pref.level == "province" else pref.short_name_zh) if pref else ""
        ws.write_string(row, col["project_code"], project.project_code, fmt["label"])
        ws.write_string(row, col["project_name"], project.project_name, fmt["label"])
        ws.write_string(
            row, col["sector"], SECTOR_LABELS_ZH.get(project.sector, project.sector), fmt["label"]
        )
        ws.write_string(row, col["prefecture"], pref_name, fmt["label"])
        ws.write_number(
            row, col["total_investment"], project.total_investment_yuan / MONEY_SCALE, fmt["label"]
        )
        for key in ("completed_this_month", "cumulative_completed", "status"):
            ws.write_blank(row, col[key], None, fmt["input"])
        ws.write_blank(row, col["note"], None, fmt["input_text"])
        row += 1
    last_known = row - 1
    for _ in range(EXTRA_PROJECT_ROWS):
        for key in keys:
            style = "input_text" if key in ("project_code", "project_name", "note") else "input"
            ws.write_blank(row, col[key], None, fmt[style])
        row += 1
    last = row - 1
    money = {
        "validate": "decimal",
        "criteria": ">=",
        "value": 0,
        "error_title": "金额无效",
        "error_message": "请填写不小于 0 的数字（单位：万元）",
    }
    for key in ("completed_this_month", "cumulative_completed"):
        ws.data_validation(first, col[key], last, col[key], money)
    ws.data_validation(
        first, col["status"], last, col["status"],
        {"validate": "list", "source": statuses, "error_title": "状态无效", "error_message": "请从下拉列表中选择"},
    )  # fmt: skip
    if last > last_known:
        ws.data_validation(
            last_known + 1, col["prefecture"], last, col["prefecture"],
            {"validate": "list", "source": prefecture_names},
        )  # fmt: skip
        # The sector list is longer than Excel's 255-character inline limit allows for some labels,
        # so it is given as a plain list only when it fits.
        if len(",".join(sectors)) <= 255:
            ws.data_validation(
                last_known + 1, col["sector"], last, col["sector"], {"validate": "list", "source": sectors}
            )
        ws.data_validation(last_known + 1, col["total_investment"], last, col["total_investment"], money)
    ws.freeze_panes(constants.FIRST_DATA_ROW - 1, col["project_name"] + 1)
    ws.protect("", {"select_locked_cells": True, "select_unlocked_cells": True})
