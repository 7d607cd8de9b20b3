{#-
    DHIS2 reporting rates per department x month. Expected: departments that report at least one
    indicator (they lead it in indicators.csv). Submitted: at least one accepted file (loaded or
    partially loaded) for the month; a quarantined file is not a report. On time: the first accepted
    file arrived (local calendar date) no later than var('on_time_days') days after the month ended.
    rows_accepted adds up every accepted file of the month, a revision's superseded rows included;
    rows_in_force counts the rows that are the month's figures: one per indicator x prefecture and
    one per project, from the latest accepted version that holds it.
-#}
with

departments as (

    select * from {{ ref('dim_department') }}

),

calendar as (

    select * from {{ ref('int_calendar_months') }}

),

files as (

    select * from {{ ref('stg_submissions__files') }}

),

submitted_values as (

    select * from {{ ref('stg_submissions__values') }}

),

submitted_projects as (

    select * from {{ ref('stg_submissions__projects') }}

),

rows_in_force as (

    select distinct
        files.department_code,
        files.period_month,
        'value' as row_kind,
        submitted_values.indicator_id as row_key,
        submitted_values.prefecture_code as row_prefecture_code
    from submitted_values
    inner join files on submitted_values.file_id = files.file_id
    where files.is_accepted

    union

    select distinct
        files.department_code,
        files.period_month,
        'project' as row_kind,
        submitted_projects.project_code as row_key,
        null as row_prefecture_code
    from submitted_projects
    inner join files on submitted_projects.file_id = files.file_id
    where files.is_accepted

),

rows_in_force_by_month as (

    select
        department_code,
        period_month,
        count(*) as rows_in_force
    from rows_in_force
    group by department_code, period_month

),

file_counts as (

    select
        department_code,
        period_month,
        count(*) filter (where file_status != 'duplicate') as n_files_received,
        count(*) filter (where is_accepted) as n_files_accepted,
        count(*) filter (where file_status = 'quarantined') as n_files_quarantined,
        min(received_at) filter (where is_accepted) as first_accepted_at,
        max(received_at) filter (where is_accepted) as last_accepted_at,
        max(file_version) filter (where is_accepted) as latest_file_version,
        sum(rows_accepted) filter (where is_accepted) as rows_accepted,
        sum(rows_rejected) filter (where is_accepted) as rows_rejected,
        bool_or(is_after_publication) filter (where is_accepted) as has_revision_after_publication

    from files
    where department_code is not null and period_month is not null
    group by department_code, period_month

),

grid as (

    select
        departments.department_code,
        departments.name_zh as department_name_zh,
        departments.sort_order as department_sort_order,
        departments.is_reporting_department as is_expected,
        calendar.period,
        calendar.period_month,
        cast(calendar.period_end_date + to_days({{ var('on_time_days') }}) as date) as due_date

    from departments
    cross join calendar
    where calendar.is_as_of_month

),

joined as (

    select
        grid.*,
        coalesce(file_counts.n_files_received, 0) as n_files_received,
        coalesce(file_counts.n_files_accepted, 0) as n_files_accepted,
        coalesce(file_counts.n_files_quarantined, 0) as n_files_quarantined,
        file_counts.first_accepted_at,
        cast(
            file_counts.first_accepted_at + to_hours({{ var('local_utc_offset_hours') }}) as date
        ) as first_accepted_local_date,
        file_counts.last_accepted_at,
        file_counts.latest_file_version,
        greatest(coalesce(file_counts.n_files_accepted, 0) - 1, 0) as n_revisions,
        coalesce(file_counts.rows_accepted, 0) as rows_accepted,
        coalesce(rows_in_force_by_month.rows_in_force, 0) as rows_in_force,
        coalesce(file_counts.rows_rejected, 0) as rows_rejected,
        coalesce(file_counts.has_revision_after_publication, false) as has_revision_after_publication

    from grid
    left join file_counts
        on
            grid.department_code = file_counts.department_code
            and grid.period_month = file_counts.period_month
    left join rows_in_force_by_month
        on
            grid.department_code = rows_in_force_by_month.department_code
            and grid.period_month = rows_in_force_by_month.period_month

),

judged as (

    select
        *,
        n_files_accepted > 0 as has_submitted,
        coalesce(first_accepted_local_date <= due_date, false) as is_on_time,
        case
            when first_accepted_local_date > due_date then datediff('day', due_date, first_accepted_local_date)
        end as days_late

    from joined

),

final as (

    select
        *,
        case
            when not is_expected then 'not_expected'
            when is_on_time then 'on_time'
            when has_submitted then 'late'
            else 'missing'
        end as submission_status,
        case
            when not is_expected then '无需报送'
            when is_on_time then '按时报送'
            when has_submitted then '逾期报送'
            else '未报送'
        end as submission_status_zh,
        case
            when is_expected
                then
                    count(*) filter (where has_submitted) over to_date
                    / count(*) over to_date
        end as reporting_rate_to_date,
        case
            when is_expected
                then
                    count(*) filter (where is_on_time) over to_date
                    / count(*) over to_date
        end as on_time_rate_to_date

    from judged
    window to_date as (
        partition by department_code
        order by period_month
        rows between unbounded preceding and current row
    )

)

select * from final
