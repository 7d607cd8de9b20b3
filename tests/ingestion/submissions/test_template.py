"""The department template: what the writer puts in it, read back with openpyxl, and the demo's fill_template."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import openpyxl
import pytest

from demo.fill import fill_template
from ingestion.submissions import constants
from ingestion.submissions.signature import signature_ok
from ingestion.submissions.template import template_filename, template_rows, write_template
from newinfra.errors import UserInputError
from newinfra.plan import load_plan
from newinfra.settings import Settings

PROJECTS = [
    {
        "project_code": "XJ-2024-001",
        "project_name": "贵安数据中心集群二期",
        "sector": "compute",
        "department_code": "CA",
        "prefecture_code": "GA",
        "total_investment_yuan": 1.5e9,
    }
]


@pytest.fixture()
def plan():
    return load_plan()


@pytest.fixture()
def written(tmp_path, plan):
    settings = Settings(home=tmp_path / "home", template_secret="s3cret", on_time_days=5)
    previous = {("g5_base_stations", "GY"): 12345.0, ("g5_village_coverage_rate", "GZ"): 61.5}
    path = write_template(settings, plan, "CA", "2024-06", tmp_path / "t.xlsx", previous, PROJECTS)
    return settings, path


def _header(ws):
    return [ws.cell(constants.HEADER_ROW, c).value for c in range(1, ws.max_column + 1)]


def test_sheets_metadata_and_signature(written):
    settings, path = written
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [
        constants.SHEET_GUIDE,
        constants.SHEET_INDICATORS,
        constants.SHEET_PROJECTS,
        constants.SHEET_META,
    ]
    meta_ws = wb[constants.SHEET_META]
    assert meta_ws.sheet_state == "veryHidden"
    meta = {meta_ws.cell(r, 1).value: meta_ws.cell(r, 2).value for r in range(1, meta_ws.max_row + 1)}
    assert meta[constants.META_KIND] == constants.TEMPLATE_KIND
    assert meta[constants.META_VERSION] == constants.TEMPLATE_VERSION
    assert meta[constants.META_DEPARTMENT] == "CA" and meta[constants.META_PERIOD] == "2024-06"
    assert signature_ok("s3cret", "CA", "2024-06", constants.TEMPLATE_VERSION, meta[constants.META_SIGNATURE])
    assert not signature_ok(
        "other", "CA", "2024-06", constants.TEMPLATE_VERSION, meta[constants.META_SIGNATURE]
    )
    guide = "\n".join(
        str(c.value) for row in wb[constants.SHEET_GUIDE].iter_rows() for c in row if c.value is not None
    )
    assert "2024年7月5日" in guide  # deadline: period end + 5 days
    assert "省通信管理局" in guide and f"#signature={meta[constants.META_SIGNATURE]}" in guide


def test_indicator_sheet_has_only_the_departments_rows(written, plan):
    _, path = written
    ws = openpyxl.load_workbook(path)[constants.SHEET_INDICATORS]
    assert _header(ws) == [h for _, h in constants.INDICATOR_COLUMNS]
    rows = [
        (ws.cell(r, 1).value, ws.cell(r, 2).value) for r in range(constants.FIRST_DATA_ROW, ws.max_row + 1)
    ]
    assert rows == template_rows(plan, "CA")
    ca = plan.indicators_of("CA")
    assert {i for i, _ in rows} == {i.indicator_id for i in ca}
    for ind in ca:
        prefs = [p for i, p in rows if i == ind.indicator_id]
        if ind.is_by_prefecture:
            assert sorted(prefs) == sorted(p.code for p in plan.sub_prefectures) and len(prefs) == 10
        else:
            assert prefs == ["GZ"]
    # hidden machine codes, unit and previous value shown, input cells unlocked, labels locked
    assert ws.column_dimensions["A"].hidden and ws.column_dimensions["B"].hidden
    assert ws.protection.sheet
    by_key = {key: i + 1 for i, (key, _) in enumerate(constants.INDICATOR_COLUMNS)}
    r = rows.index(("g5_base_stations", "GY")) + constants.FIRST_DATA_ROW
    assert ws.cell(r, by_key["unit"]).value == plan.indicators["g5_base_stations"].unit
    assert ws.cell(r, by_key["previous_value"]).value == 12345
    assert ws.cell(r, by_key["value"]).protection.locked is False
    assert ws.cell(r, by_key["indicator_name"]).protection.locked is True
    validations = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    value_col = openpyxl.utils.get_column_letter(by_key["value"])
    r_pct = rows.index(("g5_village_coverage_rate", "GZ")) + constants.FIRST_DATA_ROW
    dv = validations[f"{value_col}{r_pct}"]
    assert dv.type == "decimal" and float(dv.formula1) == 0 and float(dv.formula2) == 100
    assert len(validations) == len(rows)


def test_project_sheet_lists_projects_with_lists(written):
    _, path = written
    ws = openpyxl.load_workbook(path)[constants.SHEET_PROJECTS]
    assert _header(ws) == [h for _, h in constants.PROJECT_COLUMNS]
    first = [ws.cell(constants.FIRST_DATA_ROW, c).value for c in range(1, 6)]
    assert first == ["XJ-2024-001", "贵安数据中心集群二期", "算力", "贵安新区", 150000]
    kinds = {dv.type for dv in ws.data_validations.dataValidation}
    assert kinds == {"decimal", "list"}
    lists = [dv.formula1 for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert any("在建" in f for f in lists) and any("贵阳市" in f for f in lists)


def test_same_inputs_same_bytes_and_name_lookup(tmp_path, plan, written):
    settings, path = written
    again = write_template(settings, plan, "省通信管理局", "2024-06", tmp_path / "again.xlsx",
                           {("g5_base_stations", "GY"): 12345.0, ("g5_village_coverage_rate", "GZ"): 61.5},
                           PROJECTS)  # fmt: skip
    assert again.read_bytes() == path.read_bytes()
    assert template_filename(plan, "CA", "2024-06") == "CA_省通信管理局_2024-06_填报模板.xlsx"
    assert not list(tmp_path.glob(".*.tmp"))


def test_unknown_department_and_bad_period(tmp_path, plan):
    settings = Settings(home=tmp_path)
    with pytest.raises(UserInputError):
        write_template(settings, plan, "NOPE", "2024-06", tmp_path / "x.xlsx")
    with pytest.raises(UserInputError):
        write_template(settings, plan, "CA", "2024-13", tmp_path / "x.xlsx")


def test_fill_template_types_values_and_projects(written, tmp_path):
    _, path = written
    out = fill_template(
        path,
        {("g5_base_stations", "GY"): "15万", ("g5_village_coverage_rate", "GZ"): 65, ("no_such", "GZ"): 1},
        [{"project_code": "XJ-2024-001", "completed_this_month": 100, "cumulative_completed": 500,
          "status": "under_construction"},
         {"project_code": "XJ-NEW", "completed_this_month": 1, "cumulative_completed": 2, "status": "在建"}],
        out_path=tmp_path / "filled.xlsx",
        notes={("g5_base_stations", "GY"): "含室分站"},
    )  # fmt: skip
    wb = openpyxl.load_workbook(out)
    ws = wb[constants.SHEET_INDICATORS]
    by_key = {key: i + 1 for i, (key, _) in enumerate(constants.INDICATOR_COLUMNS)}
    found = {
        (ws.cell(r, 1).value, ws.cell(r, 2).value): (
            ws.cell(r, by_key["value"]).value,
            ws.cell(r, by_key["note"]).value,
        )
        for r in range(constants.FIRST_DATA_ROW, ws.max_row + 1)
    }
    assert found[("g5_base_stations", "GY")] == ("15万", "含室分站")
    assert found[("g5_village_coverage_rate", "GZ")][0] == 65
    assert found[("no_such", "GZ")][0] == 1  # appended as a new row
    ps = wb[constants.SHEET_PROJECTS]
    assert [ps.cell(constants.FIRST_DATA_ROW, c).value for c in (1, 6, 7, 8)] == [
        "XJ-2024-001",
        100,
        500,
        "在建",
    ]
    assert [ps.cell(constants.FIRST_DATA_ROW + 1, c).value for c in (1, 6, 7, 8)] == ["XJ-NEW", 1, 2, "在建"]
    # the filled file keeps the template's protection, hidden columns and metadata
    assert ws.protection.sheet and ws.column_dimensions["A"].hidden
    assert wb[constants.SHEET_META].sheet_state == "veryHidden"


def test_cli_template(home):
    env = {**os.environ, "NEWINFRA_HOME": str(home)}
    out = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "template", "--department", "省通信管理局", "--period", "2024-06", "--json"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    info = json.loads(out.stdout)
    assert info["department_code"] == "CA"
    path = home / "templates" / "2024-06" / "CA_省通信管理局_2024-06_填报模板.xlsx"
    assert info["path"] == str(path) and path.exists()
    bad = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "template", "--department", "不存在", "--period", "2024-06"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert bad.returncode == 2 and "未知单位" in bad.stderr and "Traceback" not in bad.stderr


def test_after_the_plan_a_template_asks_only_for_the_indicators_given(tmp_path, plan):
    """After the plan's end the package passes the indicators still to follow up (needs_follow_up,
    docs/progress-method.md): the sheet holds their rows only and the guide says why."""
    settings = Settings(home=tmp_path / "home", template_secret="s3cret", on_time_days=5)
    ca = [i.indicator_id for i in plan.indicators_of("CA")]
    wanted = [ca[-1], ca[0]]
    path = write_template(settings, plan, "CA", "2025-02", tmp_path / "t.xlsx", indicator_ids=wanted)
    wb = openpyxl.load_workbook(path)
    ws = wb[constants.SHEET_INDICATORS]
    rows = [
        (ws.cell(r, 1).value, ws.cell(r, 2).value)
        for r in range(constants.FIRST_DATA_ROW, ws.max_row + 1)
        if ws.cell(r, 1).value
    ]
    expected = [
        (i.indicator_id, code)
        for i in plan.indicators_of("CA")
        if i.indicator_id in wanted
        for code in ([p.code for p in plan.sub_prefectures] if i.is_by_prefecture else ["GZ"])
    ]
    assert rows == expected and {r[0] for r in rows} == set(wanted)
    guide = " ".join(str(c.value) for row in wb[constants.SHEET_GUIDE].iter_rows() for c in row if c.value)
    assert "2 项（规划期已结束" in guide
    full = write_template(settings, plan, "CA", "2025-02", tmp_path / "all.xlsx")
    assert openpyxl.load_workbook(full)[constants.SHEET_INDICATORS].max_row > ws.max_row


def test_a_template_for_the_follow_up_indicators_is_ingested(settings, maker, tmp_path):
    """The shorter template, filled, goes through the real ingester: its rows are accepted."""
    from ingestion.submissions import ingest_paths

    plan = load_plan()
    ca = [i for i in plan.indicators_of("CA") if not i.is_by_prefecture][:2]
    template = write_template(
        settings, plan, "CA", "2024-06", tmp_path / "t.xlsx", indicator_ids=[i.indicator_id for i in ca]
    )
    values = {(i.indicator_id, "GZ"): (1.0 if i.kind == "milestone" else 10.0) for i in ca}
    filled = fill_template(template, values, None, tmp_path / "filled.xlsx")
    maker.drop(filled, "CA", "报送.xlsx")
    [result] = ingest_paths(settings)
    assert result.status == "loaded", result
    assert result.rows_accepted == len(ca)
