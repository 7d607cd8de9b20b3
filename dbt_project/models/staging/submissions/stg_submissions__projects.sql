with

source as (

    select * from {{ source('submissions', 'submission_projects') }}

),

renamed as (

    select
        file_id,
        sheet_name,
        row_number,
        department_code,
        period,
        {{ period_to_month('period') }} as period_month,
        project_code,
        project_name,
        sector,
        prefecture_code,
        cast(total_investment_yuan as double) as total_investment_yuan,
        cast(completed_this_month_yuan as double) as completed_this_month_yuan,
        cast(cumulative_completed_yuan as double) as cumulative_completed_yuan,
        project_status,
        note

    from source

)

select * from renamed
