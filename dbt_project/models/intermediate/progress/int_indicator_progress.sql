{#-
    The progress method (序时进度), in one place: DESIGN.md "Progress" and _progress__docs.md.
    One row per indicator with a target x as-of month (every month from the plan's first month to
    the end of the calendar), so the report of any past month is reproduced from the data as it
    stands. Inputs: the province series (int_indicator_values_province), the calendar,
    the plan's indicators and targets, and optional configured baselines (var indicator_baselines).
-#}
{%- set baselines = var('indicator_baselines', {}) or {} -%}
{%- set margin = var('at_risk_margin') -%}

with

province_series as (

    select * from {{ ref('int_indicator_values_province') }}

),

calendar as (

    select * from {{ ref('int_calendar_months') }}

),

indicators as (

    select * from {{ ref('indicators') }}

),

targets as (

    select * from {{ ref('indicator_targets') }}

),

province as (

    select
        indicator_id,
        period_month,
        reported_value

    from province_series

),

configured_baselines as (

    {% if baselines %}
        select
            configured.indicator_id,
            cast(configured.baseline_month as date) as baseline_month,
            cast(configured.baseline_value as double) as baseline_value
        from (
            values
            {%- for indicator_id, baseline in baselines.items() %}
                (
                    '{{ indicator_id }}',
                    {{ month_literal(baseline['period']) }},
                    {{ baseline['value'] }}
                ){{ "," if not loop.last }}
            {%- endfor %}
        ) as configured (indicator_id, baseline_month, baseline_value)
    {% else %}
        select
            cast(null as varchar) as indicator_id,
            cast(null as date) as baseline_month,
            cast(null as double) as baseline_value
        where false
    {% endif %}

),

targeted_indicators as (

    select
        indicators.indicator_id,
        indicators.kind,
        indicators.direction,
        max(targets.target_value) filter (where targets.target_year = 2022) as target_2022_value,
        max(targets.target_value) filter (where targets.target_year = 2024) as target_2024_value

    from indicators
    inner join targets
        on indicators.indicator_id = targets.indicator_id
    group by indicators.indicator_id, indicators.kind, indicators.direction

),

grid as (

    select
        targeted_indicators.indicator_id,
        calendar.period_month,
        calendar.is_as_of_month,
        province.reported_value

    from targeted_indicators
    cross join calendar
    left join province
        on
            targeted_indicators.indicator_id = province.indicator_id
            and calendar.period_month = province.period_month

),

running as (

    select
        indicator_id,
        period_month,
        is_as_of_month,
        last_value(reported_value ignore nulls) over up_to_now as actual_value,
        last_value(
            case when reported_value is not null then period_month end ignore nulls
        ) over up_to_now as actual_month,
        first_value(reported_value ignore nulls) over whole_series as first_observed_value,
        first_value(
            case when reported_value is not null then period_month end ignore nulls
        ) over whole_series as first_observed_month

    from grid
    window
        up_to_now as (
            partition by indicator_id
            order by period_month
            rows between unbounded preceding and current row
        ),
        whole_series as (
            partition by indicator_id
            order by period_month
            rows between unbounded preceding and unbounded following
        )

),

target_in_force as (

    {#- The earliest target not yet past (2022 during 2022, then 2024); the last one once all are past. -#}
    select
        running.indicator_id,
        running.period_month,
        coalesce(
            min(targets.target_year) filter (where targets.target_year >= year(running.period_month)),
            max(targets.target_year)
        ) as target_year

    from running
    inner join targets
        on running.indicator_id = targets.indicator_id
    group by running.indicator_id, running.period_month

),

with_targets as (

    select
        running.*,
        targeted_indicators.kind,
        targeted_indicators.direction,
        targeted_indicators.target_2022_value,
        targeted_indicators.target_2024_value,
        target_in_force.target_year,
        targets.target_value,
        targets.qualifier as target_qualifier,
        make_date(target_in_force.target_year, 12, 1) as target_deadline_month,
        coalesce(configured_baselines.baseline_value, running.first_observed_value) as baseline_value,
        coalesce(configured_baselines.baseline_month, running.first_observed_month) as baseline_month,
        case
            when configured_baselines.indicator_id is not null then 'configured'
            when running.first_observed_value is not null then 'first_observation'
        end as baseline_source

    from running
    inner join targeted_indicators
        on running.indicator_id = targeted_indicators.indicator_id
    inner join target_in_force
        on
            running.indicator_id = target_in_force.indicator_id
            and running.period_month = target_in_force.period_month
    inner join targets
        on
            target_in_force.indicator_id = targets.indicator_id
            and target_in_force.target_year = targets.target_year
    left join configured_baselines
        on running.indicator_id = configured_baselines.indicator_id

),

measured as (

    select
        *,
        direction = 'done' or kind = 'milestone' as is_milestone,
        case
            when actual_value is null then null
            when direction = 'at_most' then {{ at_most_tol('actual_value', 'target_value') }}
            else {{ at_least_tol('actual_value', 'target_value') }}
        end as is_target_met,
        period_month > target_deadline_month as is_deadline_passed,
        case
            when direction = 'at_most' then baseline_value - target_value
            else target_value - baseline_value
        end as distance_to_cover,
        case
            when direction = 'at_most' then baseline_value - actual_value
            else actual_value - baseline_value
        end as distance_covered,
        datediff('month', baseline_month, actual_month) as months_observed,
        datediff('month', baseline_month, target_deadline_month) as months_required

    from with_targets

),

completed as (

    select
        *,
        case
            when actual_value is null then null
            when is_milestone then case when is_target_met then 1.0 else 0.0 end
            when distance_to_cover > 0 then distance_covered / distance_to_cover
            when is_target_met then 1.0
        end as completion,
        case
            when actual_value is null then null
            when months_required <= 0 then 1.0
            else greatest(0.0, least(1.0, months_observed / months_required))
        end as time_elapsed

    from measured

),

judged as (

    select
        *,
        case
            when actual_value is null then 'no_data'
            when is_target_met then 'achieved'
            when is_deadline_passed then 'overdue'
            when is_milestone
                then
                    case
                        when time_elapsed >= {{ var('milestone_at_risk_elapsed') }} then 'at_risk'
                        else 'on_track'
                    end
            when completion is null then 'behind'
            when completion >= time_elapsed - 1e-9 then 'on_track'
            when completion >= time_elapsed - {{ margin }} - 1e-9 then 'at_risk'
            else 'behind'
        end as status_code,
        case
            when actual_value is null then 'no_observation'
            when is_target_met then 'target_met'
            when is_deadline_passed then 'deadline_passed'
            when is_milestone then 'milestone_pending'
            when completion is null then 'baseline_at_or_beyond_target'
            else 'completion_vs_time_elapsed'
        end as status_basis

    from completed

),

growth as (

    {#- Open SDG's progress measure (sdg-build ProgressMeasure.py): compound annual growth rates. -#}
    select
        *,
        case
            when actual_value is null then 'no_data'
            when is_milestone then 'milestone'
            when baseline_value <= 0 or actual_value <= 0 or target_value <= 0 then 'nonpositive_value'
            when months_observed <= 0 then 'no_elapsed_time'
            when months_required <= 0 then 'deadline_not_after_baseline'
            when target_value = baseline_value then 'target_equals_baseline'
        end as growth_ratio_null_reason

    from judged

),

rates as (

    select
        *,
        case
            when growth_ratio_null_reason is null
                then power(actual_value / baseline_value, 12.0 / months_observed) - 1
        end as cagr_observed,
        case
            when growth_ratio_null_reason is null
                then power(target_value / baseline_value, 12.0 / months_required) - 1
        end as cagr_required

    from growth

),

ratios as (

    select
        *,
        case
            when cagr_required != 0
                then
                    (case when direction = 'at_most' then -1.0 else 1.0 end)
                    * cagr_observed / abs(cagr_required)
        end as growth_ratio

    from rates

),

labelled as (

    select
        indicator_id,
        {{ month_to_period('period_month') }} as period,
        period_month,
        kind,
        direction,
        is_milestone,
        target_year,
        target_value,
        target_qualifier,
        target_deadline_month,
        target_2022_value,
        target_2024_value,
        baseline_value,
        {{ month_to_period('baseline_month') }} as baseline_period,
        baseline_source,
        actual_value,
        {{ month_to_period('actual_month') }} as actual_period,
        actual_month,
        datediff('month', actual_month, period_month) as months_since_actual,
        lag(actual_value) over by_month as previous_actual_value,
        actual_value - lag(actual_value) over by_month as change_since_last_month,
        months_observed,
        months_required,
        time_elapsed,
        completion,
        is_target_met,
        is_deadline_passed,
        status_code,
        status_basis,
        {{ progress_status_label_zh('status_code') }} as status_label_zh,
        {{ progress_status_label_en('status_code') }} as status_label_en,
        {{ progress_status_colour('status_code') }} as status_colour,
        {{ progress_status_sort_order('status_code') }} as status_sort_order,
        -- a status exists from the plan's first month: the month before it has none to compare with
        case when lag(is_as_of_month) over by_month then lag(status_code) over by_month end
            as previous_status_code,
        cagr_observed,
        cagr_required,
        growth_ratio,
        case
            when growth_ratio >= {{ var('r_substantial') }} then 'substantial'
            when growth_ratio >= {{ var('r_moderate') }} then 'moderate'
            when growth_ratio >= 0 then 'limited'
            when growth_ratio < 0 then 'deterioration'
        end as growth_class,
        case
            when growth_ratio is null and growth_ratio_null_reason is null then 'target_equals_baseline'
            else growth_ratio_null_reason
        end as growth_ratio_null_reason,
        is_as_of_month

    from ratios
    window by_month as (partition by indicator_id order by period_month)

),

final as (

    select
        * exclude (is_as_of_month),
        {{ growth_class_label_zh('growth_class') }} as growth_class_label_zh

    from labelled
    where is_as_of_month

)

select * from final
