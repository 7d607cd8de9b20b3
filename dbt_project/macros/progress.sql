{#- People-facing labels and colours of the progress status codes (DESIGN.md "Progress"). -#}
{% macro progress_status_label_zh(status) -%}
    case {{ status }}
        when 'achieved' then '已完成'
        when 'on_track' then '正常推进'
        when 'at_risk' then '存在风险'
        when 'behind' then '滞后'
        when 'no_data' then '无数据'
        when 'overdue' then '逾期未完成'
    end
{%- endmacro %}

{% macro progress_status_label_en(status) -%}
    case {{ status }}
        when 'achieved' then 'achieved'
        when 'on_track' then 'on track'
        when 'at_risk' then 'at risk'
        when 'behind' then 'behind'
        when 'no_data' then 'no data'
        when 'overdue' then 'overdue, not met'
    end
{%- endmacro %}

{% macro progress_status_colour(status) -%}
    case {{ status }}
        when 'achieved' then 'green'
        when 'on_track' then 'green'
        when 'at_risk' then 'yellow'
        when 'behind' then 'red'
        when 'no_data' then 'grey'
        when 'overdue' then 'red'
    end
{%- endmacro %}

{#- Sort order for reports: the ones needing attention first. -#}
{% macro progress_status_sort_order(status) -%}
    case {{ status }}
        when 'overdue' then 1
        when 'behind' then 2
        when 'at_risk' then 3
        when 'no_data' then 4
        when 'on_track' then 5
        when 'achieved' then 6
    end
{%- endmacro %}

{% macro growth_class_label_zh(growth_class) -%}
    case {{ growth_class }}
        when 'substantial' then '显著进展'
        when 'moderate' then '中等进展'
        when 'limited' then '有限进展'
        when 'deterioration' then '倒退'
    end
{%- endmacro %}

{#- a >= b with a small relative tolerance, so 0.65 reported meets 0.65 planned despite floating point. -#}
{% macro at_least_tol(a, b) -%}
    (({{ a }}) >= ({{ b }}) - 1e-9 * greatest(1.0, abs(({{ b }}))))
{%- endmacro %}

{% macro at_most_tol(a, b) -%}
    (({{ a }}) <= ({{ b }}) + 1e-9 * greatest(1.0, abs(({{ b }}))))
{%- endmacro %}

{#- The plan's sectors (indicators.sector) with their Chinese names. -#}
{% macro sector_label_zh(sector) -%}
    case {{ sector }}
        when 'compute' then '算力与数据中心'
        when 'broadband' then '通信网络'
        when 'iot' then '物联网'
        when 'security' then '大数据安全'
        when 'science_city' then '大数据科创城'
        when 'transport' then '智慧交通'
        when 'water' then '智慧水利'
        when 'energy' then '智慧能源'
        when 'pipelines' then '智慧管网'
        when 'industry' then '工业互联网'
        when 'agriculture' then '数字农业'
        when 'tourism' then '智慧旅游'
        when 'new_tech' then '新技术应用'
        when 'city' then '智慧城市'
        when 'health' then '智慧医疗'
        when 'innovation' then '创新基础设施'
        when 'overall' then '总体目标'
    end
{%- endmacro %}
