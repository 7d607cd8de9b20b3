{#-
    Hub data-centre racks and their utilisation (上架率) per prefecture x month (GZ = province).
    utilisation_rate = used / total racks x 100 where an indicator of used racks
    (var racks_used_indicator_id) is reported with the total; otherwise the reported 上架率.
-#}
{{ config(schema='compute') }}

with

monthly as (

    select * from {{ ref('fct_indicator_monthly') }}

),

progress as (

    select * from {{ ref('int_indicator_progress') }}

),

racks as (

    select
        period,
        period_month,
        prefecture_code,
        prefecture_name_zh,
        prefecture_sort_order,
        max(value) filter (where indicator_id = '{{ var("racks_total_indicator_id") }}') as total_racks,
        bool_or(is_carried_forward) filter (where indicator_id = '{{ var("racks_total_indicator_id") }}')
            as is_total_racks_carried_forward,
        max(mom_change) filter (where indicator_id = '{{ var("racks_total_indicator_id") }}')
            as total_racks_mom_change,
        max(yoy_change) filter (where indicator_id = '{{ var("racks_total_indicator_id") }}')
            as total_racks_yoy_change,
        max(yoy_change_share) filter (where indicator_id = '{{ var("racks_total_indicator_id") }}')
            as total_racks_yoy_change_share,
        max(share_of_province) filter (where indicator_id = '{{ var("racks_total_indicator_id") }}')
            as share_of_province_racks,
        max(value) filter (where indicator_id = '{{ var("racks_used_indicator_id") }}') as used_racks,
        max(value) filter (where indicator_id = '{{ var("rack_utilisation_indicator_id") }}')
            as reported_utilisation_rate,
        bool_or(is_carried_forward) filter (where indicator_id = '{{ var("rack_utilisation_indicator_id") }}')
            as is_reported_rate_carried_forward

    from monthly
    where
        indicator_id in (
            '{{ var("racks_total_indicator_id") }}',
            '{{ var("racks_used_indicator_id") }}',
            '{{ var("rack_utilisation_indicator_id") }}'
        )
    group by period, period_month, prefecture_code, prefecture_name_zh, prefecture_sort_order

),

utilisation_target as (

    select
        period_month,
        target_year,
        target_value

    from progress
    where indicator_id = '{{ var("rack_utilisation_indicator_id") }}'

),

final as (

    select
        racks.period,
        racks.period_month,
        racks.prefecture_code,
        racks.prefecture_name_zh,
        racks.prefecture_sort_order,
        racks.total_racks,
        racks.is_total_racks_carried_forward,
        racks.total_racks_mom_change,
        racks.total_racks_yoy_change,
        racks.total_racks_yoy_change_share,
        racks.share_of_province_racks,
        racks.used_racks,
        racks.reported_utilisation_rate,
        racks.is_reported_rate_carried_forward,
        100.0 * racks.used_racks / nullif(racks.total_racks, 0) as computed_utilisation_rate,
        coalesce(100.0 * racks.used_racks / nullif(racks.total_racks, 0), racks.reported_utilisation_rate)
            as utilisation_rate,
        case
            when racks.used_racks is not null and racks.total_racks > 0 then 'used_over_total'
            when racks.reported_utilisation_rate is not null then 'reported_rate'
        end as utilisation_basis,
        case when racks.prefecture_code = 'GZ' then utilisation_target.target_year end as utilisation_target_year,
        case when racks.prefecture_code = 'GZ' then utilisation_target.target_value end as utilisation_target_rate

    from racks
    left join utilisation_target
        on racks.period_month = utilisation_target.period_month

)

select * from final
