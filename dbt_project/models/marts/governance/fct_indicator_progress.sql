{#-
    The progress method's result per indicator x as-of month (docs/progress-method.md), with the
    plan's names, display-unit values and the target as people print it (qualifier, unit).
-#}
with

progress as (

    select * from {{ ref('int_indicator_progress') }}

),

indicators as (

    select * from {{ ref('dim_indicator') }}

),

final as (

    select
        progress.period,
        progress.period_month,
        progress.indicator_id,
        indicators.name_zh as indicator_name_zh,
        indicators.name_en as indicator_name_en,
        indicators.sector,
        indicators.sector_zh,
        indicators.unit,
        indicators.display_unit,
        indicators.display_scale,
        indicators.lead_department_code,
        indicators.lead_department_name_zh,
        indicators.sort_order as indicator_sort_order,
        progress.kind,
        progress.direction,
        progress.is_milestone,
        progress.target_year,
        progress.target_value,
        progress.target_qualifier,
        progress.target_deadline_month,
        progress.target_2022_value,
        progress.target_2024_value,
        progress.baseline_value,
        progress.baseline_period,
        progress.baseline_source,
        progress.actual_value,
        progress.actual_period,
        progress.actual_month,
        progress.months_since_actual,
        progress.previous_actual_value,
        progress.change_since_last_month,
        progress.months_observed,
        progress.months_required,
        progress.time_elapsed,
        progress.completion,
        progress.is_target_met,
        progress.is_deadline_passed,
        progress.status_code,
        progress.status_basis,
        progress.status_label_zh,
        progress.status_label_en,
        progress.status_colour,
        progress.status_sort_order,
        progress.previous_status_code,
        coalesce(progress.status_code != progress.previous_status_code, false) as is_status_changed,
        progress.cagr_observed,
        progress.cagr_required,
        progress.growth_ratio,
        progress.growth_class,
        progress.growth_class_label_zh,
        progress.growth_ratio_null_reason,
        progress.data_age_months,
        progress.is_stale,
        progress.stale_label_zh,
        progress.completion_rate,
        progress.progress_since_baseline,
        progress.completion_basis,
        progress.deadline_status_code,
        progress.is_met_at_deadline,
        progress.met_late_period,
        progress.assessment_note_zh,
        progress.earlier_targets_note_zh,
        progress.target_2022_status_code,
        progress.projection_method,
        progress.projected_value,
        progress.projection_null_reason,
        progress.verdict_code,
        progress.verdict_label_zh,
        progress.observed_monthly_change,
        progress.required_monthly_change,
        progress.months_to_deadline,
        progress.is_plan_ended,
        progress.plan_ended_label_zh,
        progress.needs_follow_up,
        {{ target_text_zh('progress.target_value', 'indicators.display_scale', 'indicators.display_unit',
            'progress.target_qualifier', 'progress.direction', 'progress.is_milestone') }} as target_text_zh,
        {{ display_value('progress.projected_value', 'indicators.display_scale') }} as projected_display,
        {{ display_value('progress.required_monthly_change', 'indicators.display_scale') }}
            as required_monthly_change_display,
        {{ display_value('progress.observed_monthly_change', 'indicators.display_scale') }}
            as observed_monthly_change_display,
        {{ display_value('progress.target_value', 'indicators.display_scale') }} as target_display,
        {{ display_value('progress.target_2022_value', 'indicators.display_scale') }} as target_2022_display,
        {{ display_value('progress.target_2024_value', 'indicators.display_scale') }} as target_2024_display,
        {{ display_value('progress.baseline_value', 'indicators.display_scale') }} as baseline_display,
        {{ display_value('progress.actual_value', 'indicators.display_scale') }} as actual_display,
        {{ display_value('progress.change_since_last_month', 'indicators.display_scale') }}
            as change_since_last_month_display

    from progress
    inner join indicators
        on progress.indicator_id = indicators.indicator_id

)

select * from final
