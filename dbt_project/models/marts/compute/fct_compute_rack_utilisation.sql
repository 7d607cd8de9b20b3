{#-
    Hub data-centre racks and their utilisation (上架率) per prefecture x month (GZ = province): the
    standard racks (var racks_total_indicator_id) and the average utilisation rate as reported
    (var rack_utilisation_indicator_id). The plan has no indicator of racks in use, so racks in use
    are only estimated: total racks x the reported rate / 100 (estimated_racks_in_use), where both
    are known for the row. The 65% target is provincial: on the GZ row only.
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
        max(value) filter (where indicator_id = '{{ var("rack_utilisation_indicator_id") }}')
            as utilisation_rate,
        bool_or(is_carried_forward) filter (where indicator_id = '{{ var("rack_utilisation_indicator_id") }}')
            as is_utilisation_rate_carried_forward

    from monthly
    where
        indicator_id in (
            '{{ var("racks_total_indicator_id") }}',
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
        racks.utilisation_rate,
        racks.is_utilisation_rate_carried_forward,
        racks.total_racks * racks.utilisation_rate / 100.0 as estimated_racks_in_use,
        case when racks.prefecture_code = 'GZ' then utilisation_target.target_year end as utilisation_target_year,
        case when racks.prefecture_code = 'GZ' then utilisation_target.target_value end as utilisation_target_rate

    from racks
    left join utilisation_target
        on racks.period_month = utilisation_target.period_month

)

select * from final
