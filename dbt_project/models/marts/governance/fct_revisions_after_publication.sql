{#-
    修订说明: every value row of a file that arrived after its period's report was published
    (raw.submission_files.is_after_publication), beside the value it superseded (the previous
    version for the same department x period x indicator x prefecture). The next report lists the
    changed rows, so published numbers never change silently.
-#}
with

versioned as (

    select * from {{ ref('int_submission_values_versioned') }}

),

publications as (

    select * from {{ ref('stg_ops__report_publications') }}

),

indicators as (

    select * from {{ ref('dim_indicator') }}

),

first_publications as (

    select
        period,
        min(published_at) as first_published_at,
        max(published_at) as last_published_at,
        arg_max(snapshot_id, published_at) as last_snapshot_id

    from publications
    group by period

),

final as (

    select
        versioned.file_id,
        versioned.file_version,
        versioned.received_at,
        versioned.department_code,
        versioned.period,
        versioned.period_month,
        versioned.indicator_id,
        indicators.name_zh as indicator_name_zh,
        indicators.unit,
        indicators.display_unit,
        indicators.display_scale,
        versioned.prefecture_code,
        versioned.sheet_name,
        versioned.row_number,
        versioned.value,
        versioned.previous_value,
        versioned.previous_file_id,
        versioned.previous_file_version,
        versioned.value - versioned.previous_value as value_change,
        {{ change_share('versioned.value - versioned.previous_value', 'versioned.previous_value') }}
            as change_share,
        versioned.previous_value is null as is_new_row,
        versioned.previous_value is null or versioned.value != versioned.previous_value as is_changed,
        versioned.is_latest,
        first_publications.first_published_at,
        first_publications.last_published_at,
        first_publications.last_snapshot_id as published_snapshot_id

    from versioned
    left join first_publications
        on versioned.period = first_publications.period
    left join indicators
        on versioned.indicator_id = indicators.indicator_id
    where versioned.is_after_publication

)

select * from final
