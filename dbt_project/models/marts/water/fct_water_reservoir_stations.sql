{#-
    Small-reservoir rain/water and dam-safety monitoring stations retrofitted (cumulative) per
    prefecture x month, stations retrofitted in the month, and each prefecture's contribution to
    the province plan (391 by 2022, 1820 by 2024).

    A month's own figure is known only when the cumulative was reported in full for the month and
    for the month before (is_fully_reported: the prefecture reported it; for the province as the sum
    of the prefectures, every prefecture in the sum reported it). A month carried forward, or the
    month after one, has no figure of its own (null, not 0); the increase since the previous full
    report and the months it covers are kept in *_since_last_report (for the province, within the
    same set of prefectures in the sum: when a prefecture joins the sum, its opening cumulative is
    not an increase, so the increase starts afresh). The last 12 months compare calendar months
    (period_month - 12 months), both fully reported (the province: with the same prefectures).
    The plan's targets are provincial (no per-prefecture targets): the targets, completion, time
    elapsed and status are on the GZ row only; a prefecture's share_of_province_target is its
    contribution to the province target in force, on every row.
-#}
{{ config(schema='water') }}

with

monthly as (

    select * from {{ ref('fct_indicator_monthly') }}

),

progress as (

    select * from {{ ref('int_indicator_progress') }}

),

stations as (

    select
        *,
        reported_value is not null
        and coalesce(n_prefectures_reported = n_prefectures_in_sum, true) as is_fully_reported

    from monthly
    where indicator_id = 'reservoir_monitoring_stations'

),

full_reports as (

    select
        prefecture_code,
        period_month,
        value - lag(value) over by_prefecture as since_last_report,
        datediff('month', lag(period_month) over by_prefecture, period_month) as months_since_last_report

    from stations
    where is_fully_reported
    window by_prefecture as (
        partition by prefecture_code, n_prefectures_in_sum
        order by period_month
    )

),

with_month as (

    select
        stations.*,
        full_reports.since_last_report,
        full_reports.months_since_last_report,
        case when full_reports.months_since_last_report = 1 then full_reports.since_last_report end
            as this_month,
        case
            when
                stations.is_fully_reported
                and last_year.is_fully_reported
                and coalesce(stations.n_prefectures_in_sum, 0) = coalesce(last_year.n_prefectures_in_sum, 0)
                then stations.value - last_year.value
        end as last_12_months

    from stations
    left join full_reports
        on
            stations.prefecture_code = full_reports.prefecture_code
            and stations.period_month = full_reports.period_month
    left join stations as last_year
        on
            stations.prefecture_code = last_year.prefecture_code
            and last_year.period_month = cast(stations.period_month - interval 12 month as date)

),

province_target as (

    select
        period_month,
        target_year,
        target_value,
        target_2022_value,
        target_2024_value,
        completion,
        time_elapsed,
        status_code

    from progress
    where indicator_id = 'reservoir_monitoring_stations'

),

final as (

    select
        with_month.period,
        with_month.period_month,
        with_month.prefecture_code,
        with_month.prefecture_name_zh,
        with_month.prefecture_sort_order,
        with_month.value as stations_retrofitted,
        with_month.is_carried_forward,
        with_month.is_fully_reported,
        with_month.n_prefectures_in_sum,
        with_month.this_month as stations_retrofitted_this_month,
        with_month.since_last_report as stations_retrofitted_since_last_report,
        with_month.months_since_last_report,
        with_month.last_12_months as stations_retrofitted_last_12_months,
        with_month.share_of_province,
        case when with_month.prefecture_code = 'GZ' then province_target.target_year end as target_year,
        case when with_month.prefecture_code = 'GZ' then province_target.target_value end as province_target_stations,
        case when with_month.prefecture_code = 'GZ' then province_target.target_2022_value end
            as province_target_2022_stations,
        case when with_month.prefecture_code = 'GZ' then province_target.target_2024_value end
            as province_target_2024_stations,
        with_month.value / nullif(province_target.target_value, 0) as share_of_province_target,
        case when with_month.prefecture_code = 'GZ' then province_target.completion end as province_completion,
        case when with_month.prefecture_code = 'GZ' then province_target.time_elapsed end as province_time_elapsed,
        case when with_month.prefecture_code = 'GZ' then province_target.status_code end as province_status_code

    from with_month
    left join province_target
        on with_month.period_month = province_target.period_month

)

select * from final
