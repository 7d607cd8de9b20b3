{#-
    The province series per indicator x month, as the platform counts it: for an additive indicator
    (is_additive) with prefecture rows, the sum over the prefectures of each one's last reported value
    (a prefecture that did not report this month counts with its last value); otherwise (ratios, PUE,
    latency, or no prefecture rows) the GZ row as the department reported it, carried forward like
    int_indicator_values_filled. Ratios are never summed.

    The sum is computed without a prefecture x month grid and with one sort: each prefecture's
    value in force adds its change since that prefecture's previous value in force, and a running
    sum over the months adds the changes up (exact for counts; for fractional values within floating
    point rounding). The input of the progress method; small (indicators x months).
-#}
with

versioned as (

    select * from {{ ref('int_submission_values_versioned') }}

),

indicators as (

    select * from {{ ref('indicators') }}

),

calendar as (

    select * from {{ ref('int_calendar_months') }}

),

keyed_reports as (

    select
        versioned.indicator_id,
        versioned.prefecture_code,
        versioned.period_month,
        versioned.value,
        versioned.file_version,
        versioned.received_at,
        versioned.row_number,
        coalesce(versioned.department_code = indicators.lead_department_code, false) as is_lead_department

    from versioned
    left join indicators
        on versioned.indicator_id = indicators.indicator_id

),

ordered_reports as (

    {#-
        Every accepted row, per indicator x prefecture in month order and, within a month, from the
        least to the most preferred version (the lead department's latest last). One sort serves all:
        the last row of a month is the value in force; value minus the previous row's value, summed
        over a month, is that prefecture's change since its previous month in force.
    -#}
    select
        indicator_id,
        prefecture_code,
        period_month,
        value,
        value - coalesce(lag(value) over by_prefecture, 0) as value_delta,
        lag(value) over by_prefecture is null as is_first_report,
        coalesce(lead(period_month) over by_prefecture != period_month, true) as is_in_force

    from keyed_reports
    window by_prefecture as (
        partition by indicator_id, prefecture_code
        order by period_month asc, is_lead_department asc, file_version asc, received_at asc, row_number asc
    )

),

prefecture_months as (

    select
        indicator_id,
        period_month,
        sum(value_delta) as value_delta,
        sum(abs(value_delta)) as value_churn,
        count(*) filter (where is_in_force) as n_prefectures_reported,
        count(*) filter (where is_first_report) as n_prefectures_new

    from ordered_reports
    where prefecture_code != 'GZ'
    group by indicator_id, period_month

),

province_reports as (

    select
        indicator_id,
        period_month,
        value

    from ordered_reports
    where prefecture_code = 'GZ' and is_in_force

),

report_months as (

    select
        indicator_id,
        period_month

    from prefecture_months
    union all
    select
        indicator_id,
        period_month

    from province_reports

),

spans as (

    select
        indicator_id,
        min(period_month) as first_month

    from report_months
    group by indicator_id

),

grid as (

    select
        spans.indicator_id,
        calendar.period_month

    from spans
    inner join calendar
        on spans.first_month <= calendar.period_month

),

joined as (

    select
        grid.indicator_id,
        grid.period_month,
        prefecture_months.value_delta,
        prefecture_months.value_churn,
        prefecture_months.n_prefectures_new,
        province_reports.value as province_reported_value,
        coalesce(prefecture_months.n_prefectures_reported, 0) as n_prefectures_reported

    from grid
    left join prefecture_months
        on
            grid.indicator_id = prefecture_months.indicator_id
            and grid.period_month = prefecture_months.period_month
    left join province_reports
        on
            grid.indicator_id = province_reports.indicator_id
            and grid.period_month = province_reports.period_month

),

running as (

    select
        indicator_id,
        period_month,
        n_prefectures_reported,
        province_reported_value,
        sum(coalesce(value_delta, 0)) over up_to_now as prefecture_sum_unrounded,
        sum(coalesce(value_churn, 0)) over up_to_now as prefecture_churn,
        sum(coalesce(n_prefectures_new, 0)) over up_to_now as n_prefectures_in_sum,
        last_value(
            case when n_prefectures_reported > 0 then period_month end ignore nulls
        ) over up_to_now as prefectures_last_month,
        last_value(province_reported_value ignore nulls) over up_to_now as province_last_value,
        last_value(
            case when province_reported_value is not null then period_month end ignore nulls
        ) over up_to_now as province_last_month

    from joined
    window up_to_now as (
        partition by indicator_id
        order by period_month
        rows between unbounded preceding and current row
    )

),

province_values as (

    select
        running.indicator_id,
        running.period_month,
        running.n_prefectures_reported,
        running.n_prefectures_in_sum,
        running.province_reported_value,
        {#-
            A sum of changes that cancel out (a count back to 0) can come out as -2e-16: within
            1e-12 of the changes' total size it is rounding noise, and the sum is 0. (round(x, n)
            would not do: it moves the last bits of large sums such as investment in yuan.)
        -#}
        case
            when abs(running.prefecture_sum_unrounded) <= 1e-12 * running.prefecture_churn then cast(0 as double)
            else running.prefecture_sum_unrounded
        end as prefecture_sum,
        running.prefectures_last_month,
        running.province_last_month,
        indicators.lead_department_code as department_code,
        case
            when running.province_last_month = running.period_month then running.province_last_value
            when indicators.kind in ('cumulative', 'level', 'milestone') then running.province_last_value
            when
                datediff('month', running.province_last_month, running.period_month)
                <= {{ var('ratio_carry_months') }}
                then running.province_last_value
        end as province_value,
        coalesce(indicators.is_additive, false) and running.n_prefectures_in_sum > 0 as is_sum_of_prefectures

    from running
    left join indicators
        on running.indicator_id = indicators.indicator_id

),

final as (

    select
        indicator_id,
        'GZ' as prefecture_code,
        period_month,
        department_code,
        {{ month_to_period('period_month') }} as period,
        case
            when is_sum_of_prefectures and n_prefectures_reported > 0 then prefecture_sum
            when not is_sum_of_prefectures then province_reported_value
        end as reported_value,
        case when is_sum_of_prefectures then prefecture_sum else province_value end as value,
        case
            when is_sum_of_prefectures then n_prefectures_reported = 0
            else province_reported_value is null and province_value is not null
        end as is_carried_forward,
        case when is_sum_of_prefectures then 'sum_of_prefectures' else 'reported_province' end as value_basis,
        case when is_sum_of_prefectures then prefectures_last_month else province_last_month end
            as last_reported_month,
        datediff(
            'month',
            case when is_sum_of_prefectures then prefectures_last_month else province_last_month end,
            period_month
        ) as months_since_reported,
        case when is_sum_of_prefectures then n_prefectures_in_sum end as n_prefectures_in_sum,
        case when is_sum_of_prefectures then n_prefectures_reported end as n_prefectures_reported,
        province_value as province_value_as_reported,
        false as is_flagged

    from province_values

)

select * from final
