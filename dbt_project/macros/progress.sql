{#- The progress method's labels live in the seed progress_statuses (macros/progress_status.sql joins it). -#}

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
