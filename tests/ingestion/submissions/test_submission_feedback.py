"""The feedback workbook read back with openpyxl: its sheets, the file's name and title, every accepted
value and every rejected text as written; writing it again gives the same bytes."""

from __future__ import annotations

import datetime as dt
import random
import zipfile

from submission_helpers import PROJECT_ROWS  # noqa: F401  (puts the project root on sys.path)

from ingestion.submissions import constants, feedback
from newinfra.plan import load_plan

RECEIVED = dt.datetime(2024, 7, 3, 2, 0, 0)


def _ledger(status=constants.STATUS_PARTIAL, **over):
    ledger = {
        "file_id": "a" * 64, "content_sha256": "a" * 64, "original_name": "报送 & <数据>.xlsx",
        "sender_department_code": "CA", "department_code": "CA", "period": "2024-06",
        "received_at": RECEIVED, "status": status, "version": 2, "rows_total": 40, "rows_accepted": 37,
        "rows_rejected": 3, "rows_flagged": 1, "is_late": True, "is_after_publication": False,
        "quarantine_reason_code": None, "quarantine_reason_zh": None, "quarantine_reason_en": None,
    }  # fmt: skip
    ledger.update(over)
    return ledger


def _values(plan, n, rng):
    ids = sorted(plan.indicators)
    out = []
    for i in range(n):
        ind = ids[i % len(ids)]
        value = rng.choice([0.0, 1.0, 0.1, 1e20, 123456789.123, 66.5, 1.3, -0.0, 150000.0, 2.0 / 3.0])
        written = rng.choice(["", "15万", f"{value:g}", "１２３", "1,234", " 带空格 ", "a\nb", 'x"y&z<w>'])
        flag = rng.random() < 0.2
        out.append((
            "a" * 64, constants.SHEET_INDICATORS, 4 + i, "CA", "2024-06", ind, rng.choice(["GZ", "GY", "ZY"]), value,
            written, flag, "累计值低于上期" if flag else None, "below last period" if flag else None,
        ))  # fmt: skip
    return out


def _projects(n, rng):
    return [
        (
            "a" * 64, constants.SHEET_PROJECTS, 4 + i, "CA", "2024-06", f"XJ-CA-{i:03d}", f"项目 {i} <二期>", "broadband",
            "GY", 2.0e9, rng.choice([0.0, 125000.0, 1e7 / 3]), 1.5e8, rng.choice(list(constants.PROJECT_STATUSES)),
        )
        for i in range(n)
    ]  # fmt: skip


def _rejections(n, rng):
    return [
        (
            "a" * 64, rng.choice([constants.SHEET_INDICATORS, constants.SHEET_PROJECTS]), 4 + i, "本期数值（按计量单位填写）", "G",
            rng.choice(["约15万", "", "=SUM(A1:A2)", "15-20", "  ", "&amp;"]), "ambiguous_number",
            "“约15万”无法确定为一个数值", "'约15万' does not read as one exact number",
        )
        for i in range(n)
    ]  # fmt: skip


def test_feedback_reads_back_with_openpyxl_and_is_deterministic(tmp_path):
    import openpyxl

    rng = random.Random(11)
    plan = load_plan()
    values, projects, rejections = _values(plan, 6, rng), _projects(2, rng), _rejections(2, rng)
    path = tmp_path / "反馈.xlsx"
    feedback.write_feedback(path, _ledger(), values, projects, rejections, plan, "Asia/Shanghai")
    first = path.read_bytes()
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [
        constants.FEEDBACK_SHEET_SUMMARY, constants.FEEDBACK_SHEET_REJECTIONS, constants.FEEDBACK_SHEET_ACCEPTED,
        constants.FEEDBACK_SHEET_PROJECTS,
    ]  # fmt: skip
    summary = wb[constants.FEEDBACK_SHEET_SUMMARY]
    assert summary["A1"].value == "新型基础设施建设进展报送反馈 / submission feedback"
    assert summary["B3"].value == "报送 & <数据>.xlsx"
    assert wb.properties.title == "报送反馈 CA 2024-06"
    accepted = list(wb[constants.FEEDBACK_SHEET_ACCEPTED].iter_rows(min_row=2, values_only=True))
    assert [(row[0], row[3]) for row in accepted] == [(v[2], v[7]) for v in values]
    rejected = list(wb[constants.FEEDBACK_SHEET_REJECTIONS].iter_rows(min_row=2, values_only=True))
    assert [row[4] for row in rejected] == [r[5] for r in rejections]
    listed = list(wb[constants.FEEDBACK_SHEET_PROJECTS].iter_rows(min_row=2, values_only=True))
    assert [row[1] for row in listed] == [p[5] for p in projects]
    # the same inputs, the same bytes (the document's dates come from received_at)
    feedback.write_feedback(path, _ledger(), values, projects, rejections, plan, "Asia/Shanghai")
    assert path.read_bytes() == first
