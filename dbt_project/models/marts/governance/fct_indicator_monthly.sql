{#-
    Every indicator x prefecture x month (GZ = the province as the platform counts it), with
    month-on-month and year-on-year change and each prefecture's share of the province.
-#}
with

monthly as (

    select * from {{ ref('int_indicator_values_monthly') }}

),

indicators as (

    select * from {{ ref('dim_indicator') }}

),

prefectures as (

    select * from {{ ref('dim_prefecture') }}

),

province as (

    select
        indicator_id,
        period_month,
        value as province_value

    from monthly
    where prefecture_code = 'GZ'

),

changes as (

    select
        monthly.*,
        lag(monthly.value, 1) over by_month as previous_month_value,
        lag(monthly.value, 12) over by_month as previous_year_value

    from monthly
    window by_month as (
        partition by monthly.indicator_id, monthly.prefecture_code
        order by monthly.period_month
    )

),

final as (

    select
        changes.indicator_id,
        changes.prefecture_code,
        changes.period,
        changes.period_month,
        year(changes.period_month) as period_year,
        indicators.name_zh as indicator_name_zh,
        indicators.sector,
        indicators.unit,
        indicators.display_unit,
        indicators.display_scale,
        indicators.kind,
        indicators.is_additive,
        prefectures.name_zh as prefecture_name_zh,
        coalesce(prefectures.is_province, changes.prefecture_code = 'GZ') as is_province,
        prefectures.sort_order as prefecture_sort_order,
        changes.value,
        changes.reported_value,
        changes.is_carried_forward,
        changes.value is null as is_missing,
        changes.value_basis,
        changes.last_reported_month,
        changes.months_since_reported,
        changes.n_prefectures_in_sum,
        changes.n_prefectures_reported,
        changes.province_value_as_reported,
        changes.department_code,
        changes.is_flagged,
        changes.previous_month_value,
        changes.value - changes.previous_month_value as mom_change,
        {{ change_share('changes.value - changes.previous_month_value', 'changes.previous_month_value') }}
            as mom_change_share,
        changes.previous_year_value,
        changes.value - changes.previous_year_value as yoy_change,
        {{ change_share('changes.value - changes.previous_year_value', 'changes.previous_year_value') }}
            as yoy_change_share,
        case
            when indicators.is_additive and changes.prefecture_code != 'GZ'
                then changes.value / nullif(province.province_value, 0)
        end as share_of_province,
        {{ display_value('changes.value', 'indicators.display_scale') }} as value_display,
        {{ display_value('changes.value - changes.previous_month_value', 'indicators.display_scale') }}
            as mom_change_display,
        {{ display_value('changes.value - changes.previous_year_value', 'indicators.display_scale') }}
            as yoy_change_display

    from changes
    left join indicators
        on changes.indicator_id = indicators.indicator_id
    left join prefectures
        on changes.prefecture_code = prefectures.prefecture_code
    left join province
        on
            changes.indicator_id = province.indicator_id
            and changes.period_month = province.period_month

)

select * from final
