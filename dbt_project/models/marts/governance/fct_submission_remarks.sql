{#-
    Every remark (备注) a department wrote beside a row it reported or left empty, one row per remark,
    from the files whose rows were read (loaded, partially loaded, blank). A remark on a rejected row
    stays in stg_submissions__rejections (the row has no indicator the platform can trust).
    is_current: the row comes from the department's most recent file that has a row for the same
    indicator x prefecture (or project) and period, remark or not: a later file that repeats the row
    without a remark supersedes the earlier remark. The package shows the current ones
    (docs/architecture.md, "Remarks and contacts").
-#}
with

files as (

    select * from {{ ref('stg_submissions__files') }}
    where file_status in ('loaded', 'partially_loaded', 'blank')

),

submitted_values as (

    select * from {{ ref('stg_submissions__values') }}

),

submitted_projects as (

    select * from {{ ref('stg_submissions__projects') }}

),

blanks as (

    select * from {{ ref('stg_submissions__blanks') }}

),

departments as (

    select * from {{ ref('dim_department') }}

),

indicators as (

    select * from {{ ref('dim_indicator') }}

),

prefectures as (

    select * from {{ ref('dim_prefecture') }}

),

projects as (

    select * from {{ ref('dim_project') }}

),

reported_rows as (

    select
        file_id,
        sheet_name,
        row_number,
        'indicator' as row_kind,
        'accepted' as row_status,
        indicator_id,
        prefecture_code,
        null as project_code,
        note
    from submitted_values

    union all

    select
        file_id,
        sheet_name,
        row_number,
        'project' as row_kind,
        'accepted' as row_status,
        null as indicator_id,
        null as prefecture_code,
        project_code,
        note
    from submitted_projects

    union all

    select
        file_id,
        sheet_name,
        row_number,
        case when project_code is null then 'indicator' else 'project' end as row_kind,
        'blank' as row_status,
        indicator_id,
        prefecture_code,
        project_code,
        note
    from blanks

),

ranked as (

    select
        reported_rows.*,
        files.department_code,
        files.period,
        files.period_month,
        files.file_version,
        files.file_status,
        files.original_name,
        files.received_at,
        row_number() over (
            partition by
                files.department_code,
                files.period,
                reported_rows.row_kind,
                reported_rows.indicator_id,
                reported_rows.prefecture_code,
                reported_rows.project_code
            order by files.received_at desc, files.file_id desc, reported_rows.row_number desc
        ) = 1 as is_current

    from reported_rows
    inner join files on reported_rows.file_id = files.file_id

),

final as (

    select
        ranked.department_code,
        departments.name_zh as department_name_zh,
        ranked.period,
        ranked.period_month,
        ranked.row_kind,
        ranked.row_status,
        ranked.indicator_id,
        indicators.name_zh as indicator_name_zh,
        ranked.prefecture_code,
        ranked.project_code,
        projects.project_name,
        ranked.note as remark,
        ranked.is_current,
        ranked.file_id,
        ranked.original_name,
        ranked.file_status,
        ranked.file_version,
        ranked.received_at,
        ranked.sheet_name,
        cast(ranked.row_number as integer) as row_number,
        case ranked.row_status when 'accepted' then '已接收' else '未填报' end as row_status_zh,
        case when prefectures.is_province then '全省' else prefectures.short_name_zh end as prefecture_name_zh

    from ranked
    left join departments on ranked.department_code = departments.department_code
    left join indicators on ranked.indicator_id = indicators.indicator_id
    left join prefectures on ranked.prefecture_code = prefectures.prefecture_code
    left join projects on ranked.project_code = projects.project_code
    where ranked.note is not null

)

select * from final
