"""The monthly package end to end, on the real pipeline: a small raw fixture (demo curves for
2023-12..2024-06, a late and a missing department, major projects with a hostile name, a revision
after publication) -> real ``dbt build`` -> ``newinfra.transform.publish`` -> real Soda checks ->
``build_package``. The workbook and the briefing are compared with the published marts.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
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
    """One row per indicator and target year (fct_target_assessment); every task of the indicator
    (the plan's numbering, dim_task's order) in one cell; figures as in the marts; the stale flag
    and the outlook written from the marts' columns, recomputed here by hand."""
    mart = _published(
        settings,
        "select r.*, t.sort_order as task_sort from governance.rpt_responsibility_table r "
        "join governance.dim_task t using (task_id) where r.period = ? order by t.sort_order",
        [PERIOD],
    )
    targets = _published(
        settings, "select * from governance.fct_target_assessment where period = ?", [PERIOD]
    )
    by_indicator: dict[str, list[dict]] = {}
    for r in mart:
        by_indicator.setdefault(r["indicator_id"], []).append(r)
    by_target = {(t["indicator_id"], t["target_year"]): t for t in targets}
    names = {rows[0]["indicator_name_zh"]: ind for ind, rows in by_indicator.items()}
    wb = openpyxl.load_workbook(built.path / f"责任分解表进展_{PERIOD}.xlsx")
    rows = _sheet_rows(wb["责任分解表"])
    assert len(rows) == len(by_target) > len(by_indicator) > 0  # some indicators have two targets
    assert len(mart) > len(by_indicator)  # some indicators sit under several tasks
    assert not any(c.startswith("growth") for c in mart[0])  # R stays in the analysts' marts
    seen = set()
    for row in rows:
        ind = names[row["指标"].value]
        year = int(row["目标"].value[:4])
        t = by_target[(ind, year)]
        seen.add((ind, year))
        tasks = by_indicator[ind]
        m = tasks[0]
        scale = m["display_scale"] or 1.0
        clauses = list(dict.fromkeys(t_["task_source_clause"] for t_ in tasks))
        assert row["任务编号"].value == "；".join(clauses), ind
        assert all(re.match(r"^(主方案|附件\d) [一二三四五六七八九十]", c) for c in clauses), clauses
        leads = list(
            dict.fromkeys(d for t_ in tasks for d in (t_["lead_department_names_zh"] or "").split("、") if d)
        )
        assert row["牵头单位"].value == ("、".join(leads) or None), ind
        assert row["目标"].value == f"{year}年 {t['target_text_zh']}", ind
        unit = m["display_unit"] or m["unit"]
        fmt = H.number_format(m["display_unit"], scale, m["kind"])
        if unit not in ("", "无量纲") and m["kind"] != "milestone":
            fmt += f'"{unit}"'
        assert row["最新值"].number_format == fmt, ind
        assert _close(row["最新值"].value, t["actual_value"], scale), ind
        period = t["actual_period"]
        if t["is_stale"]:
            assert row["数据截至"].value == f"数据未更新（截至{int(period[:4])}年{int(period[5:])}月）", ind
        else:
            assert row["数据截至"].value == (f"{int(period[:4])}.{int(period[5:])}" if period else "—"), ind
        assert _close(row["完成率"].value, t["completion_rate"]), ind
        assert row["进展状态"].value == t["status_label_zh"], ind
        fill = row["进展状态"].fill.fgColor.rgb[-6:]
        assert fill == S.COLOUR_RGB[t["status_colour"]][0], ind
        assert _close(row["较上月"].value, m["change_since_last_month"], scale), ind
        outlook = row["研判"].value
        if t["assessment_note_zh"]:
            assert outlook == t["assessment_note_zh"], ind
        elif t["projected_value"] is not None:
            # by hand: the pace is (target - latest) / months left, the projection as the mart says
            months = t["months_to_deadline"]
            pace = (t["target_value"] - t["actual_value"]) / months
            assert _close(t["required_monthly_change"], pace), ind
            assert outlook.startswith(t["verdict_label_zh"] + "：预计到期"), ind
            assert ("需月均增加" if pace > 0 else "需月均减少") in outlook, ind
    assert seen == set(by_target)
    # the status filter counts what 总览 counts
    cover = wb["总览"]
    first_col = {cover.cell(r, 1).value: r for r in range(1, cover.max_row + 1)}
    for label in S.STATUS_LABELS.values():
        n = sum(1 for row in rows if row["进展状态"].value == label)
        assert cover.cell(first_col[label], 2).value == n, label
    n_stale = sum(1 for t in targets if t["is_stale"])
    if n_stale:
        assert cover.cell(first_col["其中：数据未更新"], 2).value == n_stale
    # the sector sheets hold the same targets, split by sector
    sector_rows = 0
    for sector, name in {(r["sector"], r["sector_zh"]) for r in mart}:
        sheet = _sheet_rows(wb[H.sheet_title(name)])
        assert len(sheet) == sum(1 for t in targets if t["sector"] == sector), name
        sector_rows += len(sheet)
    assert sector_rows == len(by_target)
    detail = {(r["指标"].value, r["目标年"].value): r for r in _sheet_rows(wb["责任分解表（明细）"])}
    assert len(detail) == len(by_target)
    for name, ind in names.items():
        for (ind_, year), t in by_target.items():
            if ind_ != ind:
                continue
            scale = t["display_scale"] or 1.0
            assert _close(detail[(name, year)]["目标值"].value, t["target_value"], scale), ind
            assert _close(detail[(name, year)]["时间进度"].value, t["time_elapsed"]), ind
            assert _close(detail[(name, year)]["基期以来进度"].value, t["progress_since_baseline"]), ind


def test_cover_counts_rates_and_headlines_match_the_marts(settings, built):
    wb = openpyxl.load_workbook(built.path / f"责任分解表进展_{PERIOD}.xlsx")
    ws = wb["总览"]
    first_col = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1)}
    counts = {  # one per target (indicator x target year), as the main table lists them
        r["status_code"]: r["n"]
        for r in _published(
            settings,
            "select status_code, count(*) as n from governance.fct_target_assessment "
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
    # the headline is exactly the plan's 主要目标 (主方案 一(二)), in the plan's order
    goals = [
        r["name_zh"]
        for r in _published(
            settings,
            "select name_zh from governance.dim_indicator where source_clause like '%主方案 一(二)%' order by sort_order",
        )
    ]
    section = first_col["一、主要目标（方案一（二））"]
    shown = [ws.cell(r, 1).value for r in range(section + 2, section + 2 + len(goals))]
    assert shown == goals and len(goals) == 5
    assert ws.cell(section + 2 + len(goals), 1).value is None
    assert ws["A3"].fill.fgColor.rgb[-6:] != "C00000"


def test_other_sheets_match_the_marts(settings, built):
    wb = openpyxl.load_workbook(built.path / f"责任分解表进展_{PERIOD}.xlsx")
    dept = {
        r["department_code"]: r["name_zh"]
        for r in _published(settings, "select department_code, name_zh from governance.dim_department")
    }
    compliance = {r["部门"].value: r for r in _sheet_rows(wb["报送情况"])}
    assert compliance[dept[LATE]]["报送情况"].value == "逾期报送"
    assert compliance[dept[MISSING]]["报送情况"].value == "未报送"
    assert compliance[dept["BDB"]]["报送情况"].value == "按时报送"
    late = _published(
        settings,
        "select days_late from governance.fct_submission_compliance where period = ? and department_code = ?",
        [PERIOD, LATE],
    )[0]
    assert compliance[dept[LATE]]["逾期天数"].value == late["days_late"]
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


def test_no_internal_task_code_is_printed(settings, built):
    """People read the plan's own numbering (主方案 二(一)1), never the seeds' task ids (M-GOAL, A4-05)."""
    codes = {r["task_id"] for r in _published(settings, "select task_id from governance.dim_task")}
    assert "M-GOAL" in codes
    pattern = re.compile(
        r"(?<![A-Za-z0-9])(?:" + "|".join(re.escape(c) for c in sorted(codes)) + r")(?![0-9])"
    )
    wb = openpyxl.load_workbook(built.path / f"责任分解表进展_{PERIOD}.xlsx")
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    assert not pattern.search(cell.value), (ws.title, cell.coordinate, cell.value)
    page = (built.path / f"月度简报_{PERIOD}.html").read_text(encoding="utf-8")
    assert not pattern.search(page)


def test_remarks_and_contacts_match_the_marts(settings, built):
    """问题与建议 lists every current remark of the period (fct_submission_remarks); the 催报 list gives
    each department's contact from dim_department_contact, 未登记 when it never gave one."""
    remarks = _published(
        settings,
        "select department_name_zh, remark from governance.fct_submission_remarks "
        "where period = ? and is_current",
        [PERIOD],
    )
    assert remarks  # the fixture's files carry remarks (demo.fill writes them on some rows)
    wb = openpyxl.load_workbook(built.path / f"责任分解表进展_{PERIOD}.xlsx")
    shown = [
        (r["部门"].value, r["备注（问题与建议）"].value)
        for r in _sheet_rows(wb["问题与建议"])
        if r["类别"].value in ("指标", "重大项目")
    ]
    assert sorted(shown) == sorted((r["department_name_zh"], r["remark"]) for r in remarks)
    contacts = {
        r["department_name_zh"]: r
        for r in _published(settings, "select * from governance.dim_department_contact")
    }
    chasing = _sheet_rows(wb["催报清单"])
    assert chasing and any(c["has_contact"] for c in contacts.values())
    dept = _published(
        settings, "select name_zh from governance.dim_department where department_code = ?", [LATE]
    )
    late = next(r for r in chasing if r["部门"].value == dept[0]["name_zh"])
    assert late["联系人"].value == "张三 13800000000"  # the late department gave its contact
    for row in chasing:
        name = row["部门"].value
        if not row["问题"].value:
            continue
        c = contacts.get(name)
        if c is None or not c["has_contact"]:
            assert row["联系人"].value == "未登记", name
        else:
            assert (c["contact_name"] or c["contact_phone_as_written"]) in row["联系人"].value, name


# --- the briefing -----------------------------------------------------------------------------------------
def test_briefing_lists_the_exceptions_and_the_goals(settings, built):
    page = (built.path / f"月度简报_{PERIOD}.html").read_text(encoding="utf-8")
    mart = _published(  # one row per target, as the workbook's main table and 总览 count them
        settings,
        "select indicator_id, indicator_name_zh, status_code, status_label_zh, status_colour, "
        "status_sort_order, indicator_sort_order, target_year "
        "from governance.fct_target_assessment where period = ?",
        [PERIOD],
    )
    # the targets needing attention (the seed's red and yellow statuses), worst first, the first 20
    attention = sorted(
        (r for r in mart if r["status_colour"] in ("red", "yellow")),
        key=lambda r: (
            r["status_sort_order"],
            r["indicator_sort_order"],
            r["indicator_id"],
            r["target_year"],
        ),
    )
    pairs = re.findall(r'<tr data-indicator="([^"]+)" data-status="([^"]+)"', page)
    assert pairs == [(r["indicator_id"], r["status_code"]) for r in attention[:20]]
    if len(attention) > 20:
        assert f"以上为最紧急的 20 个，共 {len(attention)} 个目标需关注" in page
    shown = dict(pairs)
    for r in mart:
        if r["indicator_id"] in shown:
            assert H.html_text(r["indicator_name_zh"]) in page, r["indicator_id"]
    goals = re.findall(r'data-headline="([^"]+)"', page)
    expected = [
        r["indicator_id"]
        for r in _published(
            settings,
            "select indicator_id from governance.dim_indicator where source_clause like '%主方案 一(二)%' order by sort_order",
        )
    ]
    assert goals == expected
    achieved = sum(1 for r in mart if r["status_code"] == "achieved")
    n_indicators = len({r["indicator_id"] for r in mart})
    assert f"方案 {n_indicators} 项指标的 {len(mart)} 个目标中已完成 {achieved} 个" in page
    assert not re.search(r"""(?:src|href)\s*=|url\(|@import|https?://""", page)


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
    assert main(["report", "--period", PERIOD, "--deliver"]) == 2  # a new package is a draft: not sent
    assert main(["report", "--period", PERIOD]) == 0
    assert inbox.messages == []
    # progress per file of the package, as plain lines when stderr is not a terminal
    shown = [line for line in capsys.readouterr().err.splitlines() if line.startswith("[报告包 report] ")]
    assert shown and "(100%)" in shown[-1] and "当前 current manifest.json" in shown[-1], shown
    assert main(["report", "--period", PERIOD, "--approve", "--by", "张审核", "--deliver"]) == 0
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


# --- synthetic inputs (docs/report.md) ------------------------------------------------------------------
def test_real_inputs_say_nothing_of_synthetic_data(settings, built):
    manifest = json.loads((built.path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["is_synthetic"] is False and manifest["synthetic_inputs"] == []
    assert "示例数据" not in (built.path / f"月度简报_{PERIOD}.html").read_text(encoding="utf-8")
    with zipfile.ZipFile(built.path / f"责任分解表进展_{PERIOD}.xlsx") as z:
        for name in z.namelist():
            assert "示例数据" not in z.read(name).decode("utf-8", "replace"), name


def test_demo_files_in_the_warehouse_mark_the_package(settings):
    """The demo generator's manifest lists the sha256 of its files: when the warehouse holds one of
    them, every part of the package says 示例数据; a synthetic public source does the same."""
    shas = [
        r["sha"]
        for r in _published_wh(
            settings, "select coalesce(content_sha256, file_id) as sha from raw.submission_files"
        )
    ]
    (settings.home / "demo").mkdir(exist_ok=True)
    (settings.home / "demo" / "demo_manifest.json").write_text(
        json.dumps({"synthetic": True, "files": [{"sha256": s} for s in shas[:3]] + [{"sha256": "0" * 64}]}),
        encoding="utf-8",
    )
    result = build_package(settings, PERIOD)
    label = "示例数据（合成数据，非官方统计）"
    manifest = json.loads((result.path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["is_synthetic"] is True and manifest["synthetic_label"] == label
    assert manifest["synthetic_inputs"] == ["3 份部门报送文件由演示数据生成器合成"]
    wb = openpyxl.load_workbook(result.path / f"责任分解表进展_{PERIOD}.xlsx")
    assert wb["总览"]["A3"].value.startswith(label)
    assert all(ws.oddHeader.right.text == label and ws.oddFooter.right.text == label for ws in wb.worksheets)
    assert wb.properties.keywords == label
    page = (result.path / f"月度简报_{PERIOD}.html").read_text(encoding="utf-8")
    assert page.split("<body>", 1)[1].lstrip().startswith('<p class="synthetic"')


def _published_wh(settings: Settings, sql: str) -> list[dict]:
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        cur = con.execute(sql)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    finally:
        con.close()


_OVERLAP_PROBE = """
<script>
(function () {
  function box(el) { var r = el.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; }
  function meets(a, b) { return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]; }
  var out = [];
  document.querySelectorAll("svg").forEach(function (svg, i) {
    var label = svg.querySelector(".target-label");
    if (!label) return;
    var l = box(label);
    var marks = svg.querySelectorAll("polyline, circle, text:not(.target-label)");
    var hits = [];
    marks.forEach(function (m) { if (meets(l, box(m))) hits.push(m.tagName + ":" + (m.textContent || "")); });
    out.push({chart: i, label: label.textContent, width: l[2] - l[0], hits: hits});
  });
  var pre = document.createElement("pre"); pre.id = "probe"; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>
"""


@pytest.mark.slow
@pytest.mark.skipif(
    _chromium() is None or shutil.which("pdfinfo") is None,
    reason="Chromium or poppler-utils is not installed (Debian: chromium, poppler-utils)",
)
def test_briefing_labels_clear_of_charts_and_four_a4_pages(settings, built, tmp_path):
    """In a real browser: no chart's target label overlaps its line, points or axis labels
    (bounding boxes from the DOM of a probe copy of the page), and the briefing prints to at most
    four A4 pages."""
    page = built.path / f"月度简报_{PERIOD}.html"
    probe = tmp_path / "probe.html"
    probe.write_text(
        page.read_text(encoding="utf-8").replace("</body>", _OVERLAP_PROBE + "</body>"), encoding="utf-8"
    )
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
    ]
    env = {**os.environ, "HOME": str(tmp_path)}
    for size in ("1280,2000", "390,2000"):
        proc = subprocess.run(
            [_chromium(), *flags, f"--window-size={size}", "--virtual-time-budget=5000", "--dump-dom", probe.as_uri()],
            capture_output=True, text=True, timeout=120, env=env,
        )  # fmt: skip
        found = re.search(r'<pre id="probe">(.*?)</pre>', proc.stdout, flags=re.S)
        assert found, proc.stderr[-2000:]
        charts = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))
        assert len(charts) >= 5  # the plan's 主要目标, each with its target line
        for chart in charts:
            assert chart["width"] > 0 and chart["hits"] == [], (size, chart)
    pdf = tmp_path / "briefing.pdf"
    proc = subprocess.run(
        [_chromium(), *flags, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri()],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, flags=re.M).group(1))
    assert 1 <= pages <= 4, pages
    assert "A4" in info or "595" in info


def test_investment_check_reconciles_with_the_marts(settings, built):
    """The reported total, the projects' sum and its parts, recomputed here in SQL from the mart."""
    sums = _published(
        settings,
        """
        select
            count(*) as n,
            sum(cumulative_completed_yuan) as total,
            count(*) filter (where is_reported) as n_reported,
            coalesce(sum(cumulative_completed_yuan) filter (where is_reported), 0) as reported,
            count(*) filter (where not is_reported) as n_carried,
            coalesce(sum(cumulative_completed_yuan) filter (where not is_reported), 0) as carried
        from governance.fct_project_investment
        where period = ?
        """,
        [PERIOD],
    )[0]
    wb = openpyxl.load_workbook(built.path / f"责任分解表进展_{PERIOD}.xlsx")
    rows = {(r["分组"].value, r["项目"].value): r for r in _sheet_rows(wb["投资核对"])}
    total = rows[("核对", "重大项目库各项目累计完成投资合计")]
    assert total["项目数"].value == sums["n"] and _close(
        total["累计完成投资（亿元）"].value, sums["total"], 1e8
    )
    reported = rows[("核对", "其中：本月报送的项目")]
    assert reported["项目数"].value == sums["n_reported"]
    assert _close(reported["累计完成投资（亿元）"].value, sums["reported"], 1e8)
    carried = rows[("核对", "其中：本月未报送的项目（沿用最近一次报送数）")]
    assert carried["项目数"].value == sums["n_carried"]
    official = _published(
        settings,
        "select actual_value from governance.rpt_responsibility_table where period = ? "
        "and indicator_id = 'key_project_investment' limit 1",
        [PERIOD],
    )
    if official and official[0]["actual_value"] is not None:
        diff = rows[("核对", "差额（牵头部门报送 − 项目合计）")]
        assert _close(diff["累计完成投资（亿元）"].value, official[0]["actual_value"] - sums["total"], 1e8)
    by_sector = sum(r["累计完成投资（亿元）"].value for k, r in rows.items() if k[0] == "按领域")
    assert _close(by_sector, sums["total"], 1e8)
    by_prefecture = sum(r["累计完成投资（亿元）"].value for k, r in rows.items() if k[0] == "按市(州)")
    assert _close(by_prefecture, sums["total"], 1e8)


def test_rankings_match_the_monthly_mart(settings, built):
    """Each by-prefecture indicator's prefectures in the order of a SQL rank over the mart."""
    expected = _published(
        settings,
        """
        select m.indicator_id, m.prefecture_name_zh, m.is_carried_forward,
            rank() over (
                partition by m.indicator_id
                order by case when i.direction = 'at_most' then m.value else -m.value end, m.prefecture_sort_order
            ) as rank_no
        from governance.fct_indicator_monthly m join governance.dim_indicator i using (indicator_id)
        where m.period = ? and i.is_by_prefecture and not m.is_province and m.value is not null
        """,
        [PERIOD],
    )
    assert expected
    wb = openpyxl.load_workbook(built.path / f"责任分解表进展_{PERIOD}.xlsx")
    names = {
        r["indicator_id"]: r["name_zh"]
        for r in _published(settings, "select indicator_id, name_zh from governance.dim_indicator")
    }
    shown = {(r["指标"].value, r["市(州)"].value): r for r in _sheet_rows(wb["市(州)排名"])}
    assert len(shown) == len(expected)
    for e in expected:
        row = shown[(names[e["indicator_id"]], e["prefecture_name_zh"])]
        assert row["排名"].value.split("/")[0] == str(e["rank_no"]), e
        assert (row["沿用上期"].value == "沿用上期") is bool(e["is_carried_forward"]), e


def test_chasing_list_for_the_missing_department(settings, built):
    """The department whose files were removed owes every indicator it leads (from the seeds),
    and its notice says so."""
    dept = _published(
        settings, "select name_zh from governance.dim_department where department_code = ?", [MISSING]
    )[0]["name_zh"]
    led = {
        r["name_zh"]
        for r in _published(
            settings, "select name_zh from governance.dim_indicator where lead_department_code = ?", [MISSING]
        )
    }
    assert led
    wb = openpyxl.load_workbook(built.path / f"责任分解表进展_{PERIOD}.xlsx")
    rows = {r["部门"].value: r for r in _sheet_rows(wb["催报清单"])}
    row = rows[dept]
    assert row["问题"].value.startswith("未报送")
    assert set(row["缺报指标"].value.split("、")) == led
    assert "尚未报送" in row["催报通知（可直接发送）"].value and dept in row["催报通知（可直接发送）"].value
    assert list(rows)[0] == dept  # the missing department first


def test_source_health_sheet_lists_every_source_as_the_mart_says(settings):
    """The technical sheet 公开数据源（技术）: one row per public source with its health label, newest
    month and lag, read back from the workbook and compared with governance.fct_public_source_health
    after a real fetch of the declared sources and a dbt build of the mart."""
    from ingestion.public_stats import fetch_sources
    from newinfra.transform import build, publish_marts

    fetch_sources(settings)
    build(settings, "+fct_public_source_health", period=PERIOD)
    publish_marts(settings)
    built = build_package(settings, PERIOD, force=True)
    expected = _published(
        settings,
        "select source_name, health_label_zh, newest_period, months_behind "
        "from governance.fct_public_source_health order by source_name",
    )
    book = openpyxl.load_workbook(built.path / f"责任分解表进展_{PERIOD}.xlsx", read_only=True)
    try:
        rows = list(book["公开数据源（技术）"].iter_rows(values_only=True))
    finally:
        book.close()
    header = next(i for i, row in enumerate(rows) if row[:2] == ("状态", "数据源"))
    col = {name: rows[header].index(name) for name in ("状态", "编码", "最新数据月", "落后月数")}
    got = sorted(
        (r[col["编码"]], r[col["状态"]], r[col["最新数据月"]], r[col["落后月数"]])
        for r in rows[header + 1 :]
        if r[col["编码"]]
    )
    want = [
        (e["source_name"], e["health_label_zh"], e["newest_period"], e["months_behind"]) for e in expected
    ]
    assert got == want and want
