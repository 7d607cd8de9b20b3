{#-
    The progress method's labels and sentences (docs/progress-method.md). Every label comes from the
    seed progress_statuses (code, kind, 中文, English, colour, sort order): no label is written here.
-#}

{#- A left join that brings one kind of label for a code column: alias.label_zh, .label_en, .colour, .sort_order -#}
{% macro join_progress_label(code_column, kind, alias) -%}
    left join {{ ref('progress_statuses') }} as {{ alias }}
        on {{ alias }}.kind = '{{ kind }}' and {{ alias }}.code = {{ code_column }}
{%- endmacro %}

{#- A month as people write it: 2023年5月 -#}
{% macro month_zh(month_column) -%}
    (cast(year({{ month_column }}) as varchar) || '年' || cast(month({{ month_column }}) as varchar) || '月')
{%- endmacro %}

{#-
    A target's own assessment from its deadline on, as the office writes it
    ("2022年目标未按期完成，2023年5月完成"); null before the deadline. Reads status_code,
    deadline_status_code, met_late_month, target_year, period_month, target_deadline_month.
-#}
{% macro target_assessment_note_zh() -%}
    case
        when period_month < target_deadline_month then null
        when deadline_status_code = 'achieved' then cast(target_year as varchar) || '年目标按期完成'
        when status_code = 'achieved_late'
            then cast(target_year as varchar) || '年目标未按期完成，' || {{ month_zh('met_late_month') }} || '完成'
        when deadline_status_code = 'not_achieved' and period_month = target_deadline_month
            then cast(target_year as varchar) || '年目标到期未完成'
        when deadline_status_code = 'not_achieved' then cast(target_year as varchar) || '年目标未按期完成，至今未完成'
        when status_code = 'no_data' then cast(target_year as varchar) || '年目标到期时无数据，无法评估'
        else cast(target_year as varchar) || '年目标到期时无数据，至今未完成'
    end
{%- endmacro %}

{#-
    A target as the plan prints it, in display units with its qualifier: 1,820座以上, 力争4万个以上,
    不高于1.2 (at most), 完成 (a milestone). Whole numbers without decimals, others with up to two.
-#}
{% macro target_text_zh(value, scale, unit, qualifier, direction, is_milestone) -%}
    case
        when {{ is_milestone }} then '完成'
        else
            case when coalesce({{ qualifier }}, '') like '%力争%' then '力争' else '' end
            || case when {{ direction }} = 'at_most' then '不高于' else '' end
            || case
                when {{ display_value(value, scale) }} = round({{ display_value(value, scale) }})
                    then format('{:,.0f}', {{ display_value(value, scale) }})
                else rtrim(rtrim(format('{:,.2f}', {{ display_value(value, scale) }}), '0'), '.')
            end
            || case when {{ unit }} in ('无量纲', '') or {{ unit }} is null then '' else {{ unit }} end
            || case when coalesce({{ qualifier }}, '') like '%以上%' then '以上' else '' end
    end
{%- endmacro %}
