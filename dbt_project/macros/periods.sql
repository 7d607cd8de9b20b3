{#-
    Every macro here brackets each argument: an argument may be an expression ('a - b'), and
    `a - b / c` is not `(a - b) / c` (docs/analysts_figures.md).
-#}

{#- Periods are 'YYYY-MM' strings in raw; models add the first day of the month as a date. -#}
{% macro period_to_month(column) -%}
    try_cast(({{ column }}) || '-01' as date)
{%- endmacro %}

{#- The first day of a 'YYYY-MM' literal (a var), as a SQL date literal. -#}
{% macro month_literal(period) -%}
    date '{{ period }}-01'
{%- endmacro %}

{#- The 'YYYY-MM' string of a month date. -#}
{% macro month_to_period(column) -%}
    strftime(({{ column }}), '%Y-%m')
{%- endmacro %}

{#- A value in display units (15万 racks: value 150000, display_scale 10000 -> 15); null when the scale is null or 0. -#}
{% macro display_value(column, scale_column='display_scale') -%}
    (({{ column }}) / nullif(({{ scale_column }}), 0))
{%- endmacro %}

{#- change / |base| as a fraction (0.25 = +25%); null when the base is null or zero; its sign is the change's. -#}
{% macro change_share(change, base) -%}
    (({{ change }}) / nullif(abs(({{ base }})), 0))
{%- endmacro %}
