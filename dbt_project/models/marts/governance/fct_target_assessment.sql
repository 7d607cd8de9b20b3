{#-
    每个目标自身的评估 / every target's own assessment (docs/progress-method.md): one row per
    indicator x target year x as-of month, so a 2022 target assessed at 2022-12 stays visible later
    ("2022年目标未按期完成，2023年5月完成"), beside the target in force of fct_indicator_progress.
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
        indicators.display_unit,
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
        outlook.is_stale,
        outlook.completion_rate,
        outlook.progress_since_baseline,
        outlook.status_code,
        status.label_zh as status_label_zh,
        status.colour as status_colour,
        outlook.deadline_status_code,
        deadline_status.label_zh as deadline_status_label_zh,
        {{ month_to_period('outlook.met_late_month') }} as met_late_period,
        outlook.assessment_note_zh

    from outlook
    inner join indicators
        on outlook.indicator_id = indicators.indicator_id
    {{ join_progress_label('outlook.status_code', 'status', 'status') }}
    {{ join_progress_label('outlook.deadline_status_code', 'status', 'deadline_status') }}

)

select * from final
