{#-
    Source health (docs/public-stats.md): one row per public source, declared now in sources.yml or
    fetched before. The last fetch and how it ended, the last successful one, the newest period the
    source holds, and its staleness: months between that period and the report month (the calendar's
    last month) against the months the source may lag (max_age_months: sources.yml, else monthly 2,
    yearly 24). One health status, in this order: misdeclared, failing (the last fetch failed; the
    last good version stays loaded), disabled (declared off and never fetched), never_fetched,
    no_data, stale, ok; undeclared when the source is no longer in sources.yml.
-#}
with

declared as (

    select * from {{ ref('stg_public__sources') }}

),

fetches as (

    select * from {{ ref('stg_public__fetches') }}

),

observations as (

    select * from {{ ref('stg_public__observations') }}

),

calendar as (

    select * from {{ ref('int_calendar_months') }}

),

report as (

    select
        max(period_month) as report_month,
        {{ month_to_period('max(period_month)') }} as report_period
    from calendar

),

names as (

    select source_name from declared
    union
    select source_name from fetches

),

last_fetch as (

    select * from fetches
    qualify row_number() over (partition by source_name order by fetched_at desc, fetch_id desc) = 1

),

fetch_stats as (

    select
        source_name,
        count(*) as n_fetches,
        max(fetched_at) filter (where is_success) as last_success_at,
        max(fetched_at) filter (where status = 'loaded') as last_loaded_at
    from fetches
    group by source_name

),

failures_since_success as (

    select
        fetches.source_name,
        count(*) filter (
            where not fetches.is_success
            and (fetch_stats.last_success_at is null or fetches.fetched_at > fetch_stats.last_success_at)
        ) as n_failures_since_success
    from fetches
    inner join fetch_stats on fetches.source_name = fetch_stats.source_name
    group by fetches.source_name

),

figures as (

    select
        source_name,
        max(period_month) as newest_period_month,
        count(distinct (indicator_id, prefecture_code, period)) as n_figures
    from observations
    group by source_name

),

joined as (

    select
        names.source_name,
        declared.title_zh,
        coalesce(declared.publisher, last_fetch.publisher) as publisher,
        coalesce(declared.location, last_fetch.location) as location,
        coalesce(declared.file_format, last_fetch.file_format) as file_format,
        coalesce(declared.frequency, last_fetch.frequency) as frequency,
        declared.source_name is not null as is_declared,
        coalesce(declared.is_enabled, false) as is_enabled,
        coalesce(declared.is_synthetic, last_fetch.is_synthetic, false) as is_synthetic,
        coalesce(declared.is_misdeclared, false) as is_misdeclared,
        declared.config_error_zh,
        coalesce(
            declared.max_age_months,
            case coalesce(declared.frequency, last_fetch.frequency)
                when 'monthly' then 2
                when 'yearly' then 24
            end
        ) as max_age_months,
        coalesce(fetch_stats.n_fetches, 0) as n_fetches,
        last_fetch.fetched_at as last_fetch_at,
        last_fetch.status as last_fetch_status,
        last_fetch.error_code as last_error_code,
        last_fetch.error_zh as last_error_zh,
        last_fetch.error_en as last_error_en,
        fetch_stats.last_success_at,
        fetch_stats.last_loaded_at,
        coalesce(failures_since_success.n_failures_since_success, 0) as n_failures_since_success,
        {{ month_to_period('figures.newest_period_month') }} as newest_period,
        figures.newest_period_month,
        coalesce(figures.n_figures, 0) as n_figures,
        report.report_period,
        report.report_month

    from names
    cross join report
    left join declared on names.source_name = declared.source_name
    left join last_fetch on names.source_name = last_fetch.source_name
    left join fetch_stats on names.source_name = fetch_stats.source_name
    left join failures_since_success on names.source_name = failures_since_success.source_name
    left join figures on names.source_name = figures.source_name

),

measured as (

    select
        *,
        date_diff('month', newest_period_month, report_month) as months_behind,
        date_diff('month', newest_period_month, report_month) > max_age_months as is_stale

    from joined

),

final as (

    select
        *,
        case
            when is_misdeclared then 'misdeclared'
            when last_fetch_status = 'failed' then 'failing'
            when n_fetches = 0 and is_declared and not is_enabled then 'disabled'
            when n_fetches = 0 then 'never_fetched'
            when newest_period_month is null then 'no_data'
            when is_stale then 'stale'
            when not is_declared then 'undeclared'
            else 'ok'
        end as health_status

    from measured

)

select
    final.*,
    case final.health_status
        when 'misdeclared' then '配置有误'
        when 'failing' then '采集失败（保留上次数据）'
        when 'disabled' then '未启用'
        when 'never_fetched' then '尚未采集'
        when 'no_data' then '无数据'
        when 'stale' then '数据陈旧'
        when 'undeclared' then '已不在声明中'
        else '正常'
    end as health_label_zh

from final
