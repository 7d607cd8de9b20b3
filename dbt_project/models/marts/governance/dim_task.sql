with

tasks as (

    select * from {{ ref('tasks') }}

),

responsibilities as (

    select * from {{ ref('responsibilities') }}

),

departments as (

    select * from {{ ref('departments') }}

),

task_departments as (

    select distinct
        responsibilities.task_id,
        responsibilities.role,
        responsibilities.department_code,
        departments.name_zh,
        departments.sort_order

    from responsibilities
    left join departments
        on responsibilities.department_code = departments.department_code

),

lead_and_co as (

    select
        task_id,
        string_agg(department_code, ',' order by sort_order) filter (where role = 'lead')
            as lead_department_codes,
        string_agg(name_zh, '、' order by sort_order) filter (where role = 'lead')
            as lead_department_names_zh,
        string_agg(department_code, ',' order by sort_order) filter (where role = 'co')
            as co_department_codes,
        string_agg(name_zh, '、' order by sort_order) filter (where role = 'co')
            as co_department_names_zh

    from task_departments
    group by task_id

),

indicator_counts as (

    select
        task_id,
        count(distinct indicator_id) as n_indicators

    from responsibilities
    group by task_id

),

final as (

    select
        tasks.task_id,
        tasks.source_clause,
        tasks.section_zh,
        tasks.name_zh,
        tasks.plan_part,
        lead_and_co.lead_department_codes,
        lead_and_co.lead_department_names_zh,
        lead_and_co.co_department_codes,
        lead_and_co.co_department_names_zh,
        case tasks.plan_part
            when 'main' then '主方案'
            when 'A3' then '附件3'
            when 'A4' then '附件4'
            when 'A5' then '附件5'
            when 'A6' then '附件6'
        end as plan_part_zh,
        coalesce(indicator_counts.n_indicators, 0) as n_indicators

    from tasks
    left join indicator_counts
        on tasks.task_id = indicator_counts.task_id
    left join lead_and_co
        on tasks.task_id = lead_and_co.task_id

)

select * from final
