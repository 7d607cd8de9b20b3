{#-
    Small-reservoir rain/water and dam-safety monitoring stations retrofitted (cumulative) per
    prefecture x month, stations retrofitted in the month, and each prefecture's contribution to
    the province plan (391 by 2022, 1820 by 2024).

    The month figures come from the macro cumulative_flows (macros/flows.sql): a month's own
    figure only when it and the month before were reported in full (null, not 0, across a gap),
    the increase since the last full report with the months it covers, and the last 12 months by
    calendar month.
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

{{ cumulative_flows('reservoir_monitoring_stations') }},

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
        flows.period,
        flows.period_month,
        flows.prefecture_code,
        flows.prefecture_name_zh,
        flows.prefecture_sort_order,
        flows.value as stations_retrofitted,
        flows.is_carried_forward,
        flows.is_fully_reported,
        flows.n_prefectures_in_sum,
        flows.this_month as stations_retrofitted_this_month,
        flows.since_last_report as stations_retrofitted_since_last_report,
        flows.months_since_last_report,
        flows.last_12_months as stations_retrofitted_last_12_months,
        flows.share_of_province,
        case when flows.prefecture_code = 'GZ' then province_target.target_year end as target_year,
        case when flows.prefecture_code = 'GZ' then province_target.target_value end as province_target_stations,
        case when flows.prefecture_code = 'GZ' then province_target.target_2022_value end
            as province_target_2022_stations,
        case when flows.prefecture_code = 'GZ' then province_target.target_2024_value end
            as province_target_2024_stations,
        flows.value / nullif(province_target.target_value, 0) as share_of_province_target,
        case when flows.prefecture_code = 'GZ' then province_target.completion end as province_completion,
        case when flows.prefecture_code = 'GZ' then province_target.time_elapsed end as province_time_elapsed,
        case when flows.prefecture_code = 'GZ' then province_target.status_code end as province_status_code

    from flows
    left join province_target
        on flows.period_month = province_target.period_month

)

select * from final
