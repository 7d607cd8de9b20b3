{#-
    责任分解表进展: one row per as-of month x task x indicator. The report filters one period; any
    past month is reproduced from the data as it stands (the progress series). Leader-facing: it
    carries the status and nothing that could contradict it, so Open SDG's growth ratio R and its
    grading stay in fct_indicator_progress and fct_target_assessment (docs/progress-method.md).
-#}
with

responsibilities as (

    select * from {{ ref('responsibilities') }}

),

departments as (

    select * from {{ ref('departments') }}

),

tasks as (

    select * from {{ ref('dim_task') }}

),

indicators as (

    select * from {{ ref('dim_indicator') }}

),

progress as (

    select * from {{ ref('fct_indicator_progress') }}

),

assignments as (

    select
        responsibilities.task_id,
        responsibilities.indicator_id,
        responsibilities.role,
        responsibilities.department_code,
        departments.name_zh,
        departments.sort_order

    from responsibilities
    left join departments
        on responsibilities.department_code = departments.department_code

),

task_indicator_departments as (

    select
        task_id,
        indicator_id,
        string_agg(department_code, ',' order by sort_order) filter (where role = 'lead') as lead_department_codes,
        string_agg(name_zh, '、' order by sort_order) filter (where role = 'lead') as lead_department_names_zh,
        string_agg(department_code, ',' order by sort_order) filter (where role = 'co') as co_department_codes,
        string_agg(name_zh, '、' order by sort_order) filter (where role = 'co') as co_department_names_zh

    from assignments
    group by task_id, indicator_id

),

final as (

    select
        progress.period,
        progress.period_month,
        task_indicator_departments.task_id,
        tasks.source_clause as task_source_clause,
        tasks.plan_part,
        tasks.plan_part_zh,
        tasks.section_zh as task_section_zh,
        tasks.name_zh as task_name_zh,
        task_indicator_departments.indicator_id,
        indicators.name_zh as indicator_name_zh,
        indicators.name_en as indicator_name_en,
        indicators.source_clause as indicator_source_clause,
        indicators.sort_order as indicator_sort_order,
        indicators.sector,
        indicators.sector_zh,
        indicators.unit,
        indicators.display_unit,
        indicators.display_scale,
        indicators.kind,
        indicators.direction,
        task_indicator_departments.lead_department_codes,
        task_indicator_departments.lead_department_names_zh,
        task_indicator_departments.co_department_codes,
        task_indicator_departments.co_department_names_zh,
        indicators.lead_department_code as reporting_department_code,
        indicators.lead_basis,
        indicators.target_2022_value,
        indicators.target_2022_qualifier,
        indicators.target_2024_value,
        indicators.target_2024_qualifier,
        progress.target_year,
        progress.target_value,
        progress.target_qualifier,
        progress.baseline_value,
        progress.baseline_period,
        progress.baseline_source,
        progress.actual_value,
        progress.actual_period,
        progress.months_since_actual,
        progress.previous_actual_value,
        progress.change_since_last_month,
        progress.completion,
        progress.time_elapsed,
        progress.is_target_met,
        progress.is_deadline_passed,
        progress.status_code,
        progress.status_basis,
        progress.status_label_zh,
        progress.status_colour,
        progress.status_sort_order,
        progress.previous_status_code,
        progress.is_status_changed,
        progress.data_age_months,
        progress.is_stale,
        progress.stale_label_zh,
        progress.completion_rate,
        progress.progress_since_baseline,
        progress.completion_basis,
        progress.deadline_status_code,
        progress.met_late_period,
        progress.assessment_note_zh,
        progress.earlier_targets_note_zh,
        progress.target_text_zh,
        progress.projection_method,
        progress.projected_value,
        progress.projected_display,
        progress.verdict_code,
        progress.verdict_label_zh,
        progress.required_monthly_change,
        progress.required_monthly_change_display,
        progress.is_plan_ended,
        progress.plan_ended_label_zh,
        progress.needs_follow_up,
        indicators.target_2022_display,
        indicators.target_2024_display,
        progress.target_display,
        progress.baseline_display,
        progress.actual_display,
        progress.change_since_last_month_display

    from task_indicator_departments
    inner join progress
        on task_indicator_departments.indicator_id = progress.indicator_id
    left join tasks
        on task_indicator_departments.task_id = tasks.task_id
    left join indicators
        on task_indicator_departments.indicator_id = indicators.indicator_id

)

select * from final
