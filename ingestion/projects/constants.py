"""Constants of the major-project library file (重大项目库): the columns the office's list carries."""

from __future__ import annotations

from ingestion.common.sectors import SECTOR_LABELS_ZH  # one list of sector labels for every part

# (key, Chinese header). Header cells may also be the ASCII keys.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("project_code", "项目编号"),
    ("project_name", "项目名称"),
    ("sector", "所属领域"),
    ("department", "责任单位"),
    ("prefecture", "所在地区"),
    ("total_investment", "总投资（万元）"),
    ("start_year", "开工年份"),
    ("end_year", "完工年份"),
)
REQUIRED_KEYS = ("project_code", "project_name", "sector", "department", "prefecture", "total_investment")
# Other accepted headers of the investment column, with their scale to yuan.
INVESTMENT_HEADERS: dict[str, float] = {
    "总投资（万元）": 10_000.0,
    "总投资(万元)": 10_000.0,
    "总投资（亿元）": 100_000_000.0,
    "总投资(亿元)": 100_000_000.0,
    "总投资（元）": 1.0,
    "总投资(元)": 1.0,
    "total_investment": 10_000.0,  # ASCII key: 万元, as the Chinese default
    "total_investment_yuan": 1.0,
}
SHEET_NAME = "重大项目库"  # preferred sheet of an .xlsx; else the first sheet
HEADER_SEARCH_ROWS = 10
MAX_ROWS = 50_000
MAX_ERRORS_SHOWN = 20
__all__ = ["COLUMNS", "REQUIRED_KEYS", "INVESTMENT_HEADERS", "SECTOR_LABELS_ZH", "SHEET_NAME"]
