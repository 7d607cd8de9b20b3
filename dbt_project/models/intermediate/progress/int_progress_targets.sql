{#-
    Step 1 of the progress method (docs/progress-method.md): one row per indicator x target year,
    with what the later steps need to judge it: direction, deadline (December of the target year),
    the baseline B (configured in var indicator_baselines, else the latest figure at or before the
    plan's first month, else none) and the projection method.
-#}
{%- set baselines = var('indicator_baselines', {}) or {} -%}
{%- set cagr_indicators = var('projection_cagr_indicators', []) or [] -%}

{{ config(materialized="view") }}

with

indicators as (

    select * from {{ ref('indicators') }}

),

targets as (

    select * from {{ ref('indicator_targets') }}

),

observed as (

    select
        indicator_id,
        arg_max(reported_value, period_month) as observed_baseline_value,
        max(period_month) as observed_baseline_month
    from {{ ref('int_indicator_values_province') }}
    where reported_value is not null and period_month <= {{ month_literal(var('plan_start_month')) }}
    group by indicator_id

),

configured_baselines as (

    {% if baselines %}
        select
            configured.indicator_id,
            cast(configured.baseline_month as date) as baseline_month,
            cast(configured.baseline_value as double) as baseline_value
        from (
            values
            {%- for indicator_id, baseline in baselines.items() %}
                ('{{ indicator_id }}', {{ month_literal(baseline['period']) }}, {{ baseline['value'] }})
                {{- "," if not loop.last }}
            {%- endfor %}
        ) as configured (indicator_id, baseline_month, baseline_value)
    {% else %}
        select
            cast(null as varchar) as indicator_id,
            cast(null as date) as baseline_month,
            cast(null as double) as baseline_value
        where false
    {% endif %}

),

per_indicator as (

    select
        indicator_id,
        max(target_value) filter (where target_year = 2022) as target_2022_value,
        max(target_value) filter (where target_year = 2024) as target_2024_value,
        max(target_year) as last_target_year

    from targets
    group by indicator_id

),

final as (

    select
        targets.indicator_id,
        targets.target_year,
        indicators.kind,
        indicators.direction,
        targets.target_value,
        targets.qualifier as target_qualifier,
        per_indicator.target_2022_value,
        per_indicator.target_2024_value,
        coalesce(configured_baselines.baseline_value, observed.observed_baseline_value) as baseline_value,
        coalesce(configured_baselines.baseline_month, observed.observed_baseline_month) as baseline_month,
        case
            when configured_baselines.indicator_id is not null then 'configured'
            when observed.indicator_id is not null then 'first_observation'
        end as baseline_source,
        indicators.direction = 'done' or indicators.kind = 'milestone' as is_milestone,
        make_date(targets.target_year, 12, 1) as target_deadline_month,
        targets.target_year = per_indicator.last_target_year as is_last_target,
        case
            when
                targets.indicator_id in (
                    {%- for indicator_id in cagr_indicators %}
                        '{{ indicator_id }}'{{ ", " if not loop.last }}
                    {%- endfor -%}
                    {{- "''" if not cagr_indicators }}
                )
                then 'cagr'
            else 'linear'
        end as projection_method

    from targets
    inner join indicators
        on targets.indicator_id = indicators.indicator_id
    inner join per_indicator
        on targets.indicator_id = per_indicator.indicator_id
    left join configured_baselines
        on targets.indicator_id = configured_baselines.indicator_id
    left join observed
        on targets.indicator_id = observed.indicator_id

)

select * from final
