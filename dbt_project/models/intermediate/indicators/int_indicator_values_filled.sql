{#-
    A complete monthly series per indicator x prefecture as reported (the GZ row included as the
    department wrote it), from the first reported month to the end of the calendar. A missing month
    takes the last reported value when the indicator is a level, a cumulative count or a milestone
    (is_carried_forward); a ratio or a maximum (percentages, PUE, latency) is carried at most
    var('ratio_carry_months') months, then the value is null: a stale percentage is not shown as current.
    When two departments reported the same indicator x prefecture x month, the lead department's
    value is used.
-#}
with

latest as (

    select * from {{ ref('int_indicator_values_latest') }}

),

indicators as (

    select * from {{ ref('indicators') }}

),

calendar as (

    select * from {{ ref('int_calendar_months') }}

),

chosen as (

    select
        latest.indicator_id,
        latest.prefecture_code,
        latest.period_month,
        latest.value,
        latest.department_code,
        latest.file_id,
        latest.is_flagged

    from latest
    left join indicators
        on latest.indicator_id = indicators.indicator_id
    qualify row_number() over (
        partition by latest.indicator_id, latest.prefecture_code, latest.period_month
        order by
            (latest.department_code = indicators.lead_department_code) desc nulls last,
            latest.received_at desc
    ) = 1

),

spans as (

    select
        indicator_id,
        prefecture_code,
        min(period_month) as first_month

    from chosen
    group by indicator_id, prefecture_code

),

grid as (

    select
        spans.indicator_id,
        spans.prefecture_code,
        calendar.period_month

    from spans
    inner join calendar
        on spans.first_month <= calendar.period_month

),

joined as (

    select
        grid.indicator_id,
        grid.prefecture_code,
        grid.period_month,
        chosen.value as reported_value,
        chosen.department_code,
        chosen.file_id,
        indicators.kind,
        coalesce(chosen.is_flagged, false) as is_flagged

    from grid
    left join chosen
        on
            grid.indicator_id = chosen.indicator_id
            and grid.prefecture_code = chosen.prefecture_code
            and grid.period_month = chosen.period_month
    left join indicators
        on grid.indicator_id = indicators.indicator_id

),

windowed as (

    select
        *,
        last_value(reported_value ignore nulls) over up_to_now as last_reported_value,
        last_value(
            case when reported_value is not null then period_month end ignore nulls
        ) over up_to_now as last_reported_month,
        last_value(department_code ignore nulls) over up_to_now as last_department_code

    from joined
    window up_to_now as (
        partition by indicator_id, prefecture_code
        order by period_month
        rows between unbounded preceding and current row
    )

),

carried as (

    select
        indicator_id,
        prefecture_code,
        {{ month_to_period('period_month') }} as period,
        period_month,
        reported_value,
        case
            when reported_value is not null then reported_value
            when kind in ('cumulative', 'level', 'milestone') then last_reported_value
            when
                datediff('month', last_reported_month, period_month) <= {{ var('ratio_carry_months') }}
                then last_reported_value
        end as value,
        last_reported_month,
        datediff('month', last_reported_month, period_month) as months_since_reported,
        last_department_code as department_code,
        file_id,
        is_flagged

    from windowed

),

final as (

    select
        *,
        reported_value is null and value is not null as is_carried_forward

    from carried

)

select * from final
