with

source as (

    select * from {{ source('submissions', 'submission_files') }}

),

renamed as (

    select
        file_id,
        content_sha256,
        original_name,
        archive_path,
        sender_department_code,
        department_code,
        period,
        {{ period_to_month('period') }} as period_month,
        template_version,
        file_format,
        file_encoding,
        received_at,
        received_at_source,
        received_at_basis,
        sender_mtime,
        version as file_version,
        status as file_status,
        status in ('loaded', 'partially_loaded') as is_accepted,
        quarantine_reason_code,
        quarantine_reason_zh,
        quarantine_reason_en,
        rows_total,
        rows_accepted,
        rows_rejected,
        rows_flagged,
        coalesce(rows_blank, 0) as rows_blank,
        coalesce(is_late, false) as is_late,
        coalesce(is_after_publication, false) as is_after_publication,
        duplicate_of as duplicate_of_file_id,
        feedback_path,
        contact_name,
        contact_phone,
        contact_phone_as_written,
        case when contact_phone is not null then contact_phone_flag_zh is null end as contact_phone_is_plausible,
        contact_phone_flag_zh,
        contact_phone_flag_en

    from source

)

select * from renamed
