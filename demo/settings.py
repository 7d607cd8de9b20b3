"""Constants of the demo-data generator: what it writes, where, and how often things go wrong.

Everything it writes is synthetic (示例数据，非官方统计). Change a rate or a label here, not in the
generator.
"""

from __future__ import annotations

import datetime as dt

from newinfra.periods import PLAN_FIRST, PLAN_LAST

FIRST_PERIOD = PLAN_FIRST  # 2022-01
LAST_PERIOD = PLAN_LAST  # 2024-12
DEFAULT_SEED = 20220101

SYNTHETIC_LABEL = "示例数据（合成数据，非官方统计）"
SYNTHETIC_LABEL_EN = "synthetic demo data, not official statistics"

# --- output layout, relative to --out (default NEWINFRA_HOME) -----------------------------------
LANDING_DIR = "landing"  # landing/<department_code>/<file>: what the ingester reads
DEMO_DIR = "demo"  # the project library, the manifest and the README of the demo data
PROJECT_LIBRARY_NAME = "重大项目库.xlsx"
PROJECT_LIBRARY_SHEET = "重大项目库"
MANIFEST_NAME = "demo_manifest.json"
README_NAME = "README.md"
SUBMISSION_NAME = "{code}_{name_zh}_{period}_进展报送.xlsx"
REVISION_NAME = "{code}_{name_zh}_{period}_进展报送_修订.xlsx"
CSV_NAME = "{code}_{name_zh}_{period}_进展报送.csv"
MANIFEST_VERSION = 1

# Zip entries and document properties get this fixed time; the file's mtime is its received time.
ZIP_DATE_TIME = (2022, 1, 1, 0, 0, 0)

# --- the project library --------------------------------------------------------------------
PROJECT_COUNT = 300
PROJECT_CODE = "XJJ-{year}-{seq:04d}"
SYNTHETIC_NOTE = "示例数据"  # the note cell of every project row a demo department reports
# A template lists the department's projects started by its period and those starting within this
# many months (reported as 未开工 at zero until they start).
PLANNED_LEAD_MONTHS = 3
# Summed over all projects, the cumulative completed investment at the last plan month lands at
# this share of the plan's 1000亿元 target (the target is "超1000亿元", so slightly above it).
INVESTMENT_TARGET_YUAN = 1000e8
INVESTMENT_END_SHARE = (1.03, 1.08)
# Relative number of projects and typical size (亿元) per sector; sectors the plan lacks are skipped.
SECTOR_PROJECTS = {
    "compute": (36, 12.0),
    "broadband": (40, 3.0),
    "iot": (14, 1.5),
    "security": (8, 1.2),
    "science_city": (12, 6.0),
    "transport": (28, 5.0),
    "water": (24, 3.0),
    "energy": (32, 5.0),
    "pipelines": (10, 4.0),
    "industry": (24, 2.5),
    "agriculture": (12, 1.0),
    "tourism": (10, 1.0),
    "new_tech": (8, 3.0),
    "city": (14, 2.5),
    "health": (14, 1.5),
    "innovation": (10, 2.0),
}
# Project name patterns per sector ({where} = a prefecture's name, e.g. 遵义市).
PROJECT_NAMES = {
    "compute": ("{where}某数据中心", "{where}某智算中心", "{where}某云计算中心", "{where}某算力调度平台"),
    "broadband": ("{where}5G网络深度覆盖工程", "{where}千兆光网建设工程", "{where}5G基站建设工程",
                  "{where}某骨干网扩容工程"),
    "iot": ("{where}移动物联网基站建设工程", "{where}某物联网感知平台", "{where}NB-IoT网络覆盖工程"),
    "security": ("{where}某大数据安全监测预警平台", "{where}某灾备中心", "{where}某网络安全服务平台"),
    "science_city": ("贵安新区大数据科创城某产业园", "贵安新区大数据科创城某孵化基地",
                     "贵安新区大数据科创城某配套工程"),
    "transport": ("{where}某智慧高速公路改造工程", "{where}某智慧公路示范工程", "{where}某智慧港航工程",
                  "{where}某综合交通运输大数据平台"),
    "water": ("{where}某水库雨水情测报设施工程", "{where}某数字孪生灌区工程", "{where}某水库大坝安全监测工程",
              "{where}某山洪灾害监测预警工程"),
    "energy": ("{where}某智能电网改造工程", "{where}某充电基础设施建设工程", "{where}某新型储能电站",
               "{where}某智慧变电站工程"),
    "pipelines": ("{where}某天然气管网智能化改造工程", "{where}某油气管道数字化工程"),
    "industry": ("{where}某工业互联网平台", "{where}某智能工厂改造项目", "{where}某5G全连接工厂"),
    "agriculture": ("{where}某数字农业示范基地", "{where}某智慧农业大数据平台"),
    "tourism": ("{where}某智慧旅游景区", "{where}某文旅大数据平台"),
    "new_tech": ("{where}某区块链服务平台", "{where}某人工智能开放创新平台", "{where}某北斗应用服务平台"),
    "city": ("{where}某智慧城市运行管理平台", "{where}某城市信息模型平台", "{where}某智慧社区工程"),
    "health": ("{where}某互联网医院", "{where}某远程医疗服务平台", "{where}某全民健康信息平台"),
    "innovation": ("{where}某重点实验室", "{where}某技术创新中心", "{where}某工程研究中心"),
}  # fmt: skip
PHASES = ("一期工程", "二期工程", "三期工程", "建设项目", "升级改造项目")
BATCHES = ("（第一批）", "（第二批）", "（第三批）", "（第四批）")
# The plan's investment indicator: its value is the project library's sum, not a curve.
INVESTMENT_INDICATOR_ID = "key_project_investment"

# --- who is late, who skips a month ----------------------------------------------------------
# Each reporting department gets a habit: (share of months late, share of months missing).
HABITS = {
    "punctual": (0.03, 0.00),
    "usual": (0.10, 0.02),
    "sloppy": (0.35, 0.08),
}
SLOPPY_DEPARTMENTS = 3  # how many departments are sloppy; the others are punctual or usual
PUNCTUAL_SHARE = 0.4
# In the last period, at least this many departments are late and this many miss it outright,
# so the report's compliance sheet always has someone to name.
LAST_PERIOD_LATE = 3
LAST_PERIOD_MISSING = 2
LATE_DAYS = (1, 20)  # a late file arrives this many days after the due date
WORK_HOURS = (9, 18)  # local time of arrival; keeps the UTC date equal to the local date

# --- deliberate mistakes (see demo/scenario.py: MISTAKES) -------------------------------------
ERROR_TEXT_IN_NUMBER = "待统计"
ERROR_NEGATIVE = -5
ERROR_PERCENT = 120
ERROR_PREFECTURE = "贵阳新区"  # not a prefecture of Guizhou; typed into both the code and the name cell
ERROR_FORMULA = "=1+1"


def fixed_zip_datetime() -> dt.datetime:
    return dt.datetime(*ZIP_DATE_TIME)
