{#-
    Cross-check: the departments' figure against a published statistic for the same indicator x
    prefecture x month (a yearly figure is dated YYYY-12). The department side is the platform's
    series (GZ = the province as the platform counts it). Only the latest version of each public
    figure is compared. Like with like: a department figure carried forward (say July's figure
    shown for August) is compared with the same source's figure for the month it was reported
    (July), and not at all when the source has none for that month (comparison_basis). Flagged
    when |gap| / |compared public figure| exceeds var('reconciliation_threshold') (or, for a public
    zero, when the figures differ at all). docs/analysts_figures.md "Reconciliation".
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
        case
            when monthly.value is not null and monthly.is_carried_forward
                then {{ month_to_period('monthly.last_reported_month') }}
            when monthly.value is not null then latest_public.period
        end as department_value_period

    from latest_public
    left join monthly
        on
            latest_public.indicator_id = monthly.indicator_id
            and latest_public.prefecture_code = monthly.prefecture_code
            and latest_public.period_month = monthly.period_month

),

like_with_like as (

    select
        compared.*,
        same_source.value as compared_public_value,
        case
            when compared.department_value is null then 'no_department_value'
            when not compared.is_department_value_carried_forward then 'same_month'
            when same_source.value is not null then 'reported_month'
            else 'not_comparable'
        end as comparison_basis,
        compared.department_value - same_source.value as gap

    from compared
    left join latest_public as same_source
        on
            compared.source_name = same_source.source_name
            and compared.indicator_id = same_source.indicator_id
            and compared.prefecture_code = same_source.prefecture_code
            and compared.department_value_period = same_source.period

),

final as (

    select
        like_with_like.*,
        indicators.name_zh as indicator_name_zh,
        indicators.sector,
        indicators.unit,
        indicators.display_unit,
        indicators.display_scale,
        like_with_like.department_value is not null as has_department_value,
        {{ change_share('like_with_like.gap', 'like_with_like.compared_public_value') }} as gap_share,
        {{ display_value('like_with_like.gap', 'indicators.display_scale') }} as gap_display,
        coalesce(
            abs({{ change_share('like_with_like.gap', 'like_with_like.compared_public_value') }})
            > {{ var('reconciliation_threshold') }},
            like_with_like.gap != 0,
            false
        ) as is_flagged

    from like_with_like
    left join indicators
        on like_with_like.indicator_id = indicators.indicator_id

)

select * from final
