{#-
    One row per major project: in the project library (重大项目库, stg_projects__registry) and/or
    reported in an accepted 重大项目进展 sheet. The reported side comes from fct_project_investment,
    the project x month series already resolved to the latest version per project and month, carried
    to the calendar's end, with the library's names first: one hash aggregate over that table, no
    re-scan of the submissions and no sort. Money in yuan; *_yi in 亿元.
-#}
with

project_months as (

    select * from {{ ref('fct_project_investment') }}

),

registry as (

    select * from {{ ref('stg_projects__registry') }}

),

departments as (

    select * from {{ ref('departments') }}

),

prefectures as (

    select * from {{ ref('prefectures') }}

),

reported_aggregated as (

    {#-
        A project's series runs from its first report to the calendar's end and carries its last
        report, so its last month holds the latest report's status and cumulative figure (the last
        non-blank value of each); one struct, so the row is chosen once for every column.
    -#}
    select
        project_code,
        min(period) filter (where is_reported) as first_reported_period,
        max(period) filter (where is_reported) as latest_reported_period,
        count(*) filter (where is_reported) as n_periods_reported,
        arg_max(
            {
                'project_name': project_name,
                'sector': sector,
                'department_code': department_code,
                'prefecture_code': prefecture_code,
                'total_investment_yuan': total_investment_yuan,
                'project_status': project_status,
                'project_status_zh': project_status_zh,
                'cumulative_completed_yuan': cumulative_completed_yuan,
                'completion_share': completion_share
            },
            period_month
        ) as latest_row

    from project_months
    group by project_code

),

reported as (

    select
        project_code,
        first_reported_period,
        latest_reported_period,
        n_periods_reported,
        struct_extract(latest_row, 'project_name') as project_name,
        struct_extract(latest_row, 'sector') as sector,
        struct_extract(latest_row, 'department_code') as department_code,
        struct_extract(latest_row, 'prefecture_code') as prefecture_code,
        struct_extract(latest_row, 'total_investment_yuan') as total_investment_yuan,
        struct_extract(latest_row, 'project_status') as project_status,
        struct_extract(latest_row, 'project_status_zh') as project_status_zh,
        struct_extract(latest_row, 'cumulative_completed_yuan') as cumulative_completed_yuan,
        struct_extract(latest_row, 'completion_share') as completion_share

    from reported_aggregated

),

projects as (

    {#-
        Names, sector, department, prefecture and total: fct_project_investment has already taken the
        library's first for a registered project; the library alone for one never reported.
    -#}
    select
        registry.start_year,
        registry.end_year,
        reported.first_reported_period,
        reported.latest_reported_period,
        reported.project_status as latest_project_status,
        reported.project_status_zh as latest_project_status_zh,
        reported.cumulative_completed_yuan as latest_cumulative_completed_yuan,
        reported.completion_share as latest_completion_share,
        coalesce(reported.project_code, registry.project_code) as project_code,
        coalesce(reported.project_name, registry.project_name) as project_name,
        coalesce(reported.sector, registry.sector) as sector,
        coalesce(reported.prefecture_code, registry.prefecture_code) as prefecture_code,
        coalesce(reported.department_code, registry.department_code) as lead_department_code,
        coalesce(reported.total_investment_yuan, registry.total_investment_yuan) as total_investment_yuan,
        coalesce(reported.n_periods_reported, 0) as n_periods_reported,
        registry.project_code is not null as is_registered,
        reported.project_code is not null as has_reports

    from reported
    full outer join registry
        on reported.project_code = registry.project_code

),

final as (

    select
        projects.project_code,
        projects.project_name,
        projects.sector,
        {{ sector_label_zh('projects.sector') }} as sector_zh,
        projects.prefecture_code,
        prefectures.name_zh as prefecture_name_zh,
        projects.lead_department_code,
        departments.name_zh as lead_department_name_zh,
        projects.total_investment_yuan,
        projects.start_year,
        projects.end_year,
        projects.first_reported_period,
        projects.latest_reported_period,
        projects.n_periods_reported,
        projects.latest_project_status,
        projects.latest_project_status_zh,
        projects.latest_cumulative_completed_yuan,
        projects.latest_completion_share,
        projects.is_registered,
        projects.has_reports,
        projects.total_investment_yuan / 1e8 as total_investment_yi,
        projects.latest_cumulative_completed_yuan / 1e8 as latest_cumulative_completed_yi

    from projects
    left join prefectures
        on projects.prefecture_code = prefectures.prefecture_code
    left join departments
        on projects.lead_department_code = departments.department_code

)

select * from final
