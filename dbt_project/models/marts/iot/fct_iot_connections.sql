{#-
    IoT connections (物联网连接数) per prefecture x month with month-on-month and year-on-year
    change and each prefecture's share; the province row carries the key demonstrations
    (物联网重点应用示范, cumulative) and the targets in force.
-#}
{{ config(schema='iot') }}

with

monthly as (

    select * from {{ ref('fct_indicator_monthly') }}

),

progress as (

    select * from {{ ref('int_indicator_progress') }}

),

connections as (

    select * from monthly
    where indicator_id = 'iot_connections'

),

demo_projects as (

    select
        period_month,
        value as demo_projects

    from monthly
    where indicator_id = 'iot_demo_projects' and prefecture_code = 'GZ'

),

connection_target as (

    select
        period_month,
        target_year,
        target_value,
        status_code

    from progress
    where indicator_id = 'iot_connections'

),

final as (

    select
        connections.period,
        connections.period_month,
        connections.prefecture_code,
        connections.prefecture_name_zh,
        connections.prefecture_sort_order,
        connections.value as connections,
        connections.is_carried_forward,
        connections.mom_change as connections_mom_change,
        connections.mom_change_share as connections_mom_change_share,
        connections.yoy_change as connections_yoy_change,
        connections.yoy_change_share as connections_yoy_change_share,
        connections.share_of_province,
        connections.value / 1e4 as connections_wan,
        case when connections.prefecture_code = 'GZ' then connection_target.target_year end as target_year,
        case when connections.prefecture_code = 'GZ' then connection_target.target_value end as target_connections,
        case when connections.prefecture_code = 'GZ' then connection_target.status_code end as province_status_code,
        case when connections.prefecture_code = 'GZ' then demo_projects.demo_projects end as demo_projects

    from connections
    left join connection_target
        on connections.period_month = connection_target.period_month
    left join demo_projects
        on connections.period_month = demo_projects.period_month

)

select * from final
