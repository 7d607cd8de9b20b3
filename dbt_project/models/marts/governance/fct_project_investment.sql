{#-
    Per major project x month: investment completed this month and cumulative (carried forward when
    a month has no report), against the project's total investment. Names, sector, department and
    prefecture from the project library (重大项目库) where the project is registered. Money in yuan;
    the *_yi columns are in 亿元.
-#}
with

reports as (

    select * from {{ ref('int_project_reports_monthly') }}

),

registry as (

    select * from {{ ref('stg_projects__registry') }}

),

final as (

    select
        reports.project_code,
        reports.period,
        reports.period_month,
        registry.start_year,
        registry.end_year,
        reports.completed_this_month_yuan,
        reports.cumulative_completed_yuan,
        reports.project_status,
        reports.is_reported,
        reports.is_carried_forward,
        reports.file_id,
        coalesce(registry.project_name, reports.project_name) as project_name,
        coalesce(registry.sector, reports.sector) as sector,
        coalesce(registry.department_code, reports.department_code) as department_code,
        coalesce(registry.prefecture_code, reports.prefecture_code) as prefecture_code,
        registry.project_code is not null as is_registered,
        coalesce(registry.total_investment_yuan, reports.total_investment_yuan) as total_investment_yuan,
        reports.cumulative_completed_yuan
        / nullif(coalesce(registry.total_investment_yuan, reports.total_investment_yuan), 0)
            as completion_share,
        case reports.project_status
            when 'planned' then '计划'
            when 'under_construction' then '在建'
            when 'completed' then '已建成'
            when 'suspended' then '暂停'
        end as project_status_zh,
        coalesce(registry.total_investment_yuan, reports.total_investment_yuan) / 1e8 as total_investment_yi,
        reports.completed_this_month_yuan / 1e8 as completed_this_month_yi,
        reports.cumulative_completed_yuan / 1e8 as cumulative_completed_yi

    from reports
    left join registry
        on reports.project_code = registry.project_code

)

select * from final
