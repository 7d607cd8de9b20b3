"""The monthly package end to end, on the real pipeline: a small raw fixture (demo curves for
2023-12..2024-06, a late and a missing department, major projects with a hostile name, a revision
after publication) -> real ``dbt build`` -> ``newinfra.transform.publish`` -> real Soda checks ->
``build_package``. The workbook and the briefing are compared with the published marts.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import pytest
from report_fixtures import HOSTILE_PROJECT, LATE, MISSING, PERIOD

from exports import build_package
from exports import helpers as H
from exports import settings as S
from exports.package import verify_manifest
from newinfra.errors import PlatformError, UserInputError
from newinfra.settings import Settings


# --- the pipeline, once per session (tests/exports/conftest.py: pipeline_home) ----------------------------
@pytest.fixture()
def settings(pipeline_home, tmp_path, monkeypatch) -> Settings:
    """A private copy of the pipeline's home for one test (tests that change it stay apart)."""
    home = tmp_path / "home"
    shutil.copytree(pipeline_home, home, symlinks=True)
    monkeypatch.setenv("NEWINFRA_HOME", str(home))
    return Settings.from_env()


@pytest.fixture()
def built(settings):
    return build_package(settings, PERIOD)


def _published(settings: Settings, sql: str, params=()) -> list[dict]:
    con = duckdb.connect(str(settings.published_warehouse), read_only=True)
    try:
        cur = con.execute(sql, list(params))
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    finally:
        con.close()


def _sheet_rows(ws) -> list[dict]:
    headers = [c.value for c in ws[S.HEADER_ROW]]
    out = []
    for row in ws.iter_rows(min_row=S.FIRST_DATA_ROW):
        if row[0].value is None or not any(c.value is not None for c in row[1:]):
            break
        out.append({h: c for h, c in zip(headers, row, strict=False)})
    return out


# --- layout and manifest ------------------------------------------------------------------------------
def test_package_layout_and_manifest(settings, built):
    folder = settings.exports / PERIOD
    assert built.path == folder and folder.is_dir()
    assert (folder / f"责任分解表进展_{PERIOD}.xlsx").is_file()
    assert (folder / f"月度简报_{PERIOD}.html").is_file()
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    published = json.loads((settings.published / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["period"] == PERIOD and manifest["next_period"] == "2024-07"
    assert manifest["snapshot_id"] == published["snapshot_id"] == built.snapshot_id
    # the package's date is the period's last day (no --issued-on), never the clock or the build time
    assert (
        manifest["generated_at"] == "2024-06-30T00:00:00" and manifest["generated_at_basis"] == "period_end"
    )
    assert manifest["is_forced"] is False
    assert verify_manifest(folder) == []
    # a template for every responsible department, for next period, named <code>_<中文名>_<period>_填报模板
    expected = {
        r["department_code"]: r["name_zh"]
        for r in _published(
            settings,
            "select department_code, name_zh from governance.dim_department where is_reporting_department",
        )  # fmt: skip
    }
    templates = {f["department_code"]: f["path"] for f in manifest["files"] if f["kind"] == "template"}
    assert set(templates) == set(expected)
    for code, path in templates.items():
        assert path == f"templates/{code}_{expected[code]}_2024-07_填报模板.xlsx"
    # the department's previous values come from the marts
    bdb = openpyxl.load_workbook(folder / templates["BDB"])
    names = {c.value for row in bdb.worksheets[1].iter_rows() for c in row}
    assert "算力枢纽节点数据中心标准机架数" in names
    assert any(isinstance(v, float) for row in bdb.worksheets[1].iter_rows(values_only=True) for v in row)
    if not shutil.which("soffice"):
        assert manifest["pdf"]["status"] == "skipped" and "LibreOffice" in manifest["pdf"]["note_zh"]
    # recorded in the publication history
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        rows = con.execute(
            "select period, package_path, manifest_sha256, snapshot_id, is_forced from ops.report_publications "
            "where period = ?",
            [PERIOD],
        ).fetchall()
    finally:
        con.close()
    assert rows == [(PERIOD, f"exports/{PERIOD}", built.manifest_sha256, built.snapshot_id, False)]
    assert H.sha256_file(folder / "manifest.json") == built.manifest_sha256


def test_load_package_reads_back_the_result(settings, built):
    import dataclasses

    from exports import load_package

    assert load_package(settings, PERIOD) == dataclasses.replace(built, notes=[])
    with pytest.raises(UserInputError):
        load_package(settings, "2024-01")


def test_manifest_detects_tampering(settings, built):
    path = built.path / f"月度简报_{PERIOD}.html"
    path.write_text(path.read_text(encoding="utf-8") + "<!-- changed -->", encoding="utf-8")
    (built.path / "extra.txt").write_text("x")
    problems = verify_manifest(built.path)
    assert f"sha256 differs: 月度简报_{PERIOD}.html" in problems
    assert "not in manifest: extra.txt" in problems


# --- the responsibility table against the mart ----------------------------------------------------------
def _as_of_label(period):
    return H.period_label(period) if period else "—"


def _close(cell_value, expected, scale=1.0):
    if expected is None:
        return cell_value is None
    return cell_value is not None and abs(cell_value * scale - expected) <= 1e-9 * max(1.0, abs(expected))


def test_every_figure_of_the_responsibility_table_matches_the_mart(settings, built):
    mart = _published(
        settings, "select * from governance.rpt_responsibility_table where period = ?", [PERIOD]
    )
    by_key = {(r["task_id"], r["indicator_id"]): r for r in mart}
    wb = openpyxl.load_workbook(built.path / f"责任分解表进展_{PERIOD}.xlsx")
    rows = _sheet_rows(wb["责任分解表"])
    assert len(rows) == len(mart) > 0
    seen = set()
    names = {(r["task_id"], r["indicator_name_zh"]): k for k, r in by_key.items()}
    for row in rows:
        key = names[(row["任务编号"].value, row["指标"].value)]
        seen.add(key)
        m = by_key[key]
        scale = m["display_scale"] or 1.0
        assert row["重点任务"].value == m["task_name_zh"]
        assert row["领域"].value == m["sector_zh"]
        assert row["牵头单位"].value == m["lead_department_names_zh"]
        assert row["配合单位"].value == m["co_department_names_zh"]
        assert row["单位"].value == (m["display_unit"] or m["unit"])
        assert _close(row["2022年目标"].value, m["target_2022_value"], scale), key
        assert _close(row["2024年目标"].value, m["target_2024_value"], scale), key
        assert _close(row["最新值"].value, m["actual_value"], scale), key
        assert row["数据截至"].value == _as_of_label(m["actual_period"]), key
        assert _close(row["完成度"].value, m["completion"]), key
        assert _close(row["时间进度"].value, m["time_elapsed"]), key
        assert row["进展状态"].value == m["status_label_zh"], key
        fill = row["进展状态"].fill.fgColor.rgb[-6:]
        assert fill == S.COLOUR_RGB[m["status_colour"]][0], key
        assert _close(row["较上月变化"].value, m["change_since_last_month"], scale), key
        assert _close(row["增长比R"].value, m["growth_ratio"]), key
        assert row["进展分级"].value == (
            S.R_CLASS_LABELS.get(m["growth_class"]) if m["growth_class"] else None
        )
        assert row["依据条款"].value == m["task_source_clause"]
        assert row["最新值"].number_format == H.number_format(m["display_unit"], scale, m["kind"])
    assert seen == set(by_key)
    # the sector sheets hold the same rows, split by sector
    sector_rows = 0
    for sector, name in {(r["sector"], r["sector_zh"]) for r in mart}:
        ws = wb[H.sheet_title(name)]
        sheet = _sheet_rows(ws)
        assert len(sheet) == sum(1 for r in mart if r["sector"] == sector), name
        sector_rows += len(sheet)
    assert sector_rows == len(mart)


def test_cover_counts_rates_and_headlines_match_the_marts(settings, built):
    wb = openpyxl.load_workbook(built.path / f"责任分解表进展_{PERIOD}.xlsx")
    ws = wb["总览"]
    first_col = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1)}
    counts = {
        r["status_code"]: r["n"]
        for r in _published(
            settings,
            "select status_code, count(distinct indicator_id) as n from governance.rpt_responsibility_table "
            "where period = ? group by 1",
            [PERIOD],
        )
    }
    for code, label in S.STATUS_LABELS.items():
        assert ws.cell(first_col[label], 2).value == counts.get(code, 0), label
    rates = _published(settings, "select * from governance.fct_reporting_rates where period = ?", [PERIOD])[0]
    r = first_col["应报部门数"] + 1
    assert [ws.cell(r, c).value for c in range(1, 6)] == [
        rates["n_expected"], rates["n_submitted"], rates["n_on_time"], rates["n_late"], rates["n_missing"],
    ]  # fmt: skip
    assert rates["n_late"] == 1 and rates["n_missing"] == 1
    assert _close(ws.cell(r, 6).value, rates["reporting_rate"])
    racks = _published(
        settings,
        "select actual_value, display_scale from governance.rpt_responsibility_table "
        "where period = ? and indicator_id = 'dc_standard_racks' limit 1",
        [PERIOD],
    )[0]
    row = first_col["算力枢纽节点数据中心标准机架数"]
    assert _close(ws.cell(row, 2).value, racks["actual_value"], racks["display_scale"])
    for label in ("累计建成5G基站数", "物联网连接数", "全省远程医疗服务总量(累计)", "重点项目累计完成投资"):
        assert label in first_col, label
    assert ws["A3"].fill.fgColor.rgb[-6:] != "C00000"


def test_other_sheets_match_the_marts(settings, built):
    wb = openpyxl.load_workbook(built.path / f"责任分解表进展_{PERIOD}.xlsx")
    compliance = {r["部门代码"].value: r for r in _sheet_rows(wb["报送情况"])}
    assert compliance[LATE]["报送情况"].value == "逾期报送"
    assert compliance[MISSING]["报送情况"].value == "未报送"
    assert compliance["BDB"]["报送情况"].value == "按时报送"
    late = _published(
        settings,
        "select days_late from governance.fct_submission_compliance where period = ? and department_code = ?",
        [PERIOD, LATE],
    )[0]
    assert compliance[LATE]["逾期天数"].value == late["days_late"]
    projects = {r["项目代码"].value: r for r in _sheet_rows(wb["重大项目投资"])}
    assert set(projects) == {"XJ-2024-001", "XJ-2024-002"}
    hostile = projects["XJ-2024-001"]["项目名称"]
    assert hostile.value == HOSTILE_PROJECT and hostile.data_type == "s" and hostile.quotePrefix
    assert _close(projects["XJ-2024-001"]["累计完成（亿元）"].value, 88e8, 1e8)
    revisions = _sheet_rows(wb["修订说明"])
    assert [(r["指标"].value, r["报送期"].value, r["地区"].value) for r in revisions] == [
        ("累计建成5G基站数", "2024年5月", "贵阳市")
    ]
    assert _close(revisions[0]["变化"].value * 1e4, 500.0)
    with zipfile.ZipFile(built.path / f"责任分解表进展_{PERIOD}.xlsx") as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert "<f>" not in z.read(name).decode("utf-8")


# --- the briefing -----------------------------------------------------------------------------------------
def test_briefing_shows_every_indicator_and_status(settings, built):
    import re

    page = (built.path / f"月度简报_{PERIOD}.html").read_text(encoding="utf-8")
    mart = _published(
        settings,
        "select distinct indicator_id, indicator_name_zh, status_code, status_label_zh "
        "from governance.rpt_responsibility_table where period = ?",
        [PERIOD],
    )
    shown = dict(re.findall(r'data-indicator="([^"]+)" data-status="([^"]+)"', page))
    assert shown == {r["indicator_id"]: r["status_code"] for r in mart}
    for r in mart:
        assert H.html_text(r["indicator_name_zh"]) in page, r["indicator_id"]
        assert r["status_label_zh"] in page
    assert not re.search(r"""(?:src|href)\s*=|url\(|@import|https?://""", page)
    assert page.count('class="bar"') >= len(mart)


# --- the gate ----------------------------------------------------------------------------------------------
def _fail_a_blocking_check(settings: Settings) -> None:
    from newinfra import db

    with db.writer(settings) as con:
        con.execute(
            """
            insert into quality.check_results
                (run_id, period, contract, dataset, check_name, check_label, check_type, outcome, is_blocking,
                 observed_value, threshold, message, checked_at)
            values ('zz-later-run', ?, 'newinfra/governance/rpt_responsibility_table',
                    'governance.rpt_responsibility_table', 'completion.invalid', '完成度超出范围', 'invalid',
                    'failed', true, 3, '= 0', '未通过：观测值 3', ?)
            """,
            [PERIOD, dt.datetime(2099, 1, 1)],
        )


def test_refuses_when_a_blocking_check_failed_then_force_marks_the_cover_red(settings):
    from pipeline.cli import main

    _fail_a_blocking_check(settings)
    with pytest.raises(UserInputError) as err:
        build_package(settings, PERIOD)
    assert "阻断性质量检查未通过" in err.value.message_zh and "--force" in err.value.message_zh
    assert not (settings.exports / PERIOD).exists()
    assert main(["report", "--period", PERIOD]) == 2

    result = build_package(settings, PERIOD, force=True)
    assert result.is_forced
    wb = openpyxl.load_workbook(result.path / f"责任分解表进展_{PERIOD}.xlsx")
    cover = wb["总览"]["A3"]
    assert "--force" in cover.value and "completion.invalid" not in cover.value and "完成度" in cover.value
    assert cover.fill.fgColor.rgb[-6:] == "C00000"
    page = (result.path / f"月度简报_{PERIOD}.html").read_text(encoding="utf-8")
    assert 'class="banner forced"' in page
    manifest = json.loads((result.path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["is_forced"] is True and manifest["quality"]["blocking_failures"]
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        assert con.execute(
            "select is_forced from ops.report_publications where period = ?", [PERIOD]
        ).fetchall() == [(True,)]
    finally:
        con.close()


def test_refuses_a_period_without_quality_run(settings):
    with pytest.raises(UserInputError) as err:
        build_package(settings, "2024-05")
    assert "没有数据质量检查记录" in err.value.message_zh
    result = build_package(settings, "2024-05", force=True)
    assert (
        result.is_forced
        and "本期没有质量检查记录"
        in openpyxl.load_workbook(result.path / "责任分解表进展_2024-05.xlsx")["总览"]["A3"].value
    )


def test_unknown_period_and_missing_marts_are_clear_errors(settings):
    from pipeline.cli import main

    with pytest.raises(UserInputError):
        build_package(settings, "2024-13")
    assert main(["report", "--period", "24-6"]) == 2
    with pytest.raises(UserInputError) as err:
        build_package(settings, "2030-01", force=True)
    assert "已发布数据中没有报送期" in err.value.message_zh
    settings.published_warehouse.unlink()
    with pytest.raises(PlatformError) as err:
        build_package(settings, PERIOD)
    assert "newinfra build" in err.value.message_zh


def test_locked_warehouse_is_a_clear_error(settings):
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('held', flush=True); sys.stdin.read()",
         str(settings.warehouse)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(PlatformError) as err:
            build_package(settings, PERIOD)
        assert "质量检查结果" in err.value.message_zh
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)


# --- atomic replace, determinism ---------------------------------------------------------------------------
def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_rerun_replaces_keeps_prev_and_gives_identical_bytes(settings, built):
    first = _tree(built.path)
    again = build_package(settings, PERIOD)
    assert again.replaced_previous
    prev = settings.exports / f"{PERIOD}.prev"
    assert _tree(prev) == first
    second = _tree(again.path)
    if "pdf" not in {f["kind"] for f in again.files}:  # LibreOffice stamps its PDFs with the time
        assert second == first  # every file byte-identical, manifest included
    assert again.manifest_sha256 == built.manifest_sha256
    assert not list(settings.exports.glob(".tmp-*"))


def test_a_failed_build_leaves_the_published_package_untouched(settings, built, monkeypatch):
    import exports.briefing

    before = _tree(built.path)

    def boom(data):
        raise RuntimeError("disk full")

    monkeypatch.setattr(exports.briefing, "render_briefing", boom)
    with pytest.raises(RuntimeError):
        build_package(settings, PERIOD)
    assert _tree(settings.exports / PERIOD) == before
    assert not (settings.exports / f"{PERIOD}.prev").exists()
    assert not list(settings.exports.glob(".tmp-*"))


def test_cli_json(settings, capsys):
    from pipeline.cli import main

    assert main(["report", "--period", PERIOD, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["period"] == PERIOD and out["is_forced"] is False
    assert out["delivery"] is None
    assert {f["kind"] for f in out["files"]} >= {"workbook", "briefing", "template"}


def test_cli_builds_and_delivers(settings, smtp_server, monkeypatch, capsys):
    import email
    import email.policy

    from pipeline.cli import main

    port, inbox, _ = smtp_server
    monkeypatch.setenv("NEWINFRA_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("NEWINFRA_SMTP_PORT", str(port))
    monkeypatch.setenv("NEWINFRA_MAIL_TO", "office@example.org")
    assert main(["report", "--period", PERIOD, "--deliver"]) == 0
    out = capsys.readouterr().out
    assert "邮件 / mail: 已发送至 office@example.org" in out
    msg = email.message_from_bytes(inbox.messages[0][1], policy=email.policy.default)
    assert "2024年6月" in msg["Subject"]
    assert {p.get_filename() for p in msg.iter_attachments()} >= {
        f"责任分解表进展_{PERIOD}.xlsx",
        f"月度简报_{PERIOD}.html",
    }


# --- a real browser -----------------------------------------------------------------------------------------
def _chromium() -> str | None:
    for name in ("/usr/bin/chromium", "chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.mark.slow
@pytest.mark.skipif(
    _chromium() is None, reason="Chromium is not installed (Debian: apt-get install chromium)"
)
def test_briefing_renders_in_headless_chromium(settings, built, tmp_path):
    """Screenshots at desktop and phone width, and a print to PDF. NEWINFRA_SCREENSHOT_DIR keeps the
    PNGs (e.g. for CI artefacts)."""
    page = built.path / f"月度简报_{PERIOD}.html"
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
             "--hide-scrollbars"]  # fmt: skip
    env = {**os.environ, "HOME": str(tmp_path)}
    outputs = []
    for label, size in (("desktop", "1200,2400"), ("phone", "390,2400")):
        shot = tmp_path / f"briefing_{label}.png"
        proc = subprocess.run(
            [_chromium(), *flags, f"--window-size={size}", f"--screenshot={shot}", page.as_uri()],
            capture_output=True, text=True, timeout=120, env=env,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr[-2000:]
        data = shot.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
        outputs.append(shot)
    pdf = tmp_path / "briefing.pdf"
    proc = subprocess.run(
        [_chromium(), *flags, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri()],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    assert proc.returncode == 0 and pdf.read_bytes()[:5] == b"%PDF-", proc.stderr[-2000:]
    keep = os.environ.get("NEWINFRA_SCREENSHOT_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        for path in [*outputs, pdf]:
            shutil.copy(path, Path(keep) / path.name)
