"""The real publishers' formats (docs/public-stats.md): the NBS easyquery JSON, the MIIT's HTML
tables and the Guizhou bureau's xlsx, loaded from the fixtures in tests/fixtures/public/ through the
real command (``newinfra fetch-public --source X --from-file F``) or a real HTTP server on
127.0.0.1; every failure case is checked in the ledger of fetches (raw.public_fetches,
raw.public_rejections, raw.public_observations). Expected figures are worked out by hand from the
fixture files (published value x the declared scale)."""

from __future__ import annotations

import hashlib
import json

import pytest

from ingestion.public_stats import fetch_sources
from ingestion.public_stats.config import parse_sources
from ingestion.public_stats.fetch import HostThrottle, sniff
from ingestion.public_stats.helpers import implied_scale, period_from_title
from ingestion.public_stats.parsers import TableSpec, parse_html, split_unit
from newinfra import db
from newinfra.plan import load_plan
from newinfra.settings import PROJECT_ROOT
from pipeline.cli import main

FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "public"
PLAN = load_plan()


def _q(settings, sql, params=()):
    with db.reader(settings) as con:
        return con.execute(sql, list(params)).fetchall()


def _cli(*args) -> int:
    return main(["fetch-public", *args])


def _load(name: str, fixture: str, capsys=None) -> dict:
    code = _cli("--source", name, "--from-file", str(FIXTURES / fixture), "--json")
    out = json.loads(capsys.readouterr().out) if capsys else None
    return {"code": code, "result": out[0] if out else None}


def _latest(settings, source: str) -> dict[tuple[str, str, str], tuple[float, int]]:
    rows = _q(
        settings,
        """
        select indicator_id, prefecture_code, period, value, observation_version from raw.public_observations
        where source_name = ?
        qualify row_number() over (partition by indicator_id, prefecture_code, period
                                   order by observation_version desc) = 1
        """,
        [source],
    )
    return {(i, p, t): (v, n) for i, p, t, v, n in rows}


def _rejections(settings, fetch_id: str) -> list[tuple[int, str, str]]:
    return _q(
        settings,
        "select row_number, reason_code, reason_zh from raw.public_rejections where fetch_id = ? order by 1, 2",
        [fetch_id],
    )


def _fetch_row(settings, fetch_id: str) -> dict:
    cols = [
        "status", "error_code", "error_zh", "error_en", "location", "file_sha256", "archive_path",
        "rows_total", "rows_loaded", "rows_unmapped", "rows_skipped", "rows_new", "rows_changed", "is_synthetic",
    ]  # fmt: skip
    (row,) = _q(settings, f"select {', '.join(cols)} from raw.public_fetches where fetch_id = ?", [fetch_id])
    return dict(zip(cols, row, strict=True))


# Each format through the real command ------------------------------------------------------------
CASES = [
    # source, fixture, (indicator, prefecture, period) -> value by hand, rows (total, loaded, unmapped, skipped)
    ("nbs_fsnd_guizhou", "nbs_fsnd_520000_first.json", ("fibre_cable_length_km", "GZ", "2022-12"), 149.6 * 10000, (6, 4, 2, 0)),
    ("miit_telecom_provinces", "miit_txy_2024-06.html", ("g5_base_stations", "GZ", "2024-06"), 1.153 * 10000, (1, 1, 0, 5)),
    ("gzstj_monthly_telecom", "gzstj_yb_2024-06.xlsx", ("g5_base_stations", "GY", "2024-06"), 2.35 * 10000, (33, 31, 2, 0)),
]  # fmt: skip


@pytest.mark.parametrize(("name", "fixture", "key", "expected", "rows"), CASES)
def test_each_real_format_loads_from_a_saved_file_with_provenance(
    file_settings, capsys, name, fixture, key, expected, rows
):
    out = _load(name, fixture, capsys)
    assert out["code"] == 0, out
    r = out["result"]
    f = _fetch_row(file_settings, r["fetch_id"])
    body = (FIXTURES / fixture).read_bytes()
    assert f["status"] == "loaded" and f["error_code"] is None
    assert f["location"] == f"tests/fixtures/public/{fixture}"  # the file read is the recorded location
    assert f["file_sha256"] == hashlib.sha256(body).hexdigest()
    assert (file_settings.home / f["archive_path"]).read_bytes() == body
    assert (f["rows_total"], f["rows_loaded"], f["rows_unmapped"], f["rows_skipped"]) == rows
    assert f["is_synthetic"] is False  # a real publisher's source (the fixture's figures are invented)
    latest = _latest(file_settings, name)
    assert latest[key] == (pytest.approx(expected), 1)
    prov = _q(
        file_settings,
        """select fetch_id, file_sha256, location, row_number, original_label, value_as_written, unit_as_written
           from raw.public_observations where source_name = ? and indicator_id = ? and prefecture_code = ?
           and period = ?""",
        [name, *key],
    )
    assert prov[0][:3] == (r["fetch_id"], f["file_sha256"], f["location"]) and prov[0][3] >= 1
    assert prov[0][4] and prov[0][5] and prov[0][6]


def test_from_file_needs_one_named_source(file_settings, capsys):
    assert _cli("--from-file", str(FIXTURES / "nbs_error.json")) == 2
    err = capsys.readouterr().err
    assert "--from-file" in err and "--source" in err


# The failure cases -----------------------------------------------------------------------------------
def test_missing_values_are_rejections_with_a_reason_never_zeros(file_settings, capsys):
    nbs = _load("nbs_fsnd_guizhou", "nbs_fsnd_520000_first.json", capsys)["result"]
    # hasdata: false for 2023 (datanodes 1 and 4): reported, not loaded as 0
    assert [(n, c) for n, c, _ in _rejections(file_settings, nbs["fetch_id"])] == [
        (1, "missing_value"),
        (4, "missing_value"),
    ]
    assert not [k for k in _latest(file_settings, "nbs_fsnd_guizhou") if k[2] == "2023-12"]
    gz = _load("gzstj_monthly_telecom", "gzstj_yb_2024-06.xlsx", capsys)["result"]
    # 贵安新区 (sheet row 15): "—" for fibre, "…" for IoT
    assert [(n, c) for n, c, _ in _rejections(file_settings, gz["fetch_id"])] == [
        (15, "missing_value"),
        (15, "missing_value"),
    ]
    assert ("g5_base_stations", "GA", "2024-06") in _latest(file_settings, "gzstj_monthly_telecom")
    assert ("fibre_cable_length_km", "GA", "2024-06") not in _latest(file_settings, "gzstj_monthly_telecom")


@pytest.mark.parametrize(
    ("name", "first", "second", "changed", "new_value", "n_changed", "n_new"),
    [
        ("nbs_fsnd_guizhou", "nbs_fsnd_520000_first.json", "nbs_fsnd_520000_revised.json",
         ("fibre_cable_length_km", "GZ", "2022-12"), 149.8 * 10000, 1, 2),
        ("gzstj_monthly_telecom", "gzstj_yb_2024-06.xlsx", "gzstj_yb_2024-06_revised.xlsx",
         ("g5_base_stations", "GY", "2024-06"), 2.36 * 10000, 2, 0),
    ],
)  # fmt: skip
def test_a_revised_figure_is_a_new_version_and_the_old_one_stays(
    file_settings, capsys, name, first, second, changed, new_value, n_changed, n_new
):
    _load(name, first, capsys)
    before = _latest(file_settings, name)
    r = _load(name, second, capsys)["result"]
    f = _fetch_row(file_settings, r["fetch_id"])
    assert (f["status"], f["rows_changed"], f["rows_new"]) == ("loaded", n_changed, n_new)
    after = _latest(file_settings, name)
    assert after[changed] == (pytest.approx(new_value), 2)
    versions = _q(
        file_settings,
        "select observation_version, value from raw.public_observations where source_name = ? and "
        "indicator_id = ? and prefecture_code = ? and period = ? order by 1",
        [name, *changed],
    )
    assert versions == [(1, pytest.approx(before[changed][0])), (2, pytest.approx(new_value))]


def test_a_unit_change_between_releases_rejects_those_figures_with_the_reason(file_settings, capsys):
    _load("nbs_fsnd_guizhou", "nbs_fsnd_520000_revised.json", capsys)
    before = _latest(file_settings, "nbs_fsnd_guizhou")
    r = _load("nbs_fsnd_guizhou", "nbs_fsnd_520000_unit_changed.json", capsys)["result"]
    rej = _rejections(file_settings, r["fetch_id"])
    assert [(n, c) for n, c, _ in rej] == [(1, "unit_mismatch"), (2, "unit_mismatch"), (3, "unit_mismatch")]
    assert all("公里 ≠ 万公里" in zh and "10000" in zh for _, _, zh in rej)
    assert _latest(file_settings, "nbs_fsnd_guizhou") == before  # 1,638,000 公里 read as 万公里 never lands

    _load("gzstj_monthly_telecom", "gzstj_yb_2024-06.xlsx", capsys)
    r = _load("gzstj_monthly_telecom", "gzstj_yb_2024-07_unit_changed.xlsx", capsys)["result"]
    rej = _rejections(file_settings, r["fetch_id"])
    assert [n for n, c, _ in rej if c == "unit_mismatch"] == list(range(5, 16))  # 5G 累计（个）, every row
    assert all("个 ≠ 万个" in zh for _, c, zh in rej if c == "unit_mismatch")
    july = {k: v for k, v in _latest(file_settings, "gzstj_monthly_telecom").items() if k[2] == "2024-07"}
    assert {k[0] for k in july} == {"fibre_cable_length_km", "iot_connections"}  # the other columns load


def test_a_new_region_code_is_rejected_and_reported(file_settings, capsys):
    r = _load("nbs_csnd_guizhou", "nbs_csnd_52_new_region.json", capsys)["result"]
    f = _fetch_row(file_settings, r["fetch_id"])
    assert (f["status"], f["rows_loaded"], f["rows_unmapped"]) == ("loaded", 9, 1)
    ((row, code, zh),) = _rejections(file_settings, r["fetch_id"])
    assert (row, code) == (10, "unknown_prefecture") and "529900" in zh
    assert _latest(file_settings, "nbs_csnd_guizhou")[("g5_base_stations", "QDN", "2023-12")] == (9840.0, 1)
    assert r["unmapped"][0]["reason_code"] == "unknown_prefecture"  # in the command's summary too


BY_INDEX = """
sources:
  - name: miit_by_index
    title_zh: 通信业分省情况（按表格序号定位）
    publisher: 工业和信息化部
    location: tests/fixtures/public/miit_txy_2024-06.html
    format: html
    frequency: monthly
    table: {table_index: 2, header_rows: 2, unit_in_header: true}
    mapping:
      layout: wide
      period: {from_title: true}
      prefecture: 地区
      keep_regions: [贵州]
      ignore: [移动电话基站/总数, 固定互联网宽带接入用户/总数, 固定互联网宽带接入用户/其中：1000Mbps及以上]
    indicators:
      移动电话基站/其中：5G基站: {indicator_id: g5_base_stations, unit: 万个, scale: 10000}
"""


def test_a_moved_table_is_found_by_caption_and_fails_by_index_keeping_the_last_good_version(
    file_settings, tmp_path, capsys
):
    # declared by caption: the July page has a new table first, ours is still found
    _load("miit_telecom_provinces", "miit_txy_2024-06.html", capsys)
    r = _load("miit_telecom_provinces", "miit_txy_2024-07_table_moved.html", capsys)["result"]
    assert r["status"] == "loaded"
    assert _latest(file_settings, "miit_telecom_provinces")[("g5_base_stations", "GZ", "2024-07")] == (
        pytest.approx(1.176 * 10000),
        1,
    )
    # declared by position: table 2 is now the national table -> the source fails, June stays
    sources = tmp_path / "sources.yml"
    sources.write_text(BY_INDEX, encoding="utf-8")
    (good,) = fetch_sources(file_settings, ["miit_by_index"], sources_file=sources)
    assert good.status == "loaded"
    (bad,) = fetch_sources(
        file_settings,
        ["miit_by_index"],
        sources_file=sources,
        from_file=FIXTURES / "miit_txy_2024-07_table_moved.html",
    )
    f = _fetch_row(file_settings, bad.fetch_id)
    assert (f["status"], f["error_code"]) == ("failed", "structure_error")
    assert "地区" in f["error_zh"] and "sources.yml" in f["error_zh"]
    assert _latest(file_settings, "miit_by_index") == {("g5_base_stations", "GZ", "2024-06"): (11530.0, 1)}


def test_the_publishers_error_answer_fails_with_its_message(file_settings, capsys):
    out = _load("nbs_fsnd_guizhou", "nbs_error.json", capsys)
    assert out["code"] == 1
    f = _fetch_row(file_settings, out["result"]["fetch_id"])
    assert (f["status"], f["error_code"]) == ("failed", "publisher_error")
    assert "查询条件有误" in f["error_zh"] and "501" in f["error_en"]


def test_a_failing_source_keeps_its_last_good_version_and_is_reported(file_settings, capsys):
    _load("gzstj_monthly_telecom", "gzstj_yb_2024-06.xlsx", capsys)
    good = _latest(file_settings, "gzstj_monthly_telecom")
    code = _cli("--source", "gzstj_monthly_telecom", "--from-file", str(FIXTURES / "miit_login.html"))
    out = capsys.readouterr().out
    assert code == 1 and "失败" in out and "登录页" in out and "上次成功" in out
    assert _latest(file_settings, "gzstj_monthly_telecom") == good
    statuses = _q(
        file_settings,
        "select status, error_code from raw.public_fetches where source_name = ? order by fetched_at",
        ["gzstj_monthly_telecom"],
    )
    assert statuses == [("loaded", None), ("failed", "error_page")]


# Politeness and pages that are not data, over real HTTP ----------------------------------------------
REAL_OVER_HTTP = """
sources:
  - name: gz_xlsx
    title_zh: 统计月报 表5
    publisher: 贵州省统计局
    location: ${env.NEWINFRA_PUBLIC_SOURCES_BASE}/gz.xlsx
    format: xlsx
    frequency: monthly
    table: {sheet: 表5, header_row: 3, header_rows: 2, unit_in_header: true}
    mapping: {layout: wide, period: {from_title: true}, prefecture: 地区, ignore: [5G基站/本月新增]}
    indicators:
      5G基站/累计: {indicator_id: g5_base_stations, unit: 万个, scale: 10000}
      光缆线路长度: {indicator_id: fibre_cable_length_km, unit: 万公里, scale: 10000}
      蜂窝物联网终端用户: {indicator_id: iot_connections, unit: 万户, scale: 10000}
  - name: nbs
    title_zh: 国家数据
    publisher: 国家统计局
    location: ${env.NEWINFRA_PUBLIC_SOURCES_BASE}/easyquery.json
    format: easyquery
    frequency: yearly
    mapping: {prefectures: {"520000": GZ}}
    indicators:
      A0G0H0A: {indicator_id: fibre_cable_length_km, unit: 万公里, scale: 10000}
  - name: miit
    title_zh: 分省情况
    publisher: 工业和信息化部
    location: ${env.NEWINFRA_PUBLIC_SOURCES_BASE}/miit.html
    format: html
    frequency: monthly
    table: {caption: 各省（区、市）移动电话基站, header_rows: 2, unit_in_header: true}
    mapping: {layout: wide, period: {from_title: true}, prefecture: 地区, keep_regions: [贵州],
              ignore: [移动电话基站/总数, 固定互联网宽带接入用户/总数, 固定互联网宽带接入用户/其中：1000Mbps及以上]}
    indicators:
      移动电话基站/其中：5G基站: {indicator_id: g5_base_stations, unit: 万个, scale: 10000}
"""


@pytest.fixture()
def real_server(server, tmp_path, monkeypatch, http_settings):
    server.files["/gz.xlsx"] = (FIXTURES / "gzstj_yb_2024-06.xlsx").read_bytes()
    server.files["/easyquery.json"] = (FIXTURES / "nbs_fsnd_520000_first.json").read_bytes()
    server.files["/miit.html"] = (FIXTURES / "miit_txy_2024-06.html").read_bytes()
    server.files["/login.html"] = (FIXTURES / "miit_login.html").read_bytes()
    path = tmp_path / "real.yml"
    path.write_text(REAL_OVER_HTTP, encoding="utf-8")
    return server, path


def test_user_agent_from_settings_and_a_minimum_delay_per_host(real_server, monkeypatch):
    from newinfra.settings import Settings

    server, path = real_server
    monkeypatch.setenv("NEWINFRA_HTTP_USER_AGENT", "newinfra-test/9 (office@example.org)")
    settings = Settings.from_env()
    now = [1000.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:  # a clock the test drives: no real waiting, no timing
        slept.append(seconds)
        now[0] += seconds

    throttle = HostThrottle(min_delay=5.0, clock=lambda: now[0], sleep=sleep)
    results = fetch_sources(settings, sources_file=path, throttle=throttle)
    assert [r.status for r in results] == ["loaded", "loaded", "loaded"], [r.error_en for r in results]
    agents = {h["user-agent"] for _, h in server.requests}
    assert agents == {"newinfra-test/9 (office@example.org)"}
    # three requests to one host: the second and third each waited the full 5 s after the one before
    assert slept == [5.0, 5.0] and [h for h, _ in throttle.waits] == ["127.0.0.1", "127.0.0.1"]


def test_the_throttle_waits_only_what_is_left_and_per_host():
    now = [0.0]
    slept: list[float] = []
    throttle = HostThrottle(
        min_delay=2.0, clock=lambda: now[0], sleep=lambda s: (slept.append(s), now.__setitem__(0, now[0] + s))
    )
    assert throttle.wait("a.example") == 0.0
    now[0] += 0.5
    assert throttle.wait("b.example") == 0.0  # another host: no wait
    assert throttle.wait("a.example") == 1.5  # 0.5 s since a's last request: 1.5 s left
    now[0] += 10
    assert throttle.wait("a.example") == 0.0
    assert slept == [1.5]


def test_login_and_error_pages_are_errors_by_content_never_data(real_server, http_settings):
    server, path = real_server
    # the portal sends the xlsx and the JSON to its login page (302), the web page is a login page itself
    server.redirects["/gz.xlsx"] = "/login.html"
    server.files["/easyquery.json"] = (
        b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head></html>"
    )
    server.files["/miit.html"] = (FIXTURES / "miit_login.html").read_bytes()
    results = {r.name: r for r in fetch_sources(http_settings, sources_file=path)}
    # text/html where xlsx is expected fails on the content type; the JSON served as JSON but holding
    # a web page, and the login page where a table was expected, fail on their content
    assert results["gz_xlsx"].error_code == "content_type" and "/login.html" in results["gz_xlsx"].error_en
    assert results["nbs"].error_code == "error_page" and "HTML" in results["nbs"].error_en
    assert results["miit"].error_code == "login_page" and "登录页" in results["miit"].error_zh
    for r in results.values():
        f = _fetch_row(http_settings, r.fetch_id)
        assert f["status"] == "failed" and f["rows_loaded"] == 0
        assert _q(
            http_settings, "select count(*) from raw.public_observations where source_name = ?", [r.name]
        ) == [(0,)]
    final = _q(
        http_settings,
        "select final_url from raw.public_fetches where fetch_id = ?",
        [results["gz_xlsx"].fetch_id],
    )
    assert final[0][0].endswith("/login.html")


@pytest.mark.parametrize(
    ("body", "fmt", "code"),
    [
        (
            b"<html><head><title>\xe7\x94\xa8\xe6\x88\xb7\xe7\x99\xbb\xe5\xbd\x95</title></head></html>",
            "xlsx",
            "error_page",
        ),
        (b"\xef\xbb\xbf  <!DOCTYPE html><html></html>", "easyquery", "error_page"),
        (b"PK\x03\x04", "xlsx", None),
        (b' {"returncode": 200}', "easyquery", None),
        (b"returncode=200", "json", "error_page"),
        (b"<html><title>404 Not Found</title><body>gone</body></html>", "html", "error_page"),
        (b"<html><body><form><input type='password'></form></body></html>", "html", "login_page"),
        (b"<html><title>x</title><body><table><tr><td>1</td></tr></table></body></html>", "html", None),
    ],
)
def test_sniff(body, fmt, code):
    found = sniff(body, fmt)
    assert (found[0] if found else None) == code
    if found:
        assert found[1] and found[2]


# Pure pieces -----------------------------------------------------------------------------------------
def test_html_spans_nested_tables_and_note_rows():
    page = """<html><head><title>2024年6月 分省</title></head><body>
    <table><tr><td>布局<table><tr><td>内嵌</td></tr></table></td></tr></table>
    <p>表1 各省指标</p>
    <table><tr><th rowspan=2>地区</th><th colspan=2>基站（万个）</th></tr>
           <tr><th>总数</th><th>5G</th></tr>
           <tr><td>贵州</td><td>11.8</td><td>1.2<br></td></tr>
           <tr><td colspan=3>注：示例</td></tr></table></body></html>"""
    table = parse_html(page.encode(), TableSpec(caption="各省指标", header_rows=2, unit_in_header=True))
    assert table.headers == ["地区", "基站/总数", "基站/5G"]
    assert table.units == {"基站/总数": "万个", "基站/5G": "万个"}
    assert table.rows == [(3, {"地区": "贵州", "基站/总数": "11.8", "基站/5G": "1.2"})]
    assert table.notes == ["注：示例"] and "2024年6月 分省" in table.title
    nested = parse_html(page.encode(), TableSpec(table_index=2))
    assert nested.headers == ["内嵌"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("5G基站数（万个）", ("5G基站数", "万个")), ("长度(单位：万公里)", ("长度", "万公里")),
     ("地区", ("地区", "")), ("（万户）", ("（万户）", ""))],
)  # fmt: skip
def test_split_unit(text, expected):
    assert split_unit(text) == expected


@pytest.mark.parametrize(
    ("title", "frequency", "expected"),
    [
        (["表5 各市（州）主要指标（2024年6月）"], "monthly", "2024-06"),
        (["2024年1-6月", "2024年6月末各省"], "monthly", "2024-06"),
        (["2024年5月", "2024年6月"], "monthly", None),  # two different months: ambiguous
        (["各省指标"], "monthly", None),
        (["贵州统计年鉴 2023年"], "yearly", "2023-12"),
    ],
)
def test_period_from_title(title, frequency, expected):
    assert period_from_title(title, frequency) == expected


def test_implied_scale():
    assert implied_scale("万个", "个") == 10000 and implied_scale("亿元", "元") == 10**8
    assert implied_scale("公里", "公里") == 1 and implied_scale("万户", "个") is None


def _one(text: str):
    units = {i: ind.unit for i, ind in PLAN.indicators.items()}
    (source,) = parse_sources(text, env={}, indicator_ids=PLAN.indicators.keys(), indicator_units=units)
    return source


@pytest.mark.parametrize(
    ("change", "expected_en"),
    [
        (("scale: 10000", "scale: 1000"), "unit 万个 is 10000 x the base unit 个, but scale is 1000"),
        (("table_index: 2, ", ""), "exactly one of table.table_index or table.caption"),
        (("header_rows: 2", "header_rows: 2, sheet: 表1"), "cannot set table.sheet"),
        (("layout: wide", "layout: tall"), "mapping.layout"),
        (("keep_regions: [贵州]", "keep_regions: [贵州]\n      colour: red"), "colour"),
        (("frequency: monthly", "frequency: monthly\n    enabled: maybe"), "enabled must be true or false"),
    ],
)
def test_declarations_are_checked_by_the_models(change, expected_en):
    bad = _one(BY_INDEX.replace(*change))
    assert bad.config_error is not None, change
    assert expected_en in bad.config_error.message_en
    assert "miit_by_index" in bad.config_error.message_zh


def test_the_shipped_real_sources_are_declared_disabled_and_valid():
    from ingestion.public_stats import list_sources

    sources = {s.name: s for s in list_sources()}
    real = ["nbs_fsnd_guizhou", "nbs_csnd_guizhou", "miit_telecom_provinces", "gzstj_monthly_telecom"]
    for name in real:
        assert sources[name].config_error is None and sources[name].enabled is False
        assert sources[name].is_url and not sources[name].is_synthetic
    assert {s.format for n, s in sources.items() if n in real} == {"easyquery", "html", "xlsx"}
    assert all(s.enabled for n, s in sources.items() if n not in real)  # the demo's synthetic sources
    text = (PROJECT_ROOT / "ingestion/public_stats/sources.yml").read_text(encoding="utf-8")
    assert text.count("enabled: false  #") == len(real)  # one line to enable each, with its comment


def test_fixtures_say_how_they_were_made():
    for path in sorted(FIXTURES.iterdir()):
        if path.suffix == ".json":
            assert "未联网" in json.loads(path.read_text(encoding="utf-8"))["_fixture_note"]
        elif path.suffix == ".html":
            assert path.read_text(encoding="utf-8").startswith("<!-- 测试夹具")
        elif path.suffix == ".xlsx":
            import openpyxl

            assert "未联网" in openpyxl.load_workbook(path).properties.description


def test_fixtures_are_regenerated_byte_for_byte(tmp_path):
    import subprocess
    import sys

    before = {p.name: p.read_bytes() for p in FIXTURES.iterdir() if p.suffix in (".json", ".html", ".xlsx")}
    subprocess.run([sys.executable, str(FIXTURES / "make_fixtures.py")], check=True, capture_output=True)
    after = {p.name: p.read_bytes() for p in FIXTURES.iterdir() if p.suffix in (".json", ".html", ".xlsx")}
    assert after == before


def _node(data: dict) -> bytes:
    doc = {
        "returncode": 200,
        "returndata": {
            "datanodes": [
                {
                    "code": "zb.A_reg.520000_sj.2023",
                    "data": data,
                    "wds": [
                        {"wdcode": "zb", "valuecode": "A"},
                        {"wdcode": "reg", "valuecode": "520000"},
                        {"wdcode": "sj", "valuecode": "2023"},
                    ],
                }
            ],
            "wdnodes": [
                {"wdcode": "zb", "nodes": [{"code": "A", "cname": "光缆线路长度", "unit": "万公里"}]}
            ],
        },
    }
    return json.dumps(doc).encode()


@pytest.mark.parametrize(
    ("data", "value"),
    [
        ({"hasdata": True, "data": 163.84, "strdata": "163.8", "dotcount": 1}, "163.8"),  # shown as rounded
        ({"hasdata": True, "data": 163.8, "strdata": "", "dotcount": 1}, "163.8"),  # no strdata: data
        ({"hasdata": False, "data": 0, "strdata": "", "dotcount": 1}, None),  # not a zero
        (
            {"hasdata": True, "data": 170.2, "strdata": "163.8", "dotcount": 1},
            "163.8（data=170.2）",
        ),  # disagree
    ],
)
def test_easyquery_figure_as_published(data, value):
    from ingestion.public_stats.helpers import parse_number
    from ingestion.public_stats.parsers import parse_easyquery

    ((_, row),) = parse_easyquery(_node(data), TableSpec()).rows
    assert row["value"] == value and row["unit"] == "万公里" and row["zb_name"] == "光缆线路长度"
    if value is not None and "data=" in value:
        with pytest.raises(ValueError):  # rejected as bad_value, never one of the two chosen
            parse_number(value)


def test_a_region_merged_down_several_rows_counts_for_each():
    import io

    import openpyxl

    from ingestion.public_stats.parsers import parse_xlsx

    wb = openpyxl.Workbook()
    ws = wb.active
    for row in [
        ["地区", "年份", "5G基站（万个）"],
        ["贵阳市", 2022, 1.5],
        [None, 2023, 2.0],
        [],
        ["注：示例"],
    ]:
        ws.append(row)
    ws.merge_cells("A2:A3")
    ws.merge_cells("A5:C5")
    buf = io.BytesIO()
    wb.save(buf)
    table = parse_xlsx(buf.getvalue(), TableSpec(unit_in_header=True))
    assert [r["地区"] for _, r in table.rows] == ["贵阳市", "贵阳市"]
    assert table.units["5G基站"] == "万个" and table.notes == ["注：示例"]
