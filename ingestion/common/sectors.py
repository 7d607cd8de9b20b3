"""The plan's sectors as people read them (labels in templates, the project library and feedback)."""

from __future__ import annotations

SECTOR_LABELS_ZH: dict[str, str] = {
    "compute": "算力",
    "broadband": "宽带网络",
    "iot": "物联网",
    "security": "网络安全",
    "science_city": "科学城",
    "transport": "智慧交通",
    "water": "智慧水利",
    "energy": "智慧能源",
    "pipelines": "智慧管网",
    "industry": "工业互联网",
    "agriculture": "智慧农业",
    "tourism": "智慧旅游",
    "new_tech": "新技术基础设施",
    "city": "智慧城市",
    "health": "智慧医疗",
    "innovation": "创新基础设施",
    "overall": "综合",
}
