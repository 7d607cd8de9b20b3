"""The demo's "true" trajectories: one deterministic curve per indicator, split by prefecture.

Departments' demo submissions and the demo public statistics both derive from these curves (the
public figures differ a little, on purpose), so the cross-check has something real to find.
Everything is a pure function of the plan's seeds and the indicator id: no randomness at run time.
All values are synthetic (示例数据，非官方统计).

Profiles give the report every status to show: ``early`` (achieved ahead of time), ``on_track``,
``at_risk``, ``behind``, ``falls`` (a level indicator that drops in 2024), and milestones done or not.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from newinfra.periods import month_index
from newinfra.plan import Indicator, Plan

BASE_PERIOD = "2021-12"  # month 0 of the curves
PROFILES = ("early", "on_track", "on_track", "at_risk", "behind", "early", "on_track", "behind")

# Share of the province total per prefecture (adds up to 1).
PREFECTURE_WEIGHTS = {
    "GY": 0.20, "ZY": 0.14, "LPS": 0.07, "AS": 0.06, "BJ": 0.13,
    "TR": 0.08, "QDN": 0.10, "QN": 0.09, "QXN": 0.07, "GA": 0.06,
}  # fmt: skip


def _unit_hash(*parts: str) -> float:
    """A stable number in [0, 1) from the given strings."""
    digest = hashlib.sha256("|".join(parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


@dataclass(frozen=True)
class Curve:
    indicator: Indicator
    profile: str
    baseline: float
    t2022: float | None
    t2024: float | None
    done_month: int | None  # milestones: month index (from BASE_PERIOD) when done, None = never

    def value(self, period: str) -> float:
        m = month_index(period) - month_index(BASE_PERIOD)
        ind = self.indicator
        if ind.kind == "milestone":
            return 1.0 if self.done_month is not None and m >= self.done_month else 0.0
        end22, end24 = self._factors()
        goal22 = (self.t2022 if self.t2022 is not None else self._interp_target(12)) * end22
        goal24 = (self.t2024 if self.t2024 is not None else (self.t2022 or self.baseline)) * end24
        if self.profile == "early":
            # reaches the 2024 goal by mid-2024, then creeps on
            knots = [(0, self.baseline), (12, goal22), (30, goal24), (36, goal24 * 1.01)]
        else:
            knots = [(0, self.baseline), (12, goal22), (36, goal24)]
        if self.profile == "falls":
            knots = [(0, self.baseline), (12, goal22), (27, goal24), (36, goal24 * 0.9)]
        if ind.kind == "cumulative":  # a running total never falls
            knots = [(k, max(v for _, v in knots[: i + 1])) for i, (k, _) in enumerate(knots)]
        value = _piecewise(knots, max(0, m))
        if ind.value_max is not None:
            value = min(value, ind.value_max)
        if ind.value_min is not None:
            value = max(value, ind.value_min)
        if ind.kind in ("ratio", "max") or ind.unit in ("%",):
            return round(value, 2)
        return float(round(value))

    def _interp_target(self, month: int) -> float:
        t24 = self.t2024 if self.t2024 is not None else self.baseline
        return self.baseline + (t24 - self.baseline) * month / 36

    def _factors(self) -> tuple[float, float]:
        at_most = self.indicator.direction == "at_most"
        table = {
            "early": (1.04, 1.06),
            "on_track": (1.01, 1.005),
            "at_risk": (0.97, 0.95),
            "behind": (0.88, 0.80),
            "falls": (1.0, 1.0),
        }
        f22, f24 = table[self.profile]
        if at_most:  # for PUE and latency, "better" is lower
            f22, f24 = 2 - f22, 2 - f24
        return f22, f24


def _piecewise(knots: list[tuple[int, float]], m: int) -> float:
    for (m0, v0), (m1, v1) in zip(knots, knots[1:], strict=False):
        if m <= m1:
            share = (m - m0) / (m1 - m0)
            # ease-in-out so curves look like real roll-outs, not straight lines
            share = share * share * (3 - 2 * share)
            return v0 + (v1 - v0) * share
    return knots[-1][1]


def curve_for(plan: Plan, indicator_id: str) -> Curve:
    ind = plan.indicators[indicator_id]
    targets = plan.targets_of(indicator_id)
    t22 = targets[2022].target_value if 2022 in targets else None
    t24 = targets[2024].target_value if 2024 in targets else None
    ordered = sorted(plan.indicators)
    profile = PROFILES[int(_unit_hash("profile", indicator_id) * len(PROFILES))]
    level_ids = [
        i
        for i in ordered
        if plan.indicators[i].kind == "level" and plan.indicators[i].direction == "at_least"
    ]
    if level_ids and indicator_id == level_ids[-1]:
        profile = "falls"
    first = t22 if t22 is not None else t24
    if first is None:
        first = 1.0
    if ind.direction == "at_most":
        baseline = first * (1.25 if ind.unit != "毫秒" else 1.6)
    elif ind.kind == "ratio":
        baseline = first * 0.55
    elif t22 is not None:
        baseline = t22 * 0.6
    else:
        baseline = first * 0.25
    done_month = None
    if ind.kind == "milestone":
        due = 12 if t22 is not None and t24 is None else 36
        if profile in ("early", "on_track"):
            done_month = max(3, due - 1 - int(_unit_hash("done", indicator_id) * 10))
        elif profile == "at_risk":
            done_month = due + 1 if due < 36 else None  # late, or not done
    return Curve(ind, profile, baseline, t22, t24, done_month)


def split_by_prefecture(plan: Plan, indicator_id: str, total: float) -> dict[str, float]:
    """Split a province value over the prefectures so that the parts add up exactly.

    Additive counts are split by largest remainder into whole numbers; non-additive values
    (ratios, PUE, latency) are given per prefecture as small variations around the total."""
    ind = plan.indicators[indicator_id]
    codes = [p.code for p in plan.sub_prefectures if p.code in PREFECTURE_WEIGHTS]
    raw = {}
    for code in codes:
        jitter = 0.85 + 0.3 * _unit_hash("weight", indicator_id, code)
        raw[code] = PREFECTURE_WEIGHTS[code] * jitter
    norm = sum(raw.values())
    weights = {code: w / norm for code, w in raw.items()}
    if not ind.is_additive:
        return {
            code: round(total * (0.95 + 0.1 * _unit_hash("ratio", indicator_id, code)), 2) for code in codes
        }
    whole = round(total)
    shares = {code: whole * w for code, w in weights.items()}
    floors = {code: int(s) for code, s in shares.items()}
    left = whole - sum(floors.values())
    for code in sorted(shares, key=lambda c: shares[c] - floors[c], reverse=True)[:left]:
        floors[code] += 1
    return {code: float(v) for code, v in floors.items()}


def public_factor(source: str, indicator_id: str, prefecture_code: str, period: str) -> float:
    """How far a demo public statistic sits from the departments' figure: within ±2%, except one
    deliberately wide gap per source (+8%) so the reconciliation flag has something to show."""
    if _unit_hash("gap", source, indicator_id, prefecture_code) > 0.97:
        return 1.08
    return 1 + (_unit_hash("public", source, indicator_id, prefecture_code, period) - 0.5) * 0.04
