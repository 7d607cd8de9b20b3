{#-
    All major projects rolled up per month against the plan's investment target (超1000亿元: the
    target of var('investment_indicator_id') in indicator_targets), beside the figure the lead
    department reports for that indicator. Money in yuan; *_yi in 亿元.
-#}
with

projects as (

    select * from {{ ref('fct_project_investment') }}

),

calendar as (

    select * from {{ ref('int_calendar_months') }}

),

targets as (

    select * from {{ ref('indicator_targets') }}

),

progress as (

    select * from {{ ref('int_indicator_progress') }}

),

investment_target as (

    select
        max(target_year) as target_year,
        arg_max(target_value, target_year) as target_value

    from targets
    where indicator_id = '{{ var("investment_indicator_id") }}'

),

monthly_totals as (

    select
        period_month,
        count(*) as n_projects,
        count(*) filter (where is_reported) as n_projects_reported,
        count(*) filter (where project_status = 'completed') as n_projects_completed,
        sum(total_investment_yuan) as total_investment_yuan,
        sum(completed_this_month_yuan) as completed_this_month_yuan,
        sum(cumulative_completed_yuan) as cumulative_completed_yuan

    from projects
    group by period_month

),

reported_indicator as (

    select
        period_month,
        actual_value,
        actual_period,
        status_code

    from progress
    where indicator_id = '{{ var("investment_indicator_id") }}'

),

final as (

    select
        calendar.period,
        calendar.period_month,
        investment_target.target_year,
        investment_target.target_value as target_value_yuan,
        reported_indicator.actual_value as reported_indicator_value_yuan,
        reported_indicator.actual_period as reported_indicator_period,
        reported_indicator.status_code as reported_indicator_status_code,
        coalesce(monthly_totals.n_projects, 0) as n_projects,
        coalesce(monthly_totals.n_projects_reported, 0) as n_projects_reported,
        coalesce(monthly_totals.n_projects_completed, 0) as n_projects_completed,
        coalesce(monthly_totals.total_investment_yuan, 0) as total_investment_yuan,
        coalesce(monthly_totals.completed_this_month_yuan, 0) as completed_this_month_yuan,
        coalesce(monthly_totals.cumulative_completed_yuan, 0) as cumulative_completed_yuan,
        coalesce(monthly_totals.cumulative_completed_yuan, 0)
        / nullif(investment_target.target_value, 0) as share_of_target,
        coalesce(monthly_totals.total_investment_yuan, 0) / 1e8 as total_investment_yi,
        coalesce(monthly_totals.completed_this_month_yuan, 0) / 1e8 as completed_this_month_yi,
        coalesce(monthly_totals.cumulative_completed_yuan, 0) / 1e8 as cumulative_completed_yi,
        investment_target.target_value / 1e8 as target_value_yi,
        reported_indicator.actual_value / 1e8 as reported_indicator_value_yi

    from calendar
    cross join investment_target
    left join monthly_totals
        on calendar.period_month = monthly_totals.period_month
    left join reported_indicator
        on calendar.period_month = reported_indicator.period_month
    where calendar.is_as_of_month

)

select * from final
