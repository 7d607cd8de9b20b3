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
        {#-
            The plan's order, from the ids the seed numbers the tasks by (tasks.csv lists them in that
            order): the part (主方案 0, 附件3–6 3–6) x 100 + the task's number, its goal section
            (工作目标 / 主要目标, before the tasks in each part) 0. M-GOAL 0, M-01 1, A3-GOAL 300, A3-05 305.
            Null for an id of another shape (the unique and not_null tests then fail).
        -#}
        case
            when tasks.plan_part = 'main' then 0
            when regexp_full_match(tasks.plan_part, 'A[3-6]') then cast(right(tasks.plan_part, 1) as integer)
        end * 100
        + case
            when tasks.task_id like '%-GOAL' then 0
            else try_cast(regexp_extract(tasks.task_id, '-([0-9]{2})$', 1) as integer)
        end as sort_order,
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
