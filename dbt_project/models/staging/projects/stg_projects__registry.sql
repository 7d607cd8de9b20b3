with

source as (

    select * from {{ source('projects', 'project_registry') }}

),

renamed as (

    select
        project_code,
        project_name,
        sector,
        department_code,
        prefecture_code,
        cast(total_investment_yuan as double) as total_investment_yuan,
        start_year,
        end_year,
        source_file_id,
        loaded_at

    from source

)

select * from renamed
