{{ config(materialized="view") }}
{#-
    Per project x month: the latest accepted report (highest file version), and a complete monthly
    series from the project's first report on, with the cumulative investment carried forward when
    a month has no report (is_carried_forward). Money in yuan.

    Built for 24M project-months (issue 8): one sort of the reports per project (two for a project
    with a blank column, where "the last non-blank value" needs the latest reports first); a month
    without a report is generated only between a report and the next one (or the calendar's end)
    and takes that report's carried values, unnested from one list per report, so the sorted
    reports are read once and never materialised. No project x month grid is joined. A view:
    governance.fct_project_investment (one row per row here) materialises it once and carries its
    tests, so the 24M rows are written once and the sort runs once.
-#}
with

project_rows as not materialized (

    {#-
        Not materialised: two readers below (accepted_reports, projects_with_nulls), and DuckDB
        materialises a CTE read twice, here 24M wide rows, instead of each reader scanning the
        table for its own columns.
    -#}
    select * from {{ ref('stg_submissions__projects') }}

),

files as (

    select * from {{ ref('stg_submissions__files') }}

),

calendar as (

    select * from {{ ref('int_calendar_months') }}

),

accepted_files as (

    {#-
        The accepted files, each with a small key and its rank in the order of preference (file
        version, then received; a file without a time first): the sorts below carry two integers
        instead of the 64-character file id, the version and the time.
    -#}
    select
        file_id,
        row_number() over (order by file_id) as file_key,
        dense_rank() over (order by coalesce(file_version, 0) asc, received_at asc nulls first) as file_order

    from files
    where is_accepted

),

accepted_reports as not materialized (

    {#-
        Every accepted report of a calendar month (the series covers the calendar's months); not
        materialised: each reader below scans it for its own projects.
    -#}
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

),

projects_with_nulls as (

    {#-
        Projects with a blank in a carried column in any row (accepted or not: taking the two-pass
        path is never wrong, only slower) take the two-pass path below.
    -#}
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
        Without blanks, one window per project in (month, file preference, row) order does both:
        the last row of a month is its latest report (the next row is of a later month), and the
        last value so far of every column is that report's own.
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

    {#- the two-pass path: the latest report per project x month first ... -#}
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

    {#- ... then each column's last non-blank value so far over those reports -#}
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

reports_carried as (

    select * from one_pass
    union all
    select * from two_pass

),

calendar_end as (

    select max(period_month) as last_month

    from calendar

),

reports_with_months as (

    {#-
        A report's own month and, when months without a report follow it, those months up to the
        month before the next report (or the calendar's end): one list per report, unnested below in
        the same pass (reports_carried is read once, so DuckDB does not materialise its 24M rows).
    -#}
    select
        reports_carried.*,
        accepted_files.file_id,
        case
            when
                reports_carried.period_month
                < coalesce(
                    cast(reports_carried.next_report_month - interval 1 month as date),
                    (select calendar_end.last_month from calendar_end)
                )
                then generate_series(
                    reports_carried.period_month,
                    coalesce(
                        cast(reports_carried.next_report_month - interval 1 month as date),
                        (select calendar_end.last_month from calendar_end)
                    ),
                    interval 1 month
                )
            else [reports_carried.period_month]
        end as series_months

    from reports_carried
    inner join accepted_files
        on reports_carried.file_key = accepted_files.file_key

),

series as (

    select
        project_code,
        period_month as report_month,
        cast(unnest(series_months) as date) as period_month,
        file_id,
        department_code,
        project_name,
        sector,
        prefecture_code,
        total_investment_yuan,
        completed_this_month_yuan,
        cumulative_completed_yuan,
        project_status

    from reports_with_months

),

final as (

    select
        project_code,
        {{ month_to_period('period_month') }} as period,
        period_month,
        period_month = report_month as is_reported,
        period_month != report_month as is_carried_forward,
        case when period_month = report_month then file_id end as file_id,
        department_code,
        project_name,
        sector,
        prefecture_code,
        total_investment_yuan,
        case when period_month = report_month then completed_this_month_yuan end as completed_this_month_yuan,
        cumulative_completed_yuan,
        project_status

    from series

)

select * from final
