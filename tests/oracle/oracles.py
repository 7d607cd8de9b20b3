"""Every published figure the oracle recomputes, and the published numeric columns it does not, with
the reason (the meta test in test_oracle_coverage.py holds the lists against the analysts' copy).

Each Oracle's SQL reads only the oracle's own tables (``ref``, see oracle_reference.py), the raw tables
(``wh.raw``, ``wh.ops``) and the plan's seeds (``wh.plan``); never a model.
"""

from __future__ import annotations

from oracle_compare import Oracle
from oracle_reference import LOCAL_UTC_OFFSET_HOURS, ON_TIME_DAYS, RECONCILIATION_THRESHOLD
from oracle_reference_progress import PLAN_END

MONTHLY_COLUMNS = (
    "period_year",
    "display_scale",
    "prefecture_sort_order",
    "value",
    "reported_value",
    "is_carried_forward",
    "is_missing",
    "value_basis",
    "months_since_reported",
    "n_prefectures_in_sum",
    "n_prefectures_reported",
    "province_value_as_reported",
    "is_flagged",
    "previous_month_value",
    "mom_change",
    "mom_change_share",
    "previous_year_value",
    "yoy_change",
    "yoy_change_share",
    "share_of_province",
    "value_display",
    "mom_change_display",
    "yoy_change_display",
)
MONTHLY_SQL = """
    select m.*, p.sort_order as prefecture_sort_order, i.sector
    from ref.monthly as m
    join wh.plan.indicators as i using (indicator_id)
    left join wh.plan.prefectures as p using (prefecture_code)
"""
KEYS_MONTHLY = ("indicator_id", "prefecture_code", "period")
KEYS_PREFECTURE_MONTH = ("prefecture_code", "period")
SECTORS_WITH_MONTHLY = ("broadband", "compute", "health", "iot", "water")
SECTORS_WITH_PROGRESS = (
    "agriculture",
    "broadband",
    "city",
    "compute",
    "energy",
    "health",
    "industry",
    "innovation",
    "iot",
    "new_tech",
    "overall",
    "pipelines",
    "science_city",
    "security",
    "tourism",
    "transport",
    "water",
)


def _flow(indicator: str) -> str:
    return f"(select * from ref.flows where indicator_id = '{indicator}')"


def _target(indicator: str) -> str:
    return f"(select * from ref.target_in_force_value where indicator_id = '{indicator}')"


# ---- progress: the columns whose meaning issue 14 keeps (targets, values, units, periods) -------------
PROGRESS_KEPT = (
    "display_scale",
    "indicator_sort_order",
    "target_year",
    "target_value",
    "target_2022_value",
    "target_2024_value",
    "actual_value",
    "months_since_actual",
    "target_display",
    "target_2022_display",
    "target_2024_display",
    "actual_display",
)
# The latest value of the province series at or before the as-of month (col_actual_value).
PROGRESS_SQL = """
    with actual as (
        select
            f.indicator_id, f.period_month,
            (select max(m.period_month) from ref.monthly as m
             where m.indicator_id = f.indicator_id and m.prefecture_code = 'GZ'
               and m.period_month <= f.period_month and m.reported_value is not null) as actual_month
        from ref.target_in_force_value as f
    )
    select
        f.indicator_id, f.period, i.sector, i.display_scale, i.sort_order as indicator_sort_order,
        f.target_year, f.target_value, t.target_2022_value, t.target_2024_value,
        m.value as actual_value,
        datediff('month', a.actual_month, f.period_month) as months_since_actual,
        f.target_value / i.display_scale as target_display,
        t.target_2022_value / i.display_scale as target_2022_display,
        t.target_2024_value / i.display_scale as target_2024_display,
        m.value / i.display_scale as actual_display
    from ref.target_in_force_value as f
    join ref.targets as t using (indicator_id)
    join wh.plan.indicators as i using (indicator_id)
    join actual as a using (indicator_id, period_month)
    left join ref.monthly as m
        on m.indicator_id = f.indicator_id and m.prefecture_code = 'GZ' and m.period_month = a.actual_month
"""

ORACLES: list[Oracle] = [
    Oracle("governance.fct_indicator_monthly", KEYS_MONTHLY, MONTHLY_SQL, MONTHLY_COLUMNS),
    *(
        Oracle(
            f"{s}.fct_{s}_indicator_monthly",
            KEYS_MONTHLY,
            f"{MONTHLY_SQL} where i.sector = '{s}'",
            MONTHLY_COLUMNS,
        )
        for s in SECTORS_WITH_MONTHLY
    ),
    Oracle("governance.fct_indicator_progress", ("indicator_id", "period"), PROGRESS_SQL, PROGRESS_KEPT),
    *(
        Oracle(
            f"{s}.fct_{s}_progress",
            ("indicator_id", "period"),
            f"select * from ({PROGRESS_SQL}) where sector = '{s}'",
            PROGRESS_KEPT,
        )
        for s in SECTORS_WITH_PROGRESS
    ),
    Oracle(
        "governance.rpt_responsibility_table",
        ("period", "task_id", "indicator_id"),
        f"""
        select p.*, r.task_id from ({PROGRESS_SQL}) as p
        join (select distinct task_id, indicator_id from wh.plan.responsibilities) as r using (indicator_id)
        """,
        PROGRESS_KEPT,
    ),
    Oracle(
        "broadband.fct_broadband_5g",
        KEYS_PREFECTURE_MONTH,
        f"""
        with g as {_flow("g5_base_stations")},
        v as (select * from ref.monthly where indicator_id = 'g5_village_coverage_rate'),
        vt as {_target("g5_village_coverage_rate")},
        bt as {_target("g5_base_stations")},
        keys as (
            select prefecture_code, period_month, period from ref.monthly
            where indicator_id in ('g5_base_stations', 'g5_village_coverage_rate', 'g5_county_full_coverage')
            group by all
        )
        select
            k.prefecture_code, k.period, p.sort_order as prefecture_sort_order,
            g.value as base_stations, g.mom_change as base_stations_mom_change,
            g.this_month as base_stations_built_this_month,
            g.since_last_report as base_stations_built_since_last_report,
            g.months_since_last_report as base_stations_months_since_last_report,
            g.yoy_change as base_stations_yoy_change, g.yoy_change_share as base_stations_yoy_change_share,
            g.share_of_province as share_of_province_base_stations,
            v.value as village_coverage_rate, v.mom_change as village_coverage_rate_mom_change,
            v.yoy_change as village_coverage_rate_yoy_change,
            case when k.prefecture_code = 'GZ' then vt.target_year end as village_coverage_target_year,
            case when k.prefecture_code = 'GZ' then vt.target_value end as village_coverage_target_rate,
            case when k.prefecture_code = 'GZ' then bt.target_year end as base_stations_target_year,
            case when k.prefecture_code = 'GZ' then bt.target_value end as base_stations_target,
            case when k.prefecture_code = 'GZ' then v.value - vt.target_value end as village_coverage_gap_to_target
        from keys as k
        left join g using (prefecture_code, period_month)
        left join v using (prefecture_code, period_month)
        left join vt using (period_month)
        left join bt using (period_month)
        left join wh.plan.prefectures as p using (prefecture_code)
        """,
        (
            "prefecture_sort_order",
            "base_stations",
            "base_stations_mom_change",
            "base_stations_built_this_month",
            "base_stations_built_since_last_report",
            "base_stations_months_since_last_report",
            "base_stations_yoy_change",
            "base_stations_yoy_change_share",
            "share_of_province_base_stations",
            "village_coverage_rate",
            "village_coverage_rate_mom_change",
            "village_coverage_rate_yoy_change",
            "village_coverage_target_year",
            "village_coverage_target_rate",
            "base_stations_target_year",
            "base_stations_target",
            "village_coverage_gap_to_target",
        ),
    ),
    Oracle(
        "compute.fct_compute_rack_utilisation",
        KEYS_PREFECTURE_MONTH,
        f"""
        with r as (select * from ref.monthly where indicator_id = 'dc_standard_racks'),
        u as (select * from ref.monthly where indicator_id = 'dc_rack_utilisation_rate'),
        ut as {_target("dc_rack_utilisation_rate")},
        keys as (
            select prefecture_code, period_month, period from ref.monthly
            where indicator_id in ('dc_standard_racks', 'dc_rack_utilisation_rate') group by all
        )
        select
            k.prefecture_code, k.period, p.sort_order as prefecture_sort_order,
            r.value as total_racks, r.mom_change as total_racks_mom_change, r.yoy_change as total_racks_yoy_change,
            r.yoy_change_share as total_racks_yoy_change_share, r.share_of_province as share_of_province_racks,
            u.value as utilisation_rate,
            r.value * u.value / 100 as estimated_racks_in_use,
            case when k.prefecture_code = 'GZ' then ut.target_year end as utilisation_target_year,
            case when k.prefecture_code = 'GZ' then ut.target_value end as utilisation_target_rate
        from keys as k
        left join r using (prefecture_code, period_month)
        left join u using (prefecture_code, period_month)
        left join ut using (period_month)
        left join wh.plan.prefectures as p using (prefecture_code)
        """,
        (
            "prefecture_sort_order",
            "total_racks",
            "total_racks_mom_change",
            "total_racks_yoy_change",
            "total_racks_yoy_change_share",
            "share_of_province_racks",
            "utilisation_rate",
            "estimated_racks_in_use",
            "utilisation_target_year",
            "utilisation_target_rate",
        ),
    ),
    Oracle(
        "iot.fct_iot_connections",
        KEYS_PREFECTURE_MONTH,
        f"""
        with c as (select * from ref.monthly where indicator_id = 'iot_connections'),
        d as (select period_month, value from ref.monthly where indicator_id = 'iot_demo_projects' and prefecture_code = 'GZ'),
        t as {_target("iot_connections")}
        select
            c.prefecture_code, c.period, p.sort_order as prefecture_sort_order,
            c.value as connections, c.mom_change as connections_mom_change,
            c.mom_change_share as connections_mom_change_share, c.yoy_change as connections_yoy_change,
            c.yoy_change_share as connections_yoy_change_share, c.share_of_province,
            c.value / 10000 as connections_wan,
            case when c.prefecture_code = 'GZ' then t.target_year end as target_year,
            case when c.prefecture_code = 'GZ' then t.target_value end as target_connections,
            case when c.prefecture_code = 'GZ' then d.value end as demo_projects
        from c
        left join d using (period_month)
        left join t using (period_month)
        left join wh.plan.prefectures as p using (prefecture_code)
        """,
        (
            "prefecture_sort_order",
            "connections",
            "connections_mom_change",
            "connections_mom_change_share",
            "connections_yoy_change",
            "connections_yoy_change_share",
            "share_of_province",
            "connections_wan",
            "target_year",
            "target_connections",
            "demo_projects",
        ),
    ),
    Oracle(
        "health.fct_health_telemedicine",
        KEYS_PREFECTURE_MONTH,
        f"""
        with f as {_flow("telemedicine_person_times")},
        t as {_target("telemedicine_person_times")}
        select
            f.prefecture_code, f.period, p.sort_order as prefecture_sort_order,
            f.value as person_times_cumulative, f.n_prefectures_in_sum,
            f.this_month as person_times_this_month, f.since_last_report as person_times_since_last_report,
            f.months_since_last_report, f.same_month_last_year as person_times_same_month_last_year,
            f.last_12_months as person_times_last_12_months, f.share_of_province,
            f.this_month - f.same_month_last_year as person_times_this_month_yoy_change,
            f.value / 10000 as person_times_cumulative_wan,
            case when f.prefecture_code = 'GZ' then t.target_year end as target_year,
            case when f.prefecture_code = 'GZ' then t.target_value end as target_person_times,
            case when f.prefecture_code = 'GZ' then f.value / t.target_value end as share_of_target
        from f
        left join t using (period_month)
        left join wh.plan.prefectures as p using (prefecture_code)
        """,
        (
            "prefecture_sort_order",
            "person_times_cumulative",
            "n_prefectures_in_sum",
            "person_times_this_month",
            "person_times_since_last_report",
            "months_since_last_report",
            "person_times_same_month_last_year",
            "person_times_last_12_months",
            "share_of_province",
            "person_times_this_month_yoy_change",
            "person_times_cumulative_wan",
            "target_year",
            "target_person_times",
            "share_of_target",
        ),
    ),
    Oracle(
        "water.fct_water_reservoir_stations",
        KEYS_PREFECTURE_MONTH,
        f"""
        with f as {_flow("reservoir_monitoring_stations")},
        t as {_target("reservoir_monitoring_stations")},
        tt as (select * from ref.targets where indicator_id = 'reservoir_monitoring_stations')
        select
            f.prefecture_code, f.period, p.sort_order as prefecture_sort_order,
            f.value as stations_retrofitted, f.n_prefectures_in_sum,
            f.this_month as stations_retrofitted_this_month,
            f.since_last_report as stations_retrofitted_since_last_report,
            f.months_since_last_report, f.last_12_months as stations_retrofitted_last_12_months,
            f.share_of_province,
            case when f.prefecture_code = 'GZ' then t.target_year end as target_year,
            case when f.prefecture_code = 'GZ' then t.target_value end as province_target_stations,
            case when f.prefecture_code = 'GZ' then tt.target_2022_value end as province_target_2022_stations,
            case when f.prefecture_code = 'GZ' then tt.target_2024_value end as province_target_2024_stations,
            f.value / t.target_value as share_of_province_target
        from f
        left join t using (period_month)
        cross join tt
        left join wh.plan.prefectures as p using (prefecture_code)
        """,
        (
            "prefecture_sort_order",
            "stations_retrofitted",
            "n_prefectures_in_sum",
            "stations_retrofitted_this_month",
            "stations_retrofitted_since_last_report",
            "months_since_last_report",
            "stations_retrofitted_last_12_months",
            "share_of_province",
            "target_year",
            "province_target_stations",
            "province_target_2022_stations",
            "province_target_2024_stations",
            "share_of_province_target",
        ),
    ),
    Oracle(
        "governance.dim_indicator",
        ("indicator_id",),
        """
        select
            i.indicator_id, i.display_scale, i.value_min, i.value_max, i.sort_order,
            t.target_2022_value, t.target_2024_value,
            t.target_2022_value / i.display_scale as target_2022_display,
            t.target_2024_value / i.display_scale as target_2024_display,
            t.first_target_year, t.last_target_year, t.n_targets,
            (select count(distinct r.task_id) from wh.plan.responsibilities as r
             where r.indicator_id = i.indicator_id) as n_tasks
        from wh.plan.indicators as i join ref.targets as t using (indicator_id)
        """,
        (
            "display_scale",
            "value_min",
            "value_max",
            "sort_order",
            "target_2022_value",
            "target_2024_value",
            "target_2022_display",
            "target_2024_display",
            "first_target_year",
            "last_target_year",
            "n_targets",
            "n_tasks",
        ),
    ),
    Oracle(
        "governance.dim_department",
        ("department_code",),
        """
        select
            d.department_code, d.sort_order,
            (select count(*) from wh.plan.indicators as i where i.lead_department_code = d.department_code)
                as n_indicators_reported,
            (select count(distinct task_id) from wh.plan.responsibilities as r
             where r.department_code = d.department_code and r.role = 'lead') as n_tasks_lead,
            (select count(distinct task_id) from wh.plan.responsibilities as r
             where r.department_code = d.department_code and r.role = 'co') as n_tasks_co,
            (select count(distinct indicator_id) from wh.plan.responsibilities as r
             where r.department_code = d.department_code and r.role = 'lead') as n_task_indicators_lead,
            (select count(distinct indicator_id) from wh.plan.responsibilities as r
             where r.department_code = d.department_code and r.role = 'co') as n_task_indicators_co
        from wh.plan.departments as d
        """,
        (
            "sort_order",
            "n_indicators_reported",
            "n_tasks_lead",
            "n_tasks_co",
            "n_task_indicators_lead",
            "n_task_indicators_co",
        ),
    ),
    Oracle(
        "governance.dim_task",
        ("task_id",),
        """
        select t.task_id,
            -- part (main 0, 附件3-6 3-6) x 100 + the task's number, the goal section 0 (dim_task.sort_order)
            case when t.task_id like 'M-%' then 0 else cast(regexp_extract(t.task_id, '^A(\\d)-', 1) as int) end * 100
            + coalesce(try_cast(regexp_extract(t.task_id, '-(\\d+)$', 1) as int), 0) as sort_order,
            (select count(distinct indicator_id) from wh.plan.responsibilities as r where r.task_id = t.task_id)
                as n_indicators
        from wh.plan.tasks as t
        """,
        ("sort_order", "n_indicators"),
    ),
    Oracle(
        "governance.dim_prefecture",
        ("prefecture_code",),
        "select prefecture_code, sort_order from wh.plan.prefectures",
        ("sort_order",),
    ),
    Oracle(
        "governance.fct_submission_compliance",
        ("department_code", "period"),
        f"""
        with grid as (
            select d.department_code, d.sort_order as department_sort_order, m.period, m.period_month,
                exists (select 1 from wh.plan.indicators as i where i.lead_department_code = d.department_code)
                    as is_expected,
                cast(last_day(m.period_month) + interval {ON_TIME_DAYS} day as date) as due_date
            from wh.plan.departments as d cross join ref.months as m
            where m.period_month >= date '2022-01-01'
        ),
        files as (
            select department_code, cast(period || '-01' as date) as period_month, f.*
            from wh.raw.submission_files as f
        ),
        counted as (
            select
                g.*,
                (select count(*) from files as f where f.department_code = g.department_code
                   and f.period_month = g.period_month and f.status != 'duplicate') as n_files_received,
                (select count(*) from files as f where f.department_code = g.department_code
                   and f.period_month = g.period_month and f.status in ('loaded', 'partially_loaded'))
                    as n_files_accepted,
                (select count(*) from files as f where f.department_code = g.department_code
                   and f.period_month = g.period_month and f.status = 'quarantined') as n_files_quarantined,
                (select max(version) from files as f where f.department_code = g.department_code
                   and f.period_month = g.period_month and f.status in ('loaded', 'partially_loaded'))
                    as latest_file_version,
                (select coalesce(sum(rows_accepted), 0) from files as f where f.department_code = g.department_code
                   and f.period_month = g.period_month and f.status in ('loaded', 'partially_loaded'))
                    as rows_accepted,
                (select count(distinct (v.indicator_id, v.prefecture_code)) from wh.raw.submission_values as v
                 join files as f using (file_id)
                 where f.department_code = g.department_code and f.period_month = g.period_month
                   and f.status in ('loaded', 'partially_loaded'))
                + (select count(distinct pr.project_code) from wh.raw.submission_projects as pr
                   join files as f using (file_id)
                   where f.department_code = g.department_code and f.period_month = g.period_month
                     and f.status in ('loaded', 'partially_loaded')) as rows_in_force,
                (select coalesce(sum(rows_rejected), 0) from files as f where f.department_code = g.department_code
                   and f.period_month = g.period_month and f.status in ('loaded', 'partially_loaded'))
                    as rows_rejected,
                (select cast(min(received_at) + interval {LOCAL_UTC_OFFSET_HOURS} hour as date) from files as f
                 where f.department_code = g.department_code and f.period_month = g.period_month
                   and f.status in ('loaded', 'partially_loaded')) as first_local_date
            from grid as g
        ),
        judged as (
            select *,
                greatest(n_files_accepted - 1, 0) as n_revisions,
                n_files_accepted > 0 as has_submitted,
                coalesce(first_local_date <= due_date, false) as is_on_time,
                case when first_local_date > due_date then datediff('day', due_date, first_local_date) end
                    as days_late
            from counted
        )
        select *,
            case when is_expected then
                count(*) filter (where has_submitted) over w / count(*) over w end as reporting_rate_to_date,
            case when is_expected then
                count(*) filter (where is_on_time) over w / count(*) over w end as on_time_rate_to_date
        from judged
        window w as (partition by department_code order by period_month)
        """,
        (
            "department_sort_order",
            "n_files_received",
            "n_files_accepted",
            "n_files_quarantined",
            "latest_file_version",
            "n_revisions",
            "rows_accepted",
            "rows_in_force",
            "rows_rejected",
            "days_late",
            "reporting_rate_to_date",
            "on_time_rate_to_date",
        ),
    ),
]

# The reporting rates: over the expected departments of the month, from the same reading of the files.
ORACLES.append(
    Oracle(
        "governance.fct_reporting_rates",
        ("period",),
        f"""
        with c as ({ORACLES[-1].sql})
        select
            period,
            count(*) filter (where is_expected) as n_expected,
            count(*) filter (where is_expected and has_submitted) as n_submitted,
            count(*) filter (where is_expected and is_on_time) as n_on_time,
            count(*) filter (where is_expected and has_submitted and not is_on_time) as n_late,
            count(*) filter (where is_expected and not has_submitted) as n_missing,
            count(*) filter (where not is_expected and has_submitted) as n_unexpected_submitted,
            sum(n_files_received) as n_files_received,
            sum(n_files_quarantined) as n_files_quarantined,
            sum(n_revisions) as n_revisions,
            count(*) filter (where is_expected and has_submitted) / count(*) filter (where is_expected)
                as reporting_rate,
            count(*) filter (where is_expected and is_on_time) / count(*) filter (where is_expected)
                as on_time_rate
        from c group by period
        """,
        (
            "n_expected",
            "n_submitted",
            "n_on_time",
            "n_late",
            "n_missing",
            "n_unexpected_submitted",
            "n_files_received",
            "n_files_quarantined",
            "n_revisions",
            "reporting_rate",
            "on_time_rate",
        ),
    )
)

ORACLES.append(
    Oracle(
        "governance.fct_reconciliation",
        ("source_name", "indicator_id", "prefecture_code", "period"),
        f"""
        -- like with like: a carried department figure against the same source's figure of the month it
        -- was reported; nothing to compare (and no flag) when the source has none for that month
        with public as (
            select * from wh.raw.public_observations
            qualify row_number() over (
                partition by source_name, indicator_id, prefecture_code, period
                order by observation_version desc, fetched_at desc) = 1
        ),
        joined as (
            select
                o.source_name, o.indicator_id, o.prefecture_code, o.period,
                o.value as public_value, o.observation_version, m.value as department_value,
                case when m.value is not null then strftime(m.last_reported_month, '%Y-%m') end
                    as department_value_period,
                i.display_scale
            from public as o
            join wh.plan.indicators as i using (indicator_id)
            left join ref.monthly as m
                on m.indicator_id = o.indicator_id and m.prefecture_code = o.prefecture_code and m.period = o.period
        ),
        compared as (
            select j.*, same.value as compared_public_value, j.department_value - same.value as gap
            from joined as j
            left join public as same
                on same.source_name = j.source_name and same.indicator_id = j.indicator_id
                and same.prefecture_code = j.prefecture_code and same.period = j.department_value_period
        )
        select *,
            gap / nullif(abs(compared_public_value), 0) as gap_share,
            gap / display_scale as gap_display,
            case
                when compared_public_value = 0 then gap != 0
                when gap is null then false
                else abs(gap) / abs(compared_public_value) > {RECONCILIATION_THRESHOLD}
            end as is_flagged,
            case
                when department_value is null then 'no_department_value'
                when department_value_period = period then 'same_month'
                when compared_public_value is not null then 'reported_month'
                else 'not_comparable'
            end as comparison_basis
        from compared
        """,
        (
            "public_value",
            "observation_version",
            "department_value",
            "department_value_period",
            "compared_public_value",
            "gap",
            "display_scale",
            "gap_share",
            "gap_display",
            "is_flagged",
            "comparison_basis",
        ),
    )
)

# Published numeric columns the oracle does not recompute, each with its reason.
EXEMPT: dict[str, str] = {}

# ---- progress method (docs/progress-method.md): ref.target_progress, oracle_reference_progress.py -------
PROGRESS_METHOD_COLUMNS = (
    "baseline_value",
    "baseline_display",
    "baseline_period",
    "previous_actual_value",
    "change_since_last_month",
    "change_since_last_month_display",
    "actual_period",
    "months_observed",
    "months_required",
    "time_elapsed",
    "completion",
    "completion_rate",
    "progress_since_baseline",
    "completion_basis",
    "is_target_met",
    "is_deadline_passed",
    "status_code",
    "status_sort_order",
    "cagr_observed",
    "cagr_required",
    "growth_ratio",
    "growth_class",
    "growth_ratio_null_reason",
    "data_age_months",
    "is_stale",
    "deadline_status_code",
    "met_late_period",
    "projected_value",
    "projected_display",
    "verdict_code",
    "observed_monthly_change",
    "observed_monthly_change_display",
    "required_monthly_change",
    "required_monthly_change_display",
    "months_to_deadline",
    "is_plan_ended",
    "needs_follow_up",
)
PROGRESS_METHOD_SQL_OF = f"""
    select
        p.indicator_id, p.target_year, p.period, i.sector,
        p.baseline_value, p.baseline_value / p.display_scale as baseline_display,
        strftime(p.baseline_month, '%Y-%m') as baseline_period,
        p.previous_actual_value,
        p.actual_value - p.previous_actual_value as change_since_last_month,
        (p.actual_value - p.previous_actual_value) / p.display_scale as change_since_last_month_display,
        strftime(p.actual_month, '%Y-%m') as actual_period,
        p.months_observed, p.months_required, p.time_elapsed, p.completion, p.completion_rate,
        p.progress_since_baseline,
        case when p.baseline_value is not null then 'progress_since_baseline' else 'completion_rate' end
            as completion_basis,
        p.is_target_met, p.period_month > p.deadline_month as is_deadline_passed,
        p.status_code, p.status_sort_order, p.cagr_observed, p.cagr_required, p.growth_ratio, p.growth_class,
        p.growth_ratio_null_reason, p.data_age_months, p.is_stale, p.deadline_status_code, p.met_late_period,
        p.projected_value, p.projected_value / p.display_scale as projected_display, p.verdict_code,
        p.observed_monthly_change, p.observed_monthly_change / p.display_scale as observed_monthly_change_display,
        p.required_monthly_change, p.required_monthly_change / p.display_scale as required_monthly_change_display,
        p.months_to_deadline,
        p.period > '{PLAN_END}' as is_plan_ended,
        p.period > '{PLAN_END}' and p.status_code not in ('achieved', 'achieved_late') as needs_follow_up
    from {{source}} as p
    join wh.plan.indicators as i using (indicator_id)
"""
# the report table leaves out R, its inputs and its grading (analysts only) and the observed pace
RPT_WITHOUT = (
    "months_observed",
    "months_required",
    "cagr_observed",
    "cagr_required",
    "growth_ratio",
    "growth_class",
    "growth_ratio_null_reason",
    "observed_monthly_change",
    "observed_monthly_change_display",
    "months_to_deadline",
)
TARGET_ASSESSMENT_COLUMNS = (
    "actual_period",
    "is_stale",
    "data_age_months",
    "completion_rate",
    "progress_since_baseline",
    "completion",
    "time_elapsed",
    "status_code",
    "status_sort_order",
    "deadline_status_code",
    "met_late_period",
    # the projection the package words as 研判 (docs/report.md), per target
    "months_to_deadline",
    "projected_value",
    "projected_display",
    "verdict_code",
    "required_monthly_change",
    "required_monthly_change_display",
    # R, for analysts only (never in the package nor in rpt_responsibility_table)
    "growth_ratio",
    "growth_class",
    "growth_ratio_null_reason",
)
PROGRESS_METHOD_SQL = PROGRESS_METHOD_SQL_OF.replace("{source}", "ref.progress_in_force")
TARGET_METHOD_SQL = PROGRESS_METHOD_SQL_OF.replace("{source}", "ref.target_notes")

# The method's words: labels from the seed progress_statuses, the target as printed, the assessment
# sentences, the look-back to earlier targets, last month's status.
PROGRESS_WORDS_COLUMNS = (
    "target_deadline_month",
    "is_met_at_deadline",
    "status_label_zh",
    "status_label_en",
    "status_colour",
    "stale_label_zh",
    "verdict_label_zh",
    "growth_class_label_zh",
    "plan_ended_label_zh",
    "projection_method",
    "projection_null_reason",
    "target_text_zh",
    "assessment_note_zh",
    "earlier_targets_note_zh",
    "target_2022_status_code",
    "previous_status_code",
    "is_status_changed",
)
PROGRESS_WORDS_SQL = f"""
    with labels as (select * from wh.plan.progress_statuses)
    select
        p.indicator_id, p.period, i.sector,
        p.deadline_month as target_deadline_month,
        coalesce(p.is_met_at_deadline, false) as is_met_at_deadline,
        st.label_zh as status_label_zh, st.label_en as status_label_en, st.colour as status_colour,
        case when p.is_stale then (select label_zh from labels where kind = 'flag' and code = 'stale') end
            as stale_label_zh,
        vd.label_zh as verdict_label_zh,
        gc.label_zh as growth_class_label_zh,
        case when p.period > '{PLAN_END}'
            then (select label_zh from labels where kind = 'flag' and code = 'plan_ended') end as plan_ended_label_zh,
        'linear' as projection_method,
        case when p.is_projected and p.window_start_value is null then 'too_few_reports' end
            as projection_null_reason,
        p.target_text_zh, p.assessment_note_zh,
        (select string_agg(e.assessment_note_zh, '；' order by e.target_year) from ref.target_notes as e
         where e.indicator_id = p.indicator_id and e.period_month = p.period_month
           and e.target_year < year(p.period_month) and e.assessment_note_zh is not null)
            as earlier_targets_note_zh,
        t22.status_code as target_2022_status_code,
        prev.status_code as previous_status_code,
        coalesce(prev.status_code != p.status_code, false) as is_status_changed
    from ref.progress_in_force as p
    join wh.plan.indicators as i using (indicator_id)
    left join labels as st on st.kind = 'status' and st.code = p.status_code
    left join labels as vd on vd.kind = 'verdict' and vd.code = p.verdict_code
    left join labels as gc on gc.kind = 'growth_class' and gc.code = p.growth_class
    left join ref.target_notes as t22
        on t22.indicator_id = p.indicator_id and t22.period_month = p.period_month and t22.target_year = 2022
    left join ref.progress_in_force as prev
        on prev.indicator_id = p.indicator_id and prev.period_month = p.period_month - interval 1 month
"""

# Columns of the method where the published figure and the spec disagree (see the report in
# docs/analysts_figures.md): compared nowhere, listed with the reason, so none is silently exempt.
KNOWN_DISAGREEMENTS: dict[str, str] = {}


def _method(columns: tuple[str, ...], table: str) -> tuple[str, ...]:
    return tuple(c for c in columns if f"{table}.{c}" not in KNOWN_DISAGREEMENTS)


ORACLES.append(
    Oracle(
        "governance.fct_indicator_progress",
        ("indicator_id", "period"),
        PROGRESS_METHOD_SQL,
        _method(PROGRESS_METHOD_COLUMNS, "governance.fct_indicator_progress"),
        note="progress method",
    )
)
for _s in SECTORS_WITH_PROGRESS:
    ORACLES.append(
        Oracle(
            f"{_s}.fct_{_s}_progress",
            ("indicator_id", "period"),
            f"select * from ({PROGRESS_METHOD_SQL}) where sector = '{_s}'",
            _method(PROGRESS_METHOD_COLUMNS, f"{_s}.fct_{_s}_progress"),
            note="progress method",
        )
    )
ORACLES.append(
    Oracle(
        "governance.rpt_responsibility_table",
        ("period", "task_id", "indicator_id"),
        f"""
        select p.*, r.task_id from ({PROGRESS_METHOD_SQL}) as p
        join (select distinct task_id, indicator_id from wh.plan.responsibilities) as r using (indicator_id)
        """,
        _method(
            tuple(c for c in PROGRESS_METHOD_COLUMNS if c not in RPT_WITHOUT),
            "governance.rpt_responsibility_table",
        ),
        note="progress method",
    )
)
ORACLES.append(
    Oracle(
        "governance.fct_target_assessment",
        ("indicator_id", "target_year", "period"),
        TARGET_METHOD_SQL,
        _method(TARGET_ASSESSMENT_COLUMNS, "governance.fct_target_assessment"),
        note="progress method",
    )
)
ORACLES.append(
    Oracle(
        "governance.fct_indicator_progress",
        ("indicator_id", "period"),
        PROGRESS_WORDS_SQL,
        _method(PROGRESS_WORDS_COLUMNS, "governance.fct_indicator_progress"),
        note="progress method words",
    )
)
for _s in SECTORS_WITH_PROGRESS:
    ORACLES.append(
        Oracle(
            f"{_s}.fct_{_s}_progress",
            ("indicator_id", "period"),
            f"select * from ({PROGRESS_WORDS_SQL}) where sector = '{_s}'",
            _method(PROGRESS_WORDS_COLUMNS, f"{_s}.fct_{_s}_progress"),
            note="progress method words",
        )
    )
ORACLES.append(
    Oracle(
        "governance.rpt_responsibility_table",
        ("period", "task_id", "indicator_id"),
        f"""
        select p.*, r.task_id from ({PROGRESS_WORDS_SQL}) as p
        join (select distinct task_id, indicator_id from wh.plan.responsibilities) as r using (indicator_id)
        """,
        _method(
            tuple(
                c
                for c in PROGRESS_WORDS_COLUMNS
                if c
                not in (
                    "target_deadline_month",
                    "is_met_at_deadline",
                    "status_label_en",
                    "projection_null_reason",
                    "target_2022_status_code",
                    "growth_class_label_zh",  # R stays in the analysts' marts
                )
            ),
            "governance.rpt_responsibility_table",
        ),
        note="progress method words",
    )
)
ORACLES.append(
    Oracle(
        "governance.fct_target_assessment",
        ("indicator_id", "target_year", "period"),
        """
        select
            p.indicator_id, p.target_year, p.period, p.target_text_zh, p.assessment_note_zh,
            strftime(p.deadline_month, '%Y-%m') as target_deadline_period,
            p.period_month >= p.deadline_month as is_assessed,
            st.label_zh as status_label_zh, st.colour as status_colour, dl.label_zh as deadline_status_label_zh,
            case when p.is_stale then fl.label_zh end as stale_label_zh,
            vd.label_zh as verdict_label_zh,
            gc.label_zh as growth_class_label_zh,
            prev.status_code as previous_status_code
        from ref.target_notes as p
        left join wh.plan.progress_statuses as st on st.kind = 'status' and st.code = p.status_code
        left join wh.plan.progress_statuses as dl on dl.kind = 'status' and dl.code = p.deadline_status_code
        left join wh.plan.progress_statuses as fl on fl.kind = 'flag' and fl.code = 'stale'
        left join wh.plan.progress_statuses as vd on vd.kind = 'verdict' and vd.code = p.verdict_code
        left join wh.plan.progress_statuses as gc on gc.kind = 'growth_class' and gc.code = p.growth_class
        left join ref.target_notes as prev
            on prev.indicator_id = p.indicator_id and prev.target_year = p.target_year
            and prev.period_month = p.period_month - interval 1 month
        """,
        _method(
            (
                "target_text_zh",
                "assessment_note_zh",
                "target_deadline_period",
                "is_assessed",
                "status_label_zh",
                "status_colour",
                "deadline_status_label_zh",
                "stale_label_zh",
                "verdict_label_zh",
                "growth_class_label_zh",
                "previous_status_code",
            ),
            "governance.fct_target_assessment",
        ),
        note="progress method words",
    )
)
for _table, _indicator, _cols in (
    (
        "health.fct_health_telemedicine",
        "telemedicine_person_times",
        ("province_completion", "province_status_code"),
    ),
    (
        "water.fct_water_reservoir_stations",
        "reservoir_monitoring_stations",
        ("province_completion", "province_time_elapsed", "province_status_code"),
    ),
):
    ORACLES.append(
        Oracle(
            _table,
            KEYS_PREFECTURE_MONTH,
            f"""
            select
                f.prefecture_code, f.period,
                case when f.prefecture_code = 'GZ' then p.completion end as province_completion,
                case when f.prefecture_code = 'GZ' then p.time_elapsed end as province_time_elapsed,
                case when f.prefecture_code = 'GZ' then p.status_code end as province_status_code
            from {_flow(_indicator)} as f
            left join ref.progress_in_force as p using (indicator_id, period_month)
            """,
            _method(_cols, _table),
            note="progress method",
        )
    )
EXEMPT["governance.dim_progress_method.sort_order"] = (
    "the method note's print order, a constant of the note's text: not a figure derived from data"
)

# The plan's seeds are published as written: input, not derived (their checks are the seed tests).
EXEMPT_SCHEMAS = {"plan": "the plan's seeds as written in dbt_project/seeds: input, not derived"}

PROJECT_INVESTMENT_SQL = """
    select
        m.project_code, m.period, m.period_month, r.start_year, r.end_year, m.is_reported, m.project_status,
        m.completed_this_month_yuan, m.cumulative_completed_yuan,
        coalesce(r.total_investment_yuan, m.reported_total_investment_yuan) as total_investment_yuan,
        m.cumulative_completed_yuan / nullif(coalesce(r.total_investment_yuan, m.reported_total_investment_yuan), 0)
            as completion_share,
        coalesce(r.total_investment_yuan, m.reported_total_investment_yuan) / 1e8 as total_investment_yi,
        m.completed_this_month_yuan / 1e8 as completed_this_month_yi,
        m.cumulative_completed_yuan / 1e8 as cumulative_completed_yi
    from ref.project_months as m
    left join wh.raw.project_registry as r using (project_code)
"""
ORACLES.append(
    Oracle(
        "governance.fct_project_investment",
        ("project_code", "period"),
        PROJECT_INVESTMENT_SQL,
        (
            "start_year",
            "end_year",
            "completed_this_month_yuan",
            "cumulative_completed_yuan",
            "total_investment_yuan",
            "completion_share",
            "total_investment_yi",
            "completed_this_month_yi",
            "cumulative_completed_yi",
        ),
    )
)
ORACLES.append(
    Oracle(
        "governance.dim_project",
        ("project_code",),
        """
        with latest as (
            select * from ref.project_months
            qualify row_number() over (partition by project_code order by period_month desc) = 1
        ),
        codes as (
            select project_code from wh.raw.project_registry
            union select project_code from ref.project_month_reports
        )
        select
            c.project_code, r.start_year, r.end_year,
            coalesce(r.total_investment_yuan, l.reported_total_investment_yuan) as total_investment_yuan,
            (select count(distinct period) from ref.project_month_reports as x where x.project_code = c.project_code)
                as n_periods_reported,
            l.cumulative_completed_yuan as latest_cumulative_completed_yuan,
            l.cumulative_completed_yuan / nullif(coalesce(r.total_investment_yuan, l.reported_total_investment_yuan), 0)
                as latest_completion_share,
            coalesce(r.total_investment_yuan, l.reported_total_investment_yuan) / 1e8 as total_investment_yi,
            l.cumulative_completed_yuan / 1e8 as latest_cumulative_completed_yi
        from codes as c
        left join wh.raw.project_registry as r using (project_code)
        left join latest as l using (project_code)
        """,
        (
            "start_year",
            "end_year",
            "total_investment_yuan",
            "n_periods_reported",
            "latest_cumulative_completed_yuan",
            "latest_completion_share",
            "total_investment_yi",
            "latest_cumulative_completed_yi",
        ),
    )
)
ORACLES.append(
    Oracle(
        "governance.fct_investment_rollup",
        ("period",),
        f"""
        with projects as ({PROJECT_INVESTMENT_SQL}),
        target as (
            select target_year, target_value from wh.plan.indicator_targets
            where indicator_id = 'key_project_investment' order by target_year desc limit 1
        ),
        reported as (select * from ({PROGRESS_SQL}) where indicator_id = 'key_project_investment')
        select
            m.period, t.target_year, t.target_value as target_value_yuan,
            rp.actual_value as reported_indicator_value_yuan,
            count(p.project_code) as n_projects,
            count(p.project_code) filter (where p.is_reported) as n_projects_reported,
            count(p.project_code) filter (where p.project_status = 'completed') as n_projects_completed,
            coalesce(sum(p.total_investment_yuan), 0) as total_investment_yuan,
            coalesce(sum(p.completed_this_month_yuan), 0) as completed_this_month_yuan,
            coalesce(sum(p.cumulative_completed_yuan), 0) as cumulative_completed_yuan,
            coalesce(sum(p.cumulative_completed_yuan), 0) / t.target_value as share_of_target,
            coalesce(sum(p.total_investment_yuan), 0) / 1e8 as total_investment_yi,
            coalesce(sum(p.completed_this_month_yuan), 0) / 1e8 as completed_this_month_yi,
            coalesce(sum(p.cumulative_completed_yuan), 0) / 1e8 as cumulative_completed_yi,
            t.target_value / 1e8 as target_value_yi,
            rp.actual_value / 1e8 as reported_indicator_value_yi
        from ref.months as m
        cross join target as t
        left join projects as p using (period_month)
        left join reported as rp on rp.period = m.period
        where m.period_month >= date '2022-01-01'
        group by m.period, t.target_year, t.target_value, rp.actual_value
        """,
        (
            "target_year",
            "target_value_yuan",
            "reported_indicator_value_yuan",
            "n_projects",
            "n_projects_reported",
            "n_projects_completed",
            "total_investment_yuan",
            "completed_this_month_yuan",
            "cumulative_completed_yuan",
            "share_of_target",
            "total_investment_yi",
            "completed_this_month_yi",
            "cumulative_completed_yi",
            "target_value_yi",
            "reported_indicator_value_yi",
        ),
    )
)

ORACLES.append(
    Oracle(
        "governance.fct_revisions_after_publication",
        ("file_id", "sheet_name", "row_number"),
        """
        with vals as (
            select v.*, f.version as file_version, f.is_after_publication
            from wh.raw.submission_values as v join ref.accepted_files as f using (file_id)
        ),
        versioned as (
            select *,
                lag(value) over w as previous_value,
                lag(file_version) over w as previous_file_version
            from vals
            window w as (partition by department_code, period, indicator_id, prefecture_code order by file_version)
        )
        select
            v.file_id, v.sheet_name, v.row_number, v.file_version, i.display_scale, v.value, v.previous_value,
            v.previous_file_version, v.value - v.previous_value as value_change,
            (v.value - v.previous_value) / nullif(abs(v.previous_value), 0) as change_share
        from versioned as v join wh.plan.indicators as i using (indicator_id)
        where v.is_after_publication
        """,
        (
            "file_version",
            "display_scale",
            "value",
            "previous_value",
            "previous_file_version",
            "value_change",
            "change_share",
        ),
    )
)
ORACLES.append(
    Oracle(
        "governance.fct_indicator_provenance",
        ("indicator_id", "period", "file_id"),
        """
        -- per file, the values in force (the latest accepted version of each row): ref.latest_by_department
        select
            v.indicator_id, strftime(v.period_month, '%Y-%m') as period, v.file_id, f.version as file_version,
            count(*) as n_values,
            count(distinct v.prefecture_code) as n_prefectures,
            count(*) filter (where v.is_flagged) as n_flagged
        from ref.latest_by_department as v join wh.raw.submission_files as f using (file_id)
        group by all
        """,
        ("file_version", "n_values", "n_prefectures", "n_flagged"),
        note="new table, oracle from its description",
    )
)
EXEMPT["governance.fct_submission_rejections.row_number"] = (
    "the rejected row's line number in the department's sheet, copied from raw: an address, not a figure"
)

ORACLES.append(
    Oracle(
        "governance.fct_public_source_health",
        ("source_name",),
        """
        -- sources fetched at least once (a declared source never fetched has no raw rows to recompute from)
        with fetches as (
            select
                source_name,
                count(*) as n_fetches,
                max(fetched_at) filter (where status in ('loaded', 'unchanged', 'not_modified')) as last_success_at
            from wh.raw.public_fetches
            group by source_name
        ),
        figures as (
            select source_name, count(distinct (indicator_id, prefecture_code, period)) as n_figures,
                max(cast(period || '-01' as date)) as newest_period_month
            from wh.raw.public_observations
            group by source_name
        )
        select
            f.source_name, f.n_fetches,
            (select count(*) from wh.raw.public_fetches as x
             where x.source_name = f.source_name and x.status = 'failed'
               and (f.last_success_at is null or x.fetched_at > f.last_success_at)) as n_failures_since_success,
            coalesce(g.n_figures, 0) as n_figures,
            datediff('month', g.newest_period_month, (select max(period_month) from ref.months)) as months_behind
        from fetches as f left join figures as g using (source_name)
        """,
        ("n_fetches", "n_failures_since_success", "n_figures", "months_behind"),
        where="source_name in (select source_name from wh.raw.public_fetches)",
        note="fetched sources",
    )
)
EXEMPT["governance.fct_public_source_health.max_age_months"] = (
    "copied from the source's declaration in sources.yml (default monthly 2, yearly 24): configuration, not derived"
)

ORACLES.append(
    Oracle(
        "governance.fct_target_assessment",
        ("indicator_id", "target_year", "period"),
        f"""
        with progress as ({PROGRESS_SQL}),
        targets as (select indicator_id, target_year, target_value from wh.plan.indicator_targets)
        select
            t.indicator_id, t.target_year, p.period, t.target_value, p.indicator_sort_order,
            p.actual_value, p.actual_display, p.display_scale
        from targets as t join progress as p using (indicator_id)
        """,
        ("target_value", "indicator_sort_order", "actual_value", "actual_display", "display_scale"),
    )
)

# ---- remarks and contacts (docs/architecture.md, "Remarks and contacts"), from the raw rows ---------------
ORACLES.append(
    Oracle(
        "governance.fct_submission_remarks",
        ("file_id", "sheet_name", "row_number"),
        """
        with files as (
            select file_id, department_code, period, version, received_at
            from wh.raw.submission_files where status in ('loaded', 'partially_loaded', 'blank')
        ),
        every_row as (  -- every row read, remark or not: a later row without one supersedes a remark
            select file_id, sheet_name, row_number, indicator_id || '|' || prefecture_code as row_key, note
            from wh.raw.submission_values
            union all
            select file_id, sheet_name, row_number, 'project|' || project_code, note from wh.raw.submission_projects
            union all
            select file_id, sheet_name, row_number,
                coalesce('project|' || project_code, indicator_id || '|' || prefecture_code), note
            from wh.raw.submission_blanks
        ),
        placed as (select * from every_row join files using (file_id)),
        newest as (select department_code, period, row_key, max(received_at) as newest_at from placed group by all)
        select
            p.file_id, p.sheet_name, p.row_number, p.note as remark, p.version as file_version,
            p.department_code, p.period, p.received_at = n.newest_at as is_current
        from placed as p join newest as n using (department_code, period, row_key)
        where p.note is not null
        """,
        ("remark", "file_version", "department_code", "period", "is_current"),
        note="new table, oracle from its description",
    )
)
ORACLES.append(
    Oracle(
        "governance.dim_department_contact",
        ("department_code",),
        """
        with given as (
            select department_code, contact_name, contact_phone, period, received_at
            from wh.raw.submission_files
            where status in ('loaded', 'partially_loaded', 'blank')
                and (contact_name is not null or contact_phone is not null)
        ),
        newest as (select department_code, max(received_at) as newest_at from given group by all)
        select
            d.department_code, g.contact_name, g.contact_phone, g.period as contact_period,
            g.department_code is not null as has_contact
        from wh.plan.departments as d
        left join newest as n using (department_code)
        left join given as g on g.department_code = n.department_code and g.received_at = n.newest_at
        """,
        ("contact_name", "contact_phone", "contact_period", "has_contact"),
        note="new table, oracle from its description",
    )
)
