"""Reading sources.yml: every public source declared in one file, checked before anything is fetched.

The declarations are pydantic models (``Source``, ``TableSpec``, ``ColumnMap``, ``IndicatorMap``):
unknown keys, wrong types and inconsistent combinations are refused by the models themselves, and
each refusal is turned into a Chinese/English message naming the key (``_explain``).
``parse_sources(text, env, indicator_ids)`` turns the YAML text into ``Source`` objects. A file that
is not valid YAML, or two sources with one name, fails the whole run (a ``UserInputError``); a single
entry that is misdeclared becomes a ``Source`` with ``config_error`` set, so that source fails alone
and the others still load. The reference of every key is the header of sources.yml and
docs/public-stats.md.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ingestion.public_stats.settings import CONTENT_TYPES, EASYQUERY_MAPPING, SOURCES_FILE
from newinfra.errors import UserInputError
from newinfra.settings import PROJECT_ROOT

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_ENV = re.compile(r"\$\{env\.([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class ConfigError(ValueError):
    """A misdeclaration, in Chinese and English (raised inside the models' validators too)."""

    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(f"{message_zh} / {message_en}")
        self.message_zh = message_zh
        self.message_en = message_en


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


def _column_or(value: Any, key: str, allowed: tuple[str, ...]) -> tuple[str | None, str | None]:
    """``地区`` or ``{column: 地区}`` -> (column, None); ``{fixed: GZ}`` -> (None, 'GZ') when allowed."""
    if value is None:
        return None, None
    if isinstance(value, str) and value.strip():
        return value.strip(), None
    if isinstance(value, dict) and len(value) == 1:
        ((kind, inner),) = value.items()
        if kind in ("column", "field") and str(inner).strip():
            return str(inner).strip(), None
        if kind in allowed and inner not in (None, "", False):
            return None, str(inner).strip()
    forms = "、".join(f"{{{a}: …}}" for a in allowed)
    raise ConfigError(
        f"mapping.{key} 应为列名，或 {{column: 列名}}" + (f"、{forms}" if allowed else ""),
        f"mapping.{key} must be a column name or {{column: NAME}}" + (f" or {forms}" if allowed else ""),
    )


class IndicatorMap(_Model):
    """How one label (or code) as published maps to our indicator, and its unit/scale to base units:
    value in base units = published value x scale (8.12 万个 x 10000 = 81200 个)."""

    label: str
    indicator_id: str = Field(min_length=1)
    unit: str = ""
    scale: Decimal = Decimal(1)

    @field_validator("unit", mode="before")
    @classmethod
    def _unit(cls, value: Any) -> str:
        return str(value or "").strip()

    @field_validator("scale", mode="before")
    @classmethod
    def _scale(cls, value: Any) -> Decimal:
        try:
            result = Decimal(str(value))
        except ArithmeticError:
            result = Decimal("NaN")
        if isinstance(value, bool) or not result.is_finite() or result <= 0:
            raise ConfigError(
                f"scale 必须是大于 0 的数字：{value!r}", f"scale must be a number > 0: {value!r}"
            )
        return result

    @field_validator("indicator_id")
    @classmethod
    def _known(cls, value: str, info: ValidationInfo) -> str:
        known = (info.context or {}).get("indicator_ids")
        if known is not None and value not in known:
            raise ConfigError(
                f"indicator_id {value!r} 不在 indicators.csv 中",
                f"indicator_id {value!r} is not in indicators.csv",
            )
        return value

    @model_validator(mode="after")
    def _unit_agrees_with_scale(self, info: ValidationInfo) -> IndicatorMap:
        """万个 against the indicator's base unit 个 implies scale 10000: a different scale is refused."""
        from ingestion.public_stats.helpers import implied_scale

        base = ((info.context or {}).get("indicator_units") or {}).get(self.indicator_id)
        implied = implied_scale(self.unit, base) if base else None
        if implied is not None and implied != self.scale:
            raise ConfigError(
                f"单位 {self.unit} 相对基本单位 {base} 的倍数是 {implied}，但 scale 为 {self.scale}",
                f"unit {self.unit} is {implied} x the base unit {base}, but scale is {self.scale}",
            )
        return self


class TableSpec(_Model):
    """Where the table sits in the file (rows are 1-based, as people see them)."""

    header_row: int = Field(default=1, ge=1)  # csv/xlsx/html: first row of the column headers
    header_rows: int = Field(default=1, ge=1, le=6)  # how many rows the headers span (merged headers)
    unit_row: int | None = Field(default=None, ge=1)  # a row of units under the headers (wide tables)
    unit_in_header: bool = False  # units written in the header text: 5G基站数（万个）
    sheet: str | None = None  # xlsx: sheet name (default: the first sheet)
    records: str | None = None  # json: dotted path to the list of records ("data", "result.rows")
    encoding: str | None = None  # csv: force an encoding (default: utf-8-sig, utf-8, gb18030)
    table_index: int | None = Field(default=None, ge=1)  # html: the n-th <table> of the page
    caption: str | None = None  # html: the table whose caption (or the text just before it) holds this

    @property
    def last_header_row(self) -> int:
        return self.header_row + self.header_rows - 1

    @model_validator(mode="after")
    def _rows(self) -> TableSpec:
        if self.unit_row is not None and self.unit_row <= self.last_header_row:
            raise ConfigError("table.unit_row 应在表头之下", "table.unit_row must come after the header rows")
        return self


class ColumnMap(_Model):
    """Which column (or JSON field) holds what. ``layout: long`` = one figure per row (indicator in a
    column); ``layout: wide`` = one column per indicator, the ``indicators`` keys are column headers."""

    layout: Literal["long", "wide"] = "long"
    period: str | None = None  # column of the period; None when read from the title
    period_from_title: bool = False  # the period is in the table's title or caption (2024年6月)
    prefecture: str | None = None  # column; None when fixed
    prefecture_fixed: str | None = None  # e.g. "GZ" for a province-only source
    indicator: str | None = None  # long: column of the indicator label
    value: str | None = None  # long: column of the figure
    unit: str | None = None  # long: column of the unit as published (checked against the declared unit)
    label: str | None = None  # column kept as the row's original label (default: the indicator label)
    prefectures: dict[str, str] = Field(default_factory=dict)  # extra labels or codes -> prefecture_code
    ignore: tuple[str, ...] = ()  # wide: columns that carry no figures (序号, 备注)
    # rows of regions outside the plan (other provinces, 全国) in a national table: counted, not loaded
    keep_regions: tuple[str, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            raise ConfigError("mapping 应为一个映射", "mapping must be a mapping")
        data = dict(data)
        if "period" in data:
            column, from_title = _column_or(data["period"], "period", ("from_title",))
            data["period"], data["period_from_title"] = column, from_title is not None
        if "prefecture" in data:
            data["prefecture"], data["prefecture_fixed"] = _column_or(
                data["prefecture"], "prefecture", ("fixed",)
            )
        for key in ("indicator", "value", "unit", "label"):
            if key in data:
                data[key] = _column_or(data[key], key, ())[0]
        if isinstance(data.get("prefectures"), dict):
            data["prefectures"] = {str(k).strip(): str(v).strip() for k, v in data["prefectures"].items()}
        for key in ("ignore", "keep_regions"):
            if isinstance(data.get(key), list):
                data[key] = tuple(str(c).strip() for c in data[key])
        return data

    @model_validator(mode="after")
    def _complete(self) -> ColumnMap:
        if self.period is None and not self.period_from_title:
            raise ConfigError(
                "mapping.period 应为统计期所在的列，或 {from_title: true}",
                "mapping.period must name the period column, or {from_title: true}",
            )
        if self.prefecture is None and self.prefecture_fixed is None:
            raise ConfigError(
                "mapping.prefecture 缺失（列名，或 {fixed: GZ}）",
                "mapping.prefecture missing (a column or {fixed: GZ})",
            )
        if self.layout == "long" and (self.indicator is None or self.value is None):
            raise ConfigError(
                "layout: long 需要 mapping.indicator 与 mapping.value",
                "layout: long needs mapping.indicator and mapping.value",
            )
        if self.layout == "wide" and (self.indicator or self.value or self.unit):
            raise ConfigError(
                "layout: wide 的指标即列名（indicators 的键），单位在 table.unit_row 或表头；不要设置 indicator/value/unit",
                "layout: wide takes indicators from the column headers (the indicators keys) and units from "
                "table.unit_row or the header text; do not set indicator/value/unit",
            )
        return self


class Source(_Model):
    """One declared source. ``config_error`` is set (and nothing else checked) for a misdeclared
    entry: that source fails alone."""

    name: str
    title_zh: str = Field(min_length=1)
    publisher: str = Field(min_length=1)
    location: str  # resolved: an http(s) URL or an absolute path
    format: Literal["csv", "xlsx", "json", "easyquery", "html"]
    frequency: Literal["monthly", "yearly"]
    enabled: bool = True
    is_synthetic: bool = False
    max_age_months: int | None = Field(default=None, ge=0)  # staleness allowed (default per frequency)
    table: TableSpec = Field(default_factory=TableSpec)
    mapping: ColumnMap
    indicators: dict[str, IndicatorMap] = Field(min_length=1)
    content_types: tuple[str, ...] = ()
    config_error: ConfigError | None = Field(default=None, exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _prepare(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            raise ConfigError("每个数据源应为一个映射（键: 值）", "each source must be a mapping")
        if "config_error" in data:
            raise ConfigError("未知的键：config_error", "unknown keys: config_error")
        data = dict(data)
        for key in ("format", "frequency"):
            if isinstance(data.get(key), str):
                data[key] = data[key].strip().lower()
        fmt = data.get("format")
        if fmt == "easyquery" and isinstance(data.get("mapping") or {}, dict):
            data["mapping"] = {**EASYQUERY_MAPPING, **(data.get("mapping") or {})}  # codes zb/reg/sj
        # indicators: label -> {indicator_id, unit, scale}, the source's unit/scale as defaults
        default_unit, default_scale = str(data.pop("unit", "") or "").strip(), data.pop("scale", 1)
        if isinstance(data.get("indicators"), dict):
            data["indicators"] = {
                str(label).strip(): (
                    {"unit": default_unit, "scale": default_scale, **spec, "label": str(label).strip()}
                    if isinstance(spec, dict)
                    else {
                        "indicator_id": spec,
                        "unit": default_unit,
                        "scale": default_scale,
                        "label": str(label).strip(),
                    }
                )
                for label, spec in data["indicators"].items()
            }
        content_types = data.get("content_types") or CONTENT_TYPES.get(fmt, ())
        content_types = [content_types] if isinstance(content_types, str) else content_types
        data["content_types"] = tuple(str(c).strip().lower() for c in content_types)
        return data

    @field_validator("location", mode="before")
    @classmethod
    def _location(cls, value: Any, info: ValidationInfo) -> str:
        return resolve_location(str(value), (info.context or {}).get("env", {}))

    @model_validator(mode="after")
    def _per_format(self) -> Source:
        t, fmt = self.table, self.format
        used = {k for k in TableSpec.model_fields if getattr(t, k) != TableSpec.model_fields[k].default}
        allowed = {
            "csv": {"header_row", "header_rows", "unit_row", "unit_in_header", "encoding"},
            "xlsx": {"header_row", "header_rows", "unit_row", "unit_in_header", "sheet"},
            "html": {"header_row", "header_rows", "unit_row", "unit_in_header", "table_index", "caption"},
            "json": {"records"},
            "easyquery": set(),
        }[fmt]
        if used - allowed:
            extra = ", ".join(sorted(used - allowed))
            raise ConfigError(
                f"format: {fmt} 的数据源不能设置 table.{extra}", f"a {fmt} source cannot set table.{extra}"
            )
        if fmt == "html" and (t.table_index is None) == (t.caption is None):
            raise ConfigError(
                "html 数据源需要 table.table_index 或 table.caption 之一（只能一个）",
                "an html source needs exactly one of table.table_index or table.caption",
            )
        return self

    @property
    def is_url(self) -> bool:
        return self.location.startswith(("http://", "https://"))

    @property
    def host(self) -> str | None:
        if not self.is_url:
            return None
        return self.location.split("://", 1)[1].split("/", 1)[0].lower()

    @property
    def location_display(self) -> str:
        """The location as recorded: a URL, or a path relative to the project root when inside it."""
        if self.is_url or not self.location:
            return self.location
        path = Path(self.location)
        try:
            return str(path.relative_to(PROJECT_ROOT))
        except ValueError:
            return str(path)

    @property
    def allowed_age_months(self) -> int:
        """Months the newest figure may lag the report month before the source is stale."""
        if self.max_age_months is not None:
            return self.max_age_months
        return 2 if self.frequency == "monthly" else 24


def substitute_env(text: str, env: Mapping[str, str]) -> str:
    """``${env.NAME}`` -> the variable; ``${env.NAME:-default}`` -> the default when unset or empty."""

    def repl(m: re.Match[str]) -> str:
        name, default = m.group(1), m.group(2)
        value = env.get(name, "")
        if value:
            return value
        if default is not None:
            return default
        raise ConfigError(f"环境变量 {name} 未设置", f"environment variable {name} is not set")

    return _ENV.sub(repl, text)


def resolve_location(raw: str, env: Mapping[str, str], root: Path = PROJECT_ROOT) -> str:
    text = substitute_env(str(raw).strip(), env)
    if not text:
        raise ConfigError("location 为空", "location is empty")
    if "://" in text:
        if not text.startswith(("http://", "https://")):
            raise ConfigError(
                f"只支持 http(s) 地址或本地路径：{text}", f"only http(s) URLs or local paths: {text}"
            )
        return text
    path = Path(text).expanduser()
    return str(path if path.is_absolute() else (root / path).resolve())


_TYPE_ZH = {
    "missing": ("缺少", "missing"),
    "extra_forbidden": ("未知的键", "unknown keys"),
    "string_too_short": ("不能为空", "must not be empty"),
    "too_short": ("不能为空", "must not be empty"),
    "dict_type": ("应为一个映射（键: 值）", "must be a mapping (key: value)"),
}


def _explain(exc: ValidationError) -> ConfigError:
    """The first refusal of a pydantic model, in Chinese and English, naming the key."""
    err = exc.errors(include_url=False)[0]
    where = ".".join(str(p) for p in err["loc"])
    cause = (err.get("ctx") or {}).get("error")
    if isinstance(cause, ConfigError):
        if where and where.split(".")[0] == "indicators":
            label = str(err["loc"][1]) if len(err["loc"]) > 1 else ""
            return ConfigError(f"指标 {label}：{cause.message_zh}", f"indicator {label}: {cause.message_en}")
        prefix_zh = f"{where}：" if where and where not in cause.message_en else ""
        prefix_en = f"{where}: " if prefix_zh else ""
        return ConfigError(prefix_zh + cause.message_zh, prefix_en + cause.message_en)
    if err["type"] in _TYPE_ZH:
        zh, en = _TYPE_ZH[err["type"]]
        return ConfigError(f"{zh}：{where}", f"{en}: {where}")
    if err["type"] == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        return ConfigError(
            f"{where} 应为 {expected}，收到 {err['input']!r}",
            f"{where} must be {expected}, got {err['input']!r}",
        )
    if err["type"].startswith("bool"):
        return ConfigError(f"{where} 应为 true 或 false", f"{where} must be true or false")
    if err["type"].startswith(("int", "greater_than", "less_than")):
        return ConfigError(
            f"{where} 应为正整数（行号从 1 开始）", f"{where} must be a positive whole number: {err['msg']}"
        )
    return ConfigError(f"{where} 无效：{err['msg']}", f"{where} is invalid: {err['msg']}")


def parse_sources(
    text: str,
    env: Mapping[str, str] | None = None,
    indicator_ids: Iterable[str] | None = None,
    origin: str = "sources.yml",
    indicator_units: Mapping[str, str] | None = None,
) -> list[Source]:
    """The sources declared in ``text`` (YAML with a top-level ``sources:`` list), in file order.
    ``indicator_units`` (indicator_id -> base unit, from the seeds) lets the declared units be
    checked against their scales."""
    env = os.environ if env is None else env
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise UserInputError(
            f"{origin} 不是有效的 YAML：{exc}", f"{origin} is not valid YAML: {exc}"
        ) from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("sources"), list):
        raise UserInputError(
            f"{origin} 应包含顶层键 sources（列表）", f"{origin} must hold a top-level `sources:` list"
        )
    context = {
        "env": env,
        "indicator_ids": set(indicator_ids) if indicator_ids is not None else None,
        "indicator_units": dict(indicator_units or {}),
    }
    sources: list[Source] = []
    seen: set[str] = set()
    for i, entry in enumerate(doc["sources"], start=1):
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not _NAME.match(name):
            raise UserInputError(
                f"{origin} 第 {i} 个数据源的 name 应为小写 ASCII 标识符（a-z0-9_）：{name!r}",
                f"{origin}: source #{i} needs an ASCII lowercase name (a-z0-9_): {name!r}",
            )
        if name in seen:
            raise UserInputError(f"{origin} 中数据源重名：{name}", f"{origin}: duplicate source name {name}")
        seen.add(name)
        try:
            sources.append(Source.model_validate(entry, context=context))
        except (ValidationError, ConfigError) as exc:
            error = _explain(exc) if isinstance(exc, ValidationError) else exc
            sources.append(
                Source.model_construct(
                    name=name,
                    title_zh=str(entry.get("title_zh") or ""),
                    publisher=str(entry.get("publisher") or ""),
                    location=str(entry.get("location") or ""),
                    format=str(entry.get("format") or ""),
                    frequency=str(entry.get("frequency") or ""),
                    enabled=entry.get("enabled") is not False,
                    is_synthetic=entry.get("is_synthetic") is True,
                    max_age_months=None,
                    table=TableSpec(),
                    mapping=None,
                    indicators={},
                    content_types=(),
                    config_error=ConfigError(
                        f"{origin} 中数据源 {name} 配置有误：{error.message_zh}",
                        f"{origin}: source {name} is misdeclared: {error.message_en}",
                    ),
                )
            )
    return sources


def load_sources(
    path: Path = SOURCES_FILE,
    env: Mapping[str, str] | None = None,
    indicator_ids: Iterable[str] | None = None,
    indicator_units: Mapping[str, str] | None = None,
) -> list[Source]:
    if not path.exists():
        raise UserInputError(f"找不到数据源声明文件：{path}", f"sources file not found: {path}")
    return parse_sources(
        path.read_text(encoding="utf-8"),
        env,
        indicator_ids,
        origin=path.name,
        indicator_units=indicator_units,
    )
