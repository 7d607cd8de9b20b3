with

departments as (

    select * from {{ ref('departments') }}

),

indicators as (

    select * from {{ ref('indicators') }}

),

responsibilities as (

    select * from {{ ref('responsibilities') }}

),

indicators_led as (

    select
        lead_department_code as department_code,
        count(*) as n_indicators_reported

    from indicators
    group by lead_department_code

),

task_roles as (

    select
        department_code,
        count(distinct task_id) filter (where role = 'lead') as n_tasks_lead,
        count(distinct task_id) filter (where role = 'co') as n_tasks_co,
        count(distinct indicator_id) filter (where role = 'lead') as n_task_indicators_lead,
        count(distinct indicator_id) filter (where role = 'co') as n_task_indicators_co

    from responsibilities
    group by department_code

),

final as (

    select
        departments.department_code,
        departments.name_zh,
        departments.name_en,
        departments.role,
        departments.sort_order,
        case departments.role
            when 'convener' then '召集单位'
            when 'deputy' then '副召集单位'
            when 'member' then '成员单位'
        end as role_zh,
        coalesce(indicators_led.n_indicators_reported, 0) as n_indicators_reported,
        coalesce(indicators_led.n_indicators_reported, 0) > 0 as is_reporting_department,
        coalesce(task_roles.n_tasks_lead, 0) as n_tasks_lead,
        coalesce(task_roles.n_tasks_co, 0) as n_tasks_co,
        coalesce(task_roles.n_task_indicators_lead, 0) as n_task_indicators_lead,
        coalesce(task_roles.n_task_indicators_co, 0) as n_task_indicators_co

    from departments
    left join indicators_led
        on departments.department_code = indicators_led.department_code
    left join task_roles
        on departments.department_code = task_roles.department_code

)

select * from final
