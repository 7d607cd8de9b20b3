{{ config(materialized="view") }}
{#-
    Step 2 of the project series: every project row of an accepted file whose month is in the
    calendar, keyed by its file's key and preference rank (int_project_files_ranked). A view: the
    next step reads it twice, and each reader scans it for its own projects.
-#}
with

project_rows as (

    select * from {{ ref('stg_submissions__projects') }}

),

accepted_files as (

    select * from {{ ref('int_project_files_ranked') }}

),

calendar as (

    select * from {{ ref('int_calendar_months') }}

),

final as (

    select
        project_rows.project_code,
        project_rows.period_month,
        accepted_files.file_key,
        accepted_files.file_order,
        project_rows.row_number,
        project_rows.department_code,
        project_rows.project_name,
        project_rows.sector,
        project_rows.prefecture_code,
        project_rows.total_investment_yuan,
        project_rows.completed_this_month_yuan,
        project_rows.cumulative_completed_yuan,
        project_rows.project_status

    from project_rows
    inner join accepted_files
        on project_rows.file_id = accepted_files.file_id
    semi join calendar
        on project_rows.period_month = calendar.period_month

)

select * from final
