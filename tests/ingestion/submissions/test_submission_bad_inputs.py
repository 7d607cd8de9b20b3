"""The bad-input suite: distinct broken files, each ingested into a fresh warehouse; each test asserts
the exact reason and that nothing else was loaded.

File-level breakage quarantines the whole file (no rows at all in the warehouse); row-level breakage
rejects that row alone (every other row of the file loads)."""

from __future__ import annotations

import codecs
import dataclasses
import io
import zipfile

import openpyxl
import pytest
from submission_helpers import PROJECT_ROWS, add_projects, check_invariant, counts, csv_bytes, query

from ingestion.submissions import constants, ingest_paths

# --- building broken files ----------------------------------------------------------------------------------


def _edit(path, fn):
    wb = openpyxl.load_workbook(path)
    fn(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _set_meta(**values):
    def fn(wb):
        ws = wb[constants.SHEET_META]
        for r in range(1, ws.max_row + 1):
            key = ws.cell(r, 1).value
            if key in values:
                ws.cell(r, 2).value = values[key]

    return fn


def _zip_add(data: bytes, name: str, payload: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            out.writestr(info, src.read(info.filename))
        out.writestr(name, payload)
    return buf.getvalue()


def good_xlsx(maker, **kw) -> bytes:
    return maker.filled(**kw).read_bytes()


# Each case: (id, build(maker) -> (bytes, folder or None, name), expected reason, settings overrides)
QUARANTINE_CASES = [
    ("empty file", lambda m: (b"", "CA", "报送.xlsx"), "empty_file", {}),
    ("too large", lambda m: (good_xlsx(m), "CA", "报送.xlsx"), "file_too_large", {"max_upload_bytes": 1000}),
    ("pdf", lambda m: (b"%PDF-1.4\n...", "CA", "报送.pdf"), "unsupported_format", {}),
    ("xls renamed", lambda m: (bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 512, "CA", "报送.xlsx"),
     "legacy_or_encrypted", {}),
    ("not a zip", lambda m: (b"hello, this is text", "CA", "报送.xlsx"), "file_unreadable", {}),
    ("truncated zip", lambda m: (good_xlsx(m)[:3000], "CA", "报送.xlsx"), "file_unreadable", {}),
    ("zip bomb", lambda m: (_zip_add(good_xlsx(m), "xl/media/pad.bin", b"\0" * 5_000_000), "CA", "报送.xlsx"),
     "zip_bomb", {}),
    ("zip bomb by total size", lambda m: (good_xlsx(m), "CA", "报送.xlsx"), "zip_bomb",
     {"max_xlsx_uncompressed_bytes": 20_000}),
    ("macros", lambda m: (_zip_add(good_xlsx(m), "xl/vbaProject.bin", b"VBA"), "CA", "报送.xlsx"),
     "macro_enabled", {}),
    ("csv in utf-16", lambda m: (codecs.BOM_UTF16_LE + csv_bytes(m).decode().encode("utf-16-le"), "CA", "报送.csv"),
     "csv_encoding", {}),
    ("csv bad quoting", lambda m: (csv_bytes(m) + b'"unterminated,x\r\n"a"b,c\r\n', "CA", "报送.csv"),
     "csv_malformed", {}),
    ("no metadata sheet", lambda m: (_edit(m.filled(), lambda wb: wb.remove(wb[constants.SHEET_META])), "CA", "报送.xlsx"),
     "metadata_missing", {}),
    ("csv without metadata", lambda m: (csv_bytes(m, meta_over=dict.fromkeys(constants.META_KEYS)), "CA", "报送.csv"),
     "metadata_missing", {}),
    ("signature removed", lambda m: (_edit(m.filled(), _set_meta(signature=None)), "CA", "报送.xlsx"),
     "metadata_incomplete", {}),
    ("old template version", lambda m: (_edit(m.filled(), _set_meta(template_version="2023.1")), "CA", "报送.xlsx"),
     "template_version_unsupported", {}),
    ("unknown department", lambda m: (_edit(m.filled(), _set_meta(department_code="XYZ")), "CA", "报送.xlsx"),
     "department_unknown", {}),
    ("spoof: another department's file", lambda m: (good_xlsx(m, department="BDB"), "CA", "报送.xlsx"),
     "spoof_department_mismatch", {}),
    ("spoof: landing root", lambda m: (good_xlsx(m), None, "报送.xlsx"), "spoof_landing_root", {}),
    ("unknown sender folder", lambda m: (good_xlsx(m), "NOPE", "报送.xlsx"), "sender_unknown", {}),
    ("invalid period", lambda m: (_edit(m.filled(), _set_meta(period="2024-13")), "CA", "报送.xlsx"),
     "period_invalid", {}),
    ("tampered: period edited", lambda m: (_edit(m.filled(), _set_meta(period="2024-05")), "CA", "报送.xlsx"),
     "signature_mismatch", {}),
    ("tampered csv", lambda m: (csv_bytes(m, meta_over={"period": "2024-05"}), "CA", "报送.csv"),
     "signature_mismatch", {}),
    ("future period", lambda m: (good_xlsx(m, period="2099-01"), "CA", "报送.xlsx"), "period_in_future", {}),
    ("indicator sheet deleted",
     lambda m: (_edit(m.filled(), lambda wb: wb.remove(wb[constants.SHEET_INDICATORS])), "CA", "报送.xlsx"),
     "sheet_missing", {}),
    ("project sheet renamed",
     lambda m: (_edit(m.filled(), lambda wb: setattr(wb[constants.SHEET_PROJECTS], "title", "项目")), "CA", "报送.xlsx"),
     "sheet_missing", {}),
    ("value header changed",
     lambda m: (_edit(m.filled(), lambda wb: wb[constants.SHEET_INDICATORS].cell(constants.HEADER_ROW, 7, "数值")), "CA", "报送.xlsx"),
     "header_mismatch", {}),
    ("csv header without codes", lambda m: (csv_bytes(m, header=["指标名称", "地区", "本期数值"], rows=[["a", "b", "1"]]),
                                            "CA", "报送.csv"), "header_mismatch", {}),
    ("csv with no rows", lambda m: (csv_bytes(m, rows=[]), "CA", "报送.csv"), "no_rows", {}),
    ("template with every row deleted",
     lambda m: (_edit(m.template(), lambda wb: wb[constants.SHEET_INDICATORS].delete_rows(constants.FIRST_DATA_ROW, 200)),
                "CA", "报送.xlsx"), "no_rows", {}),
    ("too many rows", lambda m: (csv_bytes(m, rows=[["g5_base_stations", "GY", "", "", "", "", "1", ""]] * 20_001),
                                 "CA", "报送.csv"), "too_many_rows", {}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "build", "code", "overrides"), QUARANTINE_CASES, ids=[c[0] for c in QUARANTINE_CASES]
)
def test_broken_file_is_quarantined_with_its_reason(settings, maker, name, build, code, overrides):
    data, folder, filename = build(maker)
    target = maker.drop(data, folder, filename)
    run_settings = dataclasses.replace(settings, **overrides)
    [result] = ingest_paths(run_settings)
    assert result.status == "quarantined", result
    assert result.quarantine_reason_code == code
    assert result.quarantine_reason_zh and result.quarantine_reason_en
    # nothing else was loaded: one ledger row, no values, projects or rejections
    assert counts(settings) == {
        "submission_files": 1, "submission_values": 0, "submission_projects": 0, "submission_rejections": 0,
    }  # fmt: skip
    [row] = query(
        settings,
        "select status, quarantine_reason_code, rows_total, rows_accepted, rows_rejected, version "
        "from raw.submission_files",
    )
    assert row == ("quarantined", code, 0, 0, 0, None)
    # archived untouched, a quarantine copy with its reason, feedback, and out of the landing folder
    sha = result.content_sha256
    assert (settings.home / result.archive_path).read_bytes() == data
    qdir = settings.quarantine / (folder if folder in maker.plan.departments else "_unknown")
    assert len(list(qdir.glob(f"{sha}.*"))) == 2
    reason_text = (qdir / f"{sha}.reason.txt").read_text(encoding="utf-8")
    assert result.quarantine_reason_zh in reason_text and result.quarantine_reason_en in reason_text
    assert (settings.home / result.feedback_path).exists()
    assert not target.exists()


# Reasons whose end-to-end case lives elsewhere (the rule itself is table-driven in test_submission_rules).
# row_mismatch, unit_mismatch, csv_field_count: test_submission_crosscheck.py (a sorted workbook, an
# edited unit, a CSV row one field too long); empty_value: an empty project status beside filled money.
COVERED_ELSEWHERE = {
    "project_code_missing",
    "row_mismatch",
    "unit_mismatch",
    "csv_field_count",
    "empty_value",
}


def test_every_reason_has_an_end_to_end_case():
    """Each reason a department can get back (file and row level) is produced by a real file in this
    suite; a reason added to the catalogue without a breaking case fails here."""
    from ingestion.common.reasons import FILE_REASONS

    file_cases = {c[2] for c in QUARANTINE_CASES}
    row_cases = {c[2] for c in ROW_CASES}
    assert set(FILE_REASONS) - file_cases == set()
    assert set(constants.ROW_REASONS) - row_cases == COVERED_ELSEWHERE
    assert (file_cases | row_cases) <= set(FILE_REASONS) | set(constants.ROW_REASONS) | set(
        constants.FLAG_REASONS
    )


# --- row-level breakage ---------------------------------------------------------------------------------------


def _append_row(values: dict):
    def fn(wb):
        ws = wb[constants.SHEET_INDICATORS]
        r = ws.max_row + 1
        for c, (key, _) in enumerate(constants.INDICATOR_COLUMNS, start=1):
            if key in values:
                ws.cell(r, c, values[key])

    return fn


def _duplicate(wb):
    ws = wb[constants.SHEET_INDICATORS]
    r = ws.max_row + 1
    for c in range(1, ws.max_column + 1):
        ws.cell(r, c, ws.cell(constants.FIRST_DATA_ROW, c).value)


def _percent_formatted(wb):
    ws = wb[constants.SHEET_INDICATORS]
    for r in range(constants.FIRST_DATA_ROW, ws.max_row + 1):
        if ws.cell(r, 1).value == "g5_base_stations" and ws.cell(r, 2).value == "GY":
            ws.cell(r, 7, 0.65).number_format = "0%"


CA_PROJECTS = [p for p in PROJECT_ROWS if p[3] == "CA"]
GOOD_PROGRESS = [
    {"project_code": "XJ-CA-001", "completed_this_month": 100, "cumulative_completed": 500, "status": "在建"},
    {"project_code": "XJ-CA-002", "completed_this_month": 0, "cumulative_completed": 0, "status": "planned"},
]


def _progress(**bad):
    out = [dict(p) for p in GOOD_PROGRESS]
    out[0].update(bad)
    return out


# (id, build(maker) -> bytes, reason, sheet of the rejected row)
ROW_CASES = [
    ("unknown indicator", lambda m: _edit(m.filled(), _append_row({"indicator_id": "no_such", "prefecture_code": "GZ",
                                                                    "value": 1})), "unknown_indicator", constants.SHEET_INDICATORS),
    ("another department's indicator",
     lambda m: _edit(m.filled(), _append_row({"indicator_id": "dc_standard_racks", "prefecture_code": "GY", "value": 1})),
     "indicator_not_department", constants.SHEET_INDICATORS),
    ("unknown prefecture",
     lambda m: _edit(m.filled(), _append_row({"indicator_id": "g5_base_stations", "prefecture_code": "XX", "value": 1})),
     "unknown_prefecture", constants.SHEET_INDICATORS),
    ("province row of a by-prefecture indicator",
     lambda m: _edit(m.filled(), _append_row({"indicator_id": "g5_base_stations", "prefecture_code": "GZ", "value": 1})),
     "prefecture_not_applicable", constants.SHEET_INDICATORS),
    ("duplicate row", lambda m: _edit(m.filled(), _duplicate), "duplicate_row", constants.SHEET_INDICATORS),
    # an empty value is not a rejection but 未填报: test_submission_reliability.py
    ("chinese numeral", lambda m: m.filled(overrides={("g5_base_stations", "GY"): "十五"}).read_bytes(),
     "not_a_number", constants.SHEET_INDICATORS),
    ("approximate", lambda m: m.filled(overrides={("g5_base_stations", "GY"): "约15万"}).read_bytes(),
     "ambiguous_number", constants.SHEET_INDICATORS),
    ("negative count", lambda m: m.filled(overrides={("g5_base_stations", "GY"): -5}).read_bytes(),
     "negative_value", constants.SHEET_INDICATORS),
    ("percentage over 100", lambda m: m.filled(overrides={("g5_village_coverage_rate", "GZ"): 120}).read_bytes(),
     "percent_out_of_range", constants.SHEET_INDICATORS),
    ("percent on a count", lambda m: m.filled(overrides={("g5_base_stations", "GY"): "65%"}).read_bytes(),
     "percent_sign_not_allowed", constants.SHEET_INDICATORS),
    ("percent-formatted count", lambda m: _edit(m.filled(), _percent_formatted), "percent_sign_not_allowed",
     constants.SHEET_INDICATORS),
    ("latency out of range", lambda m: m.filled(overrides={("latency_east_hubs_ms", "GZ"): 900}).read_bytes(),
     "value_out_of_range", constants.SHEET_INDICATORS),
    ("formula", lambda m: m.filled(overrides={("g5_base_stations", "GY"): "=SUM(G5:G6)"}).read_bytes(),
     "formula_cell", constants.SHEET_INDICATORS),
    ("pue out of range", lambda m: m.filled("BDB", overrides={("dc_pue_avg", "GZ"): 0.8}).read_bytes(),
     "pue_out_of_range", constants.SHEET_INDICATORS),
    ("unknown project", lambda m: m.filled(template_projects=CA_PROJECTS,
                                           projects=[*GOOD_PROGRESS, {"project_code": "XJ-NOPE",
                                                     "completed_this_month": 1, "cumulative_completed": 1,
                                                     "status": "在建"}]).read_bytes(),
     "project_unknown", constants.SHEET_PROJECTS),
    ("another department's project",
     lambda m: m.filled(template_projects=CA_PROJECTS, projects=[*GOOD_PROGRESS, {"project_code": "XJ-BDB-001",
                        "completed_this_month": 1, "cumulative_completed": 1, "status": "在建"}]).read_bytes(),
     "project_unknown", constants.SHEET_PROJECTS),
    ("project status invalid", lambda m: m.filled(template_projects=CA_PROJECTS,
                                                  projects=_progress(status="进行中")).read_bytes(),
     "invalid_status", constants.SHEET_PROJECTS),
    ("project money with bare 万", lambda m: m.filled(template_projects=CA_PROJECTS,
                                                    projects=_progress(cumulative_completed="15万")).read_bytes(),
     "money_unit_ambiguous", constants.SHEET_PROJECTS),
    ("project cumulative below month", lambda m: m.filled(template_projects=CA_PROJECTS,
                                                        projects=_progress(cumulative_completed=1)).read_bytes(),
     "cumulative_exceeds_month", constants.SHEET_PROJECTS),
    ("project formula", lambda m: m.filled(template_projects=CA_PROJECTS,
                                           projects=_progress(completed_this_month="=1+1")).read_bytes(),
     "formula_cell", constants.SHEET_PROJECTS),
]  # fmt: skip


@pytest.mark.parametrize(("name", "build", "code", "sheet"), ROW_CASES, ids=[c[0] for c in ROW_CASES])
def test_broken_row_is_rejected_alone(settings, maker, name, build, code, sheet):
    add_projects(settings)
    data = build(maker)
    department = "BDB" if code == "pue_out_of_range" else "CA"
    maker.drop(data, department)
    [result] = ingest_paths(settings)
    assert result.status == "partially_loaded", result
    assert result.rows_rejected == 1
    assert result.rows_accepted == result.rows_total - 1
    rejections = query(
        settings,
        "select sheet_name, row_number, reason_code, reason_zh, reason_en from raw.submission_rejections",
    )
    assert len(rejections) == 1
    rej_sheet, rej_row, rej_code, zh, en = rejections[0]
    assert (rej_sheet, rej_code) == (sheet, code) and zh and en
    # the rejected row is not loaded; every other row is
    loaded = query(
        settings,
        "select sheet_name, row_number from raw.submission_values union all "
        "select sheet_name, row_number from raw.submission_projects",
    )
    assert (rej_sheet, rej_row) not in loaded
    assert len(loaded) == result.rows_accepted
    assert counts(settings)["submission_files"] == 1
    check_invariant(settings)
