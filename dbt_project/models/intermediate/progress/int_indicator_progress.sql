{#-
    The progress method's result (docs/progress-method.md), step 5: one row per indicator with a
    target x as-of month, for the target in force (the earliest not yet past; the last once all are
    past), with the labels from the seed progress_statuses and the earlier targets' own assessments.
    Steps: int_progress_targets -> int_progress_measured -> int_progress_status -> int_progress_outlook.
-#}
with

outlook as (

    select * from {{ ref('int_progress_outlook') }}

),

in_force as (

    select
        indicator_id,
        period_month,
        coalesce(
            min(target_year) filter (where target_year >= year(period_month)), max(target_year)
        ) as target_year,
        string_agg(assessment_note_zh, '；' order by target_year)
        filter (where target_year < year(period_month) and assessment_note_zh is not null)
            as earlier_targets_note_zh,
        max(status_code) filter (where target_year = 2022) as target_2022_status_code

    from outlook
    group by indicator_id, period_month

),

chosen as (

    select
        outlook.*,
        in_force.earlier_targets_note_zh,
        in_force.target_2022_status_code,
        outlook.period_month > {{ month_literal(var('plan_end_month')) }} as is_plan_ended

    from outlook
    inner join in_force
        on
            outlook.indicator_id = in_force.indicator_id
            and outlook.period_month = in_force.period_month
            and outlook.target_year = in_force.target_year

),

final as (

    select
        chosen.indicator_id,
        {{ month_to_period('chosen.period_month') }} as period,
        chosen.* exclude (indicator_id),  -- noqa: RF02
        {{ month_to_period('chosen.baseline_month') }} as baseline_period,
        {{ month_to_period('chosen.actual_month') }} as actual_period,
        chosen.data_age_months as months_since_actual,
        {{ month_to_period('chosen.met_late_month') }} as met_late_period,
        chosen.period_month > chosen.target_deadline_month as is_deadline_passed,
        lag(chosen.actual_value) over by_month as previous_actual_value,
        chosen.actual_value - lag(chosen.actual_value) over by_month as change_since_last_month,
        lag(chosen.status_code) over by_month as previous_status_code,
        status.label_zh as status_label_zh,
        status.label_en as status_label_en,
        status.colour as status_colour,
        status.sort_order as status_sort_order,
        case when chosen.is_stale then stale.label_zh end as stale_label_zh,
        verdict.label_zh as verdict_label_zh,
        case
            when chosen.growth_ratio >= {{ var('r_substantial') }} then 'substantial'
            when chosen.growth_ratio >= {{ var('r_moderate') }} then 'moderate'
            when chosen.growth_ratio >= 0 then 'limited'
            when chosen.growth_ratio < 0 then 'deterioration'
        end as growth_class,
        case when chosen.is_plan_ended then plan_ended.label_zh end as plan_ended_label_zh,
        chosen.is_plan_ended and chosen.status_code not in ('achieved', 'achieved_late') as needs_follow_up

    from chosen
    {{ join_progress_label('chosen.status_code', 'status', 'status') }}
    {{ join_progress_label("'stale'", 'flag', 'stale') }}
    {{ join_progress_label("'plan_ended'", 'flag', 'plan_ended') }}
    {{ join_progress_label('chosen.verdict_code', 'verdict', 'verdict') }}
    window by_month as (partition by chosen.indicator_id order by chosen.period_month)

),

labelled as (

    select
        final.*,
        growth.label_zh as growth_class_label_zh

    from final
    {{ join_progress_label('final.growth_class', 'growth_class', 'growth') }}

)

select * from labelled  -- noqa: AM04
