"""The demo's progress stories (docs/progress-method.md): the synthetic scenario carries a case of
every rule of the progress method, so the demo's 2022-12, 2024-06 and 2024-12 marts show them. Pure:
read from the scenario and the curves, not from a build (the build is checked by hand: see the method
doc), so a change to the demo's randomness that loses a story fails here."""

from __future__ import annotations

import pytest

from demo.scenario import MISTAKES, build_scenario, true_value
from newinfra.periods import period_range
from newinfra.plan import load_plan

RACK_RATE = "dc_rack_utilisation_rate"


@pytest.fixture(scope="module")
def plan():
    return load_plan()


@pytest.fixture(scope="module")
def scenario(plan):
    return build_scenario(plan)


def _meets(plan, indicator_id: str, value: float, target: float) -> bool:
    if plan.indicators[indicator_id].direction == "at_most":
        return value <= target
    return value >= target


def test_a_stale_figure_at_the_deadline(plan, scenario):
    """标准机架平均上架率: its department sends nothing for 2024-10 and 2024-11 and its 2024-12 value is
    rejected (text in the number cell), so at 2024-12 the latest figure is 2024-09's, below 65 %:
    未完成, flagged 数据未更新."""
    dept = plan.indicators[RACK_RATE].lead_department_code
    assert {(dept, "2024-10"), (dept, "2024-11")} <= set(scenario.missing)
    rejected = [m for m in scenario.mistakes if m.period == "2024-12" and m.indicator_id == RACK_RATE]
    assert [(m.kind, MISTAKES[m.kind][1]) for m in rejected] == [("text_in_number", "partially_loaded")]
    assert true_value(plan, RACK_RATE, "2024-09") < plan.targets_of(RACK_RATE)[2024].target_value


def test_2022_targets_missed_met_late_and_never_met(plan):
    """Some 2022 targets are missed at 2022-12 and met during 2023-2024 (逾期完成), some never (逾期未完成)."""
    late, never = [], []
    for indicator_id, ind in plan.indicators.items():
        target = plan.targets_of(indicator_id).get(2022)
        if target is None or ind.kind == "milestone":
            continue
        if _meets(plan, indicator_id, true_value(plan, indicator_id, "2022-12"), target.target_value):
            continue
        later = [p for p in period_range("2023-01", "2024-12")
                 if _meets(plan, indicator_id, true_value(plan, indicator_id, p), target.target_value)]  # fmt: skip
        (late if later else never).append(indicator_id)
    assert late and never, (late, never)


def test_a_milestone_never_built(plan):
    unbuilt = [
        i for i, ind in plan.indicators.items()
        if ind.kind == "milestone" and 2024 in plan.targets_of(i) and true_value(plan, i, "2024-12") < 1
    ]  # fmt: skip
    assert unbuilt


def test_a_decreasing_target_met_and_one_missed(plan):
    """Targets of "at most" (PUE, latency): the figures fall; at 2024-12 some meet the target, some do not."""
    met, missed = [], []
    for indicator_id, ind in plan.indicators.items():
        target = plan.targets_of(indicator_id).get(2024)
        if ind.direction != "at_most" or target is None:
            continue
        assert true_value(plan, indicator_id, "2024-12") < true_value(plan, indicator_id, "2022-01"), (
            indicator_id
        )
        value = true_value(plan, indicator_id, "2024-12")
        (met if value <= target.target_value else missed).append(indicator_id)
    assert met and missed, (met, missed)
