"""Issue 16.5–16.8 and remarks: feedback for every file, quarantine as a state, blanks as 未填报,
edited units and 备注 stored with the value."""

from __future__ import annotations

import dataclasses

import openpyxl
from submission_helpers import LATE, ON_TIME, check_invariant, good_values, query

from ingestion.submissions import constants, ingest_paths
from newinfra.plan import load_plan

PLAN = load_plan()


def _summary(path) -> dict[str, str]:
    ws = openpyxl.load_workbook(path)[constants.FEEDBACK_SHEET_SUMMARY]
    return {str(r[0]).strip(): str(r[1]) for r in ws.iter_rows(values_only=True) if r[0] and len(r) > 1}


def test_a_resent_duplicate_gets_its_own_feedback(settings, maker):
    filled = maker.filled()
    maker.drop(filled, "CA", "first.xlsx", ON_TIME)
    [first] = ingest_paths(settings)
    maker.drop(filled, "CA", "again.xlsx", LATE)
    [again] = ingest_paths(settings)
    assert again.status == "duplicate"
    assert again.feedback_path and again.feedback_path != first.feedback_path
    summary = _summary(settings.home / again.feedback_path)
    assert "与 2024-07-03 收到的文件（第 1 版）内容相同，未重复入库" in summary["说明 / note"]
    assert query(settings, "select count(*) from raw.submission_values")[0][0] == 42  # not loaded twice


def test_a_quarantine_for_a_reason_that_can_change_is_examined_again(settings, maker):
    filled = maker.filled()
    small = dataclasses.replace(settings, max_upload_bytes=1000)
    maker.drop(filled, "CA", "big.xlsx")
    [refused] = ingest_paths(small)
    assert refused.quarantine_reason_code == "file_too_large"
    maker.drop(filled, "CA", "big.xlsx", LATE)  # the limit was raised; the department sends it again
    [loaded] = ingest_paths(settings)
    assert loaded.status == "loaded" and loaded.content_sha256 == refused.content_sha256
    attempts = query(settings, "select status, quarantine_reason_code from raw.submission_files order by 1")
    assert attempts == [("loaded", None), ("quarantined", "file_too_large")]  # the ledger shows every attempt


def test_a_permanent_quarantine_stays_refused_and_says_so(settings, maker):
    spoof = maker.filled(department="BDB")
    maker.drop(spoof, "CA", "spoof.xlsx")
    [first] = ingest_paths(settings)
    maker.drop(spoof, "CA", "spoof.xlsx", LATE)
    [second] = ingest_paths(settings)
    for r in (first, second):
        assert r.status == "quarantined" and r.quarantine_reason_code == "spoof_department_mismatch"
        assert "重新发送同一文件不会改变结果" in r.quarantine_reason_zh
    assert query(settings, "select count(*) from raw.submission_files")[0][0] == 2  # every attempt


def test_a_blank_template_sent_back_is_not_reported(settings, maker):
    blank = maker.filled(drop=tuple(good_values(PLAN, "CA")))
    maker.drop(blank, "CA", "空白.xlsx", ON_TIME)
    [result] = ingest_paths(settings)
    assert result.status == "blank" and result.version is None and not result.is_late
    assert result.rows_total == result.rows_rejected == 0 and result.rows_blank == 42
    assert query(settings, "select count(*) from raw.submission_rejections")[0][0] == 0
    summary = _summary(settings.home / result.feedback_path)
    assert "按未填报处理" in summary["说明 / note"]


def test_blank_cells_are_listed_apart_and_are_not_rejections(settings, maker):
    keys = [("g5_base_stations", "GY"), ("g5_base_stations", "ZY")]
    maker.drop(maker.filled(drop=tuple(keys)), "CA", "部分.xlsx", ON_TIME)
    [result] = ingest_paths(settings)
    assert result.status == "loaded"  # blanks alone do not make it partially_loaded
    assert (result.rows_accepted, result.rows_rejected, result.rows_blank) == (40, 0, 2)
    blanks = query(settings, "select indicator_id, prefecture_code from raw.submission_blanks order by 2")
    assert blanks == [("g5_base_stations", "GY"), ("g5_base_stations", "ZY")]
    summary = _summary(settings.home / result.feedback_path)
    assert summary["未填报 / left blank"].startswith("2 行")
    check_invariant(settings)


def test_remarks_and_converted_units_are_stored_with_the_value(settings, maker):
    path = maker.filled(overrides={("g5_base_stations", "GY"): 15})
    wb = openpyxl.load_workbook(path)
    ws = wb[constants.SHEET_INDICATORS]
    for r in range(constants.FIRST_DATA_ROW, ws.max_row + 1):
        if (ws.cell(r, 1).value, ws.cell(r, 2).value) == ("g5_base_stations", "GY"):
            ws.cell(r, 5).value = "万个"  # the unit edited: 15 万个
            ws.cell(r, 8).value = "含室分站点"
    wb.save(path)
    maker.drop(path, "CA", "备注.xlsx", ON_TIME)
    [result] = ingest_paths(settings)
    assert result.status == "loaded", result
    row = query(
        settings,
        "select value, value_as_written, unit_as_written, note from raw.submission_values "
        "where indicator_id = 'g5_base_stations' and prefecture_code = 'GY'",
    )
    assert row == [(150_000.0, "15", "万个", "含室分站点")]


def test_retry_quarantined_examines_again_only_what_can_change(settings, maker):
    small = dataclasses.replace(settings, max_upload_bytes=1000)
    maker.drop(maker.filled(), "CA", "big.xlsx", ON_TIME)
    maker.drop(maker.filled(department="BDB"), "CA", "spoof.xlsx", ON_TIME)
    refused = ingest_paths(small)
    assert {r.quarantine_reason_code for r in refused} == {"file_too_large"}  # both too large for `small`
    assert ingest_paths(small, retry_quarantined=True)[0].status == "quarantined"  # still too large
    retried = ingest_paths(settings, retry_quarantined=True)  # the limit raised
    by_name = {r.original_name: r for r in retried}
    assert by_name["big.xlsx"].status == "loaded" and by_name["big.xlsx"].received_at == ON_TIME
    assert by_name["spoof.xlsx"].quarantine_reason_code == "spoof_department_mismatch"  # now the real reason
    again = ingest_paths(settings, retry_quarantined=True)  # only the spoof is left, and it is permanent
    assert again == []
    statuses = query(
        settings, "select original_name, status from raw.submission_files order by received_at, 2"
    )
    assert len(statuses) == 6  # every attempt is in the ledger
