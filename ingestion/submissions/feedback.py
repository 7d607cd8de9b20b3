"""The feedback workbook a department receives for every processed file (xlsxwriter, deterministic).

``feedback/<department>/<period>/反馈_<department>_<period>_v<version or sha8>.xlsx`` under
NEWINFRA_HOME: a summary (概况), every rejection with sheet, row, column, the value as written and the
reason in Chinese with English alongside (退回明细), and what was accepted (已接收指标 / 已接收项目).
The document's dates are the file's ``received_at``, so writing it again gives the same bytes.
Every text is written as text (never a formula), whatever it starts with.

Written with plain xlsxwriter: one feedback per file costs a few milliseconds, a month's files well
under a second.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

from ingestion.common.cells import as_written
from ingestion.common.numbers import MONEY_SCALE
from ingestion.submissions import constants
from newinfra.atomic import write_with
from newinfra.plan import Plan

STATUS_LABELS = {
    constants.STATUS_LOADED: "已全部接收",
    constants.STATUS_PARTIAL: "部分接收（有退回的行，请修改后重新报送）",
    constants.STATUS_QUARANTINED: "已隔离，未接收（整个文件，原因见下）",
    constants.STATUS_DUPLICATE: "与已处理的文件相同，未再处理",
    constants.STATUS_BLANK: "未填报（文件中没有填写任何数值）",
}


def _yes_no(value: bool | None) -> str:
    return "—" if value is None else ("是" if value else "否")


def local_time_label(received_at: dt.datetime, timezone: str) -> str:
    local = received_at.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(timezone))
    return f"{local:%Y-%m-%d %H:%M:%S}（{timezone}）/ {received_at:%Y-%m-%d %H:%M:%S} UTC"


def write_feedback(
    path: Path,
    ledger: dict[str, Any],
    values: list[tuple],
    projects: list[tuple],
    rejections: list[tuple],
    plan: Plan,
    timezone: str,
) -> Path:
    """Write the feedback workbook of one file to ``path`` with xlsxwriter (a temporary file, then
    renamed into place: ``newinfra.atomic``)."""
    return write_with(
        path,
        lambda fh: _write_xlsxwriter(fh, ledger, values, projects, rejections, plan, timezone),
        sync=False,
    )


def _title(ledger: dict[str, Any]) -> str:
    return (
        f"报送反馈 {ledger.get('department_code') or ledger.get('sender_department_code') or ''} "
        f"{ledger.get('period') or ''}"
    )


def _fill(wb, ledger, values, projects, rejections, plan: Plan, timezone: str) -> None:
    """The four sheets, into an xlsxwriter workbook."""
    head = wb.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True})
    bold = wb.add_format({"bold": True})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    _summary(wb, bold, wrap, ledger, plan, timezone)
    _rejections(wb, head, wrap, rejections)
    _accepted(wb, head, values, plan)
    _projects(wb, head, projects)


def _write_xlsxwriter(
    target: Path | BinaryIO, ledger, values, projects, rejections, plan: Plan, timezone: str
) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(
        target if not isinstance(target, Path) else str(target),
        {
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "in_memory": True,
        },
    )
    try:
        wb.set_properties({"title": _title(ledger), "author": "newinfra", "created": ledger["received_at"]})
        _fill(wb, ledger, values, projects, rejections, plan, timezone)
    finally:
        wb.close()


_REJECTION_AT = {name: i for i, name in enumerate(constants.RAW_REJECTION_COLUMNS)}
_VALUE_AT = {name: i for i, name in enumerate(constants.RAW_VALUE_COLUMNS)}
_PROJECT_AT = {name: i for i, name in enumerate(constants.RAW_PROJECT_COLUMNS)}


def _text(ws, row: int, col: int, value: object, fmt=None) -> None:
    ws.write_string(row, col, "" if value is None else str(value), fmt)


def _summary(wb, bold, wrap, ledger: dict[str, Any], plan: Plan, timezone: str) -> None:
    ws = wb.add_worksheet(constants.FEEDBACK_SHEET_SUMMARY)
    ws.set_column(0, 0, 26)
    ws.set_column(1, 1, 90)
    sender = ledger.get("sender_department_code") or ""
    dept = plan.departments.get(sender)
    status = ledger["status"]
    rows: list[tuple[str, object]] = [
        ("文件 / file", ledger["original_name"]),
        ("报送单位 / sender", f"{dept.name_zh}（{sender}）" if dept else (sender or "未知 / unknown")),
        ("报送期 / period", ledger.get("period") or "—"),
        ("接收时间 / received", local_time_label(ledger["received_at"], timezone)),
        ("处理结果 / result", f"{STATUS_LABELS.get(status, status)} / {status}"),
    ]
    if status in (constants.STATUS_LOADED, constants.STATUS_PARTIAL):
        rows += [
            (
                "版本 / version",
                f"第 {ledger['version']} 版" + ("（替代之前的版本）" if ledger["version"] > 1 else ""),
            ),
            ("数据行 / rows", ledger["rows_total"]),
            ("接收 / accepted", ledger["rows_accepted"]),
            ("退回 / rejected", ledger["rows_rejected"]),
            ("接收但待核实 / flagged", ledger["rows_flagged"]),
            ("逾期报送 / late", _yes_no(ledger.get("is_late"))),
            ("报告发布后修订 / after publication", _yes_no(ledger.get("is_after_publication"))),
        ]
    if ledger.get("contact_name") or ledger.get("contact_phone"):
        rows.append(("填报人 / contact", ledger.get("contact_name") or "未填写 / not given"))
        phone = ledger.get("contact_phone") or "未填写 / not given"
        if ledger.get("contact_phone_flag_zh"):
            phone = f"{phone}（{ledger['contact_phone_flag_zh']}，请核对 / {ledger.get('contact_phone_flag_en') or ''}）"
        rows.append(("联系电话 / phone", phone))
    elif status in (constants.STATUS_LOADED, constants.STATUS_PARTIAL, constants.STATUS_BLANK):
        rows.append(("填报人 / contact", "未填写，请在“填报说明”页填写填报人和联系电话 / not given"))
    blanks = ledger.get("_blanks") or []
    if status == constants.STATUS_BLANK:
        rows.append(
            (
                "说明 / note",
                "文件中没有填写任何数值，按未填报处理：不计为报送，也不计为按时报送；请填写后重新报送 / "
                "nothing was filled in: counted as not reported (not a submission, not on time)",
            )
        )
    elif blanks:
        rows.append(
            ("未填报 / left blank", f"{len(blanks)} 行（未填写，不是退回；请补报） / {len(blanks)} row(s)")
        )
    for blank in blanks if status != constants.STATUS_BLANK else []:
        _, sheet, row_number, indicator_id, prefecture_code, project_code = blank[:6]
        if project_code:
            what = f"项目 {project_code}"
        else:
            ind = plan.indicators.get(indicator_id)
            pref = plan.prefectures.get(prefecture_code)
            place = ("全省" if pref.level == "province" else pref.short_name_zh) if pref else prefecture_code
            what = f"{ind.name_zh if ind else indicator_id}（{place}）"
        rows.append((f"  未填报 {sheet} 第{row_number}行", what))
    if status == constants.STATUS_DUPLICATE:
        rows += [
            ("说明 / note", ledger.get("quarantine_reason_zh") or ""),
            ("Note (English)", ledger.get("quarantine_reason_en") or ""),
        ]
    if status == constants.STATUS_QUARANTINED:
        rows += [
            ("隔离原因 / reason", ledger.get("quarantine_reason_zh") or ""),
            ("Reason (English)", ledger.get("quarantine_reason_en") or ""),
            ("原因代码 / code", ledger.get("quarantine_reason_code") or ""),
        ]
    rows.append(("文件编号 / file id (sha256)", ledger["content_sha256"]))
    _text(ws, 0, 0, "新型基础设施建设进展报送反馈 / submission feedback", bold)
    for i, (key, value) in enumerate(rows, start=2):
        _text(ws, i, 0, key, bold)
        if isinstance(value, int | float) and not isinstance(value, bool):
            ws.write_number(i, 1, value)
        else:
            _text(ws, i, 1, value, wrap)


def _rejections(wb, head, wrap, rejections: list[tuple]) -> None:
    ws = wb.add_worksheet(constants.FEEDBACK_SHEET_REJECTIONS)
    headers = ("工作表", "行号", "列", "列名", "填写内容", "退回原因", "Reason (English)", "原因代码")
    for c, (h, w) in enumerate(zip(headers, (14, 8, 6, 26, 22, 60, 60, 24), strict=True)):
        ws.write_string(0, c, h, head)
        ws.set_column(c, c, w)
    idx = _REJECTION_AT
    if not rejections:
        ws.write_string(1, 0, "没有退回的行 / no rows were rejected")
    for r, rej in enumerate(rejections, start=1):
        _text(ws, r, 0, rej[idx["sheet_name"]])
        ws.write_number(r, 1, rej[idx["row_number"]])
        _text(ws, r, 2, rej[idx["column_letter"]])
        _text(ws, r, 3, rej[idx["column_name"]])
        _text(ws, r, 4, rej[idx["value_as_written"]])
        _text(ws, r, 5, rej[idx["reason_zh"]], wrap)
        _text(ws, r, 6, rej[idx["reason_en"]], wrap)
        _text(ws, r, 7, rej[idx["reason_code"]])
    ws.freeze_panes(1, 0)


def _accepted(wb, head, values: list[tuple], plan: Plan) -> None:
    """Every accepted value: row, indicator, prefecture, the value in base units, and only where it
    adds something, the text as written (when it was converted, e.g. 15万) and the flag."""
    ws = wb.add_worksheet(constants.FEEDBACK_SHEET_ACCEPTED)
    headers = ("行号", "指标", "地区", "数值", "计量单位", "填写内容（已换算）", "待核实 / flag")
    for c, (h, w) in enumerate(zip(headers, (8, 44, 12, 16, 10, 18, 70), strict=True)):
        ws.write_string(0, c, h, head)
        ws.set_column(c, c, w)
    idx = _VALUE_AT
    for r, val in enumerate(values, start=1):
        ind = plan.indicators.get(val[idx["indicator_id"]])
        pref = plan.prefectures.get(val[idx["prefecture_code"]])
        value = val[idx["value"]]
        written = val[idx["value_as_written"]] or ""
        ws.write_number(r, 0, val[idx["row_number"]])
        ws.write_string(r, 1, ind.name_zh if ind else val[idx["indicator_id"]])
        ws.write_string(r, 2, ("全省" if pref.level == "province" else pref.short_name_zh) if pref else "")
        ws.write_number(r, 3, value)
        ws.write_string(r, 4, ind.unit if ind else "")
        if written and written != as_written(value):
            ws.write_string(r, 5, written)
        if val[idx["flag_reason_zh"]]:
            ws.write_string(r, 6, f"{val[idx['flag_reason_zh']]} / {val[idx['flag_reason_en']]}")
    ws.freeze_panes(1, 0)


def _projects(wb, head, projects: list[tuple]) -> None:
    ws = wb.add_worksheet(constants.FEEDBACK_SHEET_PROJECTS)
    headers = ("行号", "项目编号", "项目名称", "本月完成投资（万元）", "累计完成投资（万元）", "项目状态")
    for c, (h, w) in enumerate(zip(headers, (8, 18, 40, 20, 20, 12), strict=True)):
        ws.write_string(0, c, h, head)
        ws.set_column(c, c, w)
    idx = _PROJECT_AT
    for r, p in enumerate(projects, start=1):
        ws.write_number(r, 0, p[idx["row_number"]])
        _text(ws, r, 1, p[idx["project_code"]])
        _text(ws, r, 2, p[idx["project_name"]])
        ws.write_number(r, 3, p[idx["completed_this_month_yuan"]] / MONEY_SCALE)
        ws.write_number(r, 4, p[idx["cumulative_completed_yuan"]] / MONEY_SCALE)
        status = p[idx["project_status"]]
        _text(ws, r, 5, constants.PROJECT_STATUSES.get(status, status))
    ws.freeze_panes(1, 0)
