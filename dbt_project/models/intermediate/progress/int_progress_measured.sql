{#-
    Step 2 of the progress method (docs/progress-method.md): every target x as-of month (from the
    plan's first month to the end of the calendar), measured: the latest figure A and its age, the
    target met or not, and the figure the projection's trend starts from (12 months earlier).
-#}
{%- set plan_start = var('plan_start_month') -%}

{{ config(materialized="view") }}

with

targets as (

    select * from {{ ref('int_progress_targets') }}

),

series as (

    select
        indicator_id,
        period_month,
        reported_value
    from {{ ref('int_indicator_values_province') }}
    where reported_value is not null

),

calendar as (

    select * from {{ ref('int_calendar_months') }}

),

grid as (

    select
        targets.*,
        calendar.period_month,
        calendar.is_as_of_month,
        series.reported_value

    from targets
    cross join calendar
    left join series
        on targets.indicator_id = series.indicator_id and calendar.period_month = series.period_month

),

running as (

    select
        grid.* exclude (grid.reported_value, grid.is_as_of_month),
        grid.is_as_of_month,
        last_value(grid.reported_value ignore nulls) over up_to_now as actual_value,
        last_value(case when grid.reported_value is not null then grid.period_month end ignore nulls) over up_to_now
            as actual_month

    from grid
    window up_to_now as (
        partition by indicator_id, target_year order by period_month
        rows between unbounded preceding and current row
    )

),

based as (

    select
        running.* exclude (is_as_of_month),  -- noqa: RF02, RF03
        datediff('month', running.actual_month, running.period_month) as data_age_months,
        {{ at_least_tol('running.actual_value', 'running.target_value') }} as meets_at_least,
        {{ at_most_tol('running.actual_value', 'running.target_value') }} as meets_at_most

    from running
    where running.is_as_of_month

),

trend_start as (

    {#- the earliest figure within the window before the latest one: where the trend starts -#}
    select
        based.indicator_id,
        based.target_year,
        based.period_month,
        arg_min(series.reported_value, series.period_month) as trend_start_value,
        min(series.period_month) as trend_start_month

    from based
    inner join series
        on
            based.indicator_id = series.indicator_id
            and based.actual_month > series.period_month
            and series.period_month >= based.actual_month - interval ({{ var('projection_window_months') }}) month
    group by based.indicator_id, based.target_year, based.period_month

),

final as (

    select
        based.* exclude (meets_at_least, meets_at_most),  -- noqa: RF02
        based.data_age_months > {{ var('stale_after_months') }} as is_stale,
        case when based.direction = 'at_most' then based.meets_at_most else based.meets_at_least end
            as is_target_met,
        {#- time elapsed runs to the report period; without a baseline, from the month before the plan -#}
        cast(coalesce(based.baseline_month, {{ month_literal(plan_start) }} - interval 1 month) as date)
            as time_base_month,
        trend_start.trend_start_value,
        trend_start.trend_start_month

    from based
    left join trend_start
        on
            based.indicator_id = trend_start.indicator_id
            and based.target_year = trend_start.target_year
            and based.period_month = trend_start.period_month

)

select * from final  -- noqa: AM04
