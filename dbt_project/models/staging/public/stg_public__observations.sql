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
        original_label,
        location,
        file_sha256,
        fetched_at,
        observation_version,
        is_synthetic

    from source

)

select * from renamed
