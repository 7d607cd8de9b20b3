with

source as (

    select * from {{ source('public', 'public_sources') }}

),

renamed as (

    select
        source_name,
        title_zh,
        publisher,
        location,
        file_format,
        frequency,
        is_enabled,
        is_synthetic,
        max_age_months,
        config_error_zh,
        config_error_en,
        config_error_zh is not null as is_misdeclared

    from source

)

select * from renamed
