{#-
    The months the series span: from the plan's first month (or the first reported month, if a
    department reported a baseline before it) to the latest month with an accepted submission,
    and at least to var('report_period') when the caller asks for a period.
-#}
{%- set plan_start = var('plan_start_month') -%}
{%- set report_period = var('report_period', none) or plan_start -%}

with

files as (

    select * from {{ ref('stg_submissions__files') }}

),

accepted_months as (

    select period_month
    from files
    where is_accepted and period_month is not null

),

bounds as (

    select
        least(
            {{ month_literal(plan_start) }},
            coalesce(min(period_month), {{ month_literal(plan_start) }})
        ) as first_month,
        greatest(
            {{ month_literal(plan_start) }},
            {{ month_literal(report_period) }},
            coalesce(max(period_month), {{ month_literal(plan_start) }})
        ) as last_month
    from accepted_months

),

months as (

    select cast(unnest(generate_series(first_month, last_month, interval 1 month)) as date) as period_month
    from bounds

),

final as (

    select
        {{ month_to_period('period_month') }} as period,
        period_month,
        cast(last_day(period_month) as date) as period_end_date,
        year(period_month) as period_year,
        month(period_month) as month_of_year,
        period_month >= {{ month_literal(plan_start) }} as is_as_of_month,
        period_month between {{ month_literal(plan_start) }}
        and {{ month_literal(var('plan_end_month')) }} as is_plan_month

    from months

)

select * from final
