"""The feedback workbook assembled directly (feedback._FastBook) is byte for byte the one xlsxwriter
writes with the same sheet functions; texts it does not reproduce go to xlsxwriter itself."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from submission_helpers import PROJECT_ROWS  # noqa: F401  (puts the project root on sys.path)

from ingestion.submissions import feedback
from ingestion.submissions import settings as S
from newinfra.plan import load_plan

RECEIVED = dt.datetime(2024, 7, 3, 2, 0, 0)


def _ledger(status=S.STATUS_PARTIAL, **over):
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
            "a" * 64, S.SHEET_INDICATORS, 4 + i, "CA", "2024-06", ind, rng.choice(["GZ", "GY", "ZY"]), value,
            written, flag, "累计值低于上期" if flag else None, "below last period" if flag else None,
        ))  # fmt: skip
    return out


def _projects(n, rng):
    return [
        (
            "a" * 64, S.SHEET_PROJECTS, 4 + i, "CA", "2024-06", f"XJ-CA-{i:03d}", f"项目 {i} <二期>", "broadband",
            "GY", 2.0e9, rng.choice([0.0, 125000.0, 1e7 / 3]), 1.5e8, rng.choice(list(S.PROJECT_STATUSES)),
        )
        for i in range(n)
    ]  # fmt: skip


def _rejections(n, rng):
    return [
        (
            "a" * 64, rng.choice([S.SHEET_INDICATORS, S.SHEET_PROJECTS]), 4 + i, "本期数值（按计量单位填写）", "G",
            rng.choice(["约15万", "", "=SUM(A1:A2)", "15-20", "  ", "&amp;"]), "ambiguous_number",
            "“约15万”无法确定为一个数值", "'约15万' does not read as one exact number",
        )
        for i in range(n)
    ]  # fmt: skip


def _both(tmp_path, ledger, values, projects, rejections):
    plan = load_plan()
    fast = tmp_path / "fast.xlsx"
    feedback.write_feedback(fast, ledger, values, projects, rejections, plan, "Asia/Shanghai")
    slow = tmp_path / "slow.xlsx"
    feedback._write_xlsxwriter(slow, ledger, values, projects, rejections, plan, "Asia/Shanghai")
    return fast.read_bytes(), slow.read_bytes()


@pytest.mark.parametrize("seed", range(12))
def test_fast_feedback_is_xlsxwriters_bytes(tmp_path, seed):
    rng = random.Random(seed)
    plan = load_plan()
    status = [S.STATUS_LOADED, S.STATUS_PARTIAL, S.STATUS_QUARANTINED, S.STATUS_DUPLICATE][seed % 4]
    ledger = _ledger(status)
    if status == S.STATUS_QUARANTINED:
        ledger.update(
            period=None, version=None, quarantine_reason_code="signature_mismatch",
            quarantine_reason_zh="模板签名与元数据不符", quarantine_reason_en="signature <mismatch> & co",
        )  # fmt: skip
    n_values, n_projects, n_rejections = [
        (0, 0, 0),
        (1, 0, 0),
        (15, 0, 1),
        (17, 3, 2),
        (40, 20, 18),
        (200, 35, 0),
    ][seed % 6]
    values, projects, rejections = (
        _values(plan, n_values, rng),
        _projects(n_projects, rng),
        _rejections(n_rejections, rng),
    )
    assert feedback._fast_parts(ledger, values, projects, rejections, plan, "Asia/Shanghai")  # not a fallback
    fast, slow = _both(tmp_path, ledger, values, projects, rejections)
    assert fast == slow


@pytest.mark.parametrize(
    "text", ["控制\x01字符", "_x0041_ escaped", "<r>rich</r>", "非字符\ufffe", "长" * 20_000]
)
def test_texts_the_fast_path_does_not_reproduce_go_to_xlsxwriter(tmp_path, text):
    plan = load_plan()
    ledger = _ledger(S.STATUS_PARTIAL)
    rejections = _rejections(1, random.Random(0))
    rejections[0] = rejections[0][:5] + (text,) + rejections[0][6:]
    with pytest.raises(feedback._Unusual):
        feedback._fast_parts(ledger, [], [], rejections, plan, "Asia/Shanghai")
    fast, slow = _both(tmp_path, ledger, [], [], rejections)
    assert fast == slow
