{#-
    Small-reservoir rain/water and dam-safety monitoring stations retrofitted (cumulative) per
    prefecture x month, stations retrofitted in the month, and each prefecture's contribution to
    the province plan (391 by 2022, 1820 by 2024). The plan sets no per-prefecture targets, so a
    prefecture is measured by its share of the province target in force.
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

    select * from monthly
    where indicator_id = 'reservoir_monitoring_stations'

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
        stations.period,
        stations.period_month,
        stations.prefecture_code,
        stations.prefecture_name_zh,
        stations.prefecture_sort_order,
        stations.value as stations_retrofitted,
        stations.is_carried_forward,
        stations.mom_change as stations_retrofitted_this_month,
        stations.yoy_change as stations_retrofitted_last_12_months,
        stations.share_of_province,
        province_target.target_year,
        province_target.target_value as province_target_stations,
        province_target.target_2022_value as province_target_2022_stations,
        province_target.target_2024_value as province_target_2024_stations,
        stations.value / nullif(province_target.target_value, 0) as share_of_province_target,
        case when stations.prefecture_code = 'GZ' then province_target.completion end as province_completion,
        case when stations.prefecture_code = 'GZ' then province_target.time_elapsed end as province_time_elapsed,
        case when stations.prefecture_code = 'GZ' then province_target.status_code end as province_status_code

    from stations
    left join province_target
        on stations.period_month = province_target.period_month

)

select * from final
