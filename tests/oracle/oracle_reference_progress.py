"""The progress method's figures, recomputed from the province series (ref.monthly) and the plan's seeds.

Written from docs/progress-method.md and the column descriptions of the progress marts, never from the
models (dbt_project/models/intermediate/progress/ was not read). One row per indicator x target x month
(``ref.target_progress``, every target's own assessment), and the target in force per month
(``ref.progress_in_force``). Notation as in the doc: T target, D deadline (December of the target year),
A the latest province figure at or before P (month t), B the baseline (month t0).
"""

from __future__ import annotations

AT_RISK_MARGIN = 0.10
MILESTONE_AT_RISK_ELAPSED = 0.75
STALE_AFTER_MONTHS = 2
PROJECTION_WINDOW_MONTHS = 12
R_SUBSTANTIAL = 0.95
R_MODERATE = 0.60
R_MIN_REQUIRED_GROWTH = 0.005
R_MIN_MONTHS_OBSERVED = 12
PLAN_END = "2024-12"
MET_TOLERANCE = 1e-9
# Comparisons of two computed fractions (completion against time elapsed) allow for binary rounding only.
FLOAT_EPSILON = 1e-12

STEPS: list[str] = [
    # The province figures as reported (a month with a reported value), per indicator.
    """
    create table ref.province_reports as
    select indicator_id, period_month, value
    from ref.monthly
    where prefecture_code = 'GZ' and reported_value is not null
    """,
    # B: the latest figure at or before the plan's first month (no configured baselines in this project).
    """
    create table ref.baselines as
    select indicator_id, period_month as baseline_month, value as baseline_value
    from ref.province_reports
    where period_month <= date '{plan_start}-01'
    qualify row_number() over (partition by indicator_id order by period_month desc) = 1
    """,
    # Every target x every month of the plan, with A (and the figure as of the month before).
    """
    create table ref.target_months as
    select
        t.indicator_id, t.target_year, t.target_value, m.period_month, m.period,
        make_date(t.target_year, 12, 1) as deadline_month,
        i.kind, i.direction, i.kind = 'milestone' as is_milestone, i.display_scale,
        b.baseline_month, b.baseline_value,
        (select max(r.period_month) from ref.province_reports as r
         where r.indicator_id = t.indicator_id and r.period_month <= m.period_month) as actual_month,
        (select max(r.period_month) from ref.province_reports as r
         where r.indicator_id = t.indicator_id and r.period_month <= m.period_month - interval 1 month)
            as previous_actual_month
    from wh.plan.indicator_targets as t
    join wh.plan.indicators as i using (indicator_id)
    cross join ref.months as m
    left join ref.baselines as b using (indicator_id)
    where m.period_month >= date '{plan_start}-01'
    """,
    """
    create table ref.target_figures as
    with a as (
        select
            tm.*,
            ra.value as actual_value,
            rp.value as previous_actual_value
        from ref.target_months as tm
        left join ref.province_reports as ra
            on ra.indicator_id = tm.indicator_id and ra.period_month = tm.actual_month
        left join ref.province_reports as rp
            on rp.indicator_id = tm.indicator_id and rp.period_month = tm.previous_actual_month
    ),
    met as (
        select *,
            case
                when actual_value is null then false
                when direction = 'at_most' then actual_value <= target_value + {tol} * abs(target_value)
                else actual_value >= target_value - {tol} * abs(target_value)
            end as is_target_met,
            coalesce(baseline_month, date '{plan_start}-01' - interval 1 month) as time_origin
        from a
    )
    select *,
        case
            when is_milestone then case when actual_value is null then null when is_target_met then 1.0 else 0.0 end
            when direction = 'at_most' then target_value / nullif(actual_value, 0)
            else actual_value / nullif(target_value, 0)
        end as completion_rate,
        case
            when is_milestone then case when actual_value is null then null when is_target_met then 1.0 else 0.0 end
            when baseline_value is null then null
            when direction = 'at_most' and baseline_value - target_value > 0
                then (baseline_value - actual_value) / (baseline_value - target_value)
            when direction != 'at_most' and target_value - baseline_value > 0
                then (actual_value - baseline_value) / (target_value - baseline_value)
        end as progress_since_baseline,
        greatest(0.0, least(1.0,
            datediff('month', time_origin, period_month)::double
            / nullif(datediff('month', time_origin, deadline_month), 0))) as time_elapsed,
        datediff('month', actual_month, period_month) as data_age_months
    from met
    """,
    # The status, per the doc's order before, at and after the deadline.
    """
    create table ref.target_status as
    with f as (
        select *,
            case when baseline_value is not null then progress_since_baseline else completion_rate end
                as completion
        from ref.target_figures
    ),
    at_deadline as (
        select indicator_id, target_year, is_target_met as is_met_at_deadline, actual_value as deadline_actual
        from ref.target_figures where period_month = deadline_month
    ),
    late as (
        -- the first figure after the deadline that meets the target, per target
        select t.indicator_id, t.target_year, min(r.period_month) as met_late_month
        from (select distinct indicator_id, target_year, target_value, direction, deadline_month
              from ref.target_months) as t
        join ref.province_reports as r
            on r.indicator_id = t.indicator_id and r.period_month > t.deadline_month
            and case when t.direction = 'at_most' then r.value <= t.target_value + {tol} * abs(t.target_value)
                     else r.value >= t.target_value - {tol} * abs(t.target_value) end
        group by all
    )
    select f.*,
        d.is_met_at_deadline,
        case when f.period_month >= f.deadline_month then
            case when d.deadline_actual is null then 'no_data' when d.is_met_at_deadline then 'achieved'
                 else 'not_achieved' end
        end as deadline_status_code,
        case when f.period_month > f.deadline_month and not coalesce(d.is_met_at_deadline, false)
                  and l.met_late_month <= f.period_month then strftime(l.met_late_month, '%Y-%m') end
            as met_late_period,
        case
            when f.period_month < f.deadline_month then
                case
                    when f.actual_value is null then 'no_data'
                    when f.is_target_met then 'achieved'
                    when f.is_milestone then
                        case when f.time_elapsed >= {ms_risk} - {eps} then 'at_risk' else 'on_track' end
                    when f.completion is null then 'behind'
                    -- compared in exact arithmetic: 0.3 against 0.4 - 0.1 is on the boundary (at_risk),
                    -- not below it as binary floating point would have it
                    when f.completion >= f.time_elapsed - {eps} then 'on_track'
                    when f.completion >= f.time_elapsed - {margin} - {eps} then 'at_risk'
                    else 'behind'
                end
            when f.period_month = f.deadline_month then
                case when f.actual_value is null then 'no_data'
                     when f.is_target_met then 'achieved' else 'not_achieved' end
            else
                case
                    when d.is_met_at_deadline then 'achieved'
                    when l.met_late_month <= f.period_month then 'achieved_late'
                    when f.actual_value is not null then 'overdue'
                    else 'no_data'
                end
        end as status_code
    from f
    left join at_deadline as d using (indicator_id, target_year)
    left join late as l using (indicator_id, target_year)
    """,
    # Projection, pace, R.
    """
    create table ref.target_progress as
    with w as (
        select s.*,
            (select min(r.period_month) from ref.province_reports as r
             where r.indicator_id = s.indicator_id
               and r.period_month >= s.actual_month - interval {window} month
               and r.period_month < s.actual_month) as window_start_month
        from ref.target_status as s
    ),
    p as (
        select w.*, r.value as window_start_value,
            datediff('month', w.window_start_month, w.actual_month) as window_months,
            not w.is_milestone and not w.is_target_met and w.period_month < w.deadline_month
                and w.actual_value is not null as is_projected
        from w
        left join ref.province_reports as r
            on r.indicator_id = w.indicator_id and r.period_month = w.window_start_month
    ),
    g as (
        select p.*,
            datediff('month', baseline_month, actual_month) as months_observed,
            datediff('month', baseline_month, deadline_month) as months_required,
            datediff('month', period_month, deadline_month) as months_to_deadline,
            case when is_projected and window_start_value is not null
                then actual_value + (actual_value - window_start_value) / window_months
                     * datediff('month', actual_month, deadline_month) end as projected_value,
            case when is_projected and window_start_value is not null
                then (actual_value - window_start_value) / window_months end as observed_monthly_change,
            case when is_projected
                then (target_value - actual_value) / nullif(datediff('month', period_month, deadline_month), 0)
                end as required_monthly_change
        from p
    ),
    r as (
        select g.*,
            case
                when actual_value is null then 'no_data'
                when is_milestone then 'milestone'
                when is_target_met then 'target_achieved'
                when baseline_value is null then 'baseline_missing'
                when baseline_value <= 0 or actual_value <= 0 or target_value <= 0 then 'nonpositive_value'
                when months_required <= 0 then 'deadline_not_after_baseline'
                when abs(pow(target_value / baseline_value, 12.0 / months_required) - 1) < {r_min_growth}
                    then 'required_growth_negligible'
                when months_observed <= 0 then 'no_elapsed_time'
                when months_observed < {r_min_months} then 'observation_too_short'
            end as growth_ratio_null_reason
        from g
    ),
    c as (
        select r.*,
            -- the two growth rates wherever their formula is defined (R itself may still be null)
            case when baseline_value > 0 and actual_value > 0 and months_observed > 0
                then pow(actual_value / baseline_value, 12.0 / months_observed) - 1 end as cagr_observed,
            case when baseline_value > 0 and target_value > 0 and months_required > 0
                then pow(target_value / baseline_value, 12.0 / months_required) - 1 end as cagr_required
        from r
    )
    select c.*,
        case when growth_ratio_null_reason is null
            then (case when direction = 'at_most' then -1 else 1 end) * cagr_observed / abs(cagr_required)
        end as growth_ratio,
        case
            when projected_value is null then null
            when direction = 'at_most' then
                case when projected_value <= target_value + {tol} * abs(target_value) then 'likely' else 'unlikely' end
            else case when projected_value >= target_value - {tol} * abs(target_value) then 'likely' else 'unlikely' end
        end as verdict_code,
        data_age_months > {stale} as is_stale
    from c
    """,
    """
    create table ref.target_progress_labelled as
    select p.*,
        (case when p.growth_ratio >= {r_sub} then 'substantial' when p.growth_ratio >= {r_mod} then 'moderate'
              when p.growth_ratio >= 0 then 'limited' when p.growth_ratio < 0 then 'deterioration' end)
            as growth_class,
        s.sort_order as status_sort_order
    from ref.target_progress as p
    left join wh.plan.progress_statuses as s on s.kind = 'status' and s.code = p.status_code
    """,
    # The target as printed and the target's own assessment sentence (docs/progress-method.md).
    """
    create table ref.target_texts as
    with t as (
        select
            t.indicator_id, t.target_year, coalesce(t.qualifier, '') as qualifier, i.kind, i.direction,
            case when i.display_unit = '无量纲' then '' else i.display_unit end as unit,
            rtrim(rtrim(format('{:,.2f}', t.target_value / i.display_scale), '0'), '.') as number
        from wh.plan.indicator_targets as t join wh.plan.indicators as i using (indicator_id)
    )
    select indicator_id, target_year,
        case
            when kind = 'milestone' then '完成'
            else (case when qualifier like '%力争%' then '力争' else '' end)
                || (case when direction = 'at_most' then '不高于' else '' end)
                || number || unit
                || (case when qualifier like '%以上%' then '以上' else '' end)
        end as target_text_zh
    from t
    """,
    """
    create table ref.target_notes as
    select p.*,
        x.target_text_zh,
        case
            when p.period_month < p.deadline_month then null
            when p.deadline_status_code = 'achieved' then p.target_year || '年目标按期完成'
            when p.period_month = p.deadline_month and p.deadline_status_code = 'not_achieved'
                then p.target_year || '年目标到期未完成'
            when p.status_code = 'achieved_late' then p.target_year || '年目标未按期完成，'
                || year(strptime(p.met_late_period, '%Y-%m')) || '年' || month(strptime(p.met_late_period, '%Y-%m'))
                || '月完成'
            when p.status_code = 'overdue' then p.target_year || '年目标未按期完成，至今未完成'
            when p.deadline_status_code = 'no_data' then p.target_year || '年目标到期时无数据，无法评估'
        end as assessment_note_zh
    from ref.target_progress_labelled as p
    join ref.target_texts as x using (indicator_id, target_year)
    """,
    # The target in force (the earliest target whose year is not yet past; once all are past, the last).
    """
    create table ref.progress_in_force as
    select p.*
    from ref.target_notes as p
    qualify row_number() over (
        partition by p.indicator_id, p.period_month
        order by (p.target_year >= year(p.period_month)) desc,
                 case when p.target_year >= year(p.period_month) then p.target_year else -p.target_year end
    ) = 1
    """,
]


def build(con, plan_start: str) -> None:
    values = {
        "{plan_start}": plan_start,
        "{tol}": repr(MET_TOLERANCE),
        "{eps}": repr(FLOAT_EPSILON),
        "{ms_risk}": repr(MILESTONE_AT_RISK_ELAPSED),
        "{margin}": repr(AT_RISK_MARGIN),
        "{window}": str(PROJECTION_WINDOW_MONTHS),
        "{r_min_growth}": repr(R_MIN_REQUIRED_GROWTH),
        "{r_min_months}": str(R_MIN_MONTHS_OBSERVED),
        "{stale}": str(STALE_AFTER_MONTHS),
        "{r_sub}": repr(R_SUBSTANTIAL),
        "{r_mod}": repr(R_MODERATE),
    }
    for step in STEPS:
        for k, v in values.items():
            step = step.replace(k, v)
        con.execute(step)
