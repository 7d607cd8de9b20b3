{#-
    Telemedicine services (远程医疗服务, person-times) per prefecture x month: the cumulative total
    as reported, the person-times of the month, the same month a year earlier, and the province's
    progress towards 累计突破500万人次.

    The month figures come from the macro cumulative_flows (macros/flows.sql): a month's own
    figure only when it and the month before were reported in full (null, not 0, across a gap),
    the increase since the last full report with the months it covers, so nothing is lost, and
    the same month last year by calendar month.
    The province's target, completion and status are provincial: on the GZ row only.
-#}
{{ config(schema='health') }}

with

monthly as (

    select * from {{ ref('fct_indicator_monthly') }}

),

progress as (

    select * from {{ ref('int_indicator_progress') }}

),

{{ cumulative_flows('telemedicine_person_times') }},

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
        flows.period,
        flows.period_month,
        flows.prefecture_code,
        flows.prefecture_name_zh,
        flows.prefecture_sort_order,
        flows.value as person_times_cumulative,
        flows.is_carried_forward,
        flows.is_fully_reported,
        flows.n_prefectures_in_sum,
        flows.this_month as person_times_this_month,
        flows.since_last_report as person_times_since_last_report,
        flows.months_since_last_report,
        flows.same_month_last_year as person_times_same_month_last_year,
        flows.last_12_months as person_times_last_12_months,
        flows.share_of_province,
        flows.this_month - flows.same_month_last_year as person_times_this_month_yoy_change,
        flows.value / 1e4 as person_times_cumulative_wan,
        case when flows.prefecture_code = 'GZ' then province_target.target_year end as target_year,
        case when flows.prefecture_code = 'GZ' then province_target.target_value end
            as target_person_times,
        case
            when flows.prefecture_code = 'GZ'
                then flows.value / nullif(province_target.target_value, 0)
        end as share_of_target,
        case when flows.prefecture_code = 'GZ' then province_target.completion end as province_completion,
        case when flows.prefecture_code = 'GZ' then province_target.status_code end as province_status_code

    from flows
    left join province_target
        on flows.period_month = province_target.period_month

)

select * from final
