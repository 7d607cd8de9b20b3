{#- DHIS2 reporting rate and on-time rate over all expected departments, per month. -#}
with

compliance as (

    select * from {{ ref('fct_submission_compliance') }}

),

aggregated as (

    select
        period,
        period_month,
        count(*) filter (where is_expected) as n_expected,
        count(*) filter (where is_expected and has_submitted) as n_submitted,
        count(*) filter (where is_expected and is_on_time) as n_on_time,
        count(*) filter (where is_expected and has_submitted and not is_on_time) as n_late,
        count(*) filter (where is_expected and not has_submitted) as n_missing,
        count(*) filter (where not is_expected and has_submitted) as n_unexpected_submitted,
        sum(n_files_received) as n_files_received,
        sum(n_files_quarantined) as n_files_quarantined,
        sum(n_revisions) as n_revisions

    from compliance
    group by period, period_month

),

final as (

    select
        *,
        n_submitted / nullif(n_expected, 0) as reporting_rate,
        n_on_time / nullif(n_expected, 0) as on_time_rate

    from aggregated

)

select * from final
