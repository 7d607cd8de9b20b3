"""`newinfra build` on an empty raw (no submissions: everything no_data); every model and column is
documented; `dbt docs generate` works offline."""

from __future__ import annotations

import json

import duckdb
import pytest
from dbt_testing import build_home, copy_seeded_home, one

from newinfra.dbt import run_dbt
from newinfra.settings import Settings


def test_build_passes_on_an_empty_raw(seeded_home_template, tmp_path):
    home = copy_seeded_home(seeded_home_template, tmp_path / "home")
    result = build_home(home, "--period", "2024-06")
    assert result["ok"] is True and not result["failures"]
    assert result["counts"].get("pass", 0) > 100 and result["published"]["tables"] > 20
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        statuses = con.execute(
            "select distinct status_code from governance.rpt_responsibility_table"
        ).fetchall()
        assert statuses == [("no_data",)]
        months = one(con, "select count(distinct period) as n from governance.rpt_responsibility_table")
        assert months["n"] == 30  # 2022-01 .. 2024-06
        rates = one(
            con, "select max(reporting_rate) as r, min(n_expected) as e from governance.fct_reporting_rates"
        )
        assert rates["r"] == 0.0 and rates["e"] > 0
        assert one(con, "select count(*) as n from governance.fct_indicator_monthly")["n"] == 0
    finally:
        con.close()


def test_every_model_and_column_is_documented(fixture_home):
    manifest = json.loads((fixture_home / "dbt" / "target" / "manifest.json").read_text(encoding="utf-8"))
    con = duckdb.connect(str(fixture_home / "warehouse.duckdb"), read_only=True)
    problems = []
    try:
        for node in manifest["nodes"].values():
            if node["resource_type"] != "model":
                continue
            actual = {
                name
                for (name,) in con.execute(
                    "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
                    [node["schema"], node["alias"]],
                ).fetchall()
            }
            described = {name for name, col in node["columns"].items() if col.get("description", "").strip()}
            if actual != described:
                problems.append((node["name"], sorted(actual - described), sorted(described - actual)))
            if not any("\u4e00" <= ch <= "\u9fff" for ch in node["description"]):
                problems.append((node["name"], "no Chinese in the description"))
            if not node["description"].strip():
                problems.append((node["name"], "no description"))
    finally:
        con.close()
    assert problems == []


@pytest.mark.slow  # ~10-25 s: dbt reads the catalog of every schema
def test_dbt_docs_generate_works_offline(fixture_home):
    settings = Settings(home=fixture_home)
    result = run_dbt(settings, "docs", "generate", "--static", "--no-compile")
    assert result.ok
    page = (fixture_home / "dbt" / "target" / "static_index.html").read_text(encoding="utf-8")
    assert "rpt_responsibility_table" in page
    assert json.dumps("责任分解表进展")[1:-1] in page  # Chinese descriptions, JSON-escaped in the page
