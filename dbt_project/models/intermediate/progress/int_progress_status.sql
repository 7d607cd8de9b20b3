{#-
    Step 3 of the progress method (docs/progress-method.md): every target x as-of month judged.
    Completion (完成率, 基期以来进度), time elapsed to the report period, and the status before, at
    and after the target's deadline (the target's own assessment, kept for every later month).
-#}
{%- set eps = 1e-9 -%}

{{ config(materialized="view") }}

with

measured as (

    select * from {{ ref('int_progress_measured') }}

),

completed as (

    select
        *,
        datediff('month', time_base_month, period_month) as months_elapsed,
        datediff('month', time_base_month, target_deadline_month) as months_required,
        case
            when actual_value is null then null
            when is_milestone then case when is_target_met then 1.0 else 0.0 end
            when direction = 'at_most' then target_value / nullif(actual_value, 0)
            else actual_value / nullif(target_value, 0)
        end as completion_rate,
        case
            when actual_value is null or baseline_value is null then null
            when is_milestone then case when is_target_met then 1.0 else 0.0 end
            when direction = 'at_most' and baseline_value - target_value > 0
                then (baseline_value - actual_value) / (baseline_value - target_value)
            when direction != 'at_most' and target_value - baseline_value > 0
                then (actual_value - baseline_value) / (target_value - baseline_value)
        end as progress_since_baseline

    from measured

),

timed as (

    select
        *,
        case
            when months_required <= 0 then 1.0
            else greatest(0.0, least(1.0, months_elapsed / months_required))
        end as time_elapsed,
        case when baseline_value is null then completion_rate else progress_since_baseline end as completion,
        case when baseline_value is null then 'completion_rate' else 'progress_since_baseline' end
            as completion_basis,
        coalesce(bool_or(is_target_met) filter (where period_month = target_deadline_month) over whole_target, false)
            as is_met_at_deadline,
        bool_or(actual_value is not null) filter (where period_month = target_deadline_month) over whole_target
            as has_data_at_deadline,
        min(actual_month) filter (where is_target_met and period_month > target_deadline_month)
            over up_to_now as first_met_after_deadline

    from completed
    window
        whole_target as (partition by indicator_id, target_year),
        up_to_now as (
            partition by indicator_id, target_year order by period_month
            rows between unbounded preceding and current row
        )

),

judged as (

    select
        *,
        case
            when period_month > target_deadline_month
                then
                    case
                        when is_met_at_deadline then 'achieved'
                        when first_met_after_deadline is not null then 'achieved_late'
                        when actual_value is null then 'no_data'
                        else 'overdue'
                    end
            when actual_value is null then 'no_data'
            when is_target_met then 'achieved'
            when period_month = target_deadline_month then 'not_achieved'
            when is_milestone
                then
                    case when time_elapsed >= {{ var('milestone_at_risk_elapsed') }} then 'at_risk' else 'on_track' end
            when completion is null then 'behind'
            when completion >= time_elapsed - {{ eps }} then 'on_track'
            when completion >= time_elapsed - {{ var('at_risk_margin') }} - {{ eps }} then 'at_risk'
            else 'behind'
        end as status_code,
        case
            when period_month > target_deadline_month
                then
                    case
                        when is_met_at_deadline then 'met_by_deadline'
                        when first_met_after_deadline is not null then 'met_after_deadline'
                        when actual_value is null then 'no_observation'
                        else 'deadline_passed'
                    end
            when actual_value is null then 'no_observation'
            when is_target_met then 'target_met'
            when period_month = target_deadline_month then 'deadline_reached'
            when is_milestone then 'milestone_pending'
            when completion is null then 'baseline_at_or_beyond_target'
            when completion_basis = 'completion_rate' then 'completion_rate_vs_time_elapsed'
            else 'completion_vs_time_elapsed'
        end as status_basis,
        case
            when period_month < target_deadline_month then null
            when is_met_at_deadline then 'achieved'
            when has_data_at_deadline then 'not_achieved'
            else 'no_data'
        end as deadline_status_code,
        case when not is_met_at_deadline then first_met_after_deadline end as met_late_month

    from timed

),

final as (

    select * exclude (months_elapsed, has_data_at_deadline, first_met_after_deadline) from judged

)

select * from final  -- noqa: AM04
