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

telemedicine as (

    select
        *,
        reported_value is not null
        and coalesce(n_prefectures_reported = n_prefectures_in_sum, true) as is_fully_reported

    from monthly
    where indicator_id = 'telemedicine_person_times'

),

full_reports as (

    select
        prefecture_code,
        period_month,
        value - lag(value) over by_prefecture as since_last_report,
        datediff('month', lag(period_month) over by_prefecture, period_month) as months_since_last_report

    from telemedicine
    where is_fully_reported
    window by_prefecture as (
        partition by prefecture_code, n_prefectures_in_sum
        order by period_month
    )

),

with_month as (

    select
        telemedicine.*,
        full_reports.since_last_report,
        full_reports.months_since_last_report,
        case when full_reports.months_since_last_report = 1 then full_reports.since_last_report end
            as this_month

    from telemedicine
    left join full_reports
        on
            telemedicine.prefecture_code = full_reports.prefecture_code
            and telemedicine.period_month = full_reports.period_month

),

with_last_year as (

    select
        with_month.*,
        last_year.this_month as same_month_last_year,
        case
            when
                with_month.is_fully_reported
                and last_year.is_fully_reported
                and coalesce(with_month.n_prefectures_in_sum, 0) = coalesce(last_year.n_prefectures_in_sum, 0)
                then with_month.value - last_year.value
        end as last_12_months

    from with_month
    left join with_month as last_year
        on
            with_month.prefecture_code = last_year.prefecture_code
            and last_year.period_month = cast(with_month.period_month - interval 12 month as date)

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
        with_last_year.period,
        with_last_year.period_month,
        with_last_year.prefecture_code,
        with_last_year.prefecture_name_zh,
        with_last_year.prefecture_sort_order,
        with_last_year.value as person_times_cumulative,
        with_last_year.is_carried_forward,
        with_last_year.is_fully_reported,
        with_last_year.n_prefectures_in_sum,
        with_last_year.this_month as person_times_this_month,
        with_last_year.since_last_report as person_times_since_last_report,
        with_last_year.months_since_last_report,
        with_last_year.same_month_last_year as person_times_same_month_last_year,
        with_last_year.last_12_months as person_times_last_12_months,
        with_last_year.share_of_province,
        with_last_year.this_month - with_last_year.same_month_last_year as person_times_this_month_yoy_change,
        with_last_year.value / 1e4 as person_times_cumulative_wan,
        case when with_last_year.prefecture_code = 'GZ' then province_target.target_year end as target_year,
        case when with_last_year.prefecture_code = 'GZ' then province_target.target_value end
            as target_person_times,
        case
            when with_last_year.prefecture_code = 'GZ'
                then with_last_year.value / nullif(province_target.target_value, 0)
        end as share_of_target,
        case when with_last_year.prefecture_code = 'GZ' then province_target.completion end as province_completion,
        case when with_last_year.prefecture_code = 'GZ' then province_target.status_code end as province_status_code

    from with_last_year
    left join province_target
        on with_last_year.period_month = province_target.period_month

)

select * from final
