"""The plan as data: the dbt seeds hold what 《贵州省新型基础设施建设三年行动方案(2022—2024年)》 says.

Reads the seed CSVs with the csv module (no dbt, no warehouse). Spot-checks targets against the plan's
numbers, checks the seeds against each other, and — where the plan text is at hand (``../shared/seeds``
beside the clone, or ``NEWINFRA_PLAN_TEXT``) — checks every quoted wording and clause against the text.
"""

from __future__ import annotations

import csv
import os
import re
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / "dbt_project" / "seeds"
PLAN_FILE_NAME = "000_b9b62de29227ea26.txt"

PARTS = ("主方案", "附件3", "附件4", "附件5", "附件6")
CN_NUMERALS = "一二三四五六七八九十"
CLAUSE_RE = re.compile(rf"(主方案|附件[3-6]) [{CN_NUMERALS}]+(\([{CN_NUMERALS}]+\))?[0-9]*")
ASCII_ID_RE = re.compile(r"[A-Za-z0-9_\-]+")


# ---------------------------------------------------------------- helpers


def read_seed(name: str) -> list[dict[str, str]]:
    with open(SEEDS / f"{name}.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@cache
def seed(name: str) -> tuple[dict[str, str], ...]:
    return tuple(read_seed(name))


def targets_by_key() -> dict[tuple[str, int], dict[str, str]]:
    return {(row["indicator_id"], int(row["target_year"])): row for row in seed("indicator_targets")}


def indicators_by_id() -> dict[str, dict[str, str]]:
    return {row["indicator_id"]: row for row in seed("indicators")}


def split_clauses(value: str) -> list[str]:
    return [part.strip() for part in value.split(";")]


def plan_text_path() -> Path | None:
    beside_clone = REPO.parent / "shared" / "seeds" / PLAN_FILE_NAME
    if beside_clone.is_file():
        return beside_clone
    configured = os.environ.get("NEWINFRA_PLAN_TEXT")
    if configured and Path(configured).is_file():
        return Path(configured)
    return None


@cache
def plan_clauses() -> dict[str, str]:
    """The plan text split into clauses: '主方案 二(一)1' -> that clause's text, whitespace removed."""
    path = plan_text_path()
    assert path is not None
    clauses: dict[str, str] = {}
    part, sec1, sec2, task = "主方案", None, None, None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = re.sub(r"\s+", "", raw)
        if not line:
            continue
        attachment = re.fullmatch(r"附件([1-6])", line)
        if attachment:
            part, sec1, sec2, task = f"附件{attachment.group(1)}", None, None, None
            continue
        if heading := re.match(rf"([{CN_NUMERALS}]+)、", line):
            sec1, sec2, task = heading.group(1), None, None
        elif sec1 and (section := re.match(rf"\(([{CN_NUMERALS}]+)\)", line)):
            sec2, task = section.group(1), None
        elif sec1 and (numbered := re.match(r"(\d+)\.", line)):
            task = numbered.group(1)
        if sec1 is None:
            continue
        key = f"{part} {sec1}" + (f"({sec2})" if sec2 else "") + (task or "")
        clauses[key] = clauses.get(key, "") + line
    return clauses


needs_plan_text = pytest.mark.skipif(
    plan_text_path() is None,
    reason=(
        f"plan text {PLAN_FILE_NAME} not found beside the clone (../shared/seeds/) and NEWINFRA_PLAN_TEXT "
        "is not set; only the wording check needs the plan's text, every other check ran"
    ),
)


# ---------------------------------------------------------------- spot checks against the plan's numbers

SPOT_CHECKS = [
    # indicator_id, year, value in base units, qualifier — as the plan words them
    ("dc_standard_racks", 2022, 150_000, ""),  # 标准机架数达到15万架
    ("dc_standard_racks", 2024, 600_000, "力争"),  # 力争…达到60万架
    ("dc_rack_utilisation_rate", 2024, 65, ""),  # 平均上架率不低于65%
    ("dc_pue_avg", 2024, 1.2, ""),  # 平均PUE值降低至1.2以下
    ("dc_pue_demo", 2024, 1.15, ""),  # 部分示范项目PUE值低于1.15
    ("latency_guian_internal_ms", 2024, 5, ""),
    ("latency_guian_prefecture_ms", 2024, 10, ""),
    ("latency_east_hubs_ms", 2024, 20, "力争"),
    ("latency_north_west_hubs_ms", 2024, 30, "力争"),
    ("g5_base_stations", 2022, 80_000, ""),  # 累计建成5G基站8万个
    ("g5_base_stations", 2024, 160_000, "力争"),
    ("g5_village_coverage_rate", 2024, 70, "以上"),
    ("g5_scene_app_projects", 2024, 600, ""),
    ("fibre_cable_length_km", 2022, 1_650_000, "力争"),  # 165万公里
    ("fibre_cable_length_km", 2024, 1_800_000, "力争"),
    ("outbound_bandwidth_gbps", 2022, 38_000, ""),  # 3.8万Gbps
    ("outbound_bandwidth_gbps", 2024, 45_000, "力争"),
    ("backbone_ix_bandwidth_gbps", 2024, 600, ""),
    ("iot_connections", 2022, 6_000_000, ""),  # 600万个
    ("iot_connections", 2024, 10_000_000, ""),
    ("sc_software_talent", 2024, 60_000, ""),  # 6万人
    ("reservoir_monitoring_stations", 2022, 391, ""),
    ("reservoir_monitoring_stations", 2024, 1820, "以上"),
    ("flash_flood_stations", 2024, 500, ""),
    ("overhead_line_terminals", 2024, 3000, ""),
    ("charging_points", 2022, 32_000, ""),  # 3.2万个
    ("charging_points", 2024, 40_000, "力争;以上"),
    ("tourism_benchmark_projects", 2024, 70, "力争"),
    ("scenic_4a_video_access_rate", 2024, 95, "力争"),
    ("telemedicine_person_times", 2024, 5_000_000, ""),  # 500万人次
    ("internet_hospitals", 2024, 30, "以上"),
    ("provincial_key_labs", 2024, 20, ""),
    ("innovation_transfer_platforms", 2022, 40, "以上"),
    ("innovation_transfer_platforms", 2024, 80, "力争;以上"),
    ("innovation_platforms_total", 2024, 100, "力争;以上"),
    ("clinical_research_centres", 2024, 12, ""),
    ("national_clinical_subcentres", 2022, 5, ""),
    ("key_project_investment", 2024, 100_000_000_000, ""),  # 超1000亿元
    ("pipeline_census", 2022, 1, ""),  # milestone
    ("gas_trunk_smart_retrofit", 2024, 1, "力争"),  # milestone
]


@pytest.mark.parametrize(("indicator_id", "year", "value", "qualifier"), SPOT_CHECKS)
def test_target_matches_the_plan(indicator_id, year, value, qualifier):
    row = targets_by_key().get((indicator_id, year))
    assert row is not None, f"no {year} target for {indicator_id}"
    assert float(row["target_value"]) == pytest.approx(value)
    assert row["qualifier"] == qualifier


def test_directions_of_bounds():
    indicators = indicators_by_id()
    bounds = ("dc_pue_avg", "dc_pue_demo", "latency_guian_internal_ms", "latency_north_west_hubs_ms")
    for indicator_id in bounds:
        assert (indicators[indicator_id]["kind"], indicators[indicator_id]["direction"]) == ("max", "at_most")
    assert indicators["dc_rack_utilisation_rate"]["kind"] == "ratio"
    assert indicators["pipeline_census"]["direction"] == "done"


def test_display_units():
    indicators = indicators_by_id()
    racks = indicators["dc_standard_racks"]
    assert (racks["unit"], racks["display_unit"], int(racks["display_scale"])) == ("架", "万架", 10_000)
    assert indicators["key_project_investment"]["unit"] == "元"
    assert int(indicators["key_project_investment"]["display_scale"]) == 100_000_000
    assert int(indicators["telemedicine_person_times"]["display_scale"]) == 10_000
    assert indicators["telemedicine_person_times"]["unit"] == "人次"


def test_every_sector_has_indicators_and_targets_are_dated_2022_or_2024():
    """The sectors people see (templates, project library, feedback) are exactly the seeds' sectors,
    and the plan dates its targets 到2022年 or 到2024年 (none for 2023)."""
    from ingestion.common.sectors import SECTOR_LABELS_ZH

    assert {row["sector"] for row in seed("indicators")} == set(SECTOR_LABELS_ZH)
    assert {row["target_year"] for row in seed("indicator_targets")} == {"2022", "2024"}


# ---------------------------------------------------------------- departments, prefectures, tasks

DEPUTIES = {"CAC", "STD", "MIIT", "BDB", "CA"}


def test_all_28_departments_with_their_roles():
    departments = {row["department_code"]: row for row in seed("departments")}
    assert len(seed("departments")) == 28 == len(departments)
    assert departments["DRC"]["name_zh"] == "省发展改革委"
    assert departments["CA"]["name_zh"] == "省通信管理局"
    assert departments["CAC"]["name_zh"] == "省委网信办"
    assert departments["GOVSVC"]["name_zh"] == "省政务服务中心"
    for code, row in departments.items():
        expected = "convener" if code == "DRC" else "deputy" if code in DEPUTIES else "member"
        assert row["role"] == expected, code
        assert re.fullmatch(r"[A-Z]+", code), code
    assert [int(row["sort_order"]) for row in seed("departments")] == list(range(1, 29))


def test_prefectures():
    prefectures = {row["prefecture_code"]: row for row in seed("prefectures")}
    assert set(prefectures) == {"GZ", "GY", "ZY", "LPS", "AS", "BJ", "TR", "QDN", "QN", "QXN", "GA"}
    assert prefectures["GZ"]["level"] == "province"
    assert prefectures["GA"]["level"] == "new_area"
    assert prefectures["QDN"]["name_zh"] == "黔东南苗族侗族自治州"
    assert prefectures["QDN"]["short_name_zh"] == "黔东南州"
    assert sum(row["level"] == "prefecture" for row in prefectures.values()) == 9


def test_tasks_cover_every_numbered_task():
    counts = Counter(row["plan_part"] for row in seed("tasks") if not row["task_id"].endswith("GOAL"))
    assert counts == {"main": 21, "A3": 23, "A4": 14, "A5": 21, "A6": 10}
    tasks = {row["task_id"]: row for row in seed("tasks")}
    assert tasks["M-01"]["name_zh"] == "建设算力枢纽节点数据中心集群"
    assert tasks["M-01"]["source_clause"] == "主方案 二(一)1"
    assert tasks["A3-05"]["source_clause"] == "附件3 二(二)5"
    assert tasks["M-GOAL"]["source_clause"] == "主方案 一(二)"


# ---------------------------------------------------------------- indicators and targets


def test_ids_are_ascii():
    for name, key in [
        ("departments", "department_code"),
        ("prefectures", "prefecture_code"),
        ("indicators", "indicator_id"),
        ("tasks", "task_id"),
    ]:
        for row in seed(name):
            assert ASCII_ID_RE.fullmatch(row[key]), (name, row[key])
    for row in seed("indicators"):
        assert re.fullmatch(r"[a-z][a-z0-9_]*", row["indicator_id"]), row["indicator_id"]


def test_values_are_numeric():
    for row in seed("indicator_targets"):
        assert float(row["target_value"]) > 0, row
        assert int(row["target_year"]) in (2022, 2024), row
    for row in seed("indicators"):
        float(row["value_min"])
        if row["value_max"]:
            assert float(row["value_max"]) > float(row["value_min"]), row["indicator_id"]
        assert int(row["display_scale"]) in (1, 10_000, 100_000_000), row["indicator_id"]


def test_every_indicator_has_a_target_and_every_target_an_indicator():
    indicators = set(indicators_by_id())
    targeted = {row["indicator_id"] for row in seed("indicator_targets")}
    assert indicators == targeted
    keys = [(row["indicator_id"], row["target_year"]) for row in seed("indicator_targets")]
    assert len(keys) == len(set(keys))


def test_source_clauses_name_a_real_part():
    for name in ("indicators", "indicator_targets"):
        for row in seed(name):
            assert row["source_clause"].strip(), (name, row["indicator_id"])
            for clause in split_clauses(row["source_clause"]):
                assert CLAUSE_RE.fullmatch(clause), (name, row["indicator_id"], clause)
                assert clause.split(" ")[0] in PARTS


def test_target_clauses_are_among_the_indicators_clauses():
    indicators = indicators_by_id()
    for row in seed("indicator_targets"):
        own = set(split_clauses(indicators[row["indicator_id"]]["source_clause"]))
        assert set(split_clauses(row["source_clause"])) <= own, row["indicator_id"]


def _display_number(value: float, scale: int) -> str:
    shown = value / scale
    return str(int(shown)) if shown == int(shown) else f"{shown:g}"


def test_wording_states_the_stored_number():
    """The quoted words carry the stored value: 150000 架 ↔ “15万架”, 1e11 元 ↔ “1000亿元”."""
    indicators = indicators_by_id()
    for row in seed("indicator_targets"):
        indicator = indicators[row["indicator_id"]]
        value = float(row["target_value"])
        if indicator["kind"] == "milestone":
            assert value == 1, row["indicator_id"]
            continue
        number = _display_number(value, int(indicator["display_scale"]))
        unit = indicator["display_unit"]
        token = number if unit in ("无量纲", "项") else f"{number}{unit}"
        wording = re.sub(r"\s+", "", row["wording_zh"])
        assert re.search(rf"(?<![0-9.]){re.escape(token)}", wording), (row["indicator_id"], token, wording)
        # 以上 in the words is 以上 in the qualifier, and the other way round
        assert ("以上" in wording) == row["qualifier"].endswith("以上"), row["indicator_id"]


def test_kinds_and_bounds_agree():
    for row in seed("indicators"):
        kind, direction = row["kind"], row["direction"]
        assert (kind == "milestone") == (direction == "done"), row["indicator_id"]
        assert (kind == "max") == (direction == "at_most"), row["indicator_id"]
        if kind == "ratio":
            assert (float(row["value_min"]), float(row["value_max"])) == (0, 100), row["indicator_id"]
        if kind in ("ratio", "max", "milestone"):
            assert row["is_additive"] == "false", row["indicator_id"]
        if row["indicator_id"].startswith("dc_pue"):
            assert (float(row["value_min"]), float(row["value_max"])) == (1.0, 3.0)


def test_undated_targets_say_how_they_were_dated():
    for row in seed("indicator_targets"):
        assert row["dating_basis"], row["indicator_id"]
    dated = targets_by_key()
    assert "每年" in dated[("clinical_research_centres", 2022)]["dating_basis"]
    assert dated[("latency_guian_internal_ms", 2024)]["dating_basis"] != "stated"


@needs_plan_text
def test_wording_and_clauses_are_the_plans():
    """Every quoted wording stands in a clause it cites; every clause, task heading and member exists."""
    clauses = plan_clauses()
    whole_text = "".join(clauses.values())
    for row in seed("indicator_targets"):
        wording = re.sub(r"\s+", "", row["wording_zh"])
        assert wording in whole_text, (row["indicator_id"], wording)
        cited = split_clauses(row["source_clause"])
        for clause in cited:
            assert clause in clauses, (row["indicator_id"], clause)
        assert any(wording in clauses[clause] for clause in cited), (row["indicator_id"], wording)
        if row["dating_basis"] == "stated":
            year = f"{row['target_year']}年"
            assert any(year in clauses[clause] for clause in cited), (row["indicator_id"], year)
    for row in seed("indicators"):
        for clause in split_clauses(row["source_clause"]):
            assert clause in clauses, (row["indicator_id"], clause)
    for row in seed("tasks"):
        assert row["source_clause"] in clauses, row["task_id"]
        if not row["task_id"].endswith("GOAL"):
            number = int(row["task_id"].split("-")[1])
            assert clauses[row["source_clause"]].startswith(f"{number}.{row['name_zh']}。"), row["task_id"]
    listed = re.search(r"联席会议由(.+?)等28个部门和单位组成", whole_text)
    assert listed, "member list of 附件1 not found in the plan text"
    assert [row["name_zh"] for row in seed("departments")] == listed.group(1).split("、")


# ---------------------------------------------------------------- responsibilities


def test_one_lead_per_task_and_indicator_and_it_is_the_indicators_lead():
    indicators = indicators_by_id()
    tasks = {row["task_id"]: row for row in seed("tasks")}
    departments = {row["department_code"] for row in seed("departments")}
    leads: Counter[tuple[str, str]] = Counter()
    pairs = set()
    for row in seed("responsibilities"):
        assert row["task_id"] in tasks and row["indicator_id"] in indicators, row
        assert row["department_code"] in departments, row
        assert row["role"] in ("lead", "co") and row["basis"] in ("stated", "inferred"), row
        pairs.add((row["task_id"], row["indicator_id"]))
        if row["role"] == "lead":
            leads[(row["task_id"], row["indicator_id"])] += 1
            assert row["department_code"] == indicators[row["indicator_id"]]["lead_department_code"], row
        own = split_clauses(indicators[row["indicator_id"]]["source_clause"])
        assert tasks[row["task_id"]]["source_clause"] in own, row
    assert all(leads[pair] == 1 for pair in pairs), [pair for pair in pairs if leads[pair] != 1]
    assert {indicator_id for _, indicator_id in pairs} == set(indicators)


def test_leads_named_in_the_brief():
    indicators = indicators_by_id()
    expected = {
        "dc_standard_racks": "BDB",
        "g5_base_stations": "CA",
        "fibre_cable_length_km": "CA",
        "iot_connections": "CA",
        "security_demo_projects": "CAC",
        "reservoir_monitoring_stations": "WRD",
        "charging_points": "ENERGY",
        "smart_transport_pilots": "DOT",
        "smart_utility_tunnel_pilots": "HURD",
        "g5_smart_factories": "MIIT",
        "digital_agri_demo_bases": "AGRI",
        "scenic_4a_video_access_rate": "CT",
        "smart_gov_halls": "GOVSVC",
        "telemedicine_person_times": "HEALTH",
        "provincial_key_labs": "STD",
        "key_project_investment": "DRC",
    }
    for indicator_id, code in expected.items():
        assert indicators[indicator_id]["lead_department_code"] == code, indicator_id
    for row in indicators.values():
        assert row["lead_basis"] in ("stated", "inferred")
        if row["lead_basis"] == "inferred":
            assert row["lead_basis_note"].strip(), row["indicator_id"]
