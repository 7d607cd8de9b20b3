-- 各领域进展状态汇总（某一期）。Indicators by sector and status for one period.
--   dbt compile --select status_summary_by_sector --vars '{report_period: "2024-06"}'
{%- set period = var('report_period') or var('plan_end_month') %}

with

progress as (

    select * from {{ ref('fct_indicator_progress') }}

),

final as (

    select
        sector,
        sector_zh,
        status_code,
        status_label_zh,
        min(status_sort_order) as status_sort_order,
        count(*) as n_indicators

    from progress
    where period = '{{ period }}'
    group by sector, sector_zh, status_code, status_label_zh

)

select * from final
order by sector, status_sort_order
