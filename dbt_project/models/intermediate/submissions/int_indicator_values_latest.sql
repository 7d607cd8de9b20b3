{{ config(materialized="view") }}
{#- The latest accepted value per department x period x indicator x prefecture (revisions resolved). -#}
with

versioned as (

    select * from {{ ref('int_submission_values_versioned') }}

),

final as (

    select
        department_code,
        period,
        period_month,
        indicator_id,
        prefecture_code,
        value,
        file_id,
        file_version,
        received_at,
        is_flagged,
        n_versions - 1 as n_superseded_versions

    from versioned
    where is_latest

)

select * from final
