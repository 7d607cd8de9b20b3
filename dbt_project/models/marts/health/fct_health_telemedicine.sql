{#-
    Telemedicine services (远程医疗服务, person-times) per prefecture x month: the cumulative total
    as reported, the person-times of the month, the same month a year earlier, and the province's
    progress towards 累计突破500万人次.

    A month's own figure is known only when the cumulative was reported in full for the month and
    for the month before (is_fully_reported: the prefecture reported it; for the province as the sum
    of the prefectures, every prefecture in the sum reported it). A month carried forward, or the
    month after one, has no figure of its own (null, not 0); the increase since the previous full
    report and the months it covers are kept in *_since_last_report (for the province, within the
    same set of prefectures in the sum: when a prefecture joins the sum, its opening cumulative is
    not an increase, so the increase starts afresh), so nothing is lost. The same
    month last year is found by month arithmetic (period_month - 12 months, same prefecture; `period`
    is the row's month, the series has no separate as-of month), not by counting rows.
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
