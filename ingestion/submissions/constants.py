"""Constants of the department submission: the template layout and the reasons for refusing input.

The template writer (``ingestion/submissions/template.py``) and the parser (``ingestion/submissions``) both import
this module, so the sheet names, header texts, column keys and template version can never drift apart.
Chinese for people (sheet names, headers, reasons), ASCII for machines (keys, codes).
"""

from __future__ import annotations

# --- Template identity ------------------------------------------------------------------------------
TEMPLATE_KIND = "newinfra-submission"
TEMPLATE_VERSION = "2024.1"
# Versions the parser still accepts (a new layout adds a version; old files keep loading while valid).
SUPPORTED_TEMPLATE_VERSIONS = ("2024.1",)

# --- Sheets -----------------------------------------------------------------------------------------
SHEET_GUIDE = "填报说明"
SHEET_INDICATORS = "指标填报"
SHEET_PROJECTS = "重大项目进展"
SHEET_META = "_meta"  # very hidden; key/value rows, ASCII

# Metadata keys (column A of the metadata sheet; ``# key=value`` lines of a CSV).
META_KIND = "template"
META_VERSION = "template_version"
META_DEPARTMENT = "department_code"
META_PERIOD = "period"
META_SIGNATURE = "signature"
META_KEYS = (META_KIND, META_VERSION, META_DEPARTMENT, META_PERIOD, META_SIGNATURE)

# --- Contacts: 填报人 and 联系电话, input cells of the 填报说明 sheet (label in column A, value in B) --------
# A CSV may carry them as optional lines ``#contact_name=...`` / ``#contact_phone=...`` (or ``#填报人=``,
# ``#联系电话=``) beside the metadata. Neither is signed nor required: a file without them still loads.
CONTACT_FIELDS: tuple[tuple[str, str], ...] = (("contact_name", "填报人"), ("contact_phone", "联系电话"))

# --- Indicator sheet ----------------------------------------------------------------------------------
# (key, header text). Keys are what the parser and the CSV use; header texts are what people see.
# The first two columns are hidden machine codes: a row is identified by codes, never by Chinese text.
INDICATOR_COLUMNS: tuple[tuple[str, str], ...] = (
    ("indicator_id", "指标代码"),
    ("prefecture_code", "地区代码"),
    ("indicator_name", "指标名称"),
    ("prefecture_name", "地区"),
    ("unit", "计量单位"),
    ("previous_value", "上期数值（参考）"),
    ("value", "本期数值（按计量单位填写）"),
    ("note", "备注（选填）"),
)
INDICATOR_HIDDEN_KEYS = ("indicator_id", "prefecture_code")
INDICATOR_INPUT_KEYS = ("value", "note")
INDICATOR_REQUIRED_KEYS = ("indicator_id", "prefecture_code", "value")

# --- Project sheet (重大项目进展); money in 万元 in the sheet, yuan in the warehouse -----------------------
PROJECT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("project_code", "项目编号"),
    ("project_name", "项目名称"),
    ("sector", "所属领域"),
    ("prefecture", "所在地区"),
    ("total_investment", "总投资（万元）"),
    ("completed_this_month", "本月完成投资（万元）"),
    ("cumulative_completed", "累计完成投资（万元）"),
    ("status", "项目状态"),
    ("note", "备注（选填）"),
)
PROJECT_INPUT_KEYS = ("completed_this_month", "cumulative_completed", "status", "note")
PROJECT_REQUIRED_KEYS = ("project_code", "completed_this_month", "cumulative_completed", "status")
PROJECT_MONEY_KEYS = ("total_investment", "completed_this_month", "cumulative_completed")

# Layout of both data sheets: a title row, a hint row, then the header row; data below it.
TITLE_ROW = 1
HINT_ROW = 2
HEADER_ROW = 3  # 1-based
FIRST_DATA_ROW = HEADER_ROW + 1
HEADER_SEARCH_ROWS = 10  # the parser looks for the header row within the first N rows

PROJECT_STATUSES: dict[str, str] = {
    "planned": "未开工",
    "under_construction": "在建",
    "completed": "已完工",
    "suspended": "暂停",
}


# --- Files --------------------------------------------------------------------------------------------
CSV_ENCODINGS = ("utf-8-sig", "utf-8", "gb18030")  # tried in this order, strict decoding
# Files in a landing folder that are skipped (still being uploaded, editor lock files, our own notes).
SKIP_PREFIXES = (".", "~$")
SKIP_SUFFIXES = (".part", ".tmp", ".filepart", ".crdownload", ".partial")
LANDING_ROOT_SENDER = "_root"
UNKNOWN_SENDER = "_unknown"
MAX_DATA_ROWS = 20_000  # per sheet; a template has some hundreds at most
# A run of at least this many files uses worker processes (parse ahead, feedback) beside the loader.
PARALLEL_MIN_FILES = 64
PARSE_AHEAD = 16  # files parsed ahead of the loader at most (bounds memory)
# Files per task handed to a worker (parse ahead; feedback): fewer messages between the processes,
# whose handling costs the loader's process more than the work it hands over for one small file.
WORKER_BATCH = 4
# Commit each file's transaction in a background thread while the next file is staged on a second
# connection (one commit in flight, in arrival order): the commit's disk flush overlaps the next load.
BACKGROUND_COMMITS = True

# Ledger statuses.
STATUS_LOADED = "loaded"
STATUS_PARTIAL = "partially_loaded"
STATUS_QUARANTINED = "quarantined"
STATUS_DUPLICATE = "duplicate"
# A file with no value filled in (a blank template sent back): 未填报, not a submission, never on time.
STATUS_BLANK = "blank"
# Quarantine reasons that can change (a limit raised, the period arrived, a folder mapped): the same
# bytes are examined again when sent again or with `newinfra ingest --retry-quarantined`. Every other
# reason (signature, spoofing, a damaged file) gives the same verdict again, and the feedback says so.
RETRYABLE_QUARANTINE_REASONS = frozenset({"file_too_large", "period_in_future", "sender_unknown"})
# Not a ledger status: a landing file changed within NEWINFRA_LANDING_SETTLE_SECONDS, left for the next run.
STATUS_WAITING = "waiting"

# --- Reasons --------------------------------------------------------------------------------------------
# code -> (Chinese, English). Placeholders are filled with str.format(**details).
# File-level reasons put the whole file in quarantine; row-level reasons reject the row alone.

ROW_REASONS: dict[str, tuple[str, str]] = {
    "formula_cell": (
        "单元格含有公式（{formula}），平台不计算公式，请填写数值",
        "the cell holds a formula ({formula}); formulas are never evaluated, enter the value",
    ),
    "unknown_indicator": ("指标代码 {indicator} 不存在", "unknown indicator code {indicator}"),
    "indicator_not_department": (
        "指标 {indicator} 不由本单位报送（牵头单位：{lead}）",
        "indicator {indicator} is not reported by this department (lead: {lead})",
    ),
    "unknown_prefecture": ("地区 {prefecture} 不存在", "unknown prefecture {prefecture}"),
    "prefecture_not_applicable": (
        "指标 {indicator} {expected}，不应填报地区 {prefecture}",
        "indicator {indicator} is reported {expected_en}, not for prefecture {prefecture}",
    ),
    "duplicate_row": (
        "与第 {first_row} 行重复（同一{what}只能填一行）",
        "duplicates row {first_row} (one row per {what_en})",
    ),
    "empty_value": ("{column}未填写", "{column_en} is empty"),
    "not_a_number": ("“{value}”不是数字", "'{value}' is not a number"),
    "ambiguous_number": (
        "“{value}”无法确定为一个数值（如“约”、范围、多个小数点），请填写确切数值",
        "'{value}' does not read as one exact number (approximation, range, several points)",
    ),
    "percent_sign_not_allowed": (
        "该指标的计量单位是“{unit}”，不能填写百分数“{value}”",
        "the indicator's unit is '{unit}'; a percentage '{value}' is not allowed",
    ),
    "money_unit_ambiguous": (
        "金额列以万元为单位，请填写数字；“{value}”的单位不明确（可写“1.5亿元”）",
        "money columns are in 万元; the unit of '{value}' is ambiguous (write e.g. '1.5亿元')",
    ),
    "negative_value": ("数值不能为负数（{value}）", "the value must not be negative ({value})"),
    "percent_out_of_range": (
        "百分比应在 {range} 之间（填写：{value}）",
        "a percentage must be within {range} (got {value})",
    ),
    "pue_out_of_range": (
        "PUE 应在 {range} 之间（填写：{value}）",
        "PUE must be within {range} (got {value})",
    ),
    "value_out_of_range": (
        "数值超出允许范围 {range}（填写：{value}）",
        "the value is outside the allowed range {range} (got {value})",
    ),
    "row_mismatch": (
        "第{row}行：{what}与隐藏编码不一致，疑似排序后错位（表中为“{visible}”，隐藏编码 {hidden} 对应“{expected}”）",
        "row {row}: the visible {what_en} '{visible}' does not match the hidden code {hidden} ('{expected}'); "
        "were the rows sorted without the hidden columns?",
    ),
    "unit_mismatch": (
        "计量单位被改为“{written}”，无法换算为规定单位“{unit}”，请按“{unit}”填写",
        "the unit was changed to '{written}', which does not convert to the indicator's unit '{unit}'",
    ),
    "csv_field_count": (
        '该行有 {got} 个字段，表头有 {expected} 个（数字中的千分位逗号须加引号，如 "1,234"，或不写逗号）',
        "the row has {got} fields, the header {expected} (quote a number with thousands separators, "
        'e.g. "1,234", or leave the commas out)',
    ),
    "project_code_missing": ("项目编号未填写", "the project code is empty"),
    "project_unknown": (
        "项目编号 {project} 不在本单位的重大项目库中",
        "project {project} is not in this department's major-project library",
    ),
    "invalid_status": (
        "项目状态“{value}”无效，应为：{allowed}",
        "invalid project status '{value}', expected one of: {allowed}",
    ),
    "cumulative_exceeds_month": (
        "累计完成投资（{cumulative}）小于本月完成投资（{month}）",
        "cumulative investment ({cumulative}) is below this month's ({month})",
    ),
}

# Accepted but flagged (not a rejection): kept in raw.submission_values.flag_reason_*.
FLAG_REASONS: dict[str, tuple[str, str]] = {
    "cumulative_decreased": (
        "累计值低于 {previous_period} 已接收的数值（{previous:g}），请核实",
        "cumulative value is below the value accepted for {previous_period} ({previous:g}); please check",
    ),
}

# The sheet names of the feedback workbook people receive.
FEEDBACK_SHEET_SUMMARY = "概况"
FEEDBACK_SHEET_REJECTIONS = "退回明细"
FEEDBACK_SHEET_ACCEPTED = "已接收指标"
FEEDBACK_SHEET_PROJECTS = "已接收项目"

# Columns of the raw tables' batches, in this order (store.py inserts them; feedback.py reads them).
RAW_VALUE_COLUMNS = (
    "file_id", "sheet_name", "row_number", "department_code", "period", "indicator_id", "prefecture_code",
    "value", "value_as_written", "is_flagged", "flag_reason_zh", "flag_reason_en", "unit_as_written", "note",
)  # fmt: skip
RAW_PROJECT_COLUMNS = (
    "file_id", "sheet_name", "row_number", "department_code", "period", "project_code", "project_name",
    "sector", "prefecture_code", "total_investment_yuan", "completed_this_month_yuan",
    "cumulative_completed_yuan", "project_status", "note",
)  # fmt: skip
# Rows left empty (未填报): raw.submission_blanks.
RAW_BLANK_COLUMNS = (
    "file_id", "sheet_name", "row_number", "indicator_id", "prefecture_code", "project_code", "note",
)  # fmt: skip
RAW_REJECTION_COLUMNS = (
    "file_id", "sheet_name", "row_number", "column_name", "column_letter", "value_as_written",
    "reason_code", "reason_zh", "reason_en", "note",
)  # fmt: skip
