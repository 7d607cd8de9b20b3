-- 责任分解表（某一期）：分析人员的起点查询。The responsibility table of one period, for analysts.
--   dbt compile --select responsibility_table_for_period --vars '{report_period: "2024-06"}'
-- then run the compiled SQL against the analysts' copy (published/marts.duckdb, read-only).
{%- set period = var('report_period') or var('plan_end_month') %}

with

responsibility as (

    select * from {{ ref('rpt_responsibility_table') }}

),

final as (

    select
        task_id,
        task_name_zh,
        indicator_name_zh,
        lead_department_names_zh,
        co_department_names_zh,
        target_2022_display,
        target_2024_display,
        actual_display,
        display_unit,
        actual_period,
        completion,
        time_elapsed,
        status_label_zh,
        stale_label_zh

    from responsibility
    where period = '{{ period }}'

)

select * from final
order by task_id, indicator_sort_order
