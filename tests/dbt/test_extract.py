"""`newinfra extract`: a published mart as CSV or Parquet, run through the CLI as an analyst would,
read back and compared with the analysts' copy itself."""

from __future__ import annotations

import csv
import io
import json
import shutil

import duckdb
import pytest
from dbt_rawdata import FIXTURE_PERIOD

from pipeline.cli import main


@pytest.fixture()
def published(fixture_home, tmp_path, monkeypatch):
    """The built fixture home (read-only use) and a clean working folder."""
    monkeypatch.setenv("NEWINFRA_HOME", str(fixture_home))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return fixture_home / "published" / "marts.duckdb"


def _copy(published, sql, params=()):
    con = duckdb.connect(str(published), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def _run(capsys, *argv):
    code = main(["extract", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_list_shows_every_published_table_with_rows(published, capsys):
    code, out, _ = _run(capsys, "--list", "--json")
    assert code == 0
    listed = json.loads(out)
    expected = _copy(
        published,
        "select table_schema || '.' || table_name, row_count from meta.published_tables order by 1",
    )
    assert [(t["table"], t["rows"]) for t in listed["tables"]] == [(n, r) for n, r in expected]
    assert listed["snapshot_id"] == _copy(published, "select snapshot_id from meta.publication")[0][0]
    code, out, _ = _run(capsys, "--list")
    assert code == 0 and "governance.fct_indicator_progress" in out and "snapshot" in out


def test_csv_of_one_period_has_the_copys_rows_with_a_bom(published, capsys, tmp_path):
    code, out, _ = _run(capsys, "governance.fct_indicator_progress", "--period", FIXTURE_PERIOD)
    assert code == 0
    path = tmp_path / "work" / f"governance.fct_indicator_progress_{FIXTURE_PERIOD}.csv"
    assert str(path) in out
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    columns = [
        r[0]
        for r in _copy(
            published,
            "select column_name from information_schema.columns where table_schema = 'governance' "
            "and table_name = 'fct_indicator_progress' order by ordinal_position",
        )
    ]
    assert list(rows[0]) == columns
    expected = _copy(
        published,
        "select indicator_id, cast(actual_value as varchar), status_code from governance.fct_indicator_progress "
        "where period = ?",
        [FIXTURE_PERIOD],
    )
    assert len(rows) == len(expected) > 0
    assert {(r["indicator_id"], r["actual_value"] or None, r["status_code"]) for r in rows} == set(expected)
    assert {r["period"] for r in rows} == {FIXTURE_PERIOD}
    # the same copy gives the same bytes
    assert _run(capsys, "governance.fct_indicator_progress", "--period", FIXTURE_PERIOD)[0] == 0
    assert path.read_bytes() == raw
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no temp file left


def test_sector_filter_and_gb18030(published, capsys, tmp_path):
    out_file = tmp_path / "rt.csv"
    code, _, _ = _run(
        capsys,
        "rpt_responsibility_table",
        "--period",
        FIXTURE_PERIOD,
        "--sector",
        "compute",
        "--encoding",
        "gb18030",
        "-o",
        str(out_file),
    )
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out_file.read_bytes().decode("gb18030"))))
    names = _copy(
        published,
        "select indicator_name_zh from governance.rpt_responsibility_table where period = ? and sector = ?",
        [FIXTURE_PERIOD, "compute"],
    )
    assert len(rows) == len(names) > 0
    assert {r["sector"] for r in rows} == {"compute"}
    assert sorted(r["indicator_name_zh"] for r in rows) == sorted(n for (n,) in names)


def test_parquet_into_a_folder(published, capsys, tmp_path):
    folder = tmp_path / "extracts"
    folder.mkdir()
    code, out, _ = _run(capsys, "governance.dim_task", "--format", "parquet", "--out", str(folder), "--json")
    assert code == 0
    result = json.loads(out)
    target = folder / "governance.dim_task.parquet"
    assert result["path"] == str(target) and result["rows"] > 0
    back = duckdb.sql(f"select task_id, sort_order from read_parquet('{target}') order by all").fetchall()
    assert back == _copy(published, "select task_id, sort_order from governance.dim_task order by all")


def test_standard_output_has_no_bom_and_the_summary_goes_to_stderr(published, capsys):
    code, out, err = _run(capsys, "governance.dim_prefecture", "--out", "-")
    assert code == 0
    assert not out.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == len(_copy(published, "select * from governance.dim_prefecture"))
    assert "dim_prefecture" in err


@pytest.mark.parametrize(
    ("argv", "zh", "en"),
    [
        (["governance.fct_indicator_progres"], "是否想要：governance.fct_indicator_progress", "did you mean"),
        (["governance.dim_task", "--period", FIXTURE_PERIOD], "没有 period", "has no `period` column"),
        (["governance.fct_indicator_progress", "--period", "2024-13"], "YYYY-MM", "YYYY-MM"),
        (["governance.rpt_responsibility_table", "--sector", "space"], "未知领域 space", "unknown sector"),
        (["governance.dim_task", "--format", "xlsx"], "不支持的格式 xlsx", "unsupported format"),
        (["governance.dim_task", "--encoding", "latin-1"], "不支持的编码", "unsupported encoding"),
        (["governance.dim_task", "--format", "parquet", "--out", "-"], "标准输出", "standard output"),
        (["governance.dim_task", "--out", "/nonexistent-folder/x.csv"], "输出目录不存在", "does not exist"),
        ([], "请给出表名", "name a table"),
    ],
)
def test_mistakes_get_a_clear_message_and_no_file(published, capsys, tmp_path, argv, zh, en):
    code, out, err = _run(capsys, *argv)
    assert code == 2
    assert zh in err and en in err
    assert "Traceback" not in err
    assert list((tmp_path / "work").iterdir()) == []


def test_no_published_copy_yet(home, capsys):
    code, _, err = _run(capsys, "--list")
    assert code == 1
    assert "newinfra init" in err or "不存在" in err


def test_an_older_extract_is_replaced_whole(published, capsys, tmp_path):
    target = tmp_path / "p.csv"
    target.write_text("stale\n" * 100_000, encoding="utf-8")
    assert _run(capsys, "governance.dim_prefecture", "-o", str(target))[0] == 0
    text = target.read_text(encoding="utf-8-sig")
    assert "stale" not in text and text.splitlines()[0].startswith("prefecture_code")
    shutil.rmtree(tmp_path / "work")
