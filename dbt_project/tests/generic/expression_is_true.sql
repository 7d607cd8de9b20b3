{#- Fails for every row where `expression` is not true (null counts as a failure). -#}
{% test expression_is_true(model, expression, where_clause=None) %}

select *
from {{ model }}
where
    {% if where_clause %}({{ where_clause }}) and {% endif %}
    not coalesce(({{ expression }}), false)

{% endtest %}
