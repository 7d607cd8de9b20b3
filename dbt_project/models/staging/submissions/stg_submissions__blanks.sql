with

source as (

    select * from {{ source('submissions', 'submission_blanks') }}

),

renamed as (

    select
        file_id,
        sheet_name,
        row_number,
        indicator_id,
        prefecture_code,
        project_code,
        note

    from source

)

select * from renamed
