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
SYNTHETIC_NOTE = "示例数据"  # the note cell of every project of the library (重大项目库)
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


# --- remarks (备注) and contacts (填报人 / 联系电话) typed into the templates ------------------------------
# A share of indicator rows gets a remark, chosen from these (synthetic, as every figure of the demo).
INDICATOR_REMARK_SHARE = 0.04
INDICATOR_REMARKS = (
    "数据为初步统计，下月核实后更新",
    "已与各市（州）主管部门核对",
    "较上月增加主要因新建项目投产",
    "统计口径与上年一致",
    "含本月新开通部分",
    "部分市（州）数据延迟报送，按已报数汇总",
)
# Project rows: a remark by status for this share of rows (the others leave 备注 empty).
PROJECT_REMARK_SHARE = 0.08
PROJECT_REMARKS = {
    "planned": ("前期手续办理中", "用地预审已完成，待开工"),
    "under_construction": ("按计划推进", "受雨季影响进度略缓", "主体工程已完成，设备安装中"),
    "completed": ("已完工，待竣工验收", "已投入运行"),
    "suspended": ("因用地手续调整暂停施工", "资金未到位，暂缓建设"),
}
# Every file names its 填报人 and 联系电话; some departments change contact once (staff turnover) from
# CONTACT_CHANGE_PERIOD; CONTACT_BAD_PHONE_DEPARTMENTS departments write their phone without the area code
# (flagged 存疑 by ingestion, never completed).
CONTACT_SURNAMES = ("王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "罗", "龙", "杜", "田")
CONTACT_GIVEN_NAMES = (
    "明", "华", "静", "伟", "敏", "军", "丽", "磊", "志强", "海燕", "建华", "晓东", "丽娟", "文静", "国平", "小红",
)  # fmt: skip
CONTACT_AREA_CODE = "0851"
CONTACT_CHANGE_SHARE = 0.3
CONTACT_CHANGE_PERIOD = "2023-07"
CONTACT_BAD_PHONE_DEPARTMENTS = 1
