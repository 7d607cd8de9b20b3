"""Constants of the public-statistics source: where the declarations live, what each format may be
served as, how long to back off between retries, and the codes people and machines see."""

from __future__ import annotations

from newinfra.settings import PROJECT_ROOT

# The one file that declares every public source (a new source is a new entry there).
SOURCES_FILE = PROJECT_ROOT / "ingestion" / "public_stats" / "sources.yml"

# Raw bodies are archived under NEWINFRA_HOME/archive/public/<sha[:2]>/<sha>.<ext>.
ARCHIVE_SUBDIR = "public"
ARCHIVE_EXT = {"easyquery": "json"}  # the archived file's extension, when not the format's name

FORMATS = ("csv", "xlsx", "json", "easyquery", "html")
FREQUENCIES = ("monthly", "yearly")

# Content types each format may arrive with. A type not listed (text/html above all: the portal's
# error or login page served with 200) fails the source. A missing Content-Type is accepted and
# the parser decides. A source may replace its list with `content_types:` in sources.yml.
CONTENT_TYPES = {
    "csv": (
        "text/csv",
        "application/csv",
        "text/plain",
        "application/vnd.ms-excel",
        "application/octet-stream",
    ),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/zip",
        "application/octet-stream",
    ),
    "json": ("application/json", "text/json", "text/plain", "application/octet-stream"),
    # the NBS query interface answers application/json (older deployments text/plain or text/html:
    # the content decides then, see fetch.sniff)
    "easyquery": (
        "application/json",
        "text/json",
        "text/plain",
        "text/javascript",
        "application/octet-stream",
    ),
    "html": ("text/html", "application/xhtml+xml"),
}

# The columns of an easyquery table (parsers.parse_easyquery): the default mapping of such a source.
EASYQUERY_MAPPING = {
    "layout": "long",
    "period": "sj",
    "prefecture": "reg",
    "indicator": "zb",
    "value": "value",
    "unit": "unit",
    "label": "zb_name",
}

# Retries: wait BACKOFF_BASE_S * 2**n before retry n+1 (0.5 s, 1 s, 2 s, ...), never more than
# BACKOFF_MAX_S. How many retries is Settings.http_retries (NEWINFRA_HTTP_RETRIES).
BACKOFF_BASE_S = 0.5
BACKOFF_MAX_S = 8.0
# The User-Agent and the minimum delay between two requests to one host are settings
# (NEWINFRA_HTTP_USER_AGENT, NEWINFRA_HTTP_MIN_DELAY): see docs/public-stats.md.

# Fetch statuses (raw.public_fetches.status).
LOADED = "loaded"  # new bytes, parsed; new or changed figures written as new versions
UNCHANGED = "unchanged"  # same bytes (sha256) as the last load of this source: nothing written
NOT_MODIFIED = "not_modified"  # HTTP 304 to our conditional request: nothing downloaded
FAILED = "failed"  # down, malformed or misdeclared: nothing from this fetch written
OK_STATUSES = (LOADED, UNCHANGED, NOT_MODIFIED)

STATUS_LABELS = {
    LOADED: "已加载 loaded",
    UNCHANGED: "未变化 unchanged",
    NOT_MODIFIED: "未修改(304) not modified",
    FAILED: "失败 failed",
}

# Province-wide labels publishers use, besides the province's own name in the seeds.
PROVINCE_ALIASES = ("全省", "贵州", "贵州省", "合计", "全省合计", "总计")

# Cells that mean "no figure" in published tables.
EMPTY_MARKERS = ("", "-", "—", "--", "——", "…", "...", "/", "－")

# Why a row was not loaded (raw.public_rejections.reason_code); each has a zh/en message.
REASONS = {
    "unknown_indicator": ("指标名称未在 sources.yml 中映射", "indicator label not mapped in sources.yml"),
    "unknown_prefecture": ("地区无法对应到市(州)代码", "region does not match any prefecture code"),
    "bad_period": ("统计期无法识别", "period not recognised"),
    "missing_value": ("数值为空", "value is empty"),
    "bad_value": ("数值不是数字", "value is not a number"),
    "unit_mismatch": ("文件中的计量单位与 sources.yml 声明不符", "unit in the file differs from sources.yml"),
    "duplicate": (
        "同一指标、地区、统计期在文件中重复出现",
        "same indicator, region and period twice in the file",
    ),
}
