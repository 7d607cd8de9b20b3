{#-
    Shared shapes of the sector marts, so that a sector is a small file:
      models/marts/<sector>/fct_<sector>_progress.sql  ->  {{ sector_progress('<sector>') }}
    Each macro puts the model in the sector's own schema (config(schema=...)), so a new sector
    needs no entry in dbt_project.yml. They are views: slices of the governance tables, computed
    once there (the analysts' copy stores them as tables).
-#}

{#- Progress per indicator x as-of month for one sector (the method: int_indicator_progress). -#}
{% macro sector_progress(sector) -%}
{{ config(schema=sector, materialized='view') }}
with

progress as (

    select * from {{ ref('fct_indicator_progress') }}

),

final as (

    select * from progress
    where sector = '{{ sector }}'

)

select * from final
{%- endmacro %}

{#- Indicator x prefecture x month for one sector, with month-on-month and year-on-year change. -#}
{% macro sector_indicator_monthly(sector) -%}
{{ config(schema=sector, materialized='view') }}
with

monthly as (

    select * from {{ ref('fct_indicator_monthly') }}

),

final as (

    select * from monthly
    where sector = '{{ sector }}'

)

select * from final
{%- endmacro %}
