with

source as (

    select * from {{ source('submissions', 'submission_rejections') }}

),

renamed as (

    select
        file_id,
        sheet_name,
        row_number,
        column_name,
        column_letter,
        value_as_written,
        reason_code,
        reason_zh,
        reason_en,
        note

    from source

)

select * from renamed
