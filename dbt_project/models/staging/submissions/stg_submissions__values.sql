with

source as (

    select * from {{ source('submissions', 'submission_values') }}

),

renamed as (

    select
        file_id,
        sheet_name,
        row_number,
        department_code,
        period,
        {{ period_to_month('period') }} as period_month,
        indicator_id,
        prefecture_code,
        cast(value as double) as value,
        value_as_written,
        is_flagged,
        flag_reason_zh,
        flag_reason_en,
        unit_as_written,
        note

    from source

)

select * from renamed
