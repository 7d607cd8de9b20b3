{#-
    Per project x month: the latest accepted report (highest file version), and a complete monthly
    series from the project's first report on, with the cumulative investment carried forward when
    a month has no report (is_carried_forward). Money in yuan.
-#}
with

project_rows as (

    select * from {{ ref('stg_submissions__projects') }}

),

files as (

    select * from {{ ref('stg_submissions__files') }}

),

calendar as (

    select * from {{ ref('int_calendar_months') }}

),

latest_reports as (

    select
        project_rows.*,
        files.received_at,
        coalesce(files.file_version, 0) as file_version

    from project_rows
    inner join files
        on project_rows.file_id = files.file_id
    where files.is_accepted
    qualify row_number() over (
        partition by project_rows.project_code, project_rows.period_month
        order by coalesce(files.file_version, 0) desc, files.received_at desc, project_rows.row_number desc
    ) = 1

),

spans as (

    select
        project_code,
        min(period_month) as first_month

    from latest_reports
    group by project_code

),

grid as (

    select
        spans.project_code,
        calendar.period_month

    from spans
    inner join calendar
        on spans.first_month <= calendar.period_month

),

joined as (

    select
        grid.project_code,
        grid.period_month,
        latest_reports.file_id,
        latest_reports.department_code,
        latest_reports.project_name,
        latest_reports.sector,
        latest_reports.prefecture_code,
        latest_reports.total_investment_yuan,
        latest_reports.completed_this_month_yuan,
        latest_reports.cumulative_completed_yuan,
        latest_reports.project_status,
        latest_reports.project_code is not null as is_reported

    from grid
    left join latest_reports
        on
            grid.project_code = latest_reports.project_code
            and grid.period_month = latest_reports.period_month

),

final as (

    select
        project_code,
        {{ month_to_period('period_month') }} as period,
        period_month,
        is_reported,
        not is_reported as is_carried_forward,
        file_id,
        last_value(department_code ignore nulls) over up_to_now as department_code,
        last_value(project_name ignore nulls) over up_to_now as project_name,
        last_value(sector ignore nulls) over up_to_now as sector,
        last_value(prefecture_code ignore nulls) over up_to_now as prefecture_code,
        last_value(total_investment_yuan ignore nulls) over up_to_now as total_investment_yuan,
        completed_this_month_yuan,
        last_value(cumulative_completed_yuan ignore nulls) over up_to_now as cumulative_completed_yuan,
        last_value(project_status ignore nulls) over up_to_now as project_status

    from joined
    window up_to_now as (
        partition by project_code
        order by period_month
        rows between unbounded preceding and current row
    )

)

select * from final
