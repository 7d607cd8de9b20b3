{#-
    Step 4 of the province series, and the series itself (per indicator x month), as the platform
    counts it: for an additive indicator (is_additive) with prefecture rows, the sum over the
    prefectures of each one's last reported value (a prefecture that did not report this month counts
    with its last value); otherwise (ratios, PUE, latency, or no prefecture rows) the GZ row as the
    department reported it, carried forward like int_indicator_values_filled. Ratios are never summed.

    The steps before: int_province_reports_ordered (one sort of the accepted rows) ->
    int_province_months (each month's changes) -> int_province_running (running totals). The input of
    the progress method; small (indicators x months).
-#}
with

running as (

    select * from {{ ref('int_province_running') }}

),

indicators as (

    select * from {{ ref('indicators') }}

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
