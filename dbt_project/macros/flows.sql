{#-
    The month-by-month flow of a cumulative indicator (telemedicine person-times, stations
    retrofitted, ...) from governance.fct_indicator_monthly, as three CTEs a mart can follow with
    its own: `flow_series` (the indicator's rows and is_fully_reported), `flow_full_reports` and
    `flows`, one row per prefecture x month with every column of fct_indicator_monthly and:

    - is_fully_reported: the prefecture reported the cumulative this month; for the province as
      the sum of the prefectures, every prefecture in the sum reported it;
    - since_last_report, months_since_last_report (fully reported months only): the increase since
      the previous full report and the months it covers; for the province within the same set of
      prefectures in the sum (when a prefecture joins, its opening cumulative is not an increase);
    - this_month: the month's own flow, only when this month and the one before were reported in
      full (a month carried forward, and the month after one, have none: null, not 0);
    - same_month_last_year: this_month of the calendar month 12 months earlier;
    - last_12_months: the cumulative's change over 12 calendar months, both ends fully reported
      (the province: with the same prefectures in the sum).

    Call it after a CTE named `monthly` (select * from fct_indicator_monthly):
        with monthly as (...), {{ cumulative_flows('reservoir_monitoring_stations') }}, final as (...)
-#}
{% macro cumulative_flows(indicator_id) %}

flow_series as (

    select
        *,
        reported_value is not null
        and coalesce(n_prefectures_reported = n_prefectures_in_sum, true) as is_fully_reported

    from monthly
    where indicator_id = '{{ indicator_id }}'

),

flow_full_reports as (

    select
        prefecture_code,
        period_month,
        value - lag(value) over by_prefecture as since_last_report,
        datediff('month', lag(period_month) over by_prefecture, period_month) as months_since_last_report

    from flow_series
    where is_fully_reported
    window by_prefecture as (
        partition by prefecture_code, n_prefectures_in_sum
        order by period_month
    )

),

flow_months as (

    select
        flow_series.*,
        flow_full_reports.since_last_report,
        flow_full_reports.months_since_last_report,
        case when flow_full_reports.months_since_last_report = 1 then flow_full_reports.since_last_report end
            as this_month

    from flow_series
    left join flow_full_reports
        on
            flow_series.prefecture_code = flow_full_reports.prefecture_code
            and flow_series.period_month = flow_full_reports.period_month

),

flows as (

    select
        flow_months.*,
        last_year.this_month as same_month_last_year,
        case
            when
                flow_months.is_fully_reported
                and last_year.is_fully_reported
                and coalesce(flow_months.n_prefectures_in_sum, 0) = coalesce(last_year.n_prefectures_in_sum, 0)
                then flow_months.value - last_year.value
        end as last_12_months

    from flow_months
    left join flow_months as last_year
        on
            flow_months.prefecture_code = last_year.prefecture_code
            and last_year.period_month = cast(flow_months.period_month - interval 12 month as date)

)

{% endmacro %}
