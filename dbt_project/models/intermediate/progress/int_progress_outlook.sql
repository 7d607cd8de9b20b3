{#-
    Step 4 of the progress method (docs/progress-method.md): for every target x as-of month, the
    outlook. Before the deadline, for a target not yet met: the value projected at the deadline at
    the current pace (linear trend, or compound growth for var projection_cagr_indicators), the
    verdict and the monthly pace needed. Open SDG's growth ratio R, null with a reason where Open
    SDG reports none. From the deadline on: the target's own assessment as a sentence.
-#}
with

status as (

    select * from {{ ref('int_progress_status') }}

),

trend as (

    select
        *,
        datediff('month', trend_start_month, actual_month) as trend_months,
        datediff('month', actual_month, target_deadline_month) as months_to_deadline_from_actual,
        datediff('month', period_month, target_deadline_month) as months_to_deadline,
        period_month < target_deadline_month and actual_value is not null and not is_target_met
        and not is_milestone as is_projected,
        datediff('month', baseline_month, actual_month) as months_observed,
        datediff('month', baseline_month, target_deadline_month) as months_to_target

    from status

),

projected as (

    select
        *,
        case
            when not is_projected then null
            when trend_months is null or trend_months <= 0 then null
            when projection_method = 'cagr' and (actual_value <= 0 or trend_start_value <= 0) then null
            when projection_method = 'cagr'
                then
                    actual_value
                    * power(actual_value / trend_start_value, months_to_deadline_from_actual / trend_months)
            else
                actual_value
                + (actual_value - trend_start_value) / trend_months * months_to_deadline_from_actual
        end as projected_value,
        case when is_projected and trend_months > 0 then (actual_value - trend_start_value) / trend_months end
            as observed_monthly_change,
        case when is_projected then (target_value - actual_value) / months_to_deadline end
            as required_monthly_change,
        case
            when baseline_value is null then null
            when baseline_value <= 0 or actual_value <= 0 or target_value <= 0 then null
            when months_to_target <= 0 then null
            else power(target_value / baseline_value, 12.0 / months_to_target) - 1
        end as cagr_required,
        case
            when baseline_value is null or months_observed <= 0 then null
            when baseline_value <= 0 or actual_value <= 0 then null
            else power(actual_value / baseline_value, 12.0 / months_observed) - 1
        end as cagr_observed

    from trend

),

graded as (

    select
        *,
        case
            when not is_projected then null
            when projected_value is null then null
            when direction = 'at_most' and {{ at_most_tol('projected_value', 'target_value') }} then 'likely'
            when direction != 'at_most' and {{ at_least_tol('projected_value', 'target_value') }} then 'likely'
            else 'unlikely'
        end as verdict_code,
        case
            when actual_value is null then 'no_data'
            when is_milestone then 'milestone'
            when is_target_met then 'target_achieved'
            when baseline_value is null then 'baseline_missing'
            when baseline_value <= 0 or actual_value <= 0 or target_value <= 0 then 'nonpositive_value'
            when months_to_target <= 0 then 'deadline_not_after_baseline'
            when abs(cagr_required) < {{ var('r_min_required_growth') }} then 'required_growth_negligible'
            when months_observed <= 0 then 'no_elapsed_time'
            when months_observed < {{ var('r_min_months_observed') }} then 'observation_too_short'
        end as growth_ratio_null_reason

    from projected

),

final as (

    select
        * exclude (is_projected, months_to_target),
        case
            when growth_ratio_null_reason is null then
                (case when direction = 'at_most' then -1.0 else 1.0 end) * cagr_observed / abs(cagr_required)
        end as growth_ratio,
        case
            when
                is_projected and projected_value is null and projection_method = 'cagr'
                and trend_months > 0 then 'nonpositive_value'
            when is_projected and projected_value is null then 'too_few_reports'
        end as projection_null_reason,
        {{ target_assessment_note_zh() }} as assessment_note_zh

    from graded

)

select * from final  -- noqa: AM04
