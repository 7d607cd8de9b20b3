{{ config(materialized="view") }}
{#-
    Step 3 of the province series: per indicator x month, the running totals up to that month: the
    sum of the prefectures' changes (each prefecture's value in force added up, exact for counts,
    for fractional values within floating point rounding) and of their absolute size, the number of
    prefectures in the sum, the last month a prefecture reported, and the last GZ row with its month.
-#}
with

months as (

    select * from {{ ref('int_province_months') }}

),

final as (

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

    from months
    window up_to_now as (
        partition by indicator_id
        order by period_month
        rows between unbounded preceding and current row
    )

)

select * from final
