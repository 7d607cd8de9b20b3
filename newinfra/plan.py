"""The plan as data, for Python code: typed read access to the dbt seeds (dbt_project/seeds/*.csv).

The same CSVs are loaded into the warehouse's ``plan`` schema by `dbt seed`; Python parts
(ingestion, templates, the demo generator) read the files directly so they need no warehouse to
know the plan. Values are in base units.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from newinfra.settings import SEEDS_DIR


def _rows(name: str, seeds_dir: Path = SEEDS_DIR) -> list[dict[str, str]]:
    with (seeds_dir / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _bool(text: str) -> bool:
    return text.strip().lower() in ("true", "1", "yes", "t")


def _float(text: str) -> float | None:
    text = (text or "").strip()
    return float(text) if text else None


@dataclass(frozen=True)
class Department:
    code: str
    name_zh: str
    name_en: str
    role: str


@dataclass(frozen=True)
class Prefecture:
    code: str
    name_zh: str
    short_name_zh: str
    name_en: str
    level: str


@dataclass(frozen=True)
class Indicator:
    indicator_id: str
    name_zh: str
    name_en: str
    sector: str
    unit: str
    display_unit: str
    display_scale: float
    kind: str
    direction: str
    lead_department_code: str
    source_clause: str
    is_by_prefecture: bool
    is_additive: bool
    value_min: float | None
    value_max: float | None


@dataclass(frozen=True)
class Target:
    indicator_id: str
    target_year: int
    target_value: float
    qualifier: str


@dataclass(frozen=True)
class Responsibility:
    task_id: str
    indicator_id: str
    department_code: str
    role: str


@dataclass(frozen=True)
class Plan:
    departments: dict[str, Department]
    prefectures: dict[str, Prefecture]
    indicators: dict[str, Indicator]
    targets: list[Target]
    responsibilities: list[Responsibility]

    def department(self, code_or_name: str) -> Department | None:
        """Find a department by code (case-insensitive) or by its Chinese name."""
        key = code_or_name.strip()
        if key.upper() in self.departments:
            return self.departments[key.upper()]
        for dept in self.departments.values():
            if key == dept.name_zh or key == dept.name_zh.removeprefix("省"):
                return dept
        return None

    def indicators_of(self, department_code: str) -> list[Indicator]:
        """The indicators a department reports: those it leads (one reporter per indicator)."""
        return [i for i in self.indicators.values() if i.lead_department_code == department_code]

    def reporting_departments(self) -> list[str]:
        return sorted({i.lead_department_code for i in self.indicators.values()})

    def targets_of(self, indicator_id: str) -> dict[int, Target]:
        return {t.target_year: t for t in self.targets if t.indicator_id == indicator_id}

    @property
    def sub_prefectures(self) -> list[Prefecture]:
        return [p for p in self.prefectures.values() if p.level != "province"]


@cache
def load_plan(seeds_dir: Path = SEEDS_DIR) -> Plan:
    departments = {
        r["department_code"]: Department(r["department_code"], r["name_zh"], r["name_en"], r["role"])
        for r in _rows("departments.csv", seeds_dir)
    }
    prefectures = {
        r["prefecture_code"]: Prefecture(
            r["prefecture_code"],
            r["name_zh"],
            r.get("short_name_zh") or r["name_zh"],
            r["name_en"],
            r["level"],
        )
        for r in _rows("prefectures.csv", seeds_dir)
    }
    indicators = {}
    for r in _rows("indicators.csv", seeds_dir):
        indicators[r["indicator_id"]] = Indicator(
            indicator_id=r["indicator_id"],
            name_zh=r["name_zh"],
            name_en=r["name_en"],
            sector=r["sector"],
            unit=r["unit"],
            display_unit=r["display_unit"],
            display_scale=_float(r["display_scale"]) or 1.0,
            kind=r["kind"],
            direction=r["direction"],
            lead_department_code=r["lead_department_code"],
            source_clause=r["source_clause"],
            is_by_prefecture=_bool(r["is_by_prefecture"]),
            is_additive=_bool(r["is_additive"]),
            value_min=_float(r.get("value_min", "")),
            value_max=_float(r.get("value_max", "")),
        )
    targets = [
        Target(r["indicator_id"], int(r["target_year"]), float(r["target_value"]), r.get("qualifier") or "")
        for r in _rows("indicator_targets.csv", seeds_dir)
    ]
    responsibilities = [
        Responsibility(r["task_id"], r["indicator_id"], r["department_code"], r["role"])
        for r in _rows("responsibilities.csv", seeds_dir)
    ]
    return Plan(departments, prefectures, indicators, targets, responsibilities)
