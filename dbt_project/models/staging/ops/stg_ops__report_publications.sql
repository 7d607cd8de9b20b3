with

source as (

    select * from {{ source('ops', 'report_publications') }}

),

renamed as (

    select
        period,
        {{ period_to_month('period') }} as period_month,
        published_at,
        package_path,
        manifest_sha256,
        snapshot_id,
        is_forced

    from source

)

select * from renamed
