with

source as (

    select * from {{ source('public', 'public_observations') }}

),

renamed as (

    select
        source_name,
        publisher,
        indicator_id,
        prefecture_code,
        period,
        {{ period_to_month('period') }} as period_month,
        cast(value as double) as value,
        observation_version,
        fetch_id,
        fetched_at,
        location,
        file_sha256,
        row_number,
        column_name,
        original_label,
        original_prefecture,
        original_period,
        value_as_written,
        unit_as_written,
        is_synthetic

    from source

)

select * from renamed
