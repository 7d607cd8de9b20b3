"""Every contract, every check: clean data passes; breaking the data on purpose makes that check fail.

``BREAKS`` is the table: contract -> check key -> the SQL that breaks the healthy warehouse for that
check (and ``WARNED`` marks the checks that only warn). A check no SQL can fail is a defect, so a
test also asserts that every check of every contract appears in the table.

The sector marts' contracts share templates (quality/contract_templates/): their breaking cases are
made per sector by one function per template, so each sector's own contract is proven to fail.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml
from quality_fixture import PERIOD, sha

from newinfra import db
from newinfra.errors import PlatformError
from newinfra.settings import PROJECT_ROOT
from quality import settings as S
from quality.helpers import Contract, contract_document, discover_contracts, render_template
from quality.runner import run_checks

FAILED, WARNED = S.FAILED, S.WARNED

F_BDB = sha("BDB", PERIOD, 1)  # BDB's 2024-06 file
F_CA1 = sha("CA", PERIOD, 1)  # CA's 2024-06, first version
F_CA2 = sha("CA", PERIOD, 2)  # ... and its revision
F_DRC = sha("DRC", PERIOD, 1)  # DRC's 2024-06 file (with the projects)
F_QUAR = sha("quarantined")
F_DUP = sha("duplicate")


def one(table: str, where: str = "true") -> str:
    """A predicate picking one row of a base table."""
    return f"rowid = (select min(rowid) from {table} where {where})"


def upd(table: str, assignment: str, where: str = "true") -> str:
    return f"update {table} set {assignment} where {one(table, where)}"


def dup(table: str, where: str = "true") -> str:
    return f"insert into {table} select * from {table} where {one(table, where)}"


def wrap_view(view: str, select_list: str) -> list[str]:
    """Replace a staging view by one built on top of the original (renamed)."""
    schema, name = view.split(".")
    return [
        f"alter view {view} rename to {name}__orig",
        f"create view {view} as select {select_list} from {schema}.{name}__orig",
    ]


SF, SV, SP, SR = (
    "raw.submission_files",
    "raw.submission_values",
    "raw.submission_projects",
    "raw.submission_rejections",
)
PR, PO = "raw.project_registry", "raw.public_observations"
RPT, MON = "governance.rpt_responsibility_table", "governance.fct_indicator_monthly"
COMP, RATES = "governance.fct_submission_compliance", "governance.fct_reporting_rates"
PROJ, ROLL = "governance.fct_project_investment", "governance.fct_investment_rollup"
REV, REC = "governance.fct_revisions_after_publication", "governance.fct_reconciliation"
DD, DP, DI = "governance.dim_department", "governance.dim_prefecture", "governance.dim_indicator"
PROG = "governance.fct_indicator_progress"
BB5G, RACK = "broadband.fct_broadband_5g", "compute.fct_compute_rack_utilisation"
IOTC, WRS, TELE = (
    "iot.fct_iot_connections",
    "water.fct_water_reservoir_stations",
    "health.fct_health_telemedicine",
)

# The sector marts (dbt_project/models/marts/<sector>/, governance aside); each has a contract.
MARTS_DIR = PROJECT_ROOT / "dbt_project" / "models" / "marts"
SECTOR_MARTS = sorted(
    (path.parent.name, path.stem) for path in MARTS_DIR.glob("*/*.sql") if path.parent.name != "governance"
)
SECTORS = sorted({sector for sector, model in SECTOR_MARTS if model == f"fct_{sector}_progress"})
IN_DEPTH = sorted({sector for sector, model in SECTOR_MARTS if model == f"fct_{sector}_indicator_monthly"})


def revision_row(**overrides) -> str:
    """A row of 修订说明 that passes every check, with ``overrides``."""
    row = {
        "file_id": f"'{F_CA2}'",
        "file_version": "2",
        "received_at": "timestamp '2024-07-20 02:00:00'",
        "department_code": "'CA'",
        "period": f"'{PERIOD}'",
        "indicator_id": "'g5_base_stations'",
        "prefecture_code": "'GY'",
        "value": "110.0",
        "previous_value": "100.0",
        "value_change": "10.0",
        "is_changed": "true",
        "first_published_at": "timestamp '2024-07-10 02:00:00'",
        **overrides,
    }
    return f"insert into {REV} ({', '.join(row)}) values ({', '.join(row.values())})"


ONE_PO_G5 = one(PO, "indicator_id = 'g5_base_stations'")
ONE_RPT_PERIOD = one(RPT, f"period = '{PERIOD}'")
ONE_COMP_PERIOD = one(COMP, f"period = '{PERIOD}'")
ONE_DP_NOT_GZ = one(DP, "prefecture_code <> 'GZ'")
MARK_F2_AFTER_PUBLICATION = f"update {SF} set is_after_publication = true where file_id = '{F_CA2}'"


def warned(breaks: dict[str, list[str]]) -> dict[str, tuple[list[str], str]]:
    """Every check of a sector mart warns (its contract says why)."""
    return {key: (statements, WARNED) for key, statements in breaks.items()}


def sector_progress_breaks(sector: str) -> dict[str, tuple[list[str], str]]:
    """Template sector_progress: the sector's view reads governance.fct_indicator_progress, so a row
    of that table changed is a row of the view changed; the view itself wrapped to drop or alter a
    column (every row: which one changes does not matter)."""
    view, mine = f"{sector}.fct_{sector}_progress", f"sector = '{sector}'"
    breaks = {
        "indicator_id.missing": [upd(PROG, "indicator_id = null", mine)],
        "period.missing": [upd(PROG, "period = null", mine)],
        "status_code.invalid": [upd(PROG, "status_code = 'great'", mine)],
        "time_elapsed.invalid": [upd(PROG, "time_elapsed = 1.5", mine)],
        "columns_present": wrap_view(view, "* exclude (status_code)"),
        "duplicate": [dup(PROG, mine)],
        "rows_match_governance": [upd(PROG, "sector = 'elsewhere'", mine)],
        "figures_match_governance": wrap_view(
            view,
            "* replace (case when status_code = 'behind' then 'on_track' else 'behind' end as status_code)",
        ),
        "within_bounds": [upd(PROG, "actual_value = -5", mine)],
        "period_complete": [f"delete from {PROG} where {one(PROG, f'{mine} and period = {PERIOD!r}')}"],
    }
    if sector == "compute":
        breaks["pue_in_range"] = [upd(PROG, "actual_value = 9", "indicator_id like '%pue%'")]
    return warned(breaks)


def sector_monthly_breaks(sector: str) -> dict[str, tuple[list[str], str]]:
    """Template sector_indicator_monthly: as above, over governance.fct_indicator_monthly."""
    view, mine = f"{sector}.fct_{sector}_indicator_monthly", f"sector = '{sector}'"
    breaks = {
        "indicator_id.missing": [upd(MON, "indicator_id = null", mine)],
        "prefecture_code.missing": [upd(MON, "prefecture_code = null", mine)],
        "period.missing": [upd(MON, "period = null", mine)],
        "share_of_province.invalid": [upd(MON, "share_of_province = 1.5", mine)],
        "columns_present": wrap_view(view, "* exclude (value_basis)"),
        "duplicate": [dup(MON, mine)],
        "rows_match_governance": [upd(MON, "sector = 'elsewhere'", mine)],
        "figures_match_governance": wrap_view(view, "* replace (coalesce(value, 0) * 1.5 + 100 as value)"),
        "within_bounds": [upd(MON, "value = -5", mine)],
        "period_present": [f"update {MON} set value = null where {mine} and period = '{PERIOD}'"],
    }
    if sector == "compute":
        breaks["pue_in_range"] = [upd(MON, "value = 9", "indicator_id like '%pue%'")]
    return warned(breaks)


BREAKS: dict[str, dict[str, list[str] | tuple[list[str], str]]] = {
    "newinfra/raw/submission_files": {
        "file_id.invalid": [
            f"insert into {SF} select * replace ('not-a-sha' as file_id) from {SF} where file_id = '{F_QUAR}'"
        ],
        "content_sha256.missing": [f"update {SF} set content_sha256 = null where file_id = '{F_QUAR}'"],
        "content_sha256.invalid": [f"update {SF} set content_sha256 = 'abc' where file_id = '{F_QUAR}'"],
        "department_code.missing": [f"update {SF} set department_code = null where file_id = '{F_BDB}'"],
        "period.missing": [f"update {SF} set period = null where file_id = '{F_BDB}'"],
        "period.invalid": [f"update {SF} set period = '2024-13' where file_id = '{F_QUAR}'"],
        "file_format.invalid": [f"update {SF} set file_format = 'pdf' where file_id = '{F_QUAR}'"],
        "file_encoding.invalid": [f"update {SF} set file_encoding = 'latin-1' where file_id = '{F_QUAR}'"],
        "version.missing": [f"update {SF} set version = null where file_id = '{F_BDB}'"],
        "version.invalid": [f"update {SF} set version = 0 where file_id = '{F_BDB}'"],
        "status.invalid": [f"update {SF} set status = 'lost' where file_id = '{F_QUAR}'"],
        "quarantine_reason_code.missing": [
            f"update {SF} set quarantine_reason_code = null where file_id = '{F_QUAR}'"
        ],
        "rows_total.invalid": [f"update {SF} set rows_total = -1 where file_id = '{F_QUAR}'"],
        "rows_accepted.invalid": [f"update {SF} set rows_accepted = -1 where file_id = '{F_QUAR}'"],
        "rows_rejected.invalid": [f"update {SF} set rows_rejected = -1 where file_id = '{F_QUAR}'"],
        "rows_flagged.invalid": [f"update {SF} set rows_flagged = -1 where file_id = '{F_QUAR}'"],
        "duplicate_of.missing": [f"update {SF} set duplicate_of = null where file_id = '{F_DUP}'"],
        "schema": [f"alter table {SF} add column surprise varchar"],
        "rows_add_up": [f"update {SF} set rows_total = rows_total + 1 where file_id = '{F_BDB}'"],
        "flagged_within_accepted": [
            f"update {SF} set rows_flagged = rows_accepted + 1 where file_id = '{F_BDB}'"
        ],
        "duplicate": [f"update {SF} set version = 1 where file_id = '{F_CA2}'"],
        "department_known": [f"update {SF} set department_code = 'XYZ' where file_id = '{F_BDB}'"],
        "duplicate_of_known": [f"update {SF} set duplicate_of = '{'0' * 64}' where file_id = '{F_DUP}'"],
        "ledger_rows_rejected": [f"delete from {SR} where file_id = '{F_BDB}'"],
        "ledger_rows_accepted": [f"delete from {SV} where file_id = '{F_BDB}' and row_number = 2"],
        "period_present": [f"update {SF} set status = 'quarantined' where period = '{PERIOD}'"],
    },
    "newinfra/raw/submission_values": {
        "row_number.invalid": [
            f"update {SV} set row_number = 0 where file_id = '{F_BDB}' and row_number = 2"
        ],
        "period.invalid": [f"update {SV} set period = '2024-6' where file_id = '{F_BDB}' and row_number = 2"],
        "flag_reason_zh.missing": [
            f"update {SV} set is_flagged = true where file_id = '{F_BDB}' and row_number = 2"
        ],
        "schema": [f"alter table {SV} drop column value_as_written"],
        "duplicate": [
            f"insert into {SV} select * replace (999 as row_number) from {SV} "
            f"where file_id = '{F_BDB}' and row_number = 2"
        ],
        "file_loaded": [f"update {SF} set status = 'quarantined' where file_id = '{F_BDB}'"],
        "indicator_known": [upd(SV, "indicator_id = 'no_such_indicator'")],
        "prefecture_known": [upd(SV, "prefecture_code = 'XX'")],
        "reported_by_lead": [f"update {SV} set department_code = 'CA' where file_id = '{F_BDB}'"],
        "percent_in_range": [upd(SV, "value = 120", "indicator_id = 'g5_village_coverage_rate'")],
        "pue_in_range": [upd(SV, "value = 0.5", "indicator_id = 'dc_pue_avg'")],
        "count_not_negative": [upd(SV, "value = -5", "indicator_id = 'g5_base_stations'")],
        "milestone_zero_or_one": [upd(SV, "value = 0.5", "indicator_id = 'g5_county_full_coverage'")],
        "within_bounds": [upd(SV, "value = 900", "indicator_id = 'latency_guian_internal_ms'")],
        "prefectures_within_province": [
            f"insert into {SV} (file_id, sheet_name, row_number, department_code, period, indicator_id, "
            f"prefecture_code, value) values ('{F_CA2}', '指标', 999, 'CA', '{PERIOD}', 'g5_base_stations', "
            "'GZ', 1.0)"
        ],
        "period_present": [f"delete from {SV} where period = '{PERIOD}'"],
    },
    "newinfra/raw/submission_projects": {
        "period.invalid": [upd(SP, "period = '24-06'")],
        "total_investment_yuan.invalid": [upd(SP, "total_investment_yuan = -1")],
        "completed_this_month_yuan.missing": [upd(SP, "completed_this_month_yuan = null")],
        "completed_this_month_yuan.invalid": [upd(SP, "completed_this_month_yuan = -1")],
        "cumulative_completed_yuan.missing": [upd(SP, "cumulative_completed_yuan = null")],
        "cumulative_completed_yuan.invalid": [upd(SP, "cumulative_completed_yuan = -1")],
        "project_status.missing": [upd(SP, "project_status = null")],
        "project_status.invalid": [upd(SP, "project_status = 'cancelled'")],
        "schema": [f"alter table {SP} add column surprise varchar"],
        "duplicate": [f"insert into {SP} select * replace (99 as row_number) from {SP} where {one(SP)}"],
        "month_within_cumulative": [
            upd(
                SP,
                "completed_this_month_yuan = cumulative_completed_yuan + 1",
                "cumulative_completed_yuan is not null",
            )
        ],
        "file_loaded": [upd(SP, "department_code = 'BDB'")],
        "project_known": [upd(SP, "project_code = 'XJ-9999'")],
        "cumulative_within_total": (
            [upd(SP, "cumulative_completed_yuan = total_investment_yuan * 2", "total_investment_yuan > 0")],
            WARNED,
        ),
    },
    "newinfra/raw/submission_rejections": {
        "column_letter.invalid": [upd(SR, "column_letter = 'd1'")],
        "reason_code.invalid": [upd(SR, "reason_code = 'Not A Code'")],
        "reason_zh.invalid": [upd(SR, "reason_zh = ''")],
        "reason_en.invalid": [upd(SR, "reason_en = ''")],
        "schema": [f"alter table {SR} add column surprise varchar"],
        "file_known": [upd(SR, f"file_id = '{'e' * 64}'")],
    },
    "newinfra/raw/project_registry": {
        "project_code.invalid": [upd(PR, "project_code = ' XJ 1'")],
        "project_name.invalid": [upd(PR, "project_name = ''")],
        "sector.invalid": [upd(PR, "sector = 'space'")],
        "total_investment_yuan.invalid": [upd(PR, "total_investment_yuan = -1")],
        "start_year.invalid": [upd(PR, "start_year = 1990")],
        "end_year.invalid": [upd(PR, "end_year = 2050")],
        "schema": [f"alter table {PR} add column surprise varchar"],
        "ends_after_start": [upd(PR, "start_year = 2025, end_year = 2023")],
        "department_known": [upd(PR, "department_code = 'XYZ'")],
        "prefecture_known": [upd(PR, "prefecture_code = 'XX'")],
    },
    "newinfra/raw/public_observations": {
        "period.invalid": [upd(PO, "period = '2023'")],
        "observation_version.invalid": [upd(PO, "observation_version = 0")],
        "file_sha256.invalid": [upd(PO, "file_sha256 = 'abc'")],
        "schema": [f"alter table {PO} add column surprise varchar"],
        "version_changes_value": [
            f"insert into {PO} select * replace (2 as observation_version) from {PO} where {one(PO)}"
        ],
        "fetch_known": [upd(PO, "fetch_id = 'nope'")],
        "indicator_known": [upd(PO, "indicator_id = 'nope'")],
        "prefecture_known": [upd(PO, "prefecture_code = 'XX'")],
        "percent_in_range": [
            f"insert into {PO} select * replace ('g5_village_coverage_rate' as indicator_id, 150.0 as value) "
            f"from {PO} where {one(PO)}"
        ],
        "pue_in_range": [
            f"insert into {PO} select * replace ('dc_pue_avg' as indicator_id, 0.8 as value) "
            f"from {PO} where {one(PO)}"
        ],
        "count_not_negative": [
            f"insert into {PO} select * replace ('GY' as prefecture_code, -1.0 as value) "
            f"from {PO} where {ONE_PO_G5}"
        ],
        "prefectures_within_province": (
            [
                f"insert into {PO} select * replace ('{code}' as prefecture_code) from {PO} where {ONE_PO_G5}"
                for code in ("GY", "ZY")
            ],
            WARNED,
        ),
    },
    "newinfra/staging/stg_submissions__files": {
        "period_month.missing": [f"update {SF} set period = '2024-13' where file_id = '{F_BDB}'"],
        "file_version.missing": [f"update {SF} set version = null where file_id = '{F_BDB}'"],
        "file_status.invalid": [f"update {SF} set status = 'weird' where file_id = '{F_QUAR}'"],
        "schema": wrap_view("staging.stg_submissions__files", "* exclude (is_accepted)"),
        "accepted_consistent": wrap_view(
            "staging.stg_submissions__files", "* replace (not is_accepted as is_accepted)"
        ),
    },
    "newinfra/staging/stg_submissions__values": {
        "period_month.missing": [
            f"update {SV} set period = '2024-13' where file_id = '{F_BDB}' and row_number = 2"
        ],
        "schema": wrap_view("staging.stg_submissions__values", "* exclude (period_month)"),
        "file_accepted": [f"update {SF} set status = 'quarantined' where file_id = '{F_BDB}'"],
        "period_present": [f"delete from {SV} where period = '{PERIOD}'"],
    },
    "newinfra/governance/rpt_responsibility_table": {
        "period.missing": [upd(RPT, "period = null")],
        "task_id.missing": [upd(RPT, "task_id = null")],
        "indicator_id.missing": [upd(RPT, "indicator_id = null")],
        "indicator_name_zh.missing": [upd(RPT, "indicator_name_zh = null")],
        "lead_department_names_zh.missing": [upd(RPT, "lead_department_names_zh = null")],
        "time_elapsed.invalid": [upd(RPT, "time_elapsed = 1.5")],
        "status_code.missing": [upd(RPT, "status_code = null")],
        "status_code.invalid": [upd(RPT, "status_code = 'great'")],
        "status_colour.invalid": [upd(RPT, "status_colour = 'purple'")],
        "no_growth_ratio": [f"alter table {RPT} add column growth_class varchar"],
        "schema": [f"alter table {RPT} drop column status_colour"],
        "duplicate": [dup(RPT)],
        "status_consistent": [
            upd(RPT, "status_code = 'no_data', status_label_zh = '无数据'", "actual_value is not null")
        ],
        "status_label_matches": [upd(RPT, "status_label_zh = '已完成'", "status_code = 'behind'")],
        "percent_in_range": [upd(RPT, "actual_value = 150", "unit = '%'")],
        "pue_in_range": [upd(RPT, "actual_value = 5", "indicator_id like '%pue%'")],
        "count_not_negative": [upd(RPT, "actual_value = -1", "kind = 'cumulative'")],
        "milestone_zero_or_one": [upd(RPT, "actual_value = 0.5", "kind = 'milestone'")],
        "known_to_plan": [upd(RPT, "task_id = 'M-99'")],
        "period_complete": [f"delete from {RPT} where {ONE_RPT_PERIOD}"],
        "period_present": [f"update {RPT} set actual_value = null where period = '{PERIOD}'"],
    },
    "newinfra/governance/fct_indicator_monthly": {
        "indicator_id.missing": [upd(MON, "indicator_id = null")],
        "prefecture_code.missing": [upd(MON, "prefecture_code = null")],
        "period.missing": [upd(MON, "period = null")],
        "value_basis.invalid": [upd(MON, "value_basis = 'guess'")],
        "schema": [f"alter table {MON} drop column reported_value"],
        "duplicate": [dup(MON)],
        "known_to_plan": [upd(MON, "indicator_id = 'nope'")],
        "percent_in_range": [upd(MON, "value = 150", "unit = '%'")],
        "pue_in_range": [upd(MON, "value = 9", "indicator_id like '%pue%'")],
        "count_not_negative": [upd(MON, "value = -1", "kind = 'level'")],
        "milestone_zero_or_one": [upd(MON, "value = 2", "kind = 'milestone'")],
        "province_is_sum": [
            upd(
                MON,
                "value = value * 1.5 + 100",
                "prefecture_code = 'GZ' and value_basis = 'sum_of_prefectures' and value is not null",
            )
        ],
        "prefectures_within_province": [
            upd(
                MON,
                "province_value_as_reported = 1",
                "prefecture_code = 'GZ' and value_basis = 'sum_of_prefectures' and value > 100",
            )
        ],
        "cumulative_not_falling": (
            [
                upd(
                    MON,
                    "mom_change = -10",
                    f"period = '{PERIOD}' and kind = 'cumulative' and reported_value is not null",
                )
            ],
            WARNED,
        ),
        "mom_change_outlier": (
            [
                upd(
                    MON,
                    "mom_change = previous_month_value",
                    f"period = '{PERIOD}' and indicator_id = 'g5_base_stations' and prefecture_code = 'GY'",
                )
            ],
            WARNED,
        ),
        "period_present": [f"update {MON} set value = null where period = '{PERIOD}'"],
    },
    "newinfra/governance/fct_submission_compliance": {
        "department_code.missing": [upd(COMP, "department_code = null")],
        "period.missing": [upd(COMP, "period = null")],
        "submission_status.invalid": [upd(COMP, "submission_status = 'perhaps'")],
        "days_late.invalid": [upd(COMP, "days_late = 0")],
        "n_files_accepted.invalid": [upd(COMP, "n_files_accepted = -1")],
        "n_files_quarantined.invalid": [upd(COMP, "n_files_quarantined = -1")],
        "n_revisions.invalid": [upd(COMP, "n_revisions = -1")],
        "rows_accepted.invalid": [upd(COMP, "rows_accepted = -1")],
        "rows_rejected.invalid": [upd(COMP, "rows_rejected = -1")],
        "schema": [f"alter table {COMP} drop column submission_status"],
        "duplicate": [dup(COMP)],
        "status_consistent": [upd(COMP, "submission_status = 'late'", "submission_status = 'on_time'")],
        "expected_matches_plan": [upd(COMP, "is_expected = not is_expected")],
        "period_complete": [f"delete from {COMP} where {ONE_COMP_PERIOD}"],
    },
    "newinfra/governance/fct_reporting_rates": {
        "period.missing": [upd(RATES, "period = null")],
        "reporting_rate.invalid": [upd(RATES, "reporting_rate = 1.5")],
        "on_time_rate.invalid": [upd(RATES, "on_time_rate = -0.1")],
        "schema": [f"alter table {RATES} drop column reporting_rate"],
        "duplicate": [dup(RATES)],
        "counts_add_up": [upd(RATES, "n_late = n_late + 1")],
        "expected_matches_plan": [upd(RATES, "n_expected = n_expected + 1")],
        "matches_compliance": [upd(RATES, "n_submitted = n_submitted + 1")],
        "period_present": [f"delete from {RATES} where period = '{PERIOD}'"],
    },
    "newinfra/governance/fct_project_investment": {
        "project_code.missing": [upd(PROJ, "project_code = null")],
        "period.missing": [upd(PROJ, "period = null")],
        "project_name.missing": [upd(PROJ, "project_name = null")],
        "total_investment_yuan.invalid": [upd(PROJ, "total_investment_yuan = -1")],
        "completed_this_month_yuan.invalid": [upd(PROJ, "completed_this_month_yuan = -1")],
        "cumulative_completed_yuan.invalid": [upd(PROJ, "cumulative_completed_yuan = -1")],
        "project_status.invalid": [upd(PROJ, "project_status = 'dreaming'")],
        "schema": [f"alter table {PROJ} drop column project_status"],
        "duplicate": [dup(PROJ)],
        "registered": [upd(PROJ, "is_registered = false")],
        "month_within_cumulative": [
            upd(
                PROJ,
                "completed_this_month_yuan = cumulative_completed_yuan + 1",
                "cumulative_completed_yuan is not null",
            )
        ],
        "known_to_plan": [upd(PROJ, "prefecture_code = 'XX'")],
        "cumulative_not_falling": (
            [upd(PROJ, "cumulative_completed_yuan = completed_this_month_yuan", f"period = '{PERIOD}'")],
            WARNED,
        ),
        "cumulative_within_total": (
            [
                upd(
                    PROJ,
                    "cumulative_completed_yuan = total_investment_yuan * 2",
                    f"period = '{PERIOD}' and total_investment_yuan > 0",
                )
            ],
            WARNED,
        ),
    },
    "newinfra/governance/fct_investment_rollup": {
        "period.missing": [upd(ROLL, "period = null")],
        "total_investment_yuan.invalid": [upd(ROLL, "total_investment_yuan = -1")],
        "completed_this_month_yuan.invalid": [upd(ROLL, "completed_this_month_yuan = -1")],
        "cumulative_completed_yuan.invalid": [upd(ROLL, "cumulative_completed_yuan = -1")],
        "schema": [f"alter table {ROLL} drop column cumulative_completed_yuan"],
        "duplicate": [dup(ROLL)],
        "reported_within_projects": [upd(ROLL, "n_projects_reported = n_projects + 1")],
        "totals_match_projects": [
            upd(
                ROLL,
                "cumulative_completed_yuan = cumulative_completed_yuan + 1000",
                "cumulative_completed_yuan is not null",
            )
        ],
    },
    "newinfra/governance/fct_revisions_after_publication": {
        "value.missing": [MARK_F2_AFTER_PUBLICATION, revision_row(value="null", value_change="null")],
        "schema": [f"alter table {REV} drop column is_changed"],
        "change_consistent": [MARK_F2_AFTER_PUBLICATION, revision_row(value_change="5.0")],
        "period_published": [MARK_F2_AFTER_PUBLICATION, revision_row(first_published_at="null")],
        "file_after_publication": [revision_row()],
    },
    "newinfra/governance/fct_reconciliation": {
        "source_name.missing": [upd(REC, "source_name = null")],
        "indicator_id.missing": [upd(REC, "indicator_id = null")],
        "public_value.missing": [upd(REC, "public_value = null")],
        "schema": [f"alter table {REC} drop column gap"],
        "duplicate": [dup(REC)],
        "gap_consistent": [upd(REC, "gap = gap + 100 + abs(public_value)", "department_value is not null")],
        "comparison_basis.invalid": [upd(REC, "comparison_basis = 'other'")],
        "like_with_like": [
            upd(REC, "compared_public_value = public_value + 1", "comparison_basis = 'same_month'")
        ],
        "known_to_plan": [upd(REC, "prefecture_code = 'XX'")],
        "gap_within_threshold": (
            [
                upd(
                    REC,
                    "department_value = public_value * 1.5, gap = public_value * 0.5",
                    "department_value is not null and public_value > 0",
                )
            ],
            WARNED,
        ),
    },
    "newinfra/governance/dim_department": {
        "department_code.missing": [upd(DD, "department_code = null")],
        "department_code.duplicate": [dup(DD)],
        "name_zh.missing": [upd(DD, "name_zh = null")],
        "n_indicators_reported.invalid": [upd(DD, "n_indicators_reported = -1")],
        "schema": [f"alter table {DD} drop column name_zh"],
        "matches_plan": [f"delete from {DD} where {one(DD)}"],
        "reporting_matches_plan": [upd(DD, "is_reporting_department = not is_reporting_department")],
    },
    "newinfra/governance/dim_prefecture": {
        "prefecture_code.missing": [upd(DP, "prefecture_code = null")],
        "prefecture_code.duplicate": [dup(DP)],
        "name_zh.missing": [upd(DP, "name_zh = null")],
        "level.invalid": [upd(DP, "level = 'county'")],
        "schema": [f"alter table {DP} drop column name_zh"],
        "matches_plan": [f"delete from {DP} where {ONE_DP_NOT_GZ}"],
        "one_province": [f"update {DP} set is_province = true where prefecture_code = 'GY'"],
    },
    "newinfra/governance/dim_indicator": {
        "indicator_id.missing": [upd(DI, "indicator_id = null")],
        "indicator_id.duplicate": [dup(DI)],
        "name_zh.missing": [upd(DI, "name_zh = null")],
        "sector.invalid": [upd(DI, "sector = 'space'")],
        "sector_zh.missing": [upd(DI, "sector_zh = null")],
        "kind.invalid": [upd(DI, "kind = 'vibe'")],
        "direction.invalid": [upd(DI, "direction = 'sideways'")],
        "schema": [f"alter table {DI} drop column kind"],
        "bounds_ordered": [upd(DI, "value_min = 200", "value_max = 100")],
        "matches_plan": [f"delete from {DI} where {one(DI)}"],
    },
    "newinfra/broadband/fct_broadband_5g": warned(
        {
            "prefecture_code.missing": [upd(BB5G, "prefecture_code = null")],
            "period.missing": [upd(BB5G, "period = null")],
            "base_stations.invalid": [upd(BB5G, "base_stations = -1")],
            "share_of_province_base_stations.invalid": [upd(BB5G, "share_of_province_base_stations = 1.5")],
            "village_coverage_rate.invalid": [upd(BB5G, "village_coverage_rate = 150")],
            "duplicate": [dup(BB5G)],
            "matches_monthly": [
                upd(BB5G, "base_stations = base_stations * 1.5 + 100", "base_stations is not null")
            ],
            "matches_progress": [
                upd(BB5G, "village_coverage_target_rate = coalesce(village_coverage_target_rate, 0) + 10")
            ],
            "targets_on_province_row_only": [
                upd(BB5G, "village_coverage_target_rate = 70", "prefecture_code <> 'GZ'")
            ],
            "period_present": [f"update {BB5G} set base_stations = null where period = '{PERIOD}'"],
            "built_this_month_null_when_not_reported": [
                upd(
                    BB5G,
                    "is_base_stations_fully_reported = false",
                    "base_stations_built_this_month is not null",
                )
            ],
            "built_this_month_from_cumulative": [
                upd(
                    BB5G,
                    "base_stations_built_this_month = base_stations_built_this_month * 1.5 + 100",
                    "base_stations_built_this_month is not null",
                )
            ],
        }
    ),
    "newinfra/compute/fct_compute_rack_utilisation": warned(
        {
            "prefecture_code.missing": [upd(RACK, "prefecture_code = null")],
            "period.missing": [upd(RACK, "period = null")],
            "total_racks.invalid": [upd(RACK, "total_racks = -1")],
            "share_of_province_racks.invalid": [upd(RACK, "share_of_province_racks = 1.5")],
            "utilisation_rate.invalid": [upd(RACK, "utilisation_rate = 150")],
            "duplicate": [dup(RACK)],
            "matches_monthly": [
                upd(RACK, "total_racks = total_racks * 1.5 + 100", "total_racks is not null")
            ],
            "estimate_consistent": [
                upd(RACK, "estimated_racks_in_use = coalesce(estimated_racks_in_use, 0) + 1")
            ],
            "targets_on_province_row_only": [
                upd(RACK, "utilisation_target_rate = 65", "prefecture_code <> 'GZ'")
            ],
            "matches_progress": [
                upd(RACK, "utilisation_target_rate = coalesce(utilisation_target_rate, 0) + 10")
            ],
            "period_present": [f"update {RACK} set total_racks = null where period = '{PERIOD}'"],
        }
    ),
    "newinfra/iot/fct_iot_connections": warned(
        {
            "prefecture_code.missing": [upd(IOTC, "prefecture_code = null")],
            "period.missing": [upd(IOTC, "period = null")],
            "connections.invalid": [upd(IOTC, "connections = -1")],
            "share_of_province.invalid": [upd(IOTC, "share_of_province = 1.5")],
            "duplicate": [dup(IOTC)],
            "matches_monthly": [
                upd(IOTC, "connections = connections * 1.5 + 100", "connections is not null")
            ],
            "matches_progress": [upd(IOTC, "target_connections = coalesce(target_connections, 0) + 10")],
            "period_present": [f"update {IOTC} set connections = null where period = '{PERIOD}'"],
        }
    ),
    "newinfra/water/fct_water_reservoir_stations": warned(
        {
            "prefecture_code.missing": [upd(WRS, "prefecture_code = null")],
            "period.missing": [upd(WRS, "period = null")],
            "stations_retrofitted.invalid": [upd(WRS, "stations_retrofitted = -1")],
            "share_of_province.invalid": [upd(WRS, "share_of_province = 1.5")],
            "province_time_elapsed.invalid": [upd(WRS, "province_time_elapsed = 1.5")],
            "duplicate": [dup(WRS)],
            "matches_monthly": [
                upd(
                    WRS,
                    "stations_retrofitted = stations_retrofitted * 1.5 + 100",
                    "stations_retrofitted is not null",
                )
            ],
            "this_month_null_when_not_reported": [
                upd(WRS, "is_fully_reported = false", "stations_retrofitted_this_month is not null")
            ],
            "month_figures_consistent": [
                upd(WRS, "stations_retrofitted_this_month = 0", "stations_retrofitted_this_month > 0")
            ],
            "since_last_report_adds_up": [
                upd(
                    WRS,
                    "stations_retrofitted_since_last_report = stations_retrofitted_since_last_report + 100",
                    "stations_retrofitted_since_last_report is not null",
                )
            ],
            "targets_on_province_row_only": [
                upd(WRS, "province_target_stations = 1820", "prefecture_code <> 'GZ'")
            ],
            "matches_progress": [
                upd(WRS, "province_target_stations = coalesce(province_target_stations, 0) + 10")
            ],
            "period_present": [f"update {WRS} set stations_retrofitted = null where period = '{PERIOD}'"],
        }
    ),
    "newinfra/health/fct_health_telemedicine": warned(
        {
            "prefecture_code.missing": [upd(TELE, "prefecture_code = null")],
            "period.missing": [upd(TELE, "period = null")],
            "person_times_cumulative.invalid": [upd(TELE, "person_times_cumulative = -1")],
            "share_of_province.invalid": [upd(TELE, "share_of_province = 1.5")],
            "duplicate": [dup(TELE)],
            "matches_monthly": [
                upd(
                    TELE,
                    "person_times_cumulative = person_times_cumulative * 1.5 + 100",
                    "person_times_cumulative is not null",
                )
            ],
            "this_month_null_when_not_reported": [
                upd(TELE, "is_carried_forward = true", "person_times_this_month is not null")
            ],
            "month_figures_consistent": [
                upd(TELE, "person_times_this_month = 0", "person_times_this_month > 0")
            ],
            "since_last_report_adds_up": [
                upd(
                    TELE,
                    "person_times_since_last_report = person_times_since_last_report + 100",
                    "person_times_since_last_report is not null",
                )
            ],
            "year_on_year_by_calendar": [
                upd(
                    TELE,
                    "person_times_same_month_last_year = coalesce(person_times_same_month_last_year, 0) + 1",
                )
            ],
            "targets_on_province_row_only": [
                upd(TELE, "target_person_times = 5000000", "prefecture_code <> 'GZ'")
            ],
            "matches_progress": [upd(TELE, "target_person_times = coalesce(target_person_times, 0) + 10")],
            "period_present": [f"update {TELE} set person_times_cumulative = null where period = '{PERIOD}'"],
        }
    ),
    **{f"newinfra/{s}/fct_{s}_progress": sector_progress_breaks(s) for s in SECTORS},
    **{f"newinfra/{s}/fct_{s}_indicator_monthly": sector_monthly_breaks(s) for s in IN_DEPTH},
}


def _cases(breaks=None):
    """One pytest param per breaking case of ``breaks`` (this module's BREAKS by default)."""
    for contract_id, checks in (BREAKS if breaks is None else breaks).items():
        for check_name, spec in checks.items():
            statements, expected = spec if isinstance(spec, tuple) else (spec, FAILED)
            yield pytest.param(
                contract_id, check_name, statements, expected, id=f"{contract_id}:{check_name}"
            )


def contract_check_keys(contract: Contract) -> list[str]:
    """The check keys of a contract (its template rendered), as the runner records them."""
    doc = contract_document(contract)
    keys = []
    for column in doc["columns"]:
        for check in column.get("checks") or []:
            ((check_type, body),) = check.items()
            keys.append(f"{column['name']}.{(body or {}).get('qualifier') or check_type}")
    for check in doc.get("checks") or []:
        ((check_type, body),) = check.items()
        keys.append((body or {}).get("qualifier") or check_type)
    return keys


CONTRACTS = {c.contract_id: c for c in discover_contracts()}


def test_every_check_of_every_contract_has_a_breaking_case():
    # the governance contracts' breaking cases live in their own module, which adds them to BREAKS
    # when it is imported (here, not at the top: it imports this module's helpers)
    import test_contracts_bounds  # noqa: F401
    import test_contracts_governance  # noqa: F401
    import test_contracts_public_health  # noqa: F401
    import test_contracts_remarks  # noqa: F401

    declared = {(cid, key) for cid, c in CONTRACTS.items() for key in contract_check_keys(c)}
    broken = {(cid, key) for cid, checks in BREAKS.items() for key in checks}
    assert declared - broken == set(), "checks no test can fail"
    assert broken - declared == set(), "breaking cases for checks that do not exist"


def test_check_keys_are_unique_and_every_check_is_named():
    for contract in CONTRACTS.values():
        keys = contract_check_keys(contract)
        assert len(keys) == len(set(keys)), contract.contract_id
        doc = contract_document(contract)
        bodies = [b for col in doc["columns"] for ch in col.get("checks") or [] for b in ch.values()]
        bodies += [b for ch in doc.get("checks") or [] for b in ch.values()]
        assert all((b or {}).get("name") for b in bodies), f"{contract.contract_id}: a check without a name"


def test_contracts_cover_the_raw_tables_and_the_marts_the_report_reads():
    from exports.data import REQUIRED

    expected = {
        "raw.submission_files",
        "raw.submission_values",
        "raw.submission_projects",
        "raw.submission_rejections",
        "raw.project_registry",
        "raw.public_observations",
        "governance.fct_reconciliation",
        *REQUIRED,
    }
    assert expected - {c.dataset for c in CONTRACTS.values()} == set()


def test_every_sector_mart_has_a_contract():
    """A new sector (or sector mart) in dbt is a new contract file here; a sector's progress and
    monthly marts use their template with the sector's name."""
    assert set(SECTOR_MARTS) == {
        (c.schema, c.table) for c in CONTRACTS.values() if c.schema not in ("raw", "staging", "governance")
    }
    templates = {"progress": "sector_progress", "indicator_monthly": "sector_indicator_monthly"}
    for sector, model in SECTOR_MARTS:
        contract = CONTRACTS[f"newinfra/{sector}/{model}"]
        template = templates.get(model.removeprefix(f"fct_{sector}_"))
        assert (contract.template.stem if contract.template else None) == template, model
        if template:
            assert contract_document(contract)["variables"]["sector"] == {"default": sector}, model


def test_show_contract_prints_what_soda_verifies():
    path = CONTRACTS["newinfra/compute/fct_compute_progress"].path
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "check", "--show-contract", str(path)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    doc = yaml.safe_load(proc.stdout)
    assert doc["dataset"] == "newinfra/compute/fct_compute_progress"
    qualifiers = [body.get("qualifier") for check in doc["checks"] for body in check.values()]
    assert qualifiers[-1] == "pue_in_range" and "rows_match_governance" in qualifiers


def test_a_template_contract_is_the_template_with_its_own_dataset_variables_and_checks():
    template = {
        "variables": {"sector": None, "period": None},
        "columns": [{"name": "a", "checks": [{"missing": {"name": "a"}}]}],
        "checks": [{"duplicate": {"name": "d", "columns": ["a"]}}],
    }
    contract = {
        "dataset": "newinfra/compute/fct_compute_progress",
        "template": "sector_progress",
        "variables": {"sector": {"default": "compute"}},
        "checks": [{"failed_rows": {"name": "pue", "qualifier": "pue_in_range", "expression": "x"}}],
    }
    assert render_template(template, contract) == {
        "dataset": "newinfra/compute/fct_compute_progress",
        "variables": {"sector": {"default": "compute"}, "period": None},
        "columns": template["columns"],
        "checks": [*template["checks"], *contract["checks"]],
    }


def test_a_contract_naming_a_template_that_does_not_exist_is_refused(tmp_path):
    path = tmp_path / "newinfra" / "compute" / "fct_compute_progress.yml"
    path.parent.mkdir(parents=True)
    path.write_text("dataset: newinfra/compute/fct_compute_progress\ntemplate: no_such_template\n", "utf-8")
    with pytest.raises(PlatformError, match="no template 'no_such_template'"):
        discover_contracts(tmp_path)


def test_clean_data_passes_every_contract(healthy):
    run = run_checks(healthy, period=PERIOD)
    problems = [
        f"{r.contract}:{r.check_name} {r.outcome} {r.message}" for r in run.results if r.outcome != "passed"
    ]
    assert problems == []
    assert not run.is_blocked
    assert run.n_contracts == len(CONTRACTS)
    assert run.counts["passed"] == run.n_checks > 200


def assert_break_fails_the_check(healthy, contract_id, check_name, statements, expected):
    """Run ``statements`` on the healthy warehouse, then the contract: exactly that check has the
    ``expected`` outcome, blocking if and only if it failed."""
    with db.writer(healthy) as con:
        for sql in statements:
            con.execute(sql)
    run = run_checks(healthy, period=PERIOD, contracts=[CONTRACTS[contract_id]])
    records = {r.check_name: r for r in run.results}
    assert check_name in records, sorted(records)
    record = records[check_name]
    assert record.outcome == expected, record.message
    assert record.is_blocking is (expected == FAILED)
    # a blocking failure stops the export; a warning alone does not
    assert run.is_blocked is (expected == FAILED)


@pytest.mark.parametrize(("contract_id", "check_name", "statements", "expected"), list(_cases()))
def test_breaking_the_data_fails_the_check(healthy, contract_id, check_name, statements, expected):
    assert_break_fails_the_check(healthy, contract_id, check_name, statements, expected)
