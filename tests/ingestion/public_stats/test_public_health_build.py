"""Source health and the cross-check after a real dbt build (docs/public-stats.md): real-format
sources loaded from the fixtures, one of them then failing, the demo's file drops, and the disabled
sources never fetched. Every expected figure is worked out here from the ledger or by hand, not
read from another model."""

from __future__ import annotations

import pytest

from ingestion.public_stats import fetch_sources
from newinfra import db
from newinfra.settings import PROJECT_ROOT

FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "public"
PERIOD = "2024-06"  # the report month of the build


def _months(a: str, b: str) -> int:
    (ya, ma), (yb, mb) = (map(int, a.split("-")), map(int, b.split("-")))
    return (yb - ya) * 12 + (mb - ma)


@pytest.fixture(scope="module")
def built(seeded_home_template, tmp_path_factory):
    import shutil

    from newinfra.settings import Settings
    from newinfra.transform import build

    home = tmp_path_factory.mktemp("public_health") / "home"
    shutil.copytree(seeded_home_template, home, ignore=shutil.ignore_patterns("dbt"))
    mp = pytest.MonkeyPatch()
    mp.setenv("NEWINFRA_HOME", str(home))
    mp.delenv("NEWINFRA_PUBLIC_SOURCES_BASE", raising=False)
    settings = Settings.from_env()
    fetch_sources(settings)  # the demo's three synthetic file drops
    for name, fixture in [
        ("gzstj_monthly_telecom", "gzstj_yb_2024-06.xlsx"),
        ("gzstj_monthly_telecom", "miit_login.html"),  # then it fails: the last good version stays
        ("nbs_fsnd_guizhou", "nbs_fsnd_520000_first.json"),
    ]:
        fetch_sources(settings, [name], from_file=FIXTURES / fixture)
    build(settings, period=PERIOD)
    yield settings
    mp.undo()


def _rows(settings, sql, params=()):
    with db.reader(settings) as con:
        cur = con.execute(sql, list(params))
        cols = [c[0] for c in cur.description]
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def test_health_of_each_source(built):
    health = {r["source_name"]: r for r in _rows(built, "select * from governance.fct_public_source_health")}
    ledger = {
        (r["source_name"], r["status"]): r["fetched_at"]
        for r in _rows(
            built,
            "select source_name, status, max(fetched_at) fetched_at from raw.public_fetches group by 1, 2",
        )
    }
    # declared now: the three demo sources and the four real publishers; nothing else
    assert set(health) == {
        "telecom_monthly", "stats_yearbook", "health_telemedicine",
        "nbs_fsnd_guizhou", "nbs_csnd_guizhou", "miit_telecom_provinces", "gzstj_monthly_telecom",
    }  # fmt: skip

    gz = health["gzstj_monthly_telecom"]
    assert (gz["health_status"], gz["health_label_zh"]) == ("failing", "采集失败（保留上次数据）")
    assert (gz["last_fetch_status"], gz["last_error_code"]) == ("failed", "error_page")
    assert gz["last_success_at"] == ledger[("gzstj_monthly_telecom", "loaded")]
    assert gz["last_fetch_at"] == ledger[("gzstj_monthly_telecom", "failed")] > gz["last_success_at"]
    assert (gz["n_fetches"], gz["n_failures_since_success"]) == (2, 1)
    assert gz["newest_period"] == "2024-06" and gz["months_behind"] == 0 and gz["is_stale"] is False
    # 11 rows x 3 columns = 33 cells, 2 of them missing (贵安新区): 31 figures
    assert gz["n_figures"] == 31 and gz["is_enabled"] is False and gz["is_declared"] is True

    nbs = health["nbs_fsnd_guizhou"]
    # yearly: newest 2022-12 (2023 not yet published), 18 months before 2024-06, 24 allowed
    assert (nbs["newest_period"], nbs["months_behind"], nbs["max_age_months"]) == ("2022-12", 18, 24)
    assert (nbs["is_stale"], nbs["health_status"]) == (False, "ok")

    for name in ("nbs_csnd_guizhou", "miit_telecom_provinces"):
        assert (health[name]["health_status"], health[name]["n_fetches"]) == ("disabled", 0)
        assert health[name]["newest_period"] is None and health[name]["last_fetch_at"] is None

    for name in ("telecom_monthly", "stats_yearbook", "health_telemedicine"):
        row = health[name]
        newest = _rows(
            built, "select max(period) p from raw.public_observations where source_name = ?", [name]
        )[0]["p"]
        allowed = 2 if row["frequency"] == "monthly" else 24
        behind = _months(newest, PERIOD)
        assert (row["newest_period"], row["months_behind"], row["max_age_months"]) == (
            newest,
            behind,
            allowed,
        )
        assert row["health_status"] == ("stale" if behind > allowed else "ok")
        assert row["report_period"] == PERIOD


def test_the_cross_check_compares_a_real_format_source(built):
    rows = _rows(
        built,
        """select indicator_id, prefecture_code, period, public_value, observation_version, is_synthetic
           from governance.fct_reconciliation where source_name = 'gzstj_monthly_telecom'""",
    )
    by_key = {(r["indicator_id"], r["prefecture_code"], r["period"]): r for r in rows}
    assert len(rows) == 31  # every figure of the last good release, none from the failed fetch
    # by hand from gzstj_yb_2024-06.xlsx: 贵阳 5G 2.35 万个, 全省 fibre 163.8 万公里, 遵义 IoT 560.3 万户
    assert by_key[("g5_base_stations", "GY", "2024-06")]["public_value"] == pytest.approx(23500)
    assert by_key[("fibre_cable_length_km", "GZ", "2024-06")]["public_value"] == pytest.approx(1638000)
    assert by_key[("iot_connections", "ZY", "2024-06")]["public_value"] == pytest.approx(5603000)
    assert {r["is_synthetic"] for r in rows} == {False}
    nbs = _rows(
        built,
        """select period, public_value from governance.fct_reconciliation
           where source_name = 'nbs_fsnd_guizhou' and indicator_id = 'g5_base_stations' order by period""",
    )
    assert [(r["period"], r["public_value"]) for r in nbs] == [
        ("2021-12", pytest.approx(41500)),
        ("2022-12", pytest.approx(76500)),
    ]
