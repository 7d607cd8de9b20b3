"""Constants of the monthly package: file and sheet names, status colours, headline indicators.

Everything a person sees is Chinese; codes and keys are ASCII. Change a label here, not in the
writers.
"""

from __future__ import annotations

# --- files -------------------------------------------------------------------------------------
WORKBOOK_NAME = "责任分解表进展_{period}.xlsx"
BRIEFING_NAME = "月度简报_{period}.html"
PDF_NAME = "责任分解表进展_{period}.pdf"
MANIFEST_NAME = "manifest.json"
TEMPLATES_DIR = "templates"
TEMPLATE_NAME = "{code}_{name_zh}_{period}_填报模板.xlsx"
PREV_SUFFIX = ".prev"
TMP_PREFIX = ".tmp-"
LOCK_NAME = ".report.lock"
MANIFEST_VERSION = 1

# --- workbook ----------------------------------------------------------------------------------
WORKBOOK_TITLE = "《贵州省新型基础设施建设三年行动方案》责任分解表进展"
SHEET_COVER = "总览"
SHEET_FINAL = "收官评估"  # the plan's last month and after (docs/report.md)
SHEET_RESPONSIBILITY = "责任分解表"
SHEET_DETAIL = "责任分解表（明细）"
SHEET_COMPLIANCE = "报送情况"
SHEET_INVESTMENT = "重大项目投资"
SHEET_INVESTMENT_CHECK = "投资核对"
SHEET_RANKINGS = "市(州)排名"
SHEET_CHASING = "催报清单"
SHEET_REMARKS = "问题与建议"
SHEET_QUALITY = "数据质量（技术）"
SHEET_SOURCES = "公开数据源（技术）"
SHEET_REVISIONS = "修订说明"
# Rows of every table sheet: 1 title, 2 data cut-off, 3 header, data from 4.
TITLE_ROW = 1
CUTOFF_ROW = 2
HEADER_ROW = 3
FIRST_DATA_ROW = 4
MAX_COLUMN_WIDTH = 48
MIN_COLUMN_WIDTH = 6
# Fonts every Windows, WPS and 信创 (UOS, Kylin) desktop has: 宋体 for the body, 黑体 for headings;
# charset 134 (GB2312) lets Excel/WPS/LibreOffice substitute another Chinese font when one is missing.
FONT_NAME = "宋体"
HEADING_FONT_NAME = "黑体"
FONT_CHARSET = 134
BODY_SIZE = 10  # pt; printed sheets are sized so that the page scale keeps it at 9 pt or more
# Printed sheets: A4 landscape, 0.4" sides (784 pt of paper width). LibreOffice prints one Excel
# width unit of this workbook as about 7.8 pt (measured: 139 units fitted at 72 %), so the columns of
# a printed table add up to at most this many units: fitting to the page width then keeps the
# 10 pt body at 9.3 pt or more (docs/report.md).
PRINT_MAX_WIDTH_UNITS = 108
# The main table (one row per indicator and target year, about 100 rows) prints on A3 landscape, as
# offices print a 责任分解表: 1,133 pt of paper width inside the same margins, about 144 units at
# 100 %. LibreOffice scales the 9 pt header and footer too when it shrinks an A3 sheet (measured:
# 8.8 pt at 144 and 148 units, 98 %), so the table stays at 140 units and prints at 100 %; its wider
# columns wrap less (fewer, shorter rows, fewer pages).
PRINT_MAX_WIDTH_UNITS_A3 = 140
PRINT_MAX_WIDTH = {"A4": PRINT_MAX_WIDTH_UNITS, "A3": PRINT_MAX_WIDTH_UNITS_A3}

# --- synthetic data (docs/report.md) ----------------------------------------------------------------
SYNTHETIC_LABEL = "示例数据（合成数据，非官方统计）"
# The demo generator's manifest under NEWINFRA_HOME: the sha256 of every file it wrote.
DEMO_MANIFEST = "demo/demo_manifest.json"

# --- status ---------------------------------------------------------------------------------------
# The labels, colours and order of every status, flag, verdict and growth class come from ONE seed,
# dbt_project/seeds/progress_statuses.csv, which the dbt models and the quality contracts read too
# (docs/progress-method.md). The label in the mart wins when present; these are the fallback and
# the order of every summary. Never type a label here.


def _progress_labels() -> dict[str, list[dict[str, str]]]:
    import csv

    from newinfra.settings import DBT_PROJECT_DIR

    path = DBT_PROJECT_DIR / "seeds" / "progress_statuses.csv"
    by_kind: dict[str, list[dict[str, str]]] = {}
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            by_kind.setdefault(row["kind"], []).append(row)
    for rows in by_kind.values():
        rows.sort(key=lambda r: int(r["sort_order"]))
    return by_kind


_LABELS = _progress_labels()
_STATUSES = _LABELS["status"]  # worst first (the seed's sort order)

# Better to worse, no data last: the order of the 总览 counts and every summary.
STATUS_ORDER = tuple([r["code"] for r in reversed(_STATUSES) if r["code"] != "no_data"] + ["no_data"])
# Better to worse, for the month-on-month arrow (no_data is neither better nor worse).
TREND_ORDER = tuple(c for c in STATUS_ORDER if c != "no_data")
# The briefing lists each sector's indicators needing attention first: worst first.
ATTENTION_ORDER = tuple(r["code"] for r in _STATUSES)
# Statuses that need attention (not achieved, at risk): the seed's red and yellow ones.
ATTENTION_CODES = frozenset(r["code"] for r in _STATUSES if r["colour"] in ("red", "yellow"))
STATUS_LABELS = {r["code"]: r["label_zh"] for r in _STATUSES}
STATUS_COLOUR = {r["code"]: r["colour"] for r in _STATUSES}
FLAG_LABELS = {r["code"]: r["label_zh"] for r in _LABELS.get("flag", [])}
VERDICT_LABELS = {r["code"]: r["label_zh"] for r in _LABELS.get("verdict", [])}
R_CLASS_LABELS = {r["code"]: r["label_zh"] for r in _LABELS.get("growth_class", [])}
# colour group -> (fill, font) as RGB hex; Excel's own "good / neutral / bad" palette + grey.
COLOUR_RGB = {
    "green": ("C6EFCE", "006100"),
    "yellow": ("FFEB9C", "9C5700"),
    "red": ("FFC7CE", "9C0006"),
    "grey": ("E7E6E6", "595959"),
}
# Stronger tones for the HTML bars and charts (fill, text).
COLOUR_HTML = {
    "green": ("#2e9e5b", "#0f5132"),
    "yellow": ("#e0a800", "#664d03"),
    "red": ("#d64545", "#842029"),
    "grey": ("#9e9e9e", "#41464b"),
}

# --- sectors (fallback names when the marts carry none) -------------------------------------------
SECTOR_ORDER = (
    "overall", "compute", "broadband", "iot", "security", "science_city", "transport", "water",
    "energy", "pipelines", "industry", "agriculture", "tourism", "new_tech", "city", "health",
    "innovation",
)  # fmt: skip
SECTOR_NAMES_ZH = {  # the same labels as dbt's sector_label_zh macro
    "overall": "总体目标",
    "compute": "算力与数据中心",
    "broadband": "通信网络",
    "iot": "物联网",
    "security": "大数据安全",
    "science_city": "大数据科创城",
    "transport": "智慧交通",
    "water": "智慧水利",
    "energy": "智慧能源",
    "pipelines": "智慧管网",
    "industry": "工业互联网",
    "agriculture": "数字农业",
    "tourism": "智慧旅游",
    "new_tech": "新技术应用",
    "city": "智慧城市",
    "health": "智慧医疗",
    "innovation": "创新基础设施",
}
# Task ids: M-GOAL, M-01.., A3-GOAL, A3-01.. (main plan, then 附件3-6), in the plan's order.
PLAN_PART_ORDER = ("M", "A3", "A4", "A5", "A6")

# --- headline figures (总览 and the briefing's cards) ------------------------------------------------
# Exactly the plan's 主要目标: the indicators whose source clause cites 主方案 一(二), in the plan's
# order (the seeds' sort order follows the plan text).
GOAL_CLAUSE = "主方案 一(二)"
# The plan's investment goal is an indicator of its own (sector overall); when the marts hold no
# value for it, the package falls back to the sum of the major projects' cumulative investment.
INVESTMENT_INDICATOR = "key_project_investment"
INVESTMENT_TARGET_YUAN = 1000e8  # 新型基础设施建设重点项目累计完成投资超1000亿元
INVESTMENT_LABEL = "重点项目累计完成投资"
YI = 1e8  # 亿元
