"""The demo generator writes real templates, filled as a department would: read them back with openpyxl.

One slice (every department that carries a deliberate mistake, the last three periods) is generated
once per module; a second, smaller slice checks that the same seed gives the same bytes.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
from pathlib import Path

import openpyxl
import pytest

from demo import settings as S
from demo.generate import generate, read_manifest
from demo.scenario import MISTAKES, build_scenario, true_value
from ingestion.submissions import constants
from newinfra.periods import add_months, due_date, period_range
from newinfra.plan import load_plan
from newinfra.settings import Settings

LAST = S.LAST_PERIOD
SLICE_PERIODS = [add_months(LAST, -2), add_months(LAST, -1), LAST]


@pytest.fixture(scope="module")
def plan():
    return load_plan()


@pytest.fixture(scope="module")
def full_scenario(plan):
    return build_scenario(plan, S.DEFAULT_SEED, LAST, Settings.from_env().on_time_days)


@pytest.fixture(scope="module")
def slice_out(tmp_path_factory, full_scenario) -> Path:
    out = tmp_path_factory.mktemp("demo")
    folders = sorted({m.department_code for m in full_scenario.mistakes})
    generate(out, folders=folders, periods=SLICE_PERIODS, workers=2)
    return out


@pytest.fixture(scope="module")
def manifest(slice_out) -> dict:
    return read_manifest(slice_out)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _indicator_rows(path: Path) -> list[dict]:
    wb = openpyxl.load_workbook(path)
    ws = wb[constants.SHEET_INDICATORS]
    keys = [k for k, _ in constants.INDICATOR_COLUMNS]
    headers = [c.value for c in ws[constants.HEADER_ROW]]
    assert headers[: len(keys)] == [h for _, h in constants.INDICATOR_COLUMNS]
    rows = []
    for r in ws.iter_rows(min_row=constants.FIRST_DATA_ROW, values_only=True):
        if r[0] is None and r[1] is None:
            continue
        rows.append(dict(zip(keys, r, strict=False)))
    return rows


def _meta(path: Path) -> dict:
    wb = openpyxl.load_workbook(path)
    return {r[0]: r[1] for r in wb[constants.SHEET_META].iter_rows(values_only=True)}


def test_same_seed_same_bytes(slice_out, manifest, tmp_path):
    """A second run (another slice, one worker) gives byte-identical files and the same mtimes."""
    some = [f for f in manifest["files"] if f["file_format"] == "xlsx"][:2]
    folders = sorted({f["folder_department_code"] for f in some})
    generate(tmp_path, folders=folders, periods=[LAST, add_months(LAST, -1)], workers=1)
    again = read_manifest(tmp_path)
    compared = 0
    for f in again["files"]:
        first, second = slice_out / f["path"], tmp_path / f["path"]
        assert _sha(first) == _sha(second) == f["sha256"], f["path"]
        assert os.stat(first).st_mtime == os.stat(second).st_mtime
        compared += 1
    assert compared >= 2
    assert _sha(slice_out / manifest["project_library"]["path"]) == _sha(
        tmp_path / again["project_library"]["path"]
    )


def test_other_seed_other_files(manifest, tmp_path):
    f = next(x for x in manifest["files"] if x["role"] == "submission" and not x["mistake"])
    generate(
        tmp_path,
        seed=S.DEFAULT_SEED + 1,
        folders=[f["folder_department_code"]],
        periods=[f["period"]],
        workers=1,
    )
    other = read_manifest(tmp_path)
    assert {x["sha256"] for x in other["files"]} != {f["sha256"]}


def test_files_are_signed_templates_with_mtime_as_received(slice_out, manifest):
    secret = Settings.from_env().template_secret
    from ingestion.submissions.signature import sign

    for f in manifest["files"]:
        path = slice_out / f["path"]
        received = dt.datetime.fromisoformat(f["received_at"].replace("Z", "+00:00"))
        assert os.stat(path).st_mtime == received.timestamp()
        assert f["is_late"] == (
            dt.date.fromisoformat(f["received_at_local"][:10]) > dt.date.fromisoformat(f["due_date"])
        )
        if f["file_format"] != "xlsx":
            continue
        meta = _meta(path)
        assert (
            meta[constants.META_DEPARTMENT] == f["department_code"]
            and meta[constants.META_PERIOD] == f["period"]
        )
        assert meta[constants.META_SIGNATURE] == sign(
            secret, f["department_code"], f["period"], constants.TEMPLATE_VERSION
        )
        props = openpyxl.load_workbook(path, read_only=True).properties
        assert "示例数据" in (props.description or "")


def test_prefecture_splits_add_up(plan, slice_out, manifest):
    checked = 0
    for f in manifest["files"]:
        if f["file_format"] != "xlsx" or f["role"] == "spoof":
            continue
        rows = _indicator_rows(slice_out / f["path"])
        by_indicator: dict[str, dict[str, float]] = {}
        for r in rows:
            by_indicator.setdefault(r["indicator_id"], {})[r["prefecture_code"]] = r["value"]
        for ind_id, cells in by_indicator.items():
            ind = plan.indicators[ind_id]
            if not (ind.is_by_prefecture and ind.is_additive) or ind_id == f["mistake_indicator_id"]:
                continue
            assert "GZ" not in cells and len(cells) == 10
            if ind_id == S.INVESTMENT_INDICATOR_ID:
                expected = manifest["project_library"]["cumulative_completed_yuan_by_period"][f["period"]]
            else:
                expected = true_value(plan, ind_id, f["period"])
            assert sum(cells.values()) == pytest.approx(expected), (f["path"], ind_id)
            checked += 1
    assert checked > 5


def test_project_sheet_matches_the_library(plan, slice_out, manifest):
    wb = openpyxl.load_workbook(slice_out / manifest["project_library"]["path"])
    ws = wb[S.PROJECT_LIBRARY_SHEET]
    library = {r[0]: r for r in ws.iter_rows(min_row=4, values_only=True) if r[0]}
    assert len(library) == S.PROJECT_COUNT
    seen = 0
    for f in manifest["files"]:
        if f["file_format"] != "xlsx" or f["role"] == "spoof":
            continue
        sheet = openpyxl.load_workbook(slice_out / f["path"])[constants.SHEET_PROJECTS]
        for r in sheet.iter_rows(min_row=constants.FIRST_DATA_ROW, values_only=True):
            if not r[0]:
                continue
            seen += 1
            code, _name, _sector, _pref, total, month, cumulative, status = r[:8]
            assert library[code][3] == plan.departments[f["department_code"]].name_zh
            assert total == library[code][5]
            assert 0 <= month <= cumulative <= total
            assert status in constants.PROJECT_STATUSES.values()
    assert seen > 20


def test_the_deliberate_mistakes_are_in_the_files(plan, slice_out, manifest):
    kinds = {m["kind"]: m for m in manifest["mistakes"]}
    assert set(kinds) == set(MISTAKES)
    by_kind = {}
    for f in manifest["files"]:
        if f["mistake"]:
            by_kind.setdefault(f["mistake"], []).append(f)

    def value_of(kind):
        f = by_kind[kind][0]
        rows = _indicator_rows(slice_out / f["path"])
        return [
            r
            for r in rows
            if (r["indicator_id"], r["prefecture_code"])
            == (f["mistake_indicator_id"], f["mistake_prefecture_code"])
        ]

    assert [r["value"] for r in value_of("text_in_number")] == [S.ERROR_TEXT_IN_NUMBER]
    assert [r["value"] for r in value_of("negative_count")] == [S.ERROR_NEGATIVE]
    assert [r["value"] for r in value_of("percent_over_100")] == [S.ERROR_PERCENT]
    assert [r["value"] for r in value_of("formula_cell")] == [S.ERROR_FORMULA]  # openpyxl shows the formula
    assert len(value_of("duplicate_row")) == 2
    f = by_kind["unknown_prefecture"][0]
    rows = _indicator_rows(slice_out / f["path"])
    assert [r["prefecture_name"] for r in rows if r["prefecture_code"] == S.ERROR_PREFECTURE] == [
        S.ERROR_PREFECTURE
    ]

    spoof = by_kind["spoof"][0]
    assert spoof["department_code"] != spoof["folder_department_code"]
    assert _meta(slice_out / spoof["path"])[constants.META_DEPARTMENT] == spoof["department_code"]
    assert spoof["expected_status"] == "quarantined"

    first = next(f for f in manifest["files"] if f["role"] == "revision_first")
    revision = by_kind["revision"][0]
    assert (first["department_code"], first["period"]) == (revision["department_code"], revision["period"])
    assert first["received_at"] < revision["received_at"] and first["sha256"] != revision["sha256"]
    key = (revision["mistake_indicator_id"], revision["mistake_prefecture_code"])
    typo = [
        r["value"]
        for r in _indicator_rows(slice_out / first["path"])
        if (r["indicator_id"], r["prefecture_code"]) == key
    ]
    fixed = [
        r["value"]
        for r in _indicator_rows(slice_out / revision["path"])
        if (r["indicator_id"], r["prefecture_code"]) == key
    ]
    assert typo == [fixed[0] * 10]

    data = (slice_out / by_kind["csv_gb18030"][0]["path"]).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    text = data.decode("gb18030")
    lines = text.splitlines()
    assert lines[0] == f"#{constants.META_KIND}={constants.TEMPLATE_KIND}"
    assert lines[len(constants.META_KEYS)].startswith("#填报人=")  # the contact lines follow the metadata
    header = next(csv.reader(io.StringIO(next(line for line in lines if not line.startswith("#")))))
    assert header == [h for _, h in constants.INDICATOR_COLUMNS]


def test_every_department_month_has_a_file_or_is_listed_missing(plan, full_scenario, tmp_path):
    """Over a few months of every department: each has its own file or is in the manifest's missing list."""
    periods = period_range("2022-01", "2022-04")
    generate(tmp_path, periods=periods, workers=2)
    m = read_manifest(tmp_path)
    assert m["written_folders"] == plan.reporting_departments()
    own = {
        (f["department_code"], f["period"])
        for f in m["files"]
        if f["department_code"] == f["folder_department_code"]
    }
    missing = {(x["department_code"], x["period"]) for x in m["missing"]}
    assert not own & missing
    assert own | missing == {(d, p) for d in plan.reporting_departments() for p in periods}
    for f in m["files"]:
        assert (tmp_path / f["path"]).is_file()
        assert f["due_date"] == due_date(f["period"], m["on_time_days"]).isoformat()
    json.dumps(m)  # plain JSON


def test_full_scenario_missing_and_late_are_listed(full_scenario):
    files = full_scenario.files
    assert sum(1 for f in files if f.is_late) > 20
    assert len(full_scenario.missing) >= S.LAST_PERIOD_MISSING


def test_normalise_xlsx_removes_save_times():
    """Two saves of the same workbook at different times normalise to the same bytes."""
    import zipfile

    from demo.generate import normalise_xlsx

    wb = openpyxl.Workbook()
    wb.active["A1"] = "示例"
    buf = io.BytesIO()
    wb.save(buf)
    first = buf.getvalue()
    src = zipfile.ZipFile(io.BytesIO(first))
    later = io.BytesIO()
    with zipfile.ZipFile(later, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            payload = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = payload.decode()
                start = text.index("<dcterms:modified")
                end = text.index("</dcterms:modified>")
                head = text[start : text.index(">", start) + 1]
                payload = (text[:start] + head + "1999-09-09T09:09:09Z" + text[end:]).encode()
            entry = zipfile.ZipInfo(info.filename, date_time=(1999, 9, 9, 9, 9, 8))
            dst.writestr(entry, payload, zipfile.ZIP_DEFLATED)
    second = later.getvalue()
    assert first != second
    when = dt.datetime(2024, 7, 3, 10, 0, tzinfo=dt.UTC)
    assert normalise_xlsx(first, when, created=when) == normalise_xlsx(second, when, created=when)
    core = zipfile.ZipFile(io.BytesIO(normalise_xlsx(first, when))).read("docProps/core.xml").decode()
    assert "2024-07-03T10:00:00Z</dcterms:modified>" in core and "示例数据" in core
