{{ config(materialized="view") }}
{#-
    Step 4 of the project series: per project x month, from the project's first report to the end
    of the calendar, the latest report of the month (int_project_reports_latest) or, in a month
    without one, the last report before it with its cumulative investment carried forward
    (is_carried_forward). Money in yuan.

    No project x month grid is joined: each report is unnested over its own month and the months
    without a report that follow it (up to the month before the next report, or the calendar's
    end), so the sorted reports are read once and never materialised. A view:
    governance.fct_project_investment (one row per row here) materialises it once and carries its
    tests, so the 24M rows are written once and the sort runs once (issue 8).
-#}
with

reports as (

    select * from {{ ref('int_project_reports_latest') }}

),

accepted_files as (

    select * from {{ ref('int_project_files_ranked') }}

),

calendar as (

    select * from {{ ref('int_calendar_months') }}

),

calendar_end as (

    select max(period_month) as last_month

    from calendar

),

reports_with_months as (

    {#- a report's own month and the months without a report that follow it, as one list -#}
    select
        reports.*,
        accepted_files.file_id,
        case
            when
                reports.period_month
                < coalesce(
                    cast(reports.next_report_month - interval 1 month as date),
                    (select calendar_end.last_month from calendar_end)
                )
                then generate_series(
                    reports.period_month,
                    coalesce(
                        cast(reports.next_report_month - interval 1 month as date),
                        (select calendar_end.last_month from calendar_end)
                    ),
                    interval 1 month
                )
            else [reports.period_month]
        end as series_months

    from reports
    inner join accepted_files
        on reports.file_key = accepted_files.file_key

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
