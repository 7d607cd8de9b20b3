{#-
    Telemedicine services (远程医疗服务, person-times) per prefecture x month: the cumulative total
    as reported, the person-times of the month (the cumulative's month-on-month increase), the same
    month a year earlier, and the province's progress towards 累计突破500万人次.
-#}
{{ config(schema='health') }}

with

monthly as (

    select * from {{ ref('fct_indicator_monthly') }}

),

progress as (

    select * from {{ ref('int_indicator_progress') }}

),

telemedicine as (

    select
        *,
        lag(mom_change, 12) over (
            partition by prefecture_code
            order by period_month
        ) as person_times_same_month_last_year

    from monthly
    where indicator_id = 'telemedicine_person_times'

),

province_target as (

    select
        period_month,
        target_year,
        target_value,
        completion,
        status_code

    from progress
    where indicator_id = 'telemedicine_person_times'

),

final as (

    select
        telemedicine.period,
        telemedicine.period_month,
        telemedicine.prefecture_code,
        telemedicine.prefecture_name_zh,
        telemedicine.prefecture_sort_order,
        telemedicine.value as person_times_cumulative,
        telemedicine.is_carried_forward,
        telemedicine.mom_change as person_times_this_month,
        telemedicine.person_times_same_month_last_year,
        telemedicine.yoy_change as person_times_last_12_months,
        telemedicine.share_of_province,
        telemedicine.mom_change - telemedicine.person_times_same_month_last_year
            as person_times_this_month_yoy_change,
        telemedicine.value / 1e4 as person_times_cumulative_wan,
        case when telemedicine.prefecture_code = 'GZ' then province_target.target_year end as target_year,
        case when telemedicine.prefecture_code = 'GZ' then province_target.target_value end
            as target_person_times,
        case
            when telemedicine.prefecture_code = 'GZ'
                then telemedicine.value / nullif(province_target.target_value, 0)
        end as share_of_target,
        case when telemedicine.prefecture_code = 'GZ' then province_target.completion end as province_completion,
        case when telemedicine.prefecture_code = 'GZ' then province_target.status_code end as province_status_code

    from telemedicine
    left join province_target
        on telemedicine.period_month = province_target.period_month

)

select * from final
