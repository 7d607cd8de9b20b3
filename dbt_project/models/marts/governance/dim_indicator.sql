with

indicators as (

    select * from {{ ref('indicators') }}

),

targets as (

    select * from {{ ref('indicator_targets') }}

),

departments as (

    select * from {{ ref('departments') }}

),

responsibilities as (

    select * from {{ ref('responsibilities') }}

),

pivoted_targets as (

    select
        indicator_id,
        max(target_value) filter (where target_year = 2022) as target_2022_value,
        max(target_value) filter (where target_year = 2024) as target_2024_value,
        max(qualifier) filter (where target_year = 2022) as target_2022_qualifier,
        max(qualifier) filter (where target_year = 2024) as target_2024_qualifier,
        max(wording_zh) filter (where target_year = 2022) as target_2022_wording_zh,
        max(wording_zh) filter (where target_year = 2024) as target_2024_wording_zh,
        min(target_year) as first_target_year,
        max(target_year) as last_target_year,
        count(*) as n_targets

    from targets
    group by indicator_id

),

task_counts as (

    select
        indicator_id,
        count(distinct task_id) as n_tasks

    from responsibilities
    group by indicator_id

),

final as (

    select
        indicators.indicator_id,
        indicators.name_zh,
        indicators.name_en,
        indicators.sector,
        {{ sector_label_zh('indicators.sector') }} as sector_zh,
        indicators.unit,
        indicators.display_unit,
        indicators.display_scale,
        indicators.kind,
        case indicators.kind
            when 'cumulative' then '累计值'
            when 'level' then '存量/水平值'
            when 'ratio' then '比例'
            when 'max' then '上限值'
            when 'milestone' then '里程碑'
        end as kind_zh,
        indicators.direction,
        case indicators.direction
            when 'at_least' then '不低于'
            when 'at_most' then '不高于'
            when 'done' then '完成'
        end as direction_zh,
        indicators.lead_department_code,
        departments.name_zh as lead_department_name_zh,
        indicators.lead_basis,
        indicators.lead_basis_note,
        indicators.source_clause,
        indicators.is_by_prefecture,
        indicators.is_additive,
        indicators.value_min,
        indicators.value_max,
        indicators.sort_order,
        pivoted_targets.target_2022_value,
        pivoted_targets.target_2024_value,
        {{ display_value('pivoted_targets.target_2022_value', 'indicators.display_scale') }}
            as target_2022_display,
        {{ display_value('pivoted_targets.target_2024_value', 'indicators.display_scale') }}
            as target_2024_display,
        pivoted_targets.target_2022_qualifier,
        pivoted_targets.target_2024_qualifier,
        pivoted_targets.target_2022_wording_zh,
        pivoted_targets.target_2024_wording_zh,
        pivoted_targets.first_target_year,
        pivoted_targets.last_target_year,
        coalesce(pivoted_targets.n_targets, 0) as n_targets,
        coalesce(task_counts.n_tasks, 0) as n_tasks

    from indicators
    left join pivoted_targets
        on indicators.indicator_id = pivoted_targets.indicator_id
    left join task_counts
        on indicators.indicator_id = task_counts.indicator_id
    left join departments
        on indicators.lead_department_code = departments.department_code

)

select * from final
