"""The demo's story, as data: which department sends which file when, what goes wrong, and the projects.

Pure functions of (plan, seed, last period, on-time days): no files, no clock. ``build_scenario``
returns every file the generator will write (with its received time, whether it is late, the
mistake it carries and what the ingester is expected to make of it), the department-months that
are deliberately missing, and the major-project library with each project's monthly investment.
Values come from ``demo.curves`` (the deterministic "true" trajectories). All synthetic.

Randomness: one ``random.Random`` per decision, seeded with a string that names the seed and the
decision (``f"{seed}|habit|{dept}|{period}"``), so a department-month's fate does not depend on
which other months or departments are generated, nor on the order of generation.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import Counter
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from demo import settings as S
from demo.curves import BASE_PERIOD, PREFECTURE_WEIGHTS, curve_for, split_by_prefecture
from newinfra.periods import add_months, due_date, month_index, period_end, period_range
from newinfra.plan import Indicator, Plan

PROVINCE = "GZ"

# The deliberate mistakes: kind -> (what the department did, in Chinese; the ingester's expected
# outcome for the file; the reason code(s) expected in raw.submission_rejections or the ledger).
# The reason codes are the ingester's (ingestion/submissions); keep them in step.
MISTAKES = {
    "text_in_number": ("在数值单元格中填写文字（“待统计”）", "partially_loaded", ("not_a_number",)),
    "negative_count": ("计数类指标填写负数（-5）", "partially_loaded", ("negative_value",)),
    "percent_over_100": ("百分比指标填写120", "partially_loaded", ("percent_out_of_range",)),
    "unknown_prefecture": ("填写了不存在的市（州）“贵阳新区”", "partially_loaded", ("unknown_prefecture",)),
    "duplicate_row": ("同一指标同一市（州）重复填报一行", "partially_loaded", ("duplicate_row",)),
    "formula_cell": ("数值单元格中填写公式（=1+1）", "partially_loaded", ("formula_cell",)),
    "revision": ("同一报送期先报后改：修订版替代首次报送（首次报送中有一处笔误）", "loaded", ()),
    "spoof": ("把其他部门的报表放进本部门的报送目录", "quarantined", ("spoof_department_mismatch",)),
    "csv_gb18030": ("以 GB18030 编码的 CSV 报送（应正常接收）", "loaded", ()),
}
# Where each mistake lands, counted back from the last period (0 = the last period).
MISTAKE_OFFSETS = {
    "spoof": 0,
    "text_in_number": 0,
    "percent_over_100": 0,
    "negative_count": 1,
    "formula_cell": 1,
    "revision": 1,
    "unknown_prefecture": 2,
    "duplicate_row": 2,
    "csv_gb18030": 2,
}


# --- the project library ---------------------------------------------------------------------


@dataclass(frozen=True)
class Project:
    project_code: str
    project_name: str
    sector: str
    department_code: str
    prefecture_code: str
    total_investment_yuan: int
    start_period: str
    end_period: str  # planned completion month
    suspended_from: str | None
    # cumulative completed investment (yuan) at the end of each month from start_period on; the last
    # entry holds for every later month
    cumulative: tuple[int, ...] = field(repr=False)

    @property
    def start_year(self) -> int:
        return int(self.start_period[:4])

    @property
    def end_year(self) -> int:
        return int(self.end_period[:4])

    def cumulative_at(self, period: str) -> int:
        i = month_index(period) - month_index(self.start_period)
        if i < 0:
            return 0
        return self.cumulative[min(i, len(self.cumulative) - 1)]

    def progress(self, period: str) -> tuple[int, int, str]:
        """(completed this month, cumulative completed, status) in yuan at the end of ``period``."""
        cum = self.cumulative_at(period)
        this_month = cum - self.cumulative_at(add_months(period, -1))
        if month_index(period) < month_index(self.start_period):
            status = "planned"
        elif self.suspended_from and month_index(period) >= month_index(self.suspended_from):
            status = "suspended"
        elif cum >= self.total_investment_yuan:
            status = "completed"
        else:
            status = "under_construction"
        return this_month, cum, status

    def is_reported(self, period: str) -> bool:
        """A project appears in its department's monthly sheet from its start month on."""
        return month_index(period) >= month_index(self.start_period)


def sector_departments(plan: Plan) -> dict[str, str]:
    """The lead department of each sector: the department that leads most of its indicators."""
    counts: dict[str, Counter] = {}
    for ind in plan.indicators.values():
        counts.setdefault(ind.sector, Counter())[ind.lead_department_code] += 1
    return {
        sector: sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        for sector, c in sorted(counts.items())
    }


def _monthly_shares(rng: random.Random, start: str, months: int) -> list[float]:
    """Cumulative share completed at the end of each of ``months`` months: a noisy S-curve with the
    Spring Festival slack (Jan/Feb) and the year-end push (Dec) that real project ledgers show."""
    weights = []
    for i in range(months):
        x = (i + 0.5) / months
        month = int(add_months(start, i)[5:])
        season = 0.6 if month in (1, 2) else 1.5 if month == 12 else 1.0
        weights.append((0.15 + 6 * x * (1 - x)) * season * (0.6 + 0.8 * rng.random()))
    total = sum(weights)
    shares, acc = [], 0.0
    for w in weights:
        acc += w
        shares.append(acc / total)
    shares[-1] = 1.0
    return shares


def _cumulative(total_yuan: int, shares: list[float], suspend_at: int | None) -> tuple[int, ...]:
    out = []
    for i, share in enumerate(shares):
        if suspend_at is not None and i >= suspend_at:
            out.append(out[-1] if out else 0)
            continue
        out.append(int(round(total_yuan * share / 10_000)) * 10_000)
    return tuple(out)


def build_projects(plan: Plan, seed: int, count: int = S.PROJECT_COUNT) -> list[Project]:
    """About ``count`` synthetic major projects whose summed cumulative investment at the plan's last
    month lands a little over the plan's 1000亿元 target. Codes ``XJJ-<start year>-<seq>``."""
    rng = random.Random(f"{seed}|projects")
    lead_of = sector_departments(plan)
    sectors = [s for s in S.SECTOR_PROJECTS if s in lead_of]
    weight_sum = sum(S.SECTOR_PROJECTS[s][0] for s in sectors)
    # how many projects per sector (largest remainder, so they add up to count)
    quotas = {s: count * S.SECTOR_PROJECTS[s][0] / weight_sum for s in sectors}
    per_sector = {s: int(q) for s, q in quotas.items()}
    for s in sorted(sectors, key=lambda s: quotas[s] - per_sector[s], reverse=True)[
        : count - sum(per_sector.values())
    ]:
        per_sector[s] += 1

    prefectures = [p for p in plan.sub_prefectures if p.code in PREFECTURE_WEIGHTS]
    names_zh = {p.code: p.short_name_zh for p in prefectures}
    first, last = S.FIRST_PERIOD, S.LAST_PERIOD
    span = month_index(last) - month_index(first)
    drafts = []
    used_names: set[str] = set()
    for sector in sectors:
        typical_yi = S.SECTOR_PROJECTS[sector][1]
        for _ in range(per_sector[sector]):
            if sector == "science_city":
                pref = "GA"
            else:
                weights = [PREFECTURE_WEIGHTS[p.code] * (2.5 if sector == "compute" and p.code == "GA" else 1.0)
                           for p in prefectures]  # fmt: skip
                pref = rng.choices([p.code for p in prefectures], weights=weights)[0]
            size = typical_yi * math.exp(rng.gauss(0, 0.7))
            # a third started with the plan; the rest start through 2024-09
            offset = 0 if rng.random() < 0.3 else rng.randint(0, span - 3)
            start = add_months(first, offset)
            months = max(6, min(48, int(round(8 + 8 * math.sqrt(size) + rng.randint(-4, 8)))))
            suspend_at = None
            if rng.random() < 0.03:
                suspend_at = rng.randint(2, max(3, months - 2))
            base = rng.choice(S.PROJECT_NAMES[sector]).format(where=names_zh[pref])
            phases = S.BATCHES if base.endswith("工程") else S.PHASES
            name = next(
                (f"{base}{ph}" for ph in rng.sample(phases, len(phases)) if f"{base}{ph}" not in used_names),
                f"{base}（第{len(used_names) + 1}批）",
            )
            used_names.add(name)
            shares = _monthly_shares(rng, start, months)
            drafts.append((sector, pref, name, size, start, months, suspend_at, shares))

    # scale sizes so the summed cumulative at the last plan month hits the target share
    goal = S.INVESTMENT_TARGET_YUAN * rng.uniform(*S.INVESTMENT_END_SHARE)
    reached = 0.0
    for _sector, _pref, _name, size, start, months, suspend_at, shares in drafts:
        i = min(month_index(last) - month_index(start), months - 1)
        if suspend_at is not None:
            i = min(i, suspend_at - 1)
        reached += size * 1e8 * shares[i]
    scale = goal / reached

    drafts.sort(key=lambda d: (d[4], d[0], d[2]))  # by start month, then sector, then name
    projects = []
    for seq, (sector, pref, name, size, start, months, suspend_at, shares) in enumerate(drafts, start=1):
        total = int(round(size * 1e8 * scale / 1e6)) * 1_000_000  # whole 百万元
        projects.append(
            Project(
                project_code=S.PROJECT_CODE.format(year=start[:4], seq=seq),
                project_name=name,
                sector=sector,
                department_code=lead_of[sector],
                prefecture_code=pref,
                total_investment_yuan=total,
                start_period=start,
                end_period=add_months(start, months - 1),
                suspended_from=add_months(start, suspend_at) if suspend_at is not None else None,
                cumulative=_cumulative(total, shares, suspend_at),
            )
        )
    return projects


def project_rows(
    projects: list[Project], department_code: str, period: str, include_planned: bool = False
) -> list[dict]:
    """The rows of a department's 重大项目进展 sheet for ``period``: its projects under way or done
    (and, with ``include_planned``, the given projects not started yet, at zero)."""
    rows = []
    for p in projects:
        if p.department_code != department_code or not (include_planned or p.is_reported(period)):
            continue
        this_month, cum, status = p.progress(period)
        rows.append(
            {
                "project_code": p.project_code,
                "project_name": p.project_name,
                "sector": p.sector,
                "prefecture_code": p.prefecture_code,
                "total_investment_yuan": p.total_investment_yuan,
                "completed_this_month_yuan": this_month,
                "cumulative_completed_yuan": cum,
                "project_status": status,
            }
        )
    return rows


# --- indicator values ------------------------------------------------------------------------


def investment_by_prefecture(projects, period: str) -> dict[str, float]:
    """Cumulative completed investment of all projects at ``period``, per prefecture and ``GZ``."""
    out: dict[str, float] = {}
    for p in projects:
        out[p.prefecture_code] = out.get(p.prefecture_code, 0.0) + p.cumulative_at(period)
    out[PROVINCE] = float(sum(out.values()))
    return out


def department_values(
    plan: Plan, department_code: str, period: str, projects=()
) -> dict[tuple[str, str], float]:
    """What a department reports for ``period``: (indicator_id, prefecture_code) -> value in base units.

    An indicator reported for the province has one row (``GZ``); a by-prefecture indicator has one
    row per prefecture and none for the province (the ingester refuses it), split from the curve's
    province value so that additive ones add up to it exactly. The investment
    indicator (``S.INVESTMENT_INDICATOR_ID``) is the project library's sum, not a curve, so the
    indicator and the 重大项目进展 sheets tell the same story."""
    values: dict[tuple[str, str], float] = {}
    prefectures = sorted(p.code for p in plan.sub_prefectures if p.code in PREFECTURE_WEIGHTS)
    for ind in sorted(plan.indicators_of(department_code), key=lambda i: i.indicator_id):
        if ind.indicator_id == S.INVESTMENT_INDICATOR_ID and projects:
            invest = investment_by_prefecture(projects, period)
            if ind.is_by_prefecture:
                values.update({(ind.indicator_id, c): invest.get(c, 0.0) for c in prefectures})
            else:
                values[(ind.indicator_id, PROVINCE)] = invest[PROVINCE]
            continue
        total = true_value(plan, ind.indicator_id, period)
        if ind.is_by_prefecture:
            for code, v in split_by_prefecture(plan, ind.indicator_id, total).items():
                values[(ind.indicator_id, code)] = _within_bounds(ind, v)
        else:
            values[(ind.indicator_id, PROVINCE)] = total
    return values


def _within_bounds(ind: Indicator, value: float) -> float:
    """A value a department can report: within the indicator's bounds (a percentage within 0–100)."""
    low, high = ind.value_min, ind.value_max
    if ind.unit.strip() == "%":
        low = 0.0 if low is None else low
        high = 100.0 if high is None else high
    if high is not None and value > high:
        value = high
    if low is not None and value < low:
        value = low
    return value


_SERIES: dict[int, tuple[Plan, dict[str, dict[str, float]]]] = {}


def true_value(plan: Plan, indicator_id: str, period: str) -> float:
    """The province value a department reports: the curve (demo/curves.py), kept within the
    indicator's bounds, and never below an earlier month for a cumulative indicator (the curves can
    dip between their 2022 and 2024 goals, and "early" goals can overshoot 100%)."""
    held = _SERIES.setdefault(id(plan), (plan, {}))[1]  # holding the plan keeps its id unique
    series = held.get(indicator_id)
    if series is None:
        series = held[indicator_id] = _series(plan, indicator_id)
    if period in series:
        return series[period]
    ind = plan.indicators[indicator_id]
    return _within_bounds(ind, curve_for(plan, indicator_id).value(period))


def _series(plan: Plan, indicator_id: str) -> dict[str, float]:
    ind = plan.indicators[indicator_id]
    curve = curve_for(plan, indicator_id)
    out, running = {}, None
    for p in period_range(BASE_PERIOD, S.LAST_PERIOD):
        value = curve.value(p)
        if ind.kind == "cumulative":
            running = value if running is None else max(running, value)
            value = running
        out[p] = _within_bounds(ind, value)
    return out


# --- the files ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mistake:
    kind: str
    department_code: str
    period: str
    indicator_id: str | None = None
    prefecture_code: str | None = None
    other_department_code: str | None = None  # spoof: whose template landed in this folder

    @property
    def description_zh(self) -> str:
        return MISTAKES[self.kind][0]

    @property
    def expected_status(self) -> str:
        return MISTAKES[self.kind][1]

    @property
    def expected_reason_codes(self) -> tuple[str, ...]:
        return MISTAKES[self.kind][2]


@dataclass(frozen=True)
class PlannedFile:
    folder_department_code: str  # the landing folder, i.e. the sender
    department_code: str  # whose template it is (its metadata)
    period: str  # the period of its metadata
    role: str  # submission | revision_first | revision | spoof
    file_format: str  # xlsx | csv
    file_name: str
    received_at: dt.datetime  # timezone-aware; becomes the file's mtime
    is_late: bool
    values_period: str  # the period whose true values it carries (spoof: an old draft)
    mistake: Mistake | None = None

    @property
    def relative_path(self) -> str:
        return f"{S.LANDING_DIR}/{self.folder_department_code}/{self.file_name}"

    @property
    def expected_status(self) -> str:
        if self.mistake is None or (self.mistake.kind == "revision" and self.role == "revision_first"):
            return "loaded"
        return self.mistake.expected_status

    @property
    def expected_reason_codes(self) -> tuple[str, ...]:
        if self.mistake is None or self.role == "revision_first":
            return ()
        return self.mistake.expected_reason_codes


@dataclass(frozen=True)
class Scenario:
    seed: int
    first_period: str
    last_period: str
    on_time_days: int
    timezone: str
    departments: tuple[str, ...]
    habits: dict[str, str]
    files: tuple[PlannedFile, ...]
    missing: tuple[tuple[str, str], ...]  # (department_code, period)
    mistakes: tuple[Mistake, ...]
    projects: tuple[Project, ...]

    def files_for(self, folder_department_code: str | None = None, periods: set[str] | None = None):
        return [
            f
            for f in self.files
            if (folder_department_code is None or f.folder_department_code == folder_department_code)
            and (periods is None or f.period in periods)
        ]


def _habits(departments: list[str], seed: int) -> dict[str, str]:
    rng = random.Random(f"{seed}|habits")
    order = sorted(departments)
    sloppy = set(rng.sample(order, min(S.SLOPPY_DEPARTMENTS, len(order))))
    return {
        d: "sloppy" if d in sloppy else ("punctual" if rng.random() < S.PUNCTUAL_SHARE else "usual")
        for d in order
    }


def _received_at(
    seed: int, key: str, period: str, late: bool, on_time_days: int, tz: ZoneInfo
) -> dt.datetime:
    rng = random.Random(f"{seed}|received|{key}|{period}")
    if late:
        day = due_date(period, on_time_days) + dt.timedelta(days=rng.randint(*S.LATE_DAYS))
    else:
        day = period_end(period) + dt.timedelta(days=rng.randint(1, max(1, on_time_days)))
    hour = rng.randint(S.WORK_HOURS[0], S.WORK_HOURS[1] - 1)
    return dt.datetime(day.year, day.month, day.day, hour, rng.randint(0, 59), rng.randint(0, 59), tzinfo=tz)


def _pick_mistakes(
    plan: Plan, departments: list[str], last: str, seed: int, with_projects: set[str]
) -> list[Mistake]:
    """One department per mistake (distinct where the plan allows), each at its period. The CSV goes
    to a department without projects where there is one (a CSV holds one sheet: the indicators)."""
    rng = random.Random(f"{seed}|mistakes")
    used: set[str] = set()
    out = []

    def eligible(pred, kind: str) -> list[str]:
        found = [d for d in departments if any(pred(i) for i in plan.indicators_of(d))]
        if kind == "csv_gb18030":
            found = [d for d in found if d not in with_projects] or found
        fresh = [d for d in found if d not in used]
        return fresh or found

    def numeric(i):
        return i.kind != "milestone"

    def count(i):
        return i.kind != "milestone" and i.is_additive and (i.value_min is None or i.value_min >= 0)

    def percent(i):
        return i.kind != "milestone" and (i.unit == "%" or (i.value_max is not None and i.value_max == 100))

    def by_prefecture(i):
        return i.is_by_prefecture

    needs = {
        "text_in_number": numeric,
        "negative_count": count,
        "percent_over_100": percent,
        "unknown_prefecture": by_prefecture,
        "duplicate_row": numeric,
        "formula_cell": numeric,
        "revision": count,
        "csv_gb18030": numeric,
        "spoof": numeric,
    }
    for kind in MISTAKES:
        pred = needs[kind]
        candidates = eligible(pred, kind)
        if not candidates:
            continue
        dept = rng.choice(candidates)
        used.add(dept)
        period = add_months(last, -MISTAKE_OFFSETS[kind])
        inds = sorted((i for i in plan.indicators_of(dept) if pred(i)), key=lambda i: i.indicator_id)
        ind = rng.choice(inds)
        pref = PROVINCE
        if ind.is_by_prefecture:
            pref = rng.choice(sorted(p.code for p in plan.sub_prefectures if p.code in PREFECTURE_WEIGHTS))
        other = None
        if kind == "spoof":
            other = rng.choice([d for d in departments if d != dept])
        out.append(Mistake(kind, dept, period, ind.indicator_id, pref, other))
    return out


def build_scenario(
    plan: Plan,
    seed: int = S.DEFAULT_SEED,
    last_period: str = S.LAST_PERIOD,
    on_time_days: int = 5,
    timezone: str = "Asia/Shanghai",
    first_period: str = S.FIRST_PERIOD,
) -> Scenario:
    tz = ZoneInfo(timezone)
    departments = plan.reporting_departments()
    periods = period_range(first_period, last_period)
    habits = _habits(departments, seed)
    projects = build_projects(plan, seed)
    with_projects = {p.department_code for p in projects}
    mistakes = [
        m for m in _pick_mistakes(plan, departments, last_period, seed, with_projects) if m.period in periods
    ]
    mistake_at = {(m.department_code, m.period): m for m in mistakes}

    # late / missing per department-month, from the department's habit
    fate: dict[tuple[str, str], str] = {}
    for d in departments:
        late_share, miss_share = S.HABITS[habits[d]]
        for p in periods:
            u = random.Random(f"{seed}|habit|{d}|{p}").random()
            fate[(d, p)] = (
                "missing" if u < miss_share else "late" if u < miss_share + late_share else "on_time"
            )
    # the first month everybody reports (the baseline); mistakes are never missing
    for d in departments:
        if fate[(d, first_period)] == "missing":
            fate[(d, first_period)] = "late"
    for key in mistake_at:
        if fate[key] == "missing":
            fate[key] = "on_time"
    # the last period always has someone late and someone missing
    rng = random.Random(f"{seed}|last|{last_period}")
    free = [d for d in departments if (d, last_period) not in mistake_at]
    spoof_senders = {m.department_code for m in mistakes if m.kind == "spoof"}
    free = [d for d in free if d not in spoof_senders]
    missing_now = [d for d in free if fate[(d, last_period)] == "missing"]
    for d in rng.sample([d for d in free if d not in missing_now], k=len(free) - len(missing_now)):
        if len(missing_now) >= S.LAST_PERIOD_MISSING:
            break
        fate[(d, last_period)] = "missing"
        missing_now.append(d)
    late_now = [d for d in free if fate[(d, last_period)] == "late"]
    on_time_now = [d for d in free if fate[(d, last_period)] == "on_time"]
    for d in rng.sample(on_time_now, k=len(on_time_now)):
        if len(late_now) >= S.LAST_PERIOD_LATE:
            break
        fate[(d, last_period)] = "late"
        late_now.append(d)

    files: list[PlannedFile] = []
    names = {d: plan.departments[d].name_zh if d in plan.departments else d for d in departments}
    for d in departments:
        for p in periods:
            if fate[(d, p)] == "missing":
                continue
            mistake = mistake_at.get((d, p))
            late = fate[(d, p)] == "late"
            received = _received_at(seed, d, p, late, on_time_days, tz)
            fmt = "csv" if mistake is not None and mistake.kind == "csv_gb18030" else "xlsx"
            name_pattern = S.CSV_NAME if fmt == "csv" else S.SUBMISSION_NAME
            file_name = name_pattern.format(code=d, name_zh=names[d], period=p)
            if mistake is not None and mistake.kind == "revision":
                # the first file is on time (with a typo); the revision follows after the due date
                first_at = _received_at(seed, d, p, False, on_time_days, tz)
                files.append(
                    PlannedFile(d, d, p, "revision_first", "xlsx", file_name, first_at, False, p, mistake)
                )
                rev_at = _received_at(seed, f"{d}|revision", p, True, on_time_days, tz)
                rev_name = S.REVISION_NAME.format(code=d, name_zh=names[d], period=p)
                files.append(PlannedFile(d, d, p, "revision", "xlsx", rev_name, rev_at, True, p, mistake))
                continue
            if mistake is not None and mistake.kind == "spoof":
                # the sender's own file, fine, plus another department's template it filled by mistake
                files.append(PlannedFile(d, d, p, "submission", "xlsx", file_name, received, late, p, None))
                other = mistake.other_department_code
                spoof_name = S.SUBMISSION_NAME.format(code=other, name_zh=names[other], period=p)
                spoof_at = received + dt.timedelta(minutes=7)
                files.append(
                    PlannedFile(
                        d, other, p, "spoof", "xlsx", spoof_name, spoof_at, late, add_months(p, -1), mistake
                    )
                )
                continue
            files.append(PlannedFile(d, d, p, "submission", fmt, file_name, received, late, p, mistake))
    missing = tuple((d, p) for d in departments for p in periods if fate[(d, p)] == "missing")
    files.sort(key=lambda f: (f.folder_department_code, f.period, f.received_at))
    return Scenario(
        seed=seed,
        first_period=first_period,
        last_period=last_period,
        on_time_days=on_time_days,
        timezone=timezone,
        departments=tuple(departments),
        habits=habits,
        files=tuple(files),
        missing=missing,
        mistakes=tuple(mistakes),
        projects=tuple(projects),
    )
