"""The scale generator: a warehouse whose raw tables hold N x the benchmark's reference load.

    from benchmarks.scale import ScaleSpec, make_template, make_home
    template = make_template(root / "template")        # init (dbt seed) + dbt parse, once
    settings, counts = make_home(template, root / "x1", ScaleSpec(1.0))

What 1x is (the issue's reference load):

- 88 county-level reporting units x 120 months (2015-01 .. 2024-12) x every indicator of the plan
  (74): 781,440 rows in ``raw.submission_values`` -- plus the province row (GZ) of every
  non-additive indicator (ratios, PUE, latency, milestones: 34 x 120 = 4,080 rows, the same at every
  scale), which is what the province figure of a non-additive indicator is read from;
- 20,000 major projects in ``raw.project_registry``, each reported every month: 2,400,000 rows in
  ``raw.submission_projects``;
- one loaded file per reporting department (the 14 that lead an indicator) and month in the ledger
  ``raw.submission_files``: 1,680 rows at every scale (a file holds more rows as the units grow).

"Nx" multiplies the units and the projects by N (``round(88 N)`` units, ``round(20000 N)`` projects),
so the raw row count grows N-fold; months, indicators and the ledger stay as they are.

The units are not the plan's prefectures: the platform knows the province, 9 市(州) and 贵安新区, and
no county level. The bench adds its units to ``plan.prefectures`` of the bench warehouse (codes
``U0001`` .., level ``prefecture``, parent GZ) so that every model, dbt test and Soda contract accepts
them; each is a reporting unit directly under the province, and an additive indicator's province
figure is the sum over all of them. (``newinfra build`` re-loads the seeds, which would drop the
units again: the bench builds ``--select path:models``, i.e. every model and its tests, seeds not
re-loaded -- they are loaded once by ``init`` and unchanged.)

Values follow the demo's deterministic "true" curves (``demo.curves``: one province trajectory per
indicator, profiles early / on track / at risk / behind) from 2022-01 on; the 84 months before the plan
(2015-01 .. 2021-12) ramp towards the curve's value at 2021-12 (cumulative counts rise, PUE and latency fall;
milestones are 0). They are history: they extend the monthly series and make the first observation,
2015-01, the progress baseline (the platform's default); progress rows themselves start at the
plan's first month, 2022-01. An additive indicator's value is split over the units by fixed
weights (multiples of 1/1024: fractions, so the province sum stays near the curve at every scale,
and binary ones, so sums and differences of them are exact in floating point); a non-additive one varies
+-5% around the province value per unit. Everything is a pure function of the scale: two runs
give identical tables.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from newinfra import db
from newinfra.periods import month_index, period_range
from newinfra.settings import Settings

FIRST_PERIOD = "2015-01"
LAST_PERIOD = "2024-12"
REPORT_PERIOD = LAST_PERIOD
UNITS_1X = 88
PROJECTS_1X = 20_000
UNIT_PREFIX = "U"
PROJECT_PREFIX = "BP"
RECEIVED_DAYS_AFTER = 3  # every file arrives on the 3rd of the next month: on time
BUILD_SELECT = "path:models"  # every model and its tests; not the seeds (see the module docstring)


@dataclass(frozen=True)
class ScaleSpec:
    scale: float

    @property
    def units(self) -> int:
        return max(1, round(UNITS_1X * self.scale))

    @property
    def projects(self) -> int:
        return max(1, round(PROJECTS_1X * self.scale))

    @property
    def months(self) -> int:
        return len(period_range(FIRST_PERIOD, LAST_PERIOD))

    @property
    def label(self) -> str:
        return f"{self.scale:g}x"


# --- the province curves (small: indicators x months), from demo.curves -----------------------------


def curve_rows() -> list[tuple[str, int, str, float]]:
    """(indicator_id, month_no, period, province value) for every indicator and month."""
    from demo.curves import BASE_PERIOD, curve_for
    from newinfra.plan import load_plan

    plan = load_plan()
    periods = period_range(FIRST_PERIOD, LAST_PERIOD)
    base = month_index(BASE_PERIOD)
    history = base - month_index(FIRST_PERIOD)  # months before the plan: 84
    rows = []
    for indicator_id in sorted(plan.indicators):
        curve = curve_for(plan, indicator_id)
        ind = curve.indicator
        anchor = curve.value(BASE_PERIOD)  # the curve at month 0, as it gives it (counts rounded)
        for month_no, period in enumerate(periods):
            before = base - month_index(period)  # > 0 before the plan's month 0 (2021-12)
            if before <= 0:
                value = curve.value(period)
            elif ind.kind == "milestone":
                value = 0.0
            else:
                share = before / history  # 1 at 2015-01, 0 at 2021-12
                factor = 1 + 0.3 * share if ind.direction == "at_most" else 1 - 0.4 * share
                value = anchor * factor
                if ind.value_max is not None:
                    value = min(value, ind.value_max)
                if ind.value_min is not None:
                    value = max(value, ind.value_min)
            rows.append((indicator_id, month_no, period, float(value)))
    return rows


# --- the warehouse ------------------------------------------------------------------------------------


def make_template(path: Path) -> Path:
    """A seeded data home (``newinfra init``: folders, raw tables, dbt seed), copied for every scale."""
    from newinfra.home import init_home

    if path.exists():
        shutil.rmtree(path)
    init_home(Settings(home=path))
    (path / "warehouse.lock").unlink(missing_ok=True)
    return path


def make_home(template: Path, home: Path, spec: ScaleSpec) -> tuple[Settings, dict[str, int]]:
    """Copy the template to ``home``, fill its raw tables at ``spec`` and let dbt parse the project
    there once (dbt's partial-parse cache, as a warm monthly run has it; the profile names the home's
    warehouse, so a copied cache would not do). Returns the settings and the row counts."""
    from newinfra.dbt import run_dbt
    from newinfra.transform import dbt_vars

    if home.exists():
        shutil.rmtree(home)
    shutil.copytree(template, home, ignore=shutil.ignore_patterns("warehouse.lock", "dbt"))
    settings = Settings(home=home)
    counts = fill(settings, spec)
    with db.write_lock(settings):
        run_dbt(settings, "parse", "--vars", json.dumps(dbt_vars(settings, REPORT_PERIOD)))
    return settings, counts


def fill(settings: Settings, spec: ScaleSpec) -> dict[str, int]:
    """Add the units to plan.prefectures and fill the raw tables (replacing what they held)."""
    from newinfra.plan import load_plan

    plan = load_plan()
    departments = plan.reporting_departments()
    indicators = sorted(plan.indicators.values(), key=lambda i: i.indicator_id)
    with db.writer(settings) as con:
        con.execute("begin")
        con.execute(
            "create or replace temp table bench_curve (indicator_id varchar, month_no integer, "
            "period varchar, value double)"
        )
        con.executemany("insert into bench_curve values (?, ?, ?, ?)", curve_rows())
        con.execute(
            "create or replace temp table bench_indicator (indicator_id varchar, ind_no integer, "
            "department_code varchar, sector varchar, kind varchar, is_additive boolean, value_min double, "
            "value_max double)"
        )
        con.executemany(
            "insert into bench_indicator values (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    i.indicator_id,
                    n,
                    i.lead_department_code,
                    i.sector,
                    i.kind,
                    i.is_additive,
                    i.value_min,
                    i.value_max,
                )
                for n, i in enumerate(indicators)
            ],
        )
        con.execute(
            "create or replace temp table bench_department (department_code varchar, dept_no integer)"
        )
        con.executemany(
            "insert into bench_department values (?, ?)", [(code, n) for n, code in enumerate(departments)]
        )
        # u(a, b): a fixed number in [0, 1) from two integers (Knuth's multiplicative hash, integer math
        # only, so it is the same on every DuckDB version).
        con.execute(
            "create or replace temp macro bench_u(a, b) as "
            "((cast(a as bigint) * 2654435761 + cast(b as bigint) * 40503 + 12345) % 4294967296) / 4294967296.0"
        )
        for table in (
            "submission_values",
            "submission_projects",
            "submission_rejections",
            "submission_files",
            "project_registry",
        ):
            con.execute(f"delete from raw.{table}")
        con.execute(f"delete from plan.prefectures where prefecture_code like '{UNIT_PREFIX}%'")
        con.execute(
            f"""
            insert into plan.prefectures
                (prefecture_code, name_zh, short_name_zh, name_en, level, parent_prefecture_code, sort_order)
            select
                '{UNIT_PREFIX}' || lpad(cast(unit_no as varchar), 4, '0'),
                '测试县级单位' || lpad(cast(unit_no as varchar), 4, '0'),
                '测试' || lpad(cast(unit_no as varchar), 4, '0'),
                'Bench unit ' || lpad(cast(unit_no as varchar), 4, '0'),
                'prefecture',
                'GZ',
                100 + unit_no
            from range(1, {spec.units} + 1) as units (unit_no)
            """
        )
        con.execute(
            f"""
            create or replace temp table bench_unit as
            select unit_no, '{UNIT_PREFIX}' || lpad(cast(unit_no as varchar), 4, '0') as prefecture_code
            from range(1, {spec.units} + 1) as units (unit_no)
            """
        )
        # The files' ids: sha256 of a fixed text per department and month.
        con.execute(
            """
            create or replace temp table bench_file as
            select
                departments.department_code,
                departments.dept_no,
                curve_months.period,
                curve_months.month_no,
                sha256('bench|' || departments.department_code || '|' || curve_months.period) as file_id
            from bench_department as departments
            cross join (select distinct period, month_no from bench_curve) as curve_months
            """
        )
        # Indicator values: every indicator x unit x month, then the GZ row of non-additive indicators.
        con.execute(
            """
            insert into raw.submission_values
                (file_id, sheet_name, row_number, department_code, period, indicator_id, prefecture_code,
                 value, value_as_written, is_flagged)
            with weights as (
                select
                    indicators.indicator_id,
                    units.unit_no,
                    units.prefecture_code,
                    (0.5 + bench_u(units.unit_no, indicators.ind_no))
                        / sum(0.5 + bench_u(units.unit_no, indicators.ind_no))
                            over (partition by indicators.indicator_id) as weight,
                    0.95 + 0.1 * bench_u(indicators.ind_no, units.unit_no) as jitter
                from bench_indicator as indicators
                cross join bench_unit as units
            ),
            unit_values as (
                select
                    files.file_id,
                    curve.period,
                    indicators.department_code,
                    indicators.indicator_id,
                    weights.prefecture_code,
                    3 + weights.unit_no * 100 + indicators.ind_no as row_number,
                    case
                        when indicators.is_additive then round(curve.value * weights.weight * 1024) / 1024
                        when indicators.kind = 'milestone' then curve.value
                        else least(
                            coalesce(indicators.value_max, 1e300),
                            greatest(coalesce(indicators.value_min, -1e300), round(curve.value * weights.jitter, 3))
                        )
                    end as value
                from bench_curve as curve
                inner join bench_indicator as indicators on curve.indicator_id = indicators.indicator_id
                inner join weights on curve.indicator_id = weights.indicator_id
                inner join bench_file as files
                    on indicators.department_code = files.department_code and curve.period = files.period
            ),
            province_values as (
                select
                    files.file_id,
                    curve.period,
                    indicators.department_code,
                    indicators.indicator_id,
                    'GZ' as prefecture_code,
                    3 + indicators.ind_no as row_number,
                    curve.value
                from bench_curve as curve
                inner join bench_indicator as indicators on curve.indicator_id = indicators.indicator_id
                inner join bench_file as files
                    on indicators.department_code = files.department_code and curve.period = files.period
                where not indicators.is_additive
            ),
            all_values as (
                select * from unit_values
                union all
                select * from province_values
            )
            select
                file_id, '指标填报', row_number, department_code, period, indicator_id, prefecture_code,
                value, cast(value as varchar), false
            from all_values
            """
        )
        # Projects: the library, then one row per project and month.
        con.execute(
            f"""
            create or replace temp table bench_project as
            with numbered as (
                select
                    project_no,
                    cast(floor(bench_u(project_no, 1) * (select count(*) from bench_department)) as integer)
                        as dept_no,
                    1 + cast(floor(bench_u(project_no, 2) * {spec.units}) as integer) as unit_no,
                    round(1e7 * (1 + 99 * bench_u(project_no, 3))) as total_investment_yuan,
                    cast(floor(bench_u(project_no, 4) * 108) as integer) as start_month_no,
                    12 + cast(floor(bench_u(project_no, 5) * 36) as integer) as duration_months
                from range({spec.projects}) as projects (project_no)
            )
            select
                numbered.*,
                '{PROJECT_PREFIX}' || lpad(cast(numbered.project_no as varchar), 7, '0') as project_code,
                departments.department_code,
                row_number() over (partition by departments.department_code order by numbered.project_no)
                    as dept_row,
                units.prefecture_code,
                (select min(sector) from bench_indicator as indicators
                    where indicators.department_code = departments.department_code) as sector
            from numbered
            inner join bench_department as departments on numbered.dept_no = departments.dept_no
            inner join bench_unit as units on numbered.unit_no = units.unit_no
            """
        )
        con.execute(
            f"""
            insert into raw.project_registry
                (project_code, project_name, sector, department_code, prefecture_code,
                 total_investment_yuan, start_year, end_year, source_file_id, loaded_at)
            select
                project_code,
                '测试项目' || project_code,
                sector,
                department_code,
                prefecture_code,
                total_investment_yuan,
                {FIRST_PERIOD[:4]} + start_month_no // 12,
                {FIRST_PERIOD[:4]} + (start_month_no + duration_months - 1) // 12,
                null,
                timestamp '2015-01-01 00:00:00'
            from bench_project
            """
        )
        con.execute(
            """
            insert into raw.submission_projects
                (file_id, sheet_name, row_number, department_code, period, project_code, project_name,
                 sector, prefecture_code, total_investment_yuan, completed_this_month_yuan,
                 cumulative_completed_yuan, project_status)
            with monthly as (
                select
                    files.file_id,
                    files.period,
                    projects.*,
                    least(1.0, greatest(0.0, (files.month_no - projects.start_month_no + 1)
                        / projects.duration_months)) as done_share,
                    least(1.0, greatest(0.0, (files.month_no - projects.start_month_no)
                        / projects.duration_months)) as done_before
                from bench_project as projects
                inner join bench_file as files on projects.department_code = files.department_code
            )
            select
                file_id,
                '重大项目进展',
                3 + dept_row,
                department_code,
                period,
                project_code,
                '测试项目' || project_code,
                sector,
                prefecture_code,
                total_investment_yuan,
                round(total_investment_yuan * done_share) - round(total_investment_yuan * done_before),
                round(total_investment_yuan * done_share),
                case
                    when done_share = 0 then 'planned'
                    when done_share >= 1 then 'completed'
                    else 'under_construction'
                end
            from monthly
            """
        )
        con.execute(
            f"""
            insert into raw.submission_files
                (file_id, content_sha256, original_name, archive_path, sender_department_code,
                 department_code, period, template_version, file_format, file_encoding, received_at,
                 version, status, rows_total, rows_accepted, rows_rejected, rows_flagged, is_late,
                 is_after_publication)
            with stored as (
                select file_id, count(*) as n_rows from raw.submission_values group by file_id
                union all
                select file_id, count(*) as n_rows from raw.submission_projects group by file_id
            ),
            per_file as (
                select file_id, sum(n_rows) as n_rows from stored group by file_id
            )
            select
                files.file_id,
                files.file_id,
                files.department_code || '_' || files.period || '.xlsx',
                'archive/' || left(files.file_id, 2) || '/' || files.file_id || '.xlsx',
                files.department_code,
                files.department_code,
                files.period,
                '2024.1',
                'xlsx',
                null,
                cast(last_day(cast(files.period || '-01' as date)) as timestamp)
                    + interval {RECEIVED_DAYS_AFTER} day + interval 2 hour,
                1,
                'loaded',
                coalesce(per_file.n_rows, 0),
                coalesce(per_file.n_rows, 0),
                0,
                0,
                false,
                false
            from bench_file as files
            left join per_file on files.file_id = per_file.file_id
            """
        )
        con.execute("commit")
        counts = {
            table: con.execute(f"select count(*) from raw.{table}").fetchone()[0]
            for table in ("submission_values", "submission_projects", "submission_files", "project_registry")
        }
        counts["units"] = spec.units
        counts["projects"] = spec.projects
        counts["months"] = spec.months
        counts["indicators"] = len(indicators)
        con.execute("checkpoint")
    return counts
