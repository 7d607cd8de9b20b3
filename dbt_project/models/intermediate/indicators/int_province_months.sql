{{ config(materialized="view") }}
{#-
    Step 2 of the province series: one row per indicator x calendar month from the indicator's first
    report on, with what happened that month: the prefectures' changes summed (and their absolute
    size, for the rounding rule of step 4), how many prefectures reported and how many reported for
    the first time, and the GZ row in force if the department reported one. No prefecture x month
    grid: a month without any report has nulls.
-#}
with

ordered_reports as (

    select * from {{ ref('int_province_reports_ordered') }}

),

calendar as (

    select * from {{ ref('int_calendar_months') }}

),

prefecture_months as (

    select
        indicator_id,
        period_month,
        sum(value_delta) as value_delta,
        sum(abs(value_delta)) as value_churn,
        count(*) filter (where is_in_force) as n_prefectures_reported,
        count(*) filter (where is_first_report) as n_prefectures_new

    from ordered_reports
    where prefecture_code != 'GZ'
    group by indicator_id, period_month

),

province_reports as (

    select
        indicator_id,
        period_month,
        value

    from ordered_reports
    where prefecture_code = 'GZ' and is_in_force

),

report_months as (

    select
        indicator_id,
        period_month

    from prefecture_months
    union all
    select
        indicator_id,
        period_month

    from province_reports

),

spans as (

    select
        indicator_id,
        min(period_month) as first_month

    from report_months
    group by indicator_id

),

grid as (

    select
        spans.indicator_id,
        calendar.period_month

    from spans
    inner join calendar
        on spans.first_month <= calendar.period_month

),

final as (

    select
        grid.indicator_id,
        grid.period_month,
        prefecture_months.value_delta,
        prefecture_months.value_churn,
        prefecture_months.n_prefectures_new,
        province_reports.value as province_reported_value,
        coalesce(prefecture_months.n_prefectures_reported, 0) as n_prefectures_reported

    from grid
    left join prefecture_months
        on
            grid.indicator_id = prefecture_months.indicator_id
            and grid.period_month = prefecture_months.period_month
    left join province_reports
        on
            grid.indicator_id = province_reports.indicator_id
            and grid.period_month = province_reports.period_month

)

select * from final
