{{ config(materialized="view") }}
{#-
    Step 3 of the project series: per project x reported month, the latest accepted report (the
    preferred file, then the last row), with each carried column's last non-blank value so far and
    the month of the project's next report (null after its last one).

    Two paths give the same answer. A project with no blank in a carried column in any of its rows
    (accepted or not: taking the two-pass path is never wrong, only slower) takes one window per
    project; the others first take the latest report of each month, then each column's last
    non-blank value over those reports (a blank in the latest version takes an earlier month's
    value, never an older version of the same month). Built for 24M project-months (issue 8): one
    sort of the reports per project on the one-pass path.
-#}
with

project_rows as (

    select * from {{ ref('stg_submissions__projects') }}

),

accepted_reports as not materialized (

    {#- read by both paths; not materialised: each scans it for its own projects -#}
    select * from {{ ref('int_project_reports_accepted') }}

),

projects_with_nulls as (

    select distinct project_code

    from project_rows
    where
        department_code is null
        or project_name is null
        or sector is null
        or prefecture_code is null
        or total_investment_yuan is null
        or cumulative_completed_yuan is null
        or project_status is null

),

one_pass as (

    {#-
        In (month, file preference, row) order, the last row of a month is its latest report (the
        next row is of a later month), and the last value so far of every column is that report's.
    -#}
    select
        accepted_reports.project_code,
        accepted_reports.period_month,
        accepted_reports.file_key,
        accepted_reports.completed_this_month_yuan,
        accepted_reports.department_code,
        accepted_reports.project_name,
        accepted_reports.sector,
        accepted_reports.prefecture_code,
        accepted_reports.total_investment_yuan,
        accepted_reports.cumulative_completed_yuan,
        accepted_reports.project_status,
        lead(accepted_reports.period_month) over by_version as next_report_month

    from accepted_reports
    anti join projects_with_nulls
        on accepted_reports.project_code = projects_with_nulls.project_code
    window
        by_version as (
            partition by accepted_reports.project_code
            order by accepted_reports.period_month asc, accepted_reports.file_order asc, accepted_reports.row_number asc
        )
    qualify lead(accepted_reports.period_month) over by_version is distinct from accepted_reports.period_month

),

latest_with_nulls as (

    select accepted_reports.*

    from accepted_reports
    semi join projects_with_nulls
        on accepted_reports.project_code = projects_with_nulls.project_code
    qualify row_number() over (
        partition by accepted_reports.project_code, accepted_reports.period_month
        order by
            accepted_reports.file_order desc,
            accepted_reports.row_number desc
    ) = 1

),

two_pass as (

    select
        project_code,
        period_month,
        file_key,
        completed_this_month_yuan,
        last_value(department_code ignore nulls) over up_to_now as department_code,
        last_value(project_name ignore nulls) over up_to_now as project_name,
        last_value(sector ignore nulls) over up_to_now as sector,
        last_value(prefecture_code ignore nulls) over up_to_now as prefecture_code,
        last_value(total_investment_yuan ignore nulls) over up_to_now as total_investment_yuan,
        last_value(cumulative_completed_yuan ignore nulls) over up_to_now as cumulative_completed_yuan,
        last_value(project_status ignore nulls) over up_to_now as project_status,
        lead(period_month) over up_to_now as next_report_month

    from latest_with_nulls
    window up_to_now as (
        partition by project_code
        order by period_month
        rows between unbounded preceding and current row
    )

),

final as (

    select * from one_pass
    union all
    select * from two_pass

)

select * from final
