{#-
    5G roll-out per prefecture x month (GZ = province): base stations with month-on-month and
    year-on-year change, the stations built in the month (from the macro cumulative_flows: only
    when the month and the one before were reported in full, else null, with the increase since the
    last full report kept) and each prefecture's share, the share of administrative villages covered
    (5G village coverage, against the plan's 70%) and the county-town full-coverage milestone.
    The plan's targets (全省累计建成5G基站8万/16万个, 覆盖70%以上的行政村) are provincial: the targets and
    the gap to the village-coverage target are on the GZ row only; a prefecture's rate is not judged
    against the province's 70%.
-#}
{{ config(schema='broadband') }}

with

monthly as (

    select * from {{ ref('fct_indicator_monthly') }}

),

progress as (

    select * from {{ ref('int_indicator_progress') }}

),

{{ cumulative_flows('g5_base_stations') }},

pivoted as (

    select
        period,
        period_month,
        prefecture_code,
        prefecture_name_zh,
        prefecture_sort_order,
        max(value) filter (where indicator_id = 'g5_base_stations') as base_stations,
        bool_or(is_carried_forward) filter (where indicator_id = 'g5_base_stations')
            as is_base_stations_carried_forward,
        max(mom_change) filter (where indicator_id = 'g5_base_stations') as base_stations_mom_change,
        max(yoy_change) filter (where indicator_id = 'g5_base_stations') as base_stations_yoy_change,
        max(yoy_change_share) filter (where indicator_id = 'g5_base_stations') as base_stations_yoy_change_share,
        max(share_of_province) filter (where indicator_id = 'g5_base_stations') as share_of_province_base_stations,
        max(value) filter (where indicator_id = 'g5_village_coverage_rate') as village_coverage_rate,
        max(mom_change) filter (where indicator_id = 'g5_village_coverage_rate')
            as village_coverage_rate_mom_change,
        max(yoy_change) filter (where indicator_id = 'g5_village_coverage_rate')
            as village_coverage_rate_yoy_change,
        max(value) filter (where indicator_id = 'g5_county_full_coverage') as county_full_coverage_done

    from monthly
    where indicator_id in ('g5_base_stations', 'g5_village_coverage_rate', 'g5_county_full_coverage')
    group by period, period_month, prefecture_code, prefecture_name_zh, prefecture_sort_order

),

village_target as (

    select
        period_month,
        target_year,
        target_value

    from progress
    where indicator_id = 'g5_village_coverage_rate'

),

base_station_target as (

    select
        period_month,
        target_year,
        target_value

    from progress
    where indicator_id = 'g5_base_stations'

),

final as (

    select
        pivoted.period,
        pivoted.period_month,
        pivoted.prefecture_code,
        pivoted.prefecture_name_zh,
        pivoted.prefecture_sort_order,
        pivoted.base_stations,
        pivoted.is_base_stations_carried_forward,
        pivoted.base_stations_mom_change,
        flows.is_fully_reported as is_base_stations_fully_reported,
        flows.this_month as base_stations_built_this_month,
        flows.since_last_report as base_stations_built_since_last_report,
        flows.months_since_last_report as base_stations_months_since_last_report,
        pivoted.base_stations_yoy_change,
        pivoted.base_stations_yoy_change_share,
        pivoted.share_of_province_base_stations,
        pivoted.village_coverage_rate,
        pivoted.village_coverage_rate_mom_change,
        pivoted.village_coverage_rate_yoy_change,
        case when pivoted.prefecture_code = 'GZ' then village_target.target_year end
            as village_coverage_target_year,
        case when pivoted.prefecture_code = 'GZ' then village_target.target_value end
            as village_coverage_target_rate,
        case when pivoted.prefecture_code = 'GZ' then base_station_target.target_year end
            as base_stations_target_year,
        case when pivoted.prefecture_code = 'GZ' then base_station_target.target_value end
            as base_stations_target,
        case
            when pivoted.prefecture_code = 'GZ'
                then pivoted.village_coverage_rate - village_target.target_value
        end as village_coverage_gap_to_target,
        pivoted.county_full_coverage_done >= 1 as is_county_full_coverage_done

    from pivoted
    left join flows
        on
            pivoted.prefecture_code = flows.prefecture_code
            and pivoted.period_month = flows.period_month
    left join village_target
        on pivoted.period_month = village_target.period_month
    left join base_station_target
        on pivoted.period_month = base_station_target.period_month

)

select * from final
