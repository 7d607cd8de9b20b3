"""The oracle's own figures, computed from the raw tables and the plan's seeds only.

Written from the column descriptions (the model YAML and docs/analysts_figures.md), never from the
models' SQL, and never reading an intermediate model: a second, independent computation of every
published figure. Everything lands in the schema ``ref`` of an in-memory DuckDB that has the
warehouse attached read-only as ``wh``.

The rules it encodes, each from a description:

- a reported value: the latest accepted version (loaded or partially loaded file, highest version)
  per department x month x indicator x prefecture; when two departments report the same indicator
  x prefecture x month, the indicator's lead department wins (int_indicator_values_reported);
- the series run from an indicator x prefecture's first report to the calendar's last month; a missing
  month carries the last report forward, without limit for levels, cumulative counts and milestones,
  at most ``ratio_carry_months`` months for ratios and maxima (then no value);
- the province (GZ) of an additive indicator with prefecture reports is the sum of each prefecture's
  last reported value; otherwise the GZ row the department reported, carried like the others;
- changes: this month minus the previous calendar month / the same calendar month a year earlier;
  shares: change / |base| as a fraction, null when the base is 0 or missing;
- share of province: the prefecture's value / the province's value, additive indicators only;
- display values: value / display_scale.
"""

from __future__ import annotations

import oracle_reference_progress

RATIO_CARRY_MONTHS = 2  # dbt_project.yml vars.ratio_carry_months (tests/oracle checks it is still 2)
PLAN_START = "2022-01"
ON_TIME_DAYS = 5
LOCAL_UTC_OFFSET_HOURS = 8
RECONCILIATION_THRESHOLD = 0.05

STEPS: list[str] = [
    "create schema ref",
    # The months: from the plan's start (or an earlier accepted report) to the report period or the
    # latest accepted report, whichever is later.
    """
    create table ref.accepted_files as
    select * from wh.raw.submission_files where status in ('loaded', 'partially_loaded')
    """,
    """
    create table ref.months as
    with bounds as (
        select
            least(date '{plan_start}-01', coalesce(min(cast(period || '-01' as date)), date '{plan_start}-01')) as first_month,
            greatest(date '{plan_start}-01', date '{report_period}-01',
                     coalesce(max(cast(period || '-01' as date)), date '{plan_start}-01')) as last_month
        from ref.accepted_files
    )
    select cast(m as date) as period_month, strftime(m, '%Y-%m') as period
    from bounds, unnest(generate_series(first_month, last_month, interval 1 month)) as t(m)
    """,
    # One value per department x month x indicator x prefecture: the highest version.
    """
    create table ref.latest_by_department as
    select
        v.indicator_id, v.prefecture_code, cast(v.period || '-01' as date) as period_month,
        v.department_code, v.value, v.is_flagged, v.file_id
    from wh.raw.submission_values as v
    join ref.accepted_files as f using (file_id)
    qualify row_number() over (
        partition by v.department_code, v.period, v.indicator_id, v.prefecture_code
        order by f.version desc, f.received_at desc, v.row_number desc
    ) = 1
    """,
    # One value per indicator x prefecture x month: the lead department's first.
    """
    create table ref.reported as
    select l.*
    from ref.latest_by_department as l
    join wh.plan.indicators as i using (indicator_id)
    qualify row_number() over (
        partition by l.indicator_id, l.prefecture_code, l.period_month
        order by (l.department_code = i.lead_department_code) desc, l.department_code
    ) = 1
    """,
    # The series as reported (the department's GZ row included), month by month with carrying.
    """
    create table ref.filled as
    with spans as (
        select indicator_id, prefecture_code, min(period_month) as first_month
        from ref.reported group by all
    ),
    grid as (
        select s.indicator_id, s.prefecture_code, m.period_month, m.period
        from spans as s join ref.months as m on m.period_month >= s.first_month
    ),
    last_report as (
        select
            g.*,
            (select max(r.period_month) from ref.reported as r
             where r.indicator_id = g.indicator_id and r.prefecture_code = g.prefecture_code
               and r.period_month <= g.period_month) as last_reported_month
        from grid as g
    )
    select
        lr.indicator_id, lr.prefecture_code, lr.period_month, lr.period,
        lr.last_reported_month,
        datediff('month', lr.last_reported_month, lr.period_month) as months_since_reported,
        case
            when datediff('month', lr.last_reported_month, lr.period_month) = 0 then r.value
            when i.kind in ('level', 'cumulative', 'milestone') then r.value
            when datediff('month', lr.last_reported_month, lr.period_month) <= {ratio_carry} then r.value
        end as value,
        case when lr.last_reported_month = lr.period_month then r.value end as reported_value,
        r.department_code,
        case when lr.last_reported_month = lr.period_month then r.is_flagged else false end as is_flagged
    from last_report as lr
    join ref.reported as r
        on r.indicator_id = lr.indicator_id and r.prefecture_code = lr.prefecture_code
        and r.period_month = lr.last_reported_month
    join wh.plan.indicators as i on i.indicator_id = lr.indicator_id
    """,
    # The province of an additive indicator with prefecture reports: the sum of the prefectures' last
    # reported values, from the first month a prefecture reported.
    """
    create table ref.province_sum as
    with pref as (
        select f.* from ref.filled as f
        join wh.plan.indicators as i using (indicator_id)
        where i.is_additive and f.prefecture_code != 'GZ'
    )
    select
        indicator_id, period_month,
        sum(value) as value,
        count(value) as n_prefectures_in_sum,
        count(reported_value) as n_prefectures_reported,
        max(last_reported_month) as last_reported_month
    from pref
    group by indicator_id, period_month
    """,
    """
    create table ref.monthly as
    with gz_reported as (
        select * from ref.filled where prefecture_code = 'GZ'
    ),
    summed as (
        select
            s.indicator_id, 'GZ' as prefecture_code, s.period_month, m.period,
            s.value,
            case when s.n_prefectures_reported > 0 then s.value end as reported_value,
            s.n_prefectures_reported = 0 as is_carried_forward,
            'sum_of_prefectures' as value_basis,
            s.last_reported_month,
            datediff('month', s.last_reported_month, s.period_month) as months_since_reported,
            s.n_prefectures_in_sum, s.n_prefectures_reported,
            g.value as province_value_as_reported,
            false as is_flagged
        from ref.province_sum as s
        join ref.months as m using (period_month)
        left join gz_reported as g using (indicator_id, period_month)
    ),
    as_reported_province as (
        select
            g.indicator_id, 'GZ' as prefecture_code, g.period_month, g.period,
            g.value, g.reported_value,
            g.value is not null and g.reported_value is null as is_carried_forward,
            'reported_province' as value_basis,
            g.last_reported_month, g.months_since_reported,
            null::bigint as n_prefectures_in_sum, null::bigint as n_prefectures_reported,
            g.value as province_value_as_reported,
            g.is_flagged
        from gz_reported as g
        where not exists (
            select 1 from ref.province_sum as s
            where s.indicator_id = g.indicator_id
        )
    ),
    prefectures as (
        select
            f.indicator_id, f.prefecture_code, f.period_month, f.period,
            f.value, f.reported_value,
            f.value is not null and f.reported_value is null as is_carried_forward,
            'reported_prefecture' as value_basis,
            f.last_reported_month, f.months_since_reported,
            null::bigint as n_prefectures_in_sum, null::bigint as n_prefectures_reported,
            null::double as province_value_as_reported,
            f.is_flagged
        from ref.filled as f
        where f.prefecture_code != 'GZ'
    ),
    series as (
        select * from summed
        union all by name select * from as_reported_province
        union all by name select * from prefectures
    )
    select
        s.*,
        i.display_scale,
        i.is_additive,
        s.value is null as is_missing,
        prev.value as previous_month_value,
        s.value - prev.value as mom_change,
        (s.value - prev.value) / nullif(abs(prev.value), 0) as mom_change_share,
        ly.value as previous_year_value,
        s.value - ly.value as yoy_change,
        (s.value - ly.value) / nullif(abs(ly.value), 0) as yoy_change_share,
        case when i.is_additive and s.prefecture_code != 'GZ' then s.value / nullif(gz.value, 0) end
            as share_of_province,
        s.value / nullif(i.display_scale, 0) as value_display,
        (s.value - prev.value) / nullif(i.display_scale, 0) as mom_change_display,
        (s.value - ly.value) / nullif(i.display_scale, 0) as yoy_change_display,
        year(s.period_month) as period_year
    from series as s
    join wh.plan.indicators as i using (indicator_id)
    left join series as prev
        on prev.indicator_id = s.indicator_id and prev.prefecture_code = s.prefecture_code
        and prev.period_month = s.period_month - interval 1 month
    left join series as ly
        on ly.indicator_id = s.indicator_id and ly.prefecture_code = s.prefecture_code
        and ly.period_month = s.period_month - interval 12 month
    left join series as gz
        on gz.indicator_id = s.indicator_id and gz.prefecture_code = 'GZ'
        and gz.period_month = s.period_month
    """,
    # The plan's targets per indicator, and the target in force for an as-of month: the 2022 target
    # within 2022, the 2024 target after; a single target throughout (col_target_year).
    """
    create table ref.targets as
    select
        i.indicator_id,
        max(t.target_value) filter (where t.target_year = 2022) as target_2022_value,
        max(t.target_value) filter (where t.target_year = 2024) as target_2024_value,
        min(t.target_year) as first_target_year,
        max(t.target_year) as last_target_year,
        count(t.target_year) as n_targets
    from wh.plan.indicators as i
    left join wh.plan.indicator_targets as t using (indicator_id)
    group by i.indicator_id
    """,
    """
    create table ref.target_in_force as
    select
        m.period_month, m.period, t.indicator_id,
        case
            when t.n_targets = 1 then t.first_target_year
            when year(m.period_month) <= 2022 and t.target_2022_value is not null then 2022
            else t.last_target_year
        end as target_year
    from ref.months as m
    cross join ref.targets as t
    where m.period_month >= date '{plan_start}-01'
    """,
    """
    create table ref.target_in_force_value as
    select f.*, it.target_value
    from ref.target_in_force as f
    join wh.plan.indicator_targets as it using (indicator_id, target_year)
    """,
    # A cumulative indicator's month flows (docs/analysts_figures.md "Month figures"): fully reported =
    # reported this month (the province: every prefecture in its sum reported); the increase since the
    # previous full report with the same prefectures in the sum; this month's figure when that report
    # was the month before; the same calendar month a year earlier; the change over 12 months.
    """
    create table ref.flows as
    with series as (
        select
            m.*,
            m.reported_value is not null
            and (m.n_prefectures_in_sum is null or m.n_prefectures_reported = m.n_prefectures_in_sum)
                as is_fully_reported
        from ref.monthly as m
    ),
    previous_full as (
        select
            s.indicator_id, s.prefecture_code, s.period_month,
            (select max(p.period_month) from series as p
             where p.indicator_id = s.indicator_id and p.prefecture_code = s.prefecture_code
               and p.is_fully_reported and p.period_month < s.period_month
               and p.n_prefectures_in_sum is not distinct from s.n_prefectures_in_sum) as previous_month
        from series as s
        where s.is_fully_reported
    ),
    increases as (
        select
            s.*,
            case when s.is_fully_reported then s.value - p.value end as since_last_report,
            case when s.is_fully_reported then datediff('month', pf.previous_month, s.period_month) end
                as months_since_last_report
        from series as s
        left join previous_full as pf using (indicator_id, prefecture_code, period_month)
        left join series as p
            on p.indicator_id = s.indicator_id and p.prefecture_code = s.prefecture_code
            and p.period_month = pf.previous_month
    ),
    months as (
        select *, case when months_since_last_report = 1 then since_last_report end as this_month
        from increases
    )
    select
        m.*,
        ly.this_month as same_month_last_year,
        case
            when m.is_fully_reported and ly.is_fully_reported
                 and m.n_prefectures_in_sum is not distinct from ly.n_prefectures_in_sum
                then m.value - ly.value
        end as last_12_months
    from months as m
    left join months as ly
        on ly.indicator_id = m.indicator_id and ly.prefecture_code = m.prefecture_code
        and ly.period_month = m.period_month - interval 12 month
    """,
    # Major projects: per project x month the month's latest accepted version; a month without a report,
    # or a blank cell in the latest version, takes the last non-blank value of an earlier month
    # (int_project_reports_monthly's description). From the project's first report to the last month.
    """
    create table ref.project_month_reports as
    select p.*, cast(p.period || '-01' as date) as period_month
    from wh.raw.submission_projects as p
    join ref.accepted_files as f using (file_id)
    qualify row_number() over (
        partition by p.project_code, p.period order by f.version desc, f.received_at desc, p.row_number desc
    ) = 1
    """,
    """
    create table ref.project_months as
    with spans as (
        select project_code, min(period_month) as first_month from ref.project_month_reports group by all
    ),
    grid as (
        select s.project_code, m.period_month, m.period
        from spans as s join ref.months as m on m.period_month >= s.first_month
    )
    select
        g.project_code, g.period_month, g.period,
        r.project_code is not null as is_reported,
        r.completed_this_month_yuan,
        (select last(x.cumulative_completed_yuan order by x.period_month) from ref.project_month_reports as x
         where x.project_code = g.project_code and x.period_month <= g.period_month
           and x.cumulative_completed_yuan is not null) as cumulative_completed_yuan,
        (select last(x.total_investment_yuan order by x.period_month) from ref.project_month_reports as x
         where x.project_code = g.project_code and x.period_month <= g.period_month
           and x.total_investment_yuan is not null) as reported_total_investment_yuan,
        (select last(x.project_status order by x.period_month) from ref.project_month_reports as x
         where x.project_code = g.project_code and x.period_month <= g.period_month
           and x.project_status is not null) as project_status
    from grid as g
    left join ref.project_month_reports as r using (project_code, period_month)
    """,
]


def build(con, report_period: str) -> None:
    """Create the schema ``ref`` in ``con`` (which has the warehouse attached as ``wh``)."""
    for step in STEPS:
        con.execute(
            step.replace("{plan_start}", PLAN_START)
            .replace("{report_period}", report_period)
            .replace("{ratio_carry}", str(RATIO_CARRY_MONTHS))
        )
    oracle_reference_progress.build(con, PLAN_START)
