-- The progress method (docs/progress-method.md), written by hand as ONE DuckDB statement over the raw
-- rows: the obvious alternative to dbt's path (stg_submissions__* -> int_submission_values_versioned
-- -> int_calendar_months -> int_indicator_values_province -> int_indicator_progress). Same inputs
-- (raw.submission_values, raw.submission_files, plan.indicators, plan.indicator_targets), same
-- rules, the numbers the report reads: actual, baseline, target in force, completion, time elapsed,
-- status (before, at and after the deadline), Open SDG growth ratio per indicator with a target x
-- month from the plan's first month.
-- Used by benchmarks/bench_stages.py, which checks that it gives dbt's answers before timing it.
-- $plan_start, $margin and $milestone_elapsed come from dbt_project.yml's vars.
create or replace table bench.hand_progress as
with

accepted as (
    select
        submission_values.indicator_id,
        submission_values.prefecture_code,
        try_cast(submission_values.period || '-01' as date) as period_month,
        submission_values.value,
        (
            coalesce(submission_values.department_code = indicators.lead_department_code, false),
            coalesce(files.version, 0),
            files.received_at,
            submission_values.row_number
        ) as preference
    from raw.submission_values as submission_values
    inner join raw.submission_files as files
        on submission_values.file_id = files.file_id
    left join plan.indicators as indicators
        on submission_values.indicator_id = indicators.indicator_id
    where files.status in ('loaded', 'partially_loaded')
),

-- the value in force per indicator x prefecture x month: the lead department's latest version
in_force as (
    select
        indicator_id,
        prefecture_code,
        period_month,
        arg_max(value, preference) as value
    from accepted
    group by indicator_id, prefecture_code, period_month
),

-- each prefecture's change since its previous value in force, added up per month
prefecture_changes as (
    select
        indicator_id,
        period_month,
        sum(value - coalesce(previous_value, 0)) as value_delta,
        count(*) as n_reported,
        count(*) filter (where previous_value is null) as n_new
    from (
        select
            *,
            lag(value) over (partition by indicator_id, prefecture_code order by period_month) as previous_value
        from in_force
        where prefecture_code <> 'GZ'
    )
    group by indicator_id, period_month
),

months as (
    select cast(unnest(generate_series(first_month, last_month, interval 1 month)) as date) as period_month
    from (
        select
            least(date '$plan_start-01', coalesce(min(month), date '$plan_start-01')) as first_month,
            greatest(date '$plan_start-01', coalesce(max(month), date '$plan_start-01')) as last_month
        from (
            select try_cast(period || '-01' as date) as month
            from raw.submission_files
            where status in ('loaded', 'partially_loaded')
        )
    )
),

targeted as (
    select
        indicators.indicator_id,
        any_value(indicators.kind) as kind,
        any_value(indicators.direction) as direction,
        coalesce(any_value(indicators.is_additive), false) as is_additive
    from plan.indicators as indicators
    inner join plan.indicator_targets as targets
        on indicators.indicator_id = targets.indicator_id
    group by indicators.indicator_id
),

-- the province series: the sum of the prefectures' values in force (additive, once one reported),
-- else the GZ row as reported
province as (
    select
        *,
        case
            when is_additive and n_in_sum > 0 then case when n_reported > 0 then prefecture_sum end
            else province_value
        end as reported_value
    from (
        select
            targeted.indicator_id,
            targeted.kind,
            targeted.direction,
            targeted.is_additive,
            months.period_month,
            prefecture_changes.n_reported,
            province_rows.value as province_value,
            sum(coalesce(prefecture_changes.value_delta, 0)) over up_to_now as prefecture_sum,
            sum(coalesce(prefecture_changes.n_new, 0)) over up_to_now as n_in_sum
        from targeted
        cross join months
        left join prefecture_changes
            on targeted.indicator_id = prefecture_changes.indicator_id
            and months.period_month = prefecture_changes.period_month
        left join in_force as province_rows
            on targeted.indicator_id = province_rows.indicator_id
            and province_rows.prefecture_code = 'GZ'
            and months.period_month = province_rows.period_month
        window up_to_now as (
            partition by targeted.indicator_id order by months.period_month
            rows between unbounded preceding and current row
        )
    )
),

observed as (
    select
        indicator_id,
        kind,
        direction,
        period_month,
        last_value(reported_value ignore nulls) over up_to_now as actual_value,
        last_value(case when reported_value is not null then period_month end ignore nulls)
            over up_to_now as actual_month,
        -- the baseline: the latest figure at or before the plan's first month (else none)
        last_value(case when period_month <= date '$plan_start-01' then reported_value end ignore nulls)
            over whole_series as baseline_value,
        last_value(
            case when period_month <= date '$plan_start-01' and reported_value is not null then period_month end
            ignore nulls
        ) over whole_series as baseline_month
    from province
    window
        up_to_now as (
            partition by indicator_id order by period_month
            rows between unbounded preceding and current row
        ),
        whole_series as (
            partition by indicator_id order by period_month
            rows between unbounded preceding and unbounded following
        )
),

with_target as (
    select
        observed.*,
        coalesce(
            min(targets.target_year) filter (where targets.target_year >= year(observed.period_month)),
            max(targets.target_year)
        ) as target_year
    from observed
    inner join plan.indicator_targets as targets
        on observed.indicator_id = targets.indicator_id
    where observed.period_month >= date '$plan_start-01'
    group by all
),

measured as (
    select
        with_target.*,
        targets.target_value,
        make_date(with_target.target_year, 12, 1) as deadline_month,
        with_target.direction = 'done' or with_target.kind = 'milestone' as is_milestone,
        case
            when with_target.actual_value is null then null
            when with_target.direction = 'at_most'
                then with_target.actual_value <= targets.target_value + 1e-9 * greatest(1.0, abs(targets.target_value))
            else with_target.actual_value >= targets.target_value - 1e-9 * greatest(1.0, abs(targets.target_value))
        end as is_met,
        case
            when with_target.direction = 'at_most' then with_target.baseline_value - targets.target_value
            else targets.target_value - with_target.baseline_value
        end as to_cover,
        case
            when with_target.direction = 'at_most' then with_target.baseline_value - with_target.actual_value
            else with_target.actual_value - with_target.baseline_value
        end as covered,
        -- time elapsed runs to the report period, from the baseline (else the month before the plan)
        coalesce(with_target.baseline_month, date '$plan_start-01' - interval 1 month) as time_base
    from with_target
    inner join plan.indicator_targets as targets
        on with_target.indicator_id = targets.indicator_id
        and with_target.target_year = targets.target_year
),

judged as (
    select
        *,
        case
            when actual_value is null then null
            when is_milestone then case when is_met then 1.0 else 0.0 end
            when baseline_value is null
                then case when direction = 'at_most' then target_value / nullif(actual_value, 0)
                    else actual_value / nullif(target_value, 0) end
            when to_cover > 0 then covered / to_cover
        end as completion,
        case
            when datediff('month', time_base, deadline_month) <= 0 then 1.0
            else greatest(0.0, least(1.0,
                datediff('month', time_base, period_month) / datediff('month', time_base, deadline_month)))
        end as time_elapsed,
        coalesce(bool_or(case when period_month = deadline_month then is_met end) over whole_target, false)
            as met_at_deadline,
        coalesce(bool_or(case when period_month > deadline_month then is_met end) over target_so_far, false)
            as met_after_deadline,
        datediff('month', baseline_month, actual_month) as months_observed,
        datediff('month', baseline_month, deadline_month) as months_required
    from measured
    window
        whole_target as (partition by indicator_id, target_year),
        target_so_far as (
            partition by indicator_id, target_year order by period_month
            rows between unbounded preceding and current row
        )
),

final as (
    select
        indicator_id,
        period_month,
        actual_value,
        baseline_value,
        target_year,
        target_value,
        completion,
        time_elapsed,
        case
            when period_month > deadline_month then
                case
                    when met_at_deadline then 'achieved'
                    when met_after_deadline then 'achieved_late'
                    when actual_value is null then 'no_data'
                    else 'overdue'
                end
            when actual_value is null then 'no_data'
            when is_met then 'achieved'
            when period_month = deadline_month then 'not_achieved'
            when is_milestone then case when time_elapsed >= $milestone_elapsed then 'at_risk' else 'on_track' end
            when completion is null then 'behind'
            when completion >= time_elapsed - 1e-9 then 'on_track'
            when completion >= time_elapsed - $margin - 1e-9 then 'at_risk'
            else 'behind'
        end as status_code,
        -- Open SDG's R, left out where it reports none; 0.005 and 12 are dbt_project.yml's
        -- r_min_required_growth and r_min_months_observed
        case
            when actual_value is null or is_milestone or is_met or baseline_value is null then null
            when baseline_value <= 0 or actual_value <= 0 or target_value <= 0 then null
            when months_required <= 0 or months_observed < 12 then null
            when abs(power(target_value / baseline_value, 12.0 / months_required) - 1) < 0.005 then null
            else (case when direction = 'at_most' then -1.0 else 1.0 end)
                * (power(actual_value / baseline_value, 12.0 / months_observed) - 1)
                / abs(power(target_value / baseline_value, 12.0 / months_required) - 1)
        end as growth_ratio
    from judged
)

select * from final
