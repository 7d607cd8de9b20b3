"""The progress method's golden table (docs/progress-method.md): inputs and hand-computed results.

Every expected figure below was worked out by hand from the rules in docs/progress-method.md, with
the arithmetic in the comment beside it; none is read from the models. Vars: the project's defaults
(stale_after_months 2, at_risk_margin 0.10, milestone_at_risk_elapsed 0.75, r_substantial 0.95,
r_moderate 0.60, r_min_required_growth 0.005, r_min_months_observed 12, projection_window_months 12,
plan 2022-01 .. 2024-12)
plus projection_cagr_indicators = [cagr].

Notation: A latest figure (month t), B baseline (month t0: the latest figure at or before 2022-01),
T target, D deadline (December of the target year), P the report period.
完成率 CR = A/T (at most: T/A); 基期以来进度 PSB = (A-B)/(T-B) (at most: (B-A)/(B-T));
time elapsed TE = (P - t0)/(D - t0) in months, capped to 0..1 (without a baseline t0 = 2021-12).
"""

from __future__ import annotations

# fmt: off
# indicator_id: (kind, direction, {target_year: (target_value, qualifier)}, {period: reported value})
INDICATORS: dict[str, tuple[str, str, dict[int, tuple[float, str | None]], dict[str, float]]] = {
    # an at-least level with a 2022 and a 2024 target, the 2022 one met late (2023-05)
    "up": (
        "level",
        "at_least",
        {2022: (100, None), 2024: (200, "力争")},
        {"2021-12": 50, "2022-06": 80, "2022-12": 90, "2023-05": 100, "2023-12": 140, "2024-06": 170, "2024-12": 190},
    ),
    # a rate last reported 2024-09 (the stale rack utilisation of issue 14)
    "stale": ("ratio", "at_least", {2024: (65, None)}, {"2021-12": 60, "2023-12": 63, "2024-09": 64.49}),
    # a milestone never built
    "ms": ("milestone", "done", {2024: (1, None)}, {"2021-12": 0, "2024-06": 0, "2024-12": 0}),
    # a decreasing target (PUE at most 1.2), met exactly at the deadline
    "pue": ("max", "at_most", {2024: (1.2, None)}, {"2021-12": 1.5, "2023-12": 1.3, "2024-06": 1.26, "2024-12": 1.2}),
    # a 2024 target missed at the deadline and met in 2025-02
    "late24": ("cumulative", "at_least", {2024: (100, "以上")}, {"2021-12": 40, "2024-12": 95, "2025-02": 101}),
    # never reported
    "nodata": ("level", "at_least", {2024: (10, None)}, {}),
    # first reported after the plan's first month: no baseline
    "nobase": ("level", "at_least", {2024: (200, None)}, {"2022-06": 100, "2023-06": 150}),
    # the target equals the baseline
    "flat": ("level", "at_least", {2024: (50, None)}, {"2021-12": 50, "2022-06": 45}),
    # already met before the deadline
    "met": ("level", "at_least", {2024: (100, None)}, {"2021-12": 50, "2023-06": 120}),
    # the required growth is negligible (100 -> 100.5 over three years)
    "tiny": ("level", "at_least", {2024: (100.5, None)}, {"2021-12": 100, "2023-06": 100.3}),
    # multiplicative growth: projected with compound growth
    "cagr": ("level", "at_least", {2024: (1000, None)}, {"2021-12": 100, "2023-06": 200, "2024-06": 400}),
    # a 2022-only target, met on time, still in force afterwards
    "only22": ("cumulative", "at_least", {2022: (100, None)}, {"2021-12": 50, "2022-12": 100}),
}

# The calendar of the fixture: 2021-12 (before the plan, not an as-of month) to 2025-06.
FIRST_MONTH, LAST_MONTH = "2021-12", "2025-06"

# (model, indicator_id, target_year, period, expected columns) — model "outlook" is the per-target
# int_progress_outlook, "progress" the target in force (int_indicator_progress).
CASES: list[tuple[str, str, int, str, dict]] = [
    # 1. up @2022-06, 2022 target: CR 80/100 = 0.8; PSB (80-50)/(100-50) = 0.6; TE (2022-06 - 2021-12) /
    #    (2022-12 - 2021-12) = 6/12 = 0.5; 0.6 >= 0.5 -> on_track. Trend from 2021-12 (50, the earliest
    #    figure within 12 months before 2022-06): 30/6 = 5 a month; 6 months to D: 80 + 30 = 110 >= 100 ->
    #    likely; pace needed (100-80)/6 = 3.333. R: only 6 months observed (< 12) -> not reported
    #    (annualised it would be (80/50)^(12/6)-1 = 1.56 against (100/50)^(12/12)-1 = 1).
    ("outlook", "up", 2022, "2022-06", dict(
        completion_rate=0.8, progress_since_baseline=0.6, time_elapsed=0.5, status_code="on_track",
        projected_value=110.0, verdict_code="likely", required_monthly_change=20 / 6,
        observed_monthly_change=5.0, growth_ratio=None, growth_ratio_null_reason="observation_too_short")),
    # 2. up @2022-12, the 2022 deadline: 90 < 100 -> not_achieved (only achieved / not_achieved / no_data
    #    at the deadline); CR 0.9, PSB 40/50 = 0.8; no projection at the deadline.
    ("outlook", "up", 2022, "2022-12", dict(
        completion_rate=0.9, progress_since_baseline=0.8, time_elapsed=1.0, status_code="not_achieved",
        deadline_status_code="not_achieved", projected_value=None, verdict_code=None,
        assessment_note_zh="2022年目标到期未完成")),
    # 3. up @2023-03, 2022 target after its deadline: A still 90 (2022-12, 3 months old -> stale), unmet -> overdue
    ("outlook", "up", 2022, "2023-03", dict(
        status_code="overdue", data_age_months=3, is_stale=True, deadline_status_code="not_achieved",
        assessment_note_zh="2022年目标未按期完成，至今未完成")),
    # 4. up @2023-05: 100 reported for 2023-05 meets 100 after the deadline -> achieved_late, met 2023-05
    ("outlook", "up", 2022, "2023-05", dict(
        status_code="achieved_late", status_basis="met_after_deadline", deadline_status_code="not_achieved",
        assessment_note_zh="2022年目标未按期完成，2023年5月完成")),
    # 5. up @2023-06 (2024 target in force): A 100 (2023-05, 1 month old, not stale); PSB (100-50)/(200-50)
    #    = 0.3333; TE 18/36 = 0.5; 0.3333 < 0.5 - 0.1 -> behind. CR 0.5. Trend from 2022-06 (80, earliest
    #    within 12 months before 2023-05): 20/11 a month, 19 months from 2023-05 to 2024-12: 100 + 20/11*19
    #    = 134.545 < 200 -> unlikely; pace needed (200-100)/18 = 5.556. The 2022 target's assessment
    #    stays visible. R: (100/50)^(12/17)-1 = 0.63049, (200/50)^(12/36)-1 = 0.58740 -> 1.07337.
    ("progress", "up", 2024, "2023-06", dict(
        completion_rate=0.5, progress_since_baseline=1 / 3, completion=1 / 3, time_elapsed=0.5,
        status_code="behind", status_label_zh="滞后", months_since_actual=1, is_stale=False,
        stale_label_zh=None, projected_value=100 + 20 / 11 * 19, verdict_code="unlikely",
        verdict_label_zh="难以完成", required_monthly_change=100 / 18, growth_ratio=1.0744651628572823,
        growth_class="substantial", earlier_targets_note_zh="2022年目标未按期完成，2023年5月完成",
        target_2022_status_code="achieved_late")),
    # 6. up @2024-12, the 2024 deadline: 190 < 200 -> 未完成; CR 0.95, PSB 140/150 = 0.9333
    ("progress", "up", 2024, "2024-12", dict(
        completion_rate=0.95, progress_since_baseline=140 / 150, status_code="not_achieved",
        status_label_zh="未完成", status_colour="red", is_plan_ended=False, needs_follow_up=False)),
    # 7. up @2025-01: after the plan, unmet -> 逾期未完成, still followed up
    ("progress", "up", 2024, "2025-01", dict(
        status_code="overdue", status_label_zh="逾期未完成", is_plan_ended=True, plan_ended_label_zh="规划期已结束",
        needs_follow_up=True, assessment_note_zh="2024年目标未按期完成，至今未完成")),
    # 8. stale @2024-12: A 64.49 (2024-09, 3 months old > 2 -> 数据未更新); unmet at the deadline -> 未完成;
    #    CR 64.49/65 = 0.99215; PSB (64.49-60)/(65-60) = 0.898
    ("progress", "stale", 2024, "2024-12", dict(
        status_code="not_achieved", data_age_months=3, is_stale=True, stale_label_zh="数据未更新",
        completion_rate=64.49 / 65, progress_since_baseline=0.898, time_elapsed=1.0)),
    # 9. stale @2024-11: 2 months old, not stale; TE (2024-11 - 2021-12)/36 = 35/36 = 0.97222; PSB 0.898 >=
    #    0.97222 - 0.1 = 0.87222 -> at_risk. Trend from 2023-12 (63): 1.49/9 a month, 3 months to D:
    #    64.49 + 0.49667 = 64.98667 < 65 -> unlikely; pace needed (65-64.49)/1 = 0.51
    ("progress", "stale", 2024, "2024-11", dict(
        is_stale=False, time_elapsed=35 / 36, status_code="at_risk", projected_value=64.49 + 1.49 / 9 * 3,
        verdict_code="unlikely", required_monthly_change=0.51)),
    # 10. stale @2024-06: A 63 (2023-12, 6 months old, stale); TE to the report period 30/36 = 0.8333
    #     (not to the figure's month, which would give 24/36 and at_risk); PSB 3/5 = 0.6 < 0.7333 -> behind.
    #     R: (63/60)^(12/24)-1 = 0.024695, (65/60)^(12/36)-1 = 0.027040 -> 0.91328 (moderate)
    ("progress", "stale", 2024, "2024-06", dict(
        is_stale=True, time_elapsed=30 / 36, progress_since_baseline=0.6, status_code="behind",
        growth_ratio=0.9132786282034072, growth_class="moderate", growth_class_label_zh="中等进展")),
    # 11. ms @2024-06: milestone not done, TE 30/36 = 0.8333 >= 0.75 -> at_risk; CR and PSB 0; no projection
    ("progress", "ms", 2024, "2024-06", dict(
        status_code="at_risk", completion_rate=0.0, progress_since_baseline=0.0, time_elapsed=30 / 36,
        projected_value=None, verdict_code=None, growth_ratio_null_reason="milestone")),
    # 12. ms @2023-06: TE 18/36 = 0.5 < 0.75 -> on_track
    ("progress", "ms", 2024, "2023-06", dict(status_code="on_track", time_elapsed=0.5)),
    # 13. ms @2024-12: not built at the deadline -> 未完成 (never 存在风险 at 100 % time elapsed)
    ("progress", "ms", 2024, "2024-12", dict(status_code="not_achieved", status_label_zh="未完成")),
    # 14. ms @2025-03: after the deadline, still not built -> 逾期未完成
    ("progress", "ms", 2024, "2025-03", dict(status_code="overdue", needs_follow_up=True)),
    # 15. pue @2024-06 (at most 1.2): CR 1.2/1.26 = 0.95238; PSB (1.5-1.26)/(1.5-1.2) = 0.8; TE 0.8333;
    #     0.8 < 0.8333 but >= 0.7333 -> at_risk. Trend from 2023-12 (1.3): -0.04/6 a month, 6 months to D:
    #     1.26 - 0.04 = 1.22 > 1.2 -> unlikely; pace needed (1.2-1.26)/6 = -0.01 (a decrease).
    #     R: -1 * ((1.26/1.5)^(12/30)-1) / |(1.2/1.5)^(12/36)-1| = -(-0.067365)/0.071682 = 0.93977 (moderate)
    ("progress", "pue", 2024, "2024-06", dict(
        completion_rate=1.2 / 1.26, progress_since_baseline=0.8, status_code="at_risk",
        projected_value=1.22, verdict_code="unlikely", required_monthly_change=-0.01,
        growth_ratio=0.9397724748791929, growth_class="moderate")),
    # 16. pue @2024-12: 1.2 <= 1.2 -> achieved at the deadline; CR 1.0, PSB 0.3/0.3 = 1.0
    ("progress", "pue", 2024, "2024-12", dict(
        status_code="achieved", completion_rate=1.0, progress_since_baseline=1.0, growth_ratio=None,
        growth_ratio_null_reason="target_achieved")),
    # 17. pue @2025-02: met by the deadline -> stays achieved; not followed up after the plan
    ("progress", "pue", 2024, "2025-02", dict(
        status_code="achieved", status_basis="met_by_deadline", needs_follow_up=False,
        assessment_note_zh="2024年目标按期完成")),
    # 18. late24 @2024-12: 95 < 100 -> 未完成
    ("progress", "late24", 2024, "2024-12", dict(status_code="not_achieved", completion_rate=0.95)),
    # 19. late24 @2025-01: 95 still -> 逾期未完成
    ("progress", "late24", 2024, "2025-01", dict(status_code="overdue", needs_follow_up=True)),
    # 20. late24 @2025-03: 101 (2025-02) >= 100 after the deadline -> 逾期完成 in 2025-02, no more follow-up
    ("progress", "late24", 2024, "2025-03", dict(
        status_code="achieved_late", status_label_zh="逾期完成", met_late_period="2025-02",
        needs_follow_up=False, assessment_note_zh="2024年目标未按期完成，2025年2月完成")),
    # 21. nodata @2024-06: no figure -> 无数据; no completion figures, no projection
    ("progress", "nodata", 2024, "2024-06", dict(
        status_code="no_data", status_label_zh="无数据", status_colour="grey", completion_rate=None,
        progress_since_baseline=None, projected_value=None, growth_ratio_null_reason="no_data")),
    # 22. nodata @2024-12: no figure at the deadline -> 无数据, said so
    ("progress", "nodata", 2024, "2024-12", dict(
        status_code="no_data", deadline_status_code="no_data", assessment_note_zh="2024年目标到期时无数据，无法评估")),
    # 23. nobase @2023-06: no figure at or before 2022-01 -> no baseline: PSB null, the status uses
    #     CR 150/200 = 0.75 against TE (2023-06 - 2021-12)/36 = 0.5 -> on_track. Trend from 2022-06 (100):
    #     50/12 a month, 18 months to D: 150 + 75 = 225 -> likely; pace (200-150)/18 = 2.778. R: no baseline.
    ("progress", "nobase", 2024, "2023-06", dict(
        baseline_value=None, completion_rate=0.75, progress_since_baseline=None, completion=0.75,
        completion_basis="completion_rate", time_elapsed=0.5, status_code="on_track",
        status_basis="completion_rate_vs_time_elapsed", projected_value=225.0, verdict_code="likely",
        verdict_label_zh="按当前进度预计可完成", required_monthly_change=50 / 18,
        growth_ratio=None, growth_ratio_null_reason="baseline_missing")),
    # 24. flat @2022-06: T = B = 50, A 45: PSB undefined (nothing to cover) -> behind; CR 0.9. Trend from
    #     2021-12 (50): -5/6 a month, 30 months to D: 45 - 25 = 20 -> unlikely. R: CAGR_req 0 -> none.
    ("progress", "flat", 2024, "2022-06", dict(
        completion_rate=0.9, progress_since_baseline=None, status_code="behind",
        status_basis="baseline_at_or_beyond_target", projected_value=20.0, verdict_code="unlikely",
        growth_ratio=None, growth_ratio_null_reason="required_growth_negligible")),
    # 25. met @2023-06: 120 >= 100 before the deadline -> achieved; CR 1.2, PSB 70/50 = 1.4; R not reported
    #     (Open SDG: target achieved), no projection
    ("progress", "met", 2024, "2023-06", dict(
        status_code="achieved", completion_rate=1.2, progress_since_baseline=1.4, growth_ratio=None,
        growth_ratio_null_reason="target_achieved", projected_value=None, verdict_code=None)),
    # 26. tiny @2023-06: PSB 0.3/0.5 = 0.6 >= TE 0.5 -> on_track. R: CAGR_req (100.5/100)^(1/3)-1 =
    #     0.00166 < 0.005 -> not reported. No figure within 12 months before 2023-06 -> no projection.
    ("progress", "tiny", 2024, "2023-06", dict(
        progress_since_baseline=0.6, status_code="on_track", growth_ratio=None,
        growth_ratio_null_reason="required_growth_negligible", projected_value=None, verdict_code=None,
        projection_null_reason="too_few_reports")),
    # 27. cagr @2024-06 (compound growth): PSB 300/900 = 0.3333 < 0.8333 - 0.1 -> behind. Trend from 2023-06
    #     (200), 12 months: 400 * (400/200)^(6/12) = 565.685 < 1000 -> unlikely; pace (1000-400)/6 = 100.
    #     R: (400/100)^(12/30)-1 = 0.741101, (1000/100)^(12/36)-1 = 1.154435 -> 0.64196 (moderate)
    ("progress", "cagr", 2024, "2024-06", dict(
        projection_method="cagr", progress_since_baseline=1 / 3, status_code="behind",
        projected_value=400 * 2**0.5, verdict_code="unlikely", required_monthly_change=100.0,
        growth_ratio=0.6419602018125253, growth_class="moderate")),
    # 28. only22 @2023-06: the 2022-only target stays in force; met at 2022-12 -> achieved, on time
    ("progress", "only22", 2022, "2023-06", dict(
        status_code="achieved", status_basis="met_by_deadline", assessment_note_zh="2022年目标按期完成")),
]
# fmt: on
