{#-
    Cross-check: the departments' figure against a published statistic for the same indicator x
    prefecture x month (a yearly figure is dated YYYY-12). The department side is the platform's
    series (GZ = the province as the platform counts it; a carried-forward value is marked). Only
    the latest version of each public figure is compared. Flagged when |gap| / |public| exceeds
    var('reconciliation_threshold') (or, for a public zero, when the figures differ at all).
-#}
with

observations as (

    select * from {{ ref('stg_public__observations') }}

),

monthly as (

    select * from {{ ref('fct_indicator_monthly') }}

),

indicators as (

    select * from {{ ref('dim_indicator') }}

),

latest_public as (

    select * from observations
    qualify row_number() over (
        partition by source_name, indicator_id, prefecture_code, period
        order by observation_version desc, fetched_at desc
    ) = 1

),

compared as (

    select
        latest_public.source_name,
        latest_public.publisher,
        latest_public.indicator_id,
        latest_public.prefecture_code,
        latest_public.period,
        latest_public.period_month,
        latest_public.value as public_value,
        latest_public.observation_version,
        latest_public.is_synthetic,
        latest_public.location as public_location,
        latest_public.fetched_at as public_fetched_at,
        monthly.value as department_value,
        monthly.is_carried_forward as is_department_value_carried_forward,
        monthly.value_basis as department_value_basis,
        monthly.department_code,
        monthly.value - latest_public.value as gap

    from latest_public
    left join monthly
        on
            latest_public.indicator_id = monthly.indicator_id
            and latest_public.prefecture_code = monthly.prefecture_code
            and latest_public.period_month = monthly.period_month

),

final as (

    select
        compared.*,
        indicators.name_zh as indicator_name_zh,
        indicators.sector,
        indicators.unit,
        indicators.display_unit,
        indicators.display_scale,
        compared.department_value is not null as has_department_value,
        {{ change_share('compared.gap', 'compared.public_value') }} as gap_share,
        {{ display_value('compared.gap', 'indicators.display_scale') }} as gap_display,
        coalesce(
            abs({{ change_share('compared.gap', 'compared.public_value') }})
            > {{ var('reconciliation_threshold') }},
            compared.gap != 0,
            false
        ) as is_flagged

    from compared
    left join indicators
        on compared.indicator_id = indicators.indicator_id

)

select * from final
