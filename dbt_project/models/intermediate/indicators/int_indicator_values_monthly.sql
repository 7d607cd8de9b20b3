{{ config(materialized="view") }}
{#-
    The complete monthly series per indicator x prefecture x month: the prefecture rows of
    int_indicator_values_filled and the province row (GZ) of int_indicator_values_province (for an
    additive indicator the sum of the prefectures, otherwise the GZ row as reported; ratios, PUE and
    latency are never summed). A view: governance.fct_indicator_monthly materialises it once.
-#}
with

filled as (

    select * from {{ ref('int_indicator_values_filled') }}

),

province as (

    select * from {{ ref('int_indicator_values_province') }}

),

prefecture_rows as (

    select
        indicator_id,
        prefecture_code,
        period,
        period_month,
        value,
        reported_value,
        is_carried_forward,
        last_reported_month,
        months_since_reported,
        department_code,
        is_flagged,
        'reported_prefecture' as value_basis,
        cast(null as bigint) as n_prefectures_in_sum,
        cast(null as bigint) as n_prefectures_reported,
        cast(null as double) as province_value_as_reported

    from filled
    where prefecture_code != 'GZ'

),

province_rows as (

    select
        indicator_id,
        prefecture_code,
        period,
        period_month,
        value,
        reported_value,
        is_carried_forward,
        last_reported_month,
        months_since_reported,
        department_code,
        is_flagged,
        value_basis,
        n_prefectures_in_sum,
        n_prefectures_reported,
        province_value_as_reported

    from province

),

final as (

    select * from prefecture_rows
    union all
    select * from province_rows

)

select * from final
