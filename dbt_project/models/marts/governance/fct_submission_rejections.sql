{#-
    Every rejection the platform sent back to a department: each rejected row of an accepted file
    (partially loaded) and each quarantined file, with its reason. A rejection is open while no file
    of the same department and month was accepted after it (a corrected resubmission closes it).
    The indicator portal lists the open ones on each department's page (docs/portal.md).
-#}
with

files as (

    select * from {{ ref('stg_submissions__files') }}
    where file_status in ('loaded', 'partially_loaded', 'quarantined')

),

rejections as (

    select * from {{ ref('stg_submissions__rejections') }}

),

row_rejections as (

    select
        files.file_id,
        files.department_code,
        files.period,
        files.received_at,
        'row' as rejection_level,
        rejections.sheet_name,
        rejections.row_number,
        rejections.column_name,
        rejections.column_letter,
        rejections.value_as_written,
        rejections.reason_code,
        rejections.reason_zh,
        rejections.reason_en

    from rejections
    inner join files
        on rejections.file_id = files.file_id
    where files.file_status <> 'quarantined'

),

file_rejections as (

    select
        file_id,
        coalesce(department_code, sender_department_code) as department_code,
        period,
        received_at,
        'file' as rejection_level,
        null as sheet_name,
        null as row_number,
        null as column_name,
        null as column_letter,
        null as value_as_written,
        quarantine_reason_code as reason_code,
        quarantine_reason_zh as reason_zh,
        quarantine_reason_en as reason_en

    from files
    where file_status = 'quarantined'

),

combined as (

    select * from row_rejections
    union all
    select * from file_rejections

),

accepted as (

    select
        department_code,
        period,
        received_at

    from files
    where is_accepted

),

resolved as (

    select
        combined.file_id,
        min(accepted.received_at) as resolved_by_file_at

    from combined
    inner join accepted
        on
            combined.department_code = accepted.department_code
            and combined.period = accepted.period
            and combined.received_at < accepted.received_at
    group by combined.file_id

),

final as (

    select
        combined.file_id,
        combined.department_code,
        combined.period,
        {{ period_to_month('combined.period') }} as period_month,
        files.original_name,
        files.file_status,
        combined.received_at,
        combined.rejection_level,
        combined.sheet_name,
        cast(combined.row_number as integer) as row_number,
        combined.column_name,
        combined.column_letter,
        combined.value_as_written,
        combined.reason_code,
        combined.reason_zh,
        combined.reason_en,
        resolved.resolved_by_file_at,
        resolved.resolved_by_file_at is null as is_open

    from combined
    inner join files
        on combined.file_id = files.file_id
    left join resolved
        on combined.file_id = resolved.file_id

)

select * from final
