{{ config(materialized="view") }}
{#-
    Every accepted value row with its file's version. Within department x period x indicator x
    prefecture the highest file version (then the latest received) is the latest; older versions
    stay here, marked superseded, beside the value of the version before them. One window spec, so
    DuckDB sorts once.
-#}
with

submission_values as (

    select * from {{ ref('stg_submissions__values') }}

),

files as (

    select * from {{ ref('stg_submissions__files') }}

),

accepted_files as (

    select
        file_id,
        received_at,
        is_after_publication,
        is_late,
        coalesce(file_version, 0) as file_version

    from files
    where is_accepted

),

joined as (

    select
        submission_values.file_id,
        submission_values.sheet_name,
        submission_values.row_number,
        submission_values.department_code,
        submission_values.period,
        submission_values.period_month,
        submission_values.indicator_id,
        submission_values.prefecture_code,
        submission_values.value,
        submission_values.value_as_written,
        submission_values.is_flagged,
        submission_values.flag_reason_zh,
        submission_values.flag_reason_en,
        accepted_files.file_version,
        accepted_files.received_at,
        accepted_files.is_after_publication,
        accepted_files.is_late

    from submission_values
    inner join accepted_files
        on submission_values.file_id = accepted_files.file_id

),

ranked as (

    select
        *,
        row_number() over latest_first as version_rank,
        count(*) over latest_first_all as n_versions,
        lead(value) over latest_first as previous_value,
        lead(file_id) over latest_first as previous_file_id,
        lead(file_version) over latest_first as previous_file_version

    from joined
    window
        latest_first as (
            partition by department_code, period, indicator_id, prefecture_code
            order by file_version desc, received_at desc, row_number desc
        ),
        latest_first_all as (
            latest_first rows between unbounded preceding and unbounded following
        )

),

final as (

    select
        *,
        version_rank = 1 as is_latest

    from ranked

)

select * from final
