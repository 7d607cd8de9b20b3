{#-
    A complete monthly series per indicator x prefecture as reported (the GZ row included as the
    department wrote it), from the first reported month to the end of the calendar. A missing month
    takes the last reported value when the indicator is a level, a cumulative count or a milestone
    (is_carried_forward); a ratio or a maximum (percentages, PUE, latency) is carried at most
    var('ratio_carry_months') months, then the value is null: a stale percentage is not shown as current.
    The input is int_indicator_values_reported (one value per indicator x prefecture x month); the
    last report at or before each month is found with an ASOF join (one sort). A table, not a view
    (issue 8): its tests and int_indicator_values_monthly read it, so the ASOF join runs once.
-#}
with

chosen as (

    select * from {{ ref('int_indicator_values_reported') }}

),

indicators as (

    select * from {{ ref('indicators') }}

),

calendar as (

    select * from {{ ref('int_calendar_months') }}

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

last_reports as (

    select
        grid.indicator_id,
        grid.prefecture_code,
        grid.period_month,
        chosen.value as last_reported_value,
        chosen.period_month as last_reported_month,
        chosen.department_code,
        chosen.file_id,
        chosen.is_flagged

    from grid
    asof left join chosen
        on
            grid.indicator_id = chosen.indicator_id
            and grid.prefecture_code = chosen.prefecture_code
            and grid.period_month >= chosen.period_month

),

carried as (

    select
        last_reports.indicator_id,
        last_reports.prefecture_code,
        last_reports.period_month,
        last_reports.last_reported_month,
        last_reports.department_code,
        {{ month_to_period('last_reports.period_month') }} as period,
        case
            when last_reports.last_reported_month = last_reports.period_month
                then last_reports.last_reported_value
        end as reported_value,
        case
            when last_reports.last_reported_month = last_reports.period_month then last_reports.last_reported_value
            when indicators.kind in ('cumulative', 'level', 'milestone') then last_reports.last_reported_value
            when
                datediff('month', last_reports.last_reported_month, last_reports.period_month)
                <= {{ var('ratio_carry_months') }}
                then last_reports.last_reported_value
        end as value,
        datediff('month', last_reports.last_reported_month, last_reports.period_month) as months_since_reported,
        case
            when last_reports.last_reported_month = last_reports.period_month then last_reports.file_id
        end as file_id,
        coalesce(
            last_reports.last_reported_month = last_reports.period_month and last_reports.is_flagged, false
        ) as is_flagged

    from last_reports
    left join indicators
        on last_reports.indicator_id = indicators.indicator_id

),

final as (

    select
        indicator_id,
        prefecture_code,
        period,
        period_month,
        reported_value,
        value,
        last_reported_month,
        months_since_reported,
        department_code,
        file_id,
        is_flagged,
        reported_value is null and value is not null as is_carried_forward

    from carried

)

select * from final
