"""File drops (local paths) go through the same hash -> archive -> parse -> map -> load; re-fetching
unchanged files is a no-op, a changed figure is a new version; the CLI prints a summary or JSON;
the shipped demo files are up to date and labelled synthetic."""

from __future__ import annotations

import hashlib
import json
import shutil

import pytest

from demo import make_public_sources
from ingestion.public_stats import fetch_sources, list_sources
from newinfra import db
from newinfra.errors import UserInputError
from newinfra.settings import PROJECT_ROOT
from pipeline.cli import main

SYNTHETIC = "示例数据，非官方统计"


def _query(settings, sql, params=()):
    with db.reader(settings) as con:
        return con.execute(sql, list(params)).fetchall()


def _snapshot(settings):
    return {
        table: _query(settings, f"select count(*) from raw.{table}")[0][0]
        for table in ("public_fetches", "public_observations", "public_rejections")
    }


def test_file_drops_load_and_an_unchanged_refetch_is_a_no_op(file_settings):
    first = fetch_sources(file_settings)
    assert [(r.name, r.status, r.http_status) for r in first] == [
        ("telecom_monthly", "loaded", None),
        ("stats_yearbook", "loaded", None),
        ("health_telemedicine", "loaded", None),
    ]
    for r in first:
        assert r.rows_total == r.rows_loaded + r.rows_unmapped and r.rows_new == r.rows_loaded
        assert r.location == f"demo/public_sources/{(PROJECT_ROOT / r.location).name}"
        body = (PROJECT_ROOT / r.location).read_bytes()
        assert r.file_sha256 == hashlib.sha256(body).hexdigest()
        assert (file_settings.home / r.archive_path).read_bytes() == body
    assert _query(
        file_settings,
        "select count(*), count(distinct fetch_id), bool_and(is_synthetic), count(original_label), "
        "count(original_period), count(value_as_written) from raw.public_observations",
    ) == [(1275, 3, True, 1275, 1275, 1275)]
    before = _snapshot(file_settings)

    second = fetch_sources(file_settings)
    assert [r.status for r in second] == ["unchanged"] * 3
    assert all(r.ok and r.rows_new == r.rows_changed == 0 for r in second)
    after = _snapshot(file_settings)
    assert after == {**before, "public_fetches": before["public_fetches"] + 3}


def test_a_changed_figure_in_a_file_drop_is_one_new_version(file_settings, tmp_path, monkeypatch):
    drop = tmp_path / "drop"
    shutil.copytree(PROJECT_ROOT / "demo" / "public_sources", drop)
    monkeypatch.setenv("NEWINFRA_PUBLIC_SOURCES_BASE", str(drop))
    fetch_sources(file_settings, names=["health_telemedicine"])
    path = drop / "health_telemedicine.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    old = doc["data"][-1]["value"]
    doc["data"][-1]["value"] = old + 1.0
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")

    (result,) = fetch_sources(file_settings, names=["health_telemedicine"])
    assert result.status == "loaded" and (result.rows_new, result.rows_changed) == (0, 1)
    assert result.location == str(path)
    assert _query(
        file_settings,
        "select observation_version, value, original_period from raw.public_observations "
        "where period = '2024-12' order by 1",
    ) == [(1, pytest.approx(old * 10000), "2024-12"), (2, pytest.approx((old + 1) * 10000), "2024-12")]
    # the same changed file again: unchanged, nothing written
    (again,) = fetch_sources(file_settings, names=["health_telemedicine"])
    assert again.status == "unchanged"
    assert _query(file_settings, "select count(*) from raw.public_observations") == [(37,)]


def test_a_missing_file_and_a_misdeclared_source_fail_alone(file_settings, tmp_path):
    sources = (PROJECT_ROOT / "ingestion" / "public_stats" / "sources.yml").read_text(encoding="utf-8")
    sources = sources.replace("/health_telemedicine.json", "/no_such_file.json")
    sources = sources.replace("indicator_id: dc_standard_racks", "indicator_id: not_an_indicator")
    declared = tmp_path / "sources.yml"
    declared.write_text(sources, encoding="utf-8")
    telecom, yearbook, health = fetch_sources(file_settings, sources_file=declared)
    assert telecom.status == "loaded"
    assert (yearbook.status, yearbook.error_code) == ("failed", "config_error")
    assert "not_an_indicator" in yearbook.error_zh and "not_an_indicator" in yearbook.error_en
    assert (health.status, health.error_code) == ("failed", "not_found")
    assert "no_such_file.json" in health.error_zh
    assert _query(file_settings, "select distinct source_name from raw.public_observations") == [
        ("telecom_monthly",)
    ]
    assert _query(
        file_settings, "select source_name, status, error_code from raw.public_fetches order by source_name"
    ) == [
        ("health_telemedicine", "failed", "not_found"),
        ("stats_yearbook", "failed", "config_error"),
        ("telecom_monthly", "loaded", None),
    ]


def test_a_table_where_nothing_maps_fails_instead_of_loading_nothing(file_settings, tmp_path, monkeypatch):
    drop = tmp_path / "drop"
    shutil.copytree(PROJECT_ROOT / "demo" / "public_sources", drop)
    monkeypatch.setenv("NEWINFRA_PUBLIC_SOURCES_BASE", str(drop))
    path = drop / "health_telemedicine.json"
    path.write_text(
        path.read_text(encoding="utf-8").replace("远程医疗服务累计人次", "远程会诊人次"), encoding="utf-8"
    )
    (result,) = fetch_sources(file_settings, names=["health_telemedicine"])
    assert (result.status, result.error_code) == ("failed", "nothing_mapped")
    assert "36" in result.error_zh and result.unmapped[0]["reason_code"] == "unknown_indicator"
    assert _query(file_settings, "select count(*) from raw.public_observations") == [(0,)]


def test_unknown_source_name_is_a_user_error(file_settings):
    with pytest.raises(UserInputError) as info:
        fetch_sources(file_settings, names=["nope"])
    assert "nope" in info.value.message_zh and "telecom_monthly" in info.value.message_en


# CLI -----------------------------------------------------------------------------------------------
def test_cli_human_summary(file_settings, capsys):
    assert main(["fetch-public"]) == 0
    out = capsys.readouterr().out
    assert "telecom_monthly" in out and "已加载 loaded" in out and SYNTHETIC in out
    assert "共 total 1260 = 已映射 mapped 1224 + 未映射 unmapped 36" in out
    assert "未映射 36 行：指标名称未在 sources.yml 中映射" in out
    assert "合计 3 个数据源，失败 0 个 / 3 source(s), 0 failed" in out
    disabled = "nbs_fsnd_guizhou, nbs_csnd_guizhou, miit_telecom_provinces, gzstj_monthly_telecom"
    assert f"未启用、未采集 / disabled, not fetched: {disabled}" in out
    assert main(["fetch-public", "--source", "stats_yearbook"]) == 0
    out = capsys.readouterr().out
    assert "未变化 unchanged" in out and "telecom_monthly" not in out and "disabled, not fetched" not in out


def test_cli_json_and_exit_codes(file_settings, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NEWINFRA_PUBLIC_SOURCES_BASE", str(tmp_path / "empty"))
    assert main(["fetch-public", "--json", "--source", "health_telemedicine"]) == 1
    (result,) = json.loads(capsys.readouterr().out)
    assert result["name"] == "health_telemedicine" and result["ok"] is False and result["status"] == "failed"
    assert result["error_code"] == "not_found" and result["error_zh"] and result["error_en"]
    monkeypatch.delenv("NEWINFRA_PUBLIC_SOURCES_BASE")
    assert main(["fetch-public", "--json"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert [(r["name"], r["status"], r["ok"]) for r in results] == [
        ("telecom_monthly", "loaded", True),
        ("stats_yearbook", "loaded", True),
        ("health_telemedicine", "loaded", True),
    ]
    assert results[0]["unmapped"][0]["count"] == 36 and results[0]["is_synthetic"] is True
    assert main(["fetch-public", "--source", "nope"]) == 2
    err = capsys.readouterr().err
    assert "错误：未声明的数据源：nope" in err and "Error: unknown source(s): nope" in err


# demo files ----------------------------------------------------------------------------------------
def test_the_shipped_demo_files_are_regenerated_byte_for_byte():
    built = make_public_sources.build()
    for name, data in built.items():
        assert (make_public_sources.OUT_DIR / name).read_bytes() == data, (
            f"run python -m demo.make_public_sources ({name})"
        )


def test_the_demo_sources_are_labelled_synthetic():
    import python_calamine

    out = make_public_sources.OUT_DIR
    assert SYNTHETIC in (out / "telecom_monthly.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert json.loads((out / "health_telemedicine.json").read_text(encoding="utf-8"))["notice"] == SYNTHETIC
    grid = python_calamine.CalamineWorkbook.from_path(str(out / "stats_yearbook.xlsx")).get_sheet_by_index(0)
    assert SYNTHETIC in grid.to_python()[1][0]
    demo = [s for s in list_sources() if s.enabled]  # the real publishers are declared disabled
    assert [s.name for s in demo] == ["telecom_monthly", "stats_yearbook", "health_telemedicine"]
    for source in demo:
        assert source.is_synthetic and SYNTHETIC in source.title_zh and source.config_error is None
