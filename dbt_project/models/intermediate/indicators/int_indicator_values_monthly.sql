{#-
    The complete monthly series per indicator x prefecture, with the province row (GZ) as the
    platform counts it: for an additive indicator (is_additive) the sum of the prefecture rows
    whenever any prefecture has a value that month; otherwise (ratios, PUE, latency, or no
    prefecture rows) the GZ row as the department reported it. Ratios are never summed.
-#}
with

filled as (

    select * from {{ ref('int_indicator_values_filled') }}

),

indicators as (

    select * from {{ ref('indicators') }}

),

prefecture_rows as (

    select * from filled
    where prefecture_code != 'GZ'

),

reported_province as (

    select * from filled
    where prefecture_code = 'GZ'

),

prefecture_sums as (

    select
        indicator_id,
        period_month,
        sum(value) as value_sum,
        count(value) as n_prefectures_with_value,
        count(reported_value) as n_prefectures_reported,
        max(last_reported_month) as last_reported_month,
        bool_or(is_flagged) as is_flagged

    from prefecture_rows
    group by indicator_id, period_month

),

province_months as (

    select
        prefecture_sums.value_sum,
        prefecture_sums.n_prefectures_with_value,
        prefecture_sums.n_prefectures_reported,
        prefecture_sums.last_reported_month as prefectures_last_reported_month,
        prefecture_sums.is_flagged as prefectures_flagged,
        reported_province.value as province_value,
        reported_province.reported_value as province_reported_value,
        reported_province.last_reported_month as province_last_reported_month,
        reported_province.department_code,
        reported_province.is_flagged as province_flagged,
        coalesce(prefecture_sums.indicator_id, reported_province.indicator_id) as indicator_id,
        coalesce(prefecture_sums.period_month, reported_province.period_month) as period_month,
        coalesce(indicators.is_additive, false)
        and coalesce(prefecture_sums.n_prefectures_with_value, 0) > 0 as is_sum_of_prefectures

    from prefecture_sums
    full outer join reported_province
        on
            prefecture_sums.indicator_id = reported_province.indicator_id
            and prefecture_sums.period_month = reported_province.period_month
    left join indicators
        on coalesce(prefecture_sums.indicator_id, reported_province.indicator_id) = indicators.indicator_id

),

province_rows as (

    select
        indicator_id,
        'GZ' as prefecture_code,
        period_month,
        case
            when is_sum_of_prefectures and n_prefectures_reported > 0 then value_sum
            when not is_sum_of_prefectures then province_reported_value
        end as reported_value,
        case when is_sum_of_prefectures then value_sum else province_value end as value,
        case
            when is_sum_of_prefectures then prefectures_last_reported_month
            else province_last_reported_month
        end as last_reported_month,
        department_code,
        case when is_sum_of_prefectures then prefectures_flagged else province_flagged end as is_flagged,
        case when is_sum_of_prefectures then 'sum_of_prefectures' else 'reported_province' end as value_basis,
        case when is_sum_of_prefectures then n_prefectures_with_value end as n_prefectures_in_sum,
        case when is_sum_of_prefectures then n_prefectures_reported end as n_prefectures_reported,
        province_value as province_value_as_reported

    from province_months

),

sub_province_rows as (

    select
        indicator_id,
        prefecture_code,
        period_month,
        reported_value,
        value,
        last_reported_month,
        department_code,
        is_flagged,
        'reported_prefecture' as value_basis,
        cast(null as bigint) as n_prefectures_in_sum,
        cast(null as bigint) as n_prefectures_reported,
        cast(null as double) as province_value_as_reported

    from prefecture_rows

),

unioned as (

    select * from province_rows
    union all
    select * from sub_province_rows

),

final as (

    select
        indicator_id,
        prefecture_code,
        {{ month_to_period('period_month') }} as period,
        period_month,
        value,
        reported_value,
        reported_value is null and value is not null as is_carried_forward,
        value_basis,
        last_reported_month,
        datediff('month', last_reported_month, period_month) as months_since_reported,
        n_prefectures_in_sum,
        n_prefectures_reported,
        province_value_as_reported,
        department_code,
        coalesce(is_flagged, false) as is_flagged

    from unioned

)

select * from final
