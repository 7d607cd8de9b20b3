{#-
    Where each indicator's figures came from: one row per indicator x month x department file
    whose values are the ones in force (the latest accepted version of each prefecture's row).
    The file_id is the receipt id of the submission ledger (raw.submission_files); the indicator
    portal prints it beside the figure (docs/portal.md).
-#}
with

latest_values as (

    select * from {{ ref('int_submission_values_versioned') }}
    where is_latest

),

files as (

    select * from {{ ref('stg_submissions__files') }}

),

indicators as (

    select
        indicator_id,
        name_zh as indicator_name_zh

    from {{ ref('indicators') }}

),

per_file as (

    select
        indicator_id,
        period,
        period_month,
        file_id,
        department_code,
        count(*) as n_values,
        count(distinct prefecture_code) as n_prefectures,
        bool_or(prefecture_code = 'GZ') as has_province_row,
        count(*) filter (where is_flagged) as n_flagged,
        string_agg(distinct flag_reason_zh, '；' order by flag_reason_zh) filter (
            where is_flagged
        ) as flag_reasons_zh

    from latest_values
    group by indicator_id, period, period_month, file_id, department_code

),

final as (

    select
        per_file.indicator_id,
        per_file.period,
        per_file.period_month,
        per_file.file_id,
        per_file.department_code,
        indicators.indicator_name_zh,
        files.original_name,
        files.file_version,
        files.file_status,
        files.received_at,
        files.is_late,
        files.is_after_publication,
        per_file.n_values,
        per_file.n_prefectures,
        per_file.has_province_row,
        per_file.n_flagged,
        per_file.flag_reasons_zh

    from per_file
    inner join files
        on per_file.file_id = files.file_id
    left join indicators
        on per_file.indicator_id = indicators.indicator_id

)

select * from final
