{{ config(materialized="view") }}
{#-
    Step 1 of the province series (int_indicator_values_province): every accepted row, per indicator
    x prefecture (GZ included) in month order and, within a month, from the least to the most
    preferred version (the lead department's latest last). One sort serves the later steps: the last
    row of a month is the value in force, and value minus the previous row's value, summed over a
    month, is that prefecture's change since its previous month in force.
-#}
with

versioned as (

    select * from {{ ref('int_submission_values_versioned') }}

),

indicators as (

    select * from {{ ref('indicators') }}

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

final as (

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

)

select * from final
