{#-
    每个目标自身的评估 / every target's own assessment (docs/progress-method.md): one row per
    indicator x target year x as-of month, so a 2022 target assessed at 2022-12 stays visible later
    ("2022年目标未按期完成，2023年5月完成"), beside the target in force of fct_indicator_progress.
    The monthly package's main table reads it: one row per indicator x target year (docs/report.md),
    each with its stale flag, its projection and pace needed before the deadline, its own verdict
    from the deadline on. Open SDG's R and its grading are here for analysts only: the package never
    prints them.
-#}
with

outlook as (

    select * from {{ ref('int_progress_outlook') }}

),

indicators as (

    select * from {{ ref('dim_indicator') }}

),

final as (

    select
        {{ month_to_period('outlook.period_month') }} as period,
        outlook.period_month,
        outlook.indicator_id,
        indicators.name_zh as indicator_name_zh,
        indicators.sector,
        indicators.sector_zh,
        indicators.lead_department_code,
        indicators.lead_department_name_zh,
        indicators.sort_order as indicator_sort_order,
        indicators.unit,
        indicators.display_unit,
        indicators.display_scale,
        indicators.kind,
        indicators.direction,
        outlook.target_year,
        outlook.target_value,
        outlook.target_qualifier,
        {{ target_text_zh('outlook.target_value', 'indicators.display_scale', 'indicators.display_unit',
            'outlook.target_qualifier', 'outlook.direction', 'outlook.is_milestone') }} as target_text_zh,
        {{ month_to_period('outlook.target_deadline_month') }} as target_deadline_period,
        outlook.period_month >= outlook.target_deadline_month as is_assessed,
        outlook.actual_value,
        {{ display_value('outlook.actual_value', 'indicators.display_scale') }} as actual_display,
        {{ month_to_period('outlook.actual_month') }} as actual_period,
        outlook.data_age_months,
        outlook.is_stale,
        case when outlook.is_stale then stale.label_zh end as stale_label_zh,
        outlook.completion_rate,
        outlook.progress_since_baseline,
        outlook.completion,
        outlook.time_elapsed,
        outlook.status_code,
        status.label_zh as status_label_zh,
        status.colour as status_colour,
        status.sort_order as status_sort_order,
        lag(outlook.status_code) over by_target as previous_status_code,
        outlook.months_to_deadline,
        outlook.projection_method,
        outlook.projected_value,
        {{ display_value('outlook.projected_value', 'indicators.display_scale') }} as projected_display,
        outlook.verdict_code,
        verdict.label_zh as verdict_label_zh,
        outlook.required_monthly_change,
        {{ display_value('outlook.required_monthly_change', 'indicators.display_scale') }}
            as required_monthly_change_display,
        outlook.deadline_status_code,
        deadline_status.label_zh as deadline_status_label_zh,
        {{ month_to_period('outlook.met_late_month') }} as met_late_period,
        outlook.assessment_note_zh,
        -- for analysts only (docs/progress-method.md "R"); graded with the same vars as
        -- int_indicator_progress, and the oracle checks both against the spec
        outlook.growth_ratio,
        outlook.growth_ratio_null_reason,
        case
            when outlook.growth_ratio >= {{ var('r_substantial') }} then 'substantial'
            when outlook.growth_ratio >= {{ var('r_moderate') }} then 'moderate'
            when outlook.growth_ratio >= 0 then 'limited'
            when outlook.growth_ratio < 0 then 'deterioration'
        end as growth_class

    from outlook
    inner join indicators
        on outlook.indicator_id = indicators.indicator_id
    {{ join_progress_label('outlook.status_code', 'status', 'status') }}
    {{ join_progress_label('outlook.deadline_status_code', 'status', 'deadline_status') }}
    {{ join_progress_label("'stale'", 'flag', 'stale') }}
    {{ join_progress_label('outlook.verdict_code', 'verdict', 'verdict') }}
    window by_target as (partition by outlook.indicator_id, outlook.target_year order by outlook.period_month)

),

labelled as (

    select
        final.*,
        growth.label_zh as growth_class_label_zh

    from final
    {{ join_progress_label('final.growth_class', 'growth_class', 'growth') }}

)

select * from labelled  -- noqa: AM04
