"""Reading sources.yml: every public source declared in one file, checked before anything is fetched.

Pure functions: ``parse_sources(text, env, indicator_ids)`` turns the YAML text into ``Source``
objects. A file that is not valid YAML, or two sources with one name, fails the whole run (a
``UserInputError``); a single entry that is misdeclared becomes a ``Source`` with ``config_error``
set, so that source fails alone and the others still load.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from ingestion.public_stats.settings import CONTENT_TYPES, FORMATS, FREQUENCIES, SOURCES_FILE
from newinfra.errors import UserInputError
from newinfra.settings import PROJECT_ROOT

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_ENV = re.compile(r"\$\{env\.([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class ConfigError(Exception):
    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(f"{message_zh} / {message_en}")
        self.message_zh = message_zh
        self.message_en = message_en


@dataclass(frozen=True)
class IndicatorMap:
    """How one label as published maps to our indicator, and its unit/scale to base units."""

    label: str
    indicator_id: str
    unit: str
    scale: Decimal


@dataclass(frozen=True)
class TableSpec:
    """Where the table sits in the file."""

    header_row: int = 1  # csv/xlsx: 1-based row of the column headers (rows above: title block)
    unit_row: int | None = None  # csv/xlsx: 1-based row holding each column's unit (wide tables)
    sheet: str | None = None  # xlsx: sheet name (default: the first sheet)
    records: str | None = None  # json: dotted path to the list of records ("data", "result.rows")
    encoding: str | None = None  # csv: force an encoding (default: utf-8-sig, utf-8, gb18030)


@dataclass(frozen=True)
class ColumnMap:
    """Which column (or JSON field) holds what. ``layout: long`` = one figure per row (indicator in a
    column); ``layout: wide`` = one column per indicator, the ``indicators`` keys are column headers."""

    layout: str
    period: str
    prefecture: str | None  # column; None when fixed
    prefecture_fixed: str | None  # e.g. "GZ" for a province-only source
    indicator: str | None  # long: column of the indicator label
    value: str | None  # long: column of the figure
    unit: str | None  # long: column of the unit as published (checked against the declared unit)
    label: str | None  # column kept as the row's original label (default: the indicator label)
    prefectures: dict[str, str] = field(default_factory=dict)  # extra labels -> prefecture_code
    ignore: tuple[str, ...] = ()  # wide: columns that carry no figures (序号, 备注)


@dataclass(frozen=True)
class Source:
    name: str
    title_zh: str = ""
    publisher: str = ""
    location: str = ""  # resolved: an http(s) URL or an absolute path
    format: str = ""
    frequency: str = ""
    is_synthetic: bool = False
    table: TableSpec = field(default_factory=TableSpec)
    mapping: ColumnMap | None = None
    indicators: dict[str, IndicatorMap] = field(default_factory=dict)
    content_types: tuple[str, ...] = ()
    config_error: ConfigError | None = None

    @property
    def is_url(self) -> bool:
        return self.location.startswith(("http://", "https://"))

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


def _decimal(value: Any, what: str) -> Decimal:
    try:
        result = Decimal(str(value))
    except InvalidOperation as exc:
        raise ConfigError(f"{what} 必须是数字：{value!r}", f"{what} must be a number: {value!r}") from exc
    if not result.is_finite() or result <= 0:
        raise ConfigError(f"{what} 必须大于 0：{value!r}", f"{what} must be > 0: {value!r}")
    return result


def _positive_int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{what} 必须是正整数（从 1 开始的行号）", f"{what} must be a 1-based row number")
    return value


def _column_or_fixed(value: Any, what: str) -> tuple[str | None, str | None]:
    """``地区`` (a column) or ``{fixed: GZ}`` / ``{column: 地区}``."""
    if value is None:
        return None, None
    if isinstance(value, str) and value.strip():
        return value.strip(), None
    if isinstance(value, dict) and len(value) == 1:
        ((key, inner),) = value.items()
        if key in ("column", "field") and str(inner).strip():
            return str(inner).strip(), None
        if key == "fixed" and str(inner).strip():
            return None, str(inner).strip()
    raise ConfigError(
        f"mapping.{what} 应为列名，或 {{column: 列名}}、{{fixed: 值}}",
        f"mapping.{what} must be a column name, {{column: NAME}} or {{fixed: VALUE}}",
    )


def _source(entry: Any, env: Mapping[str, str], indicator_ids: Iterable[str] | None) -> Source:
    if not isinstance(entry, dict):
        raise ConfigError("每个数据源应为一个映射（键: 值）", "each source must be a mapping")
    known = {
        "name", "title_zh", "publisher", "location", "format", "frequency", "is_synthetic", "table",
        "mapping", "indicators", "unit", "scale", "content_types",
    }  # fmt: skip
    unknown = sorted(set(entry) - known)
    if unknown:
        raise ConfigError(f"未知的键：{', '.join(unknown)}", f"unknown keys: {', '.join(unknown)}")
    for key in ("title_zh", "publisher", "location", "format", "frequency", "mapping", "indicators"):
        if entry.get(key) in (None, "", {}, []):
            raise ConfigError(f"缺少 {key}", f"missing {key}")
    fmt = str(entry["format"]).strip().lower()
    if fmt not in FORMATS:
        raise ConfigError(
            f"format 应为 {' | '.join(FORMATS)}，收到 {fmt!r}",
            f"format must be one of {FORMATS}, got {fmt!r}",
        )
    frequency = str(entry["frequency"]).strip().lower()
    if frequency not in FREQUENCIES:
        raise ConfigError(
            f"frequency 应为 monthly 或 yearly，收到 {frequency!r}",
            f"frequency must be monthly or yearly, got {frequency!r}",
        )
    is_synthetic = entry.get("is_synthetic", False)
    if not isinstance(is_synthetic, bool):
        raise ConfigError("is_synthetic 应为 true 或 false", "is_synthetic must be true or false")

    t = entry.get("table") or {}
    if not isinstance(t, dict) or set(t) - {"header_row", "unit_row", "sheet", "records", "encoding"}:
        raise ConfigError(
            "table 只能包含 header_row、unit_row、sheet、records、encoding",
            "table may hold only header_row, unit_row, sheet, records, encoding",
        )
    table = TableSpec(
        header_row=_positive_int(t.get("header_row", 1), "table.header_row"),
        unit_row=_positive_int(t["unit_row"], "table.unit_row") if t.get("unit_row") is not None else None,
        sheet=str(t["sheet"]) if t.get("sheet") else None,
        records=str(t["records"]) if t.get("records") else None,
        encoding=str(t["encoding"]) if t.get("encoding") else None,
    )
    if table.unit_row is not None and table.unit_row <= table.header_row:
        raise ConfigError("table.unit_row 应在 header_row 之下", "table.unit_row must come after header_row")
    if fmt == "json" and (table.unit_row or table.sheet or table.header_row != 1):
        raise ConfigError(
            "json 数据源只能用 table.records", "a json source takes only table.records (no rows/sheets)"
        )

    m = entry["mapping"]
    if not isinstance(m, dict):
        raise ConfigError("mapping 应为一个映射", "mapping must be a mapping")
    known_m = {
        "layout",
        "period",
        "prefecture",
        "indicator",
        "value",
        "unit",
        "label",
        "prefectures",
        "ignore",
    }
    if set(m) - known_m:
        raise ConfigError(
            f"mapping 中未知的键：{', '.join(sorted(set(m) - known_m))}",
            f"unknown keys in mapping: {', '.join(sorted(set(m) - known_m))}",
        )
    layout = str(m.get("layout", "long")).strip()
    if layout not in ("long", "wide"):
        raise ConfigError("mapping.layout 应为 long 或 wide", "mapping.layout must be long or wide")
    period, _ = _column_or_fixed(m.get("period"), "period")
    if period is None:
        raise ConfigError("mapping.period 应为统计期所在的列", "mapping.period must name the period column")
    prefecture, prefecture_fixed = _column_or_fixed(m.get("prefecture"), "prefecture")
    if prefecture is None and prefecture_fixed is None:
        raise ConfigError(
            "mapping.prefecture 缺失（列名，或 {fixed: GZ}）",
            "mapping.prefecture missing (a column or {fixed: GZ})",
        )
    columns = {}
    for key in ("indicator", "value", "unit", "label"):
        columns[key], fixed = _column_or_fixed(m.get(key), key)
        if fixed is not None:
            raise ConfigError(f"mapping.{key} 应为列名", f"mapping.{key} must be a column")
    if layout == "long" and (columns["indicator"] is None or columns["value"] is None):
        raise ConfigError(
            "layout: long 需要 mapping.indicator 与 mapping.value",
            "layout: long needs mapping.indicator and mapping.value",
        )
    if layout == "wide" and (columns["indicator"] or columns["value"] or columns["unit"]):
        raise ConfigError(
            "layout: wide 的指标即列名（indicators 的键），单位在 table.unit_row；不要设置 indicator/value/unit",
            "layout: wide takes indicators from the column headers (the indicators keys) and units from "
            "table.unit_row; do not set indicator/value/unit",
        )
    aliases = m.get("prefectures") or {}
    if not isinstance(aliases, dict):
        raise ConfigError(
            "mapping.prefectures 应为 标签: 代码 的映射", "mapping.prefectures must map label: code"
        )
    mapping = ColumnMap(
        layout=layout,
        period=period,
        prefecture=prefecture,
        prefecture_fixed=prefecture_fixed,
        indicator=columns["indicator"],
        value=columns["value"],
        unit=columns["unit"],
        label=columns["label"],
        prefectures={str(k).strip(): str(v).strip() for k, v in aliases.items()},
        ignore=tuple(str(c).strip() for c in (m.get("ignore") or [])),
    )

    default_unit = str(entry.get("unit") or "").strip()
    default_scale = entry.get("scale", 1)
    raw_inds = entry["indicators"]
    if not isinstance(raw_inds, dict):
        raise ConfigError(
            "indicators 应为 发布时的指标名称: {indicator_id, unit, scale} 的映射",
            "indicators must map published label: {indicator_id, unit, scale}",
        )
    known_ids = set(indicator_ids) if indicator_ids is not None else None
    indicators = {}
    for label, spec in raw_inds.items():
        label = str(label).strip()
        if isinstance(spec, str):
            spec = {"indicator_id": spec}
        if not isinstance(spec, dict) or not spec.get("indicator_id"):
            raise ConfigError(f"指标 {label!r} 缺少 indicator_id", f"indicator {label!r} lacks indicator_id")
        if set(spec) - {"indicator_id", "unit", "scale"}:
            raise ConfigError(
                f"指标 {label!r} 只能包含 indicator_id、unit、scale",
                f"indicator {label!r} may hold only indicator_id, unit, scale",
            )
        indicator_id = str(spec["indicator_id"]).strip()
        if known_ids is not None and indicator_id not in known_ids:
            raise ConfigError(
                f"指标 {label!r} 的 indicator_id {indicator_id!r} 不在 indicators.csv 中",
                f"indicator {label!r}: indicator_id {indicator_id!r} is not in indicators.csv",
            )
        indicators[label] = IndicatorMap(
            label=label,
            indicator_id=indicator_id,
            unit=str(spec.get("unit", default_unit) or "").strip(),
            scale=_decimal(spec.get("scale", default_scale), f"指标 {label} 的 scale / scale of {label}"),
        )

    content_types = entry.get("content_types") or CONTENT_TYPES[fmt]
    if isinstance(content_types, str):
        content_types = [content_types]
    return Source(
        name=str(entry["name"]),
        title_zh=str(entry["title_zh"]).strip(),
        publisher=str(entry["publisher"]).strip(),
        location=resolve_location(entry["location"], env),
        format=fmt,
        frequency=frequency,
        is_synthetic=is_synthetic,
        table=table,
        mapping=mapping,
        indicators=indicators,
        content_types=tuple(str(c).strip().lower() for c in content_types),
    )


def parse_sources(
    text: str,
    env: Mapping[str, str] | None = None,
    indicator_ids: Iterable[str] | None = None,
    origin: str = "sources.yml",
) -> list[Source]:
    """The sources declared in ``text`` (YAML with a top-level ``sources:`` list), in file order."""
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
    ids = list(indicator_ids) if indicator_ids is not None else None
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
            sources.append(_source(entry, env, ids))
        except ConfigError as exc:
            sources.append(
                Source(
                    name=name,
                    title_zh=str(entry.get("title_zh") or ""),
                    publisher=str(entry.get("publisher") or ""),
                    location=str(entry.get("location") or ""),
                    format=str(entry.get("format") or ""),
                    is_synthetic=entry.get("is_synthetic") is True,
                    config_error=ConfigError(
                        f"{origin} 中数据源 {name} 配置有误：{exc.message_zh}",
                        f"{origin}: source {name} is misdeclared: {exc.message_en}",
                    ),
                )
            )
    return sources


def load_sources(
    path: Path = SOURCES_FILE,
    env: Mapping[str, str] | None = None,
    indicator_ids: Iterable[str] | None = None,
) -> list[Source]:
    if not path.exists():
        raise UserInputError(f"找不到数据源声明文件：{path}", f"sources file not found: {path}")
    return parse_sources(path.read_text(encoding="utf-8"), env, indicator_ids, origin=path.name)
