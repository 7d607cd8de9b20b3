{#-
    进展测算方法说明 / the report's method note, as data (docs/progress-method.md "The method note").
    One row per rule, in the order people read them; every threshold and label is read from the same
    vars and seed the models use, so the note printed in the package cannot drift from the method.
-#}
{%- set margin_pct = (var('at_risk_margin') * 100) | round(0) | int -%}
{%- set milestone_pct = (var('milestone_at_risk_elapsed') * 100) | round(0) | int -%}

with

labels as (

    select
        code,
        label_zh
    from {{ ref('progress_statuses') }}

),

labels_wide as (

    select
        max(label_zh) filter (where code = 'achieved') as achieved,
        max(label_zh) filter (where code = 'achieved_late') as achieved_late,
        max(label_zh) filter (where code = 'on_track') as on_track,
        max(label_zh) filter (where code = 'at_risk') as at_risk,
        max(label_zh) filter (where code = 'behind') as behind,
        max(label_zh) filter (where code = 'not_achieved') as not_achieved,
        max(label_zh) filter (where code = 'overdue') as overdue,
        max(label_zh) filter (where code = 'no_data') as no_data,
        max(label_zh) filter (where code = 'stale') as stale,
        max(label_zh) filter (where code = 'plan_ended') as plan_ended,
        max(label_zh) filter (where code = 'likely') as likely,
        max(label_zh) filter (where code = 'unlikely') as unlikely
    from labels

),

rules as (

    select
        1 as sort_order,
        'completion' as rule_code,
        '完成率 = 实际值 ÷ 目标值（“不高于”类目标为 目标值 ÷ 实际值）；基期以来进度 =（实际值 − 基期值）÷（目标值 − 基期值）。'
        || '到期前的状态用基期以来进度与时间进度比较（无基期时用完成率）。' as note_zh
    from labels_wide
    union all
    select
        2 as sort_order,
        'time_elapsed' as rule_code,
        '时间进度 =（报告期 − 基期月）÷（目标年12月 − 基期月），量到报告期，不量到数据所在月。' as note_zh
    from labels_wide
    union all
    select
        3 as sort_order,
        'before_deadline' as rule_code,
        '到期前：达到目标为“' || achieved || '”；基期以来进度不低于时间进度为“' || on_track || '”；低于时间进度不超过'
        || '{{ margin_pct }}个百分点为“' || at_risk || '”；否则为“' || behind || '”；无数据为“' || no_data || '”。' as note_zh
    from labels_wide
    union all
    select
        4 as sort_order,
        'milestone' as rule_code,
        '建成、上线、实现类（里程碑）目标：完成为“' || achieved || '”；到期前未完成，时间进度达到{{ milestone_pct }}%为“'
        || at_risk || '”，否则为“' || on_track || '”；到期未完成为“' || not_achieved || '”。' as note_zh
    from labels_wide
    union all
    select
        5 as sort_order,
        'at_deadline' as rule_code,
        '到期月（目标年12月）只判“' || achieved || '”“' || not_achieved || '”或“' || no_data || '”。' as note_zh
    from labels_wide
    union all
    select
        6 as sort_order,
        'after_deadline' as rule_code,
        '到期后：未完成为“' || overdue || '”；到期后才完成为“' || achieved_late || '”并注明完成月份；'
        || '各目标到期时的评估保留显示（如“2022年目标未按期完成，2023年5月完成”）。' as note_zh
    from labels_wide
    union all
    select
        7 as sort_order,
        'stale' as rule_code,
        '数据所在月早于报告期超过{{ var("stale_after_months") }}个月的，状态旁标注“' || stale || '”；状态仍按报告期判断。' as note_zh
    from labels_wide
    union all
    select
        8 as sort_order,
        'projection' as rule_code,
        '到期前未完成的目标，按最近{{ var("projection_window_months") }}个月的报送趋势（线性；增长为倍数型的指标按年均复合增长）预计到期值：'
        || '达到目标为“' || likely || '”，否则为“' || unlikely || '”，并给出需月均增加（或减少）的数量。' as note_zh
    from labels_wide
    union all
    select
        9 as sort_order,
        'plan_ended' as rule_code,
        '规划期（{{ var("plan_start_month") }}至{{ var("plan_end_month") }}）结束后为“' || plan_ended
        || '”，月度调度继续跟踪未完成的目标，下月模板只填报未完成的指标。' as note_zh
    from labels_wide

),

final as (

    select
        sort_order,
        rule_code,
        note_zh
    from rules

)

select * from final
