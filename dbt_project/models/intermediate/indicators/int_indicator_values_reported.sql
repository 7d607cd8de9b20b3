{{ config(materialized="view") }}
{#-
    One reported value per indicator x prefecture x month: the latest accepted version, the lead
    department's first when two departments reported the same indicator. A hash aggregate with
    arg_max over one preference key (lead department, file version, received, row) instead of a
    sorting window; a reader that needs only the value gets only that arg_max computed. The input of
    the monthly series (filled) and the province series.
-#}
with

versioned as (

    select * from {{ ref('int_submission_values_versioned') }}

),

indicators as (

    select * from {{ ref('indicators') }}

),

keyed as (

    select
        versioned.indicator_id,
        versioned.prefecture_code,
        versioned.period_month,
        versioned.value,
        versioned.department_code,
        versioned.file_id,
        versioned.file_version,
        versioned.received_at,
        versioned.is_flagged,
        (
            coalesce(versioned.department_code = indicators.lead_department_code, false),
            versioned.file_version,
            versioned.received_at,
            versioned.row_number
        ) as preference

    from versioned
    left join indicators
        on versioned.indicator_id = indicators.indicator_id

),

chosen as (

    select
        indicator_id,
        prefecture_code,
        period_month,
        {{ month_to_period('period_month') }} as period,
        arg_max(value, preference) as value,
        arg_max(department_code, preference) as department_code,
        arg_max(file_id, preference) as file_id,
        arg_max(file_version, preference) as file_version,
        arg_max(received_at, preference) as received_at,
        arg_max(is_flagged, preference) as is_flagged

    from keyed
    group by indicator_id, prefecture_code, period_month

)

select * from chosen
