with

source as (

    select * from {{ source('public', 'public_fetches') }}

),

renamed as (

    select
        fetch_id,
        source_name,
        publisher,
        location,
        file_format,
        frequency,
        fetched_at,
        status,
        status in ('loaded', 'unchanged', 'not_modified') as is_success,
        http_status,
        attempts,
        file_sha256,
        rows_total,
        rows_loaded,
        rows_unmapped,
        coalesce(rows_skipped, 0) as rows_skipped,
        rows_new,
        rows_changed,
        error_code,
        error_zh,
        error_en,
        final_url,
        is_synthetic

    from source

)

select * from renamed
