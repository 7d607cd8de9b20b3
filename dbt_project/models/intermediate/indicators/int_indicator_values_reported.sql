{{ config(materialized="view") }}
{#-
    One reported value per indicator x prefecture x month: the latest accepted version, the lead
    department's first when two departments reported the same indicator. A hash aggregate with
    arg_max over one preference key (lead department, file version, received, row) instead of a
    sorting window. The input of the monthly series (filled).
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

    {#-
        The columns that are never null (raw NOT NULL) come out of one arg_max of a struct: one
        aggregate instead of five (half the time at 10x, issue 8). received_at may be null, and
        arg_max skips a null: it keeps an aggregate of its own.
    -#}
    select
        indicator_id,
        prefecture_code,
        period_month,
        arg_max(
            {
                'value': value,
                'department_code': department_code,
                'file_id': file_id,
                'file_version': file_version,
                'is_flagged': is_flagged
            },
            preference
        ) as chosen_row,
        arg_max(received_at, preference) as received_at

    from keyed
    group by indicator_id, prefecture_code, period_month

),

final as (

    select
        indicator_id,
        prefecture_code,
        period_month,
        {{ month_to_period('period_month') }} as period,
        struct_extract(chosen_row, 'value') as value,
        struct_extract(chosen_row, 'department_code') as department_code,
        struct_extract(chosen_row, 'file_id') as file_id,
        struct_extract(chosen_row, 'file_version') as file_version,
        received_at,
        struct_extract(chosen_row, 'is_flagged') as is_flagged

    from chosen

)

select * from final
