"""Build the indicator portal: a static site under ``NEWINFRA_HOME/published/portal/``.

Layout (docs/portal.md)::

    published/portal -> portal-<run id>/       <- symlink, swapped atomically after each build
        index.html                              <- every indicator by sector, filters, search
        sources.html                            <- the public sources and their health
        indicators/<indicator_id>.html          <- one page per indicator
        departments/<department_code>.html      <- one page per department
        downloads/<indicator_id>_月度序列.csv    <- UTF-8 with BOM (Excel reads the Chinese)
        downloads/<indicator_id>_进展历史.csv
        assets/portal.css, portal.js, search-index.js, echarts/…  <- no request leaves the site
        dbt-docs/index.html                      <- `dbt docs generate --static` (portal/docs.py)

Reads only the published analysts' copy; the figures on the pages are its columns.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import jinja2

from newinfra import db
from newinfra.db import sql_literal
from newinfra.settings import Settings
from portal import data as D

PORTAL_LINK = "portal"
PACKAGE_DIR = Path(__file__).resolve().parent
STATIC_DIR = PACKAGE_DIR / "static"
TEMPLATE_DIR = PACKAGE_DIR / "templates"
DOCS_DIR = "dbt-docs"

# Hex colours of the status colour names the marts carry (a colour already in hex is used as is).
COLOURS = {"green": "#2e7d32", "yellow": "#f2b705", "red": "#c62828", "grey": "#8a949e", "gray": "#8a949e"}
SUBMISSION_COLOURS = {
    "on_time": "#2e7d32",
    "late": "#f2b705",
    "missing": "#c62828",
    "not_expected": "#d9dee5",
}


@dataclass
class PortalResult:
    path: Path  # published/portal (the link)
    target: Path  # the folder it points at
    report_period: str
    n_indicator_pages: int
    n_department_pages: int
    synthetic: bool
    docs: str  # "built" | "skipped: <reason>" | "failed: <reason>"
    seconds: dict[str, float] = field(default_factory=dict)


# --- formatting -----------------------------------------------------------------------------------


def fmt_number(value: Any, digits: int = 2) -> str:
    """A figure for people: thousands separators, at most ``digits`` decimals, trailing zeros cut."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    number = float(value)
    text = f"{number:,.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def fmt_share(value: Any, digits: int = 1) -> str:
    if value is None:
        return "—"
    return f"{float(value) * 100:.{digits}f}%"


def colour(name: Any) -> str:
    if not name:
        return COLOURS["grey"]
    text = str(name)
    return text if text.startswith("#") else COLOURS.get(text, COLOURS["grey"])


def fmt_time(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(num=fmt_number, share=fmt_share, colour=colour, time=fmt_time)
    env.globals.update(submission_colours=SUBMISSION_COLOURS, download_names=download_names)
    return env


# --- build ----------------------------------------------------------------------------------------


def docs_link(unique_model: str, prefix: str) -> str:
    """The dbt docs page of a published table (a hash route of the single-file docs site)."""
    return f"{prefix}{DOCS_DIR}/index.html#!/model/model.newinfra.{unique_model}"


def render_site(
    data: D.PortalData, out: Path, con: duckdb.DuckDBPyConnection | None = None
) -> dict[str, float]:
    """Write every page of ``data`` into ``out`` (an empty folder); CSVs through ``con`` when given."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    env = _env()
    (out / "indicators").mkdir(parents=True)
    (out / "departments").mkdir()
    (out / "downloads").mkdir()
    _copy_assets(out)
    dept_names = {d["department_code"]: d["name_zh"] for d in data.departments}
    common = {
        "data": data,
        "synthetic": data.synthetic,
        "dept_names": dept_names,
        "opt": data.optional_columns,
        "docs_link": docs_link,
    }
    by_sector: dict[str, list[dict[str, Any]]] = {}
    for ind in data.indicators:
        by_sector.setdefault(ind["sector"], []).append(ind)
    lead_departments = sorted(
        {ind["lead_department_code"] for ind in data.indicators},
        key=lambda c: next((d["sort_order"] for d in data.departments if d["department_code"] == c), 999),
    )
    _write(
        out / "index.html",
        env.get_template("index.html.j2").render(
            **common, root="", by_sector=by_sector, lead_departments=lead_departments, page="index"
        ),
    )
    _write(out / "assets" / "search-index.js", _search_index(data))
    _write(
        out / "sources.html",
        env.get_template("sources.html.j2").render(**common, root="", page="sources"),
    )
    timings["index"] = time.perf_counter() - t0

    t1 = time.perf_counter()
    template = env.get_template("indicator.html.j2")
    for ind in data.indicators:
        _write(
            out / "indicators" / f"{ind['indicator_id']}.html",
            template.render(
                **common,
                root="../",
                ind=ind,
                prog=ind["progress"],
                history=data.history.get(ind["indicator_id"], []),
                targets=data.targets.get(ind["indicator_id"], []),
                tasks=data.tasks.get(ind["indicator_id"], []),
                co=data.co_departments.get(ind["indicator_id"], []),
                # an indicator with no reported figure yet has an empty series, not a missing one
                series=data.series.get(
                    ind["indicator_id"],
                    {"areas": [], "n_areas_total": 0, "periods": [], "values": {}, "carried": {}},
                ),
                provenance=data.provenance.get(ind["indicator_id"], []),
                recon=data.reconciliation.get(ind["indicator_id"], []),
                recon_counts=data.reconciliation_counts.get(ind["indicator_id"]),
                chart_json=D.chart_payload(data, ind),
                page="indicator",
            ),
        )
    timings["indicator_pages"] = time.perf_counter() - t1

    t2 = time.perf_counter()
    template = env.get_template("department.html.j2")
    by_id = data.indicator_by_id
    for dept in data.departments:
        code = dept["department_code"]
        _write(
            out / "departments" / f"{code}.html",
            template.render(
                **common,
                root="../",
                dept=dept,
                indicators=[
                    D.Record(by_id[item["indicator_id"]], role=item["role"])
                    for item in data.dept_indicators.get(code, [])
                    if item["indicator_id"] in by_id
                ],
                compliance=data.compliance.get(code, []),
                rejections=data.rejections.get(code, []),
                page="department",
            ),
        )
    timings["department_pages"] = time.perf_counter() - t2

    if con is not None:
        t3 = time.perf_counter()
        write_downloads(con, data, out / "downloads")
        timings["downloads"] = time.perf_counter() - t3
    return timings


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def _copy_assets(out: Path) -> None:
    shutil.copytree(STATIC_DIR, out / "assets")


def _search_index(data: D.PortalData) -> str:
    """``window.PORTAL_INDEX``: a script, not JSON fetched at run time (file:// forbids fetch)."""
    items = [
        {
            "id": ind["indicator_id"],
            "name": ind["name_zh"],
            "en": ind.get("name_en") or "",
            "sector": ind.get("sector_zh") or "",
            "lead": ind.get("lead_department_name_zh") or "",
        }
        for ind in data.indicators
    ]
    items += [
        {"id": d["department_code"], "name": d["name_zh"], "en": d.get("name_en") or "", "dept": True}
        for d in data.departments
    ]
    text = json.dumps(items, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    return f"window.PORTAL_INDEX = {text};\n"


# CSV downloads: DuckDB writes them; the first header carries U+FEFF so the file starts with the
# UTF-8 BOM (Excel then reads the Chinese). Column names for people, ASCII ids kept as values.
SERIES_CSV = """
select m.period as "\ufeff月份", m.prefecture_code as 地区编码, m.prefecture_name_zh as 地区,
       m.indicator_id as 指标编码, m.indicator_name_zh as 指标, m.value as 数值_基本单位, m.unit as 基本单位,
       m.value_display as 数值, m.display_unit as 单位, m.is_carried_forward as 沿用上月,
       m.is_missing as 无数值, m.value_basis as 数值来源, m.last_reported_month as 最近报送月份
from governance.fct_indicator_monthly m
where m.indicator_id = {id}
order by m.period, m.is_province desc, m.prefecture_sort_order, m.prefecture_code
"""
PROGRESS_CSV = """
select period as "\ufeff截至月份", indicator_id as 指标编码, indicator_name_zh as 指标,
       target_year as 适用目标年份, target_display as 适用目标, target_qualifier as 目标限定词,
       actual_display as 最新实际值, display_unit as 单位, actual_period as 数据截至月份,
       completion as 完成度_基期以来, time_elapsed as 时间进度, status_code as 状态编码,
       status_label_zh as 状态 {extra}
from governance.fct_indicator_progress
where indicator_id = {id}
order by period
"""
OPTIONAL_CSV_LABELS = {
    "completion_rate": "完成率",
    "progress_since_baseline": "基期以来进度",
    "data_age_months": "数据月龄",
    "is_stale": "数据未更新",
    "projected_display": "预计到期值",
    "projection_verdict_zh": "预计",
}


def download_names(indicator_id: str) -> tuple[str, str]:
    return f"{indicator_id}_月度序列.csv", f"{indicator_id}_进展历史.csv"


def write_downloads(con: duckdb.DuckDBPyConnection, data: D.PortalData, folder: Path) -> None:
    extra = "".join(
        f", {data.optional_columns[k]} as {label}"
        for k, label in OPTIONAL_CSV_LABELS.items()
        if k in data.optional_columns
    )
    for ind in data.indicators:
        ind_id = ind["indicator_id"]
        series_name, progress_name = download_names(ind_id)
        con.execute(
            f"copy ({SERIES_CSV.format(id=sql_literal(ind_id))}) to {sql_literal(str(folder / series_name))} "
            "(header, delimiter ',')"
        )
        con.execute(
            f"copy ({PROGRESS_CSV.format(id=sql_literal(ind_id), extra=extra)}) "
            f"to {sql_literal(str(folder / progress_name))} (header, delimiter ',')"
        )


def build_portal(settings: Settings, *, docs: bool = True) -> PortalResult:
    """Build the portal from the published copy and swap it in (see the module docstring)."""
    from newinfra.errors import PlatformError

    published = settings.published
    if not settings.published_warehouse.exists():
        raise PlatformError(
            f"分析副本不存在，无法生成门户；请先运行 newinfra publish：{settings.published_warehouse}",
            f"the analysts' copy is missing; run `newinfra publish` first: {settings.published_warehouse}",
        )
    now = dt.datetime.now(dt.UTC)
    run_id = f"{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    target = published / f"{PORTAL_LINK}-{run_id}"
    timings: dict[str, float] = {}
    started = time.perf_counter()
    try:
        target.mkdir(parents=True)
        with db.reader(settings, settings.published_warehouse) as con:
            t = time.perf_counter()
            data = D.load(con, settings.home)
            timings["load"] = time.perf_counter() - t
            # The reader is read-only: the temp table for the chart areas lives in DuckDB's temp catalog.
            timings.update(render_site(data, target, con))
        docs_state = "skipped: not requested"
        if not docs:
            from portal.docs import write_placeholder

            write_placeholder(target / DOCS_DIR, "dbt 文档未随本次构建生成（--no-docs）。")
        else:
            from portal.docs import build_docs

            t = time.perf_counter()
            docs_state = build_docs(settings, target / DOCS_DIR)
            timings["dbt_docs"] = time.perf_counter() - t
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    _swap(published, target, run_id)
    _clean(published)
    timings["total"] = time.perf_counter() - started
    return PortalResult(
        path=published / PORTAL_LINK,
        target=target,
        report_period=data.report_period,
        n_indicator_pages=len(data.indicators),
        n_department_pages=len(data.departments),
        synthetic=data.synthetic is not None,
        docs=docs_state,
        seconds={k: round(v, 3) for k, v in timings.items()},
    )


def _swap(published: Path, target: Path, run_id: str) -> None:
    """Point published/portal at ``target`` in one rename (a reader sees the old or the new site)."""
    link = published / PORTAL_LINK
    if link.exists() and not link.is_symlink():  # a real folder from elsewhere: move it aside
        link.rename(published / f"{PORTAL_LINK}-legacy-{run_id}")
    tmp = published / f"{PORTAL_LINK}.tmp-{run_id}"
    tmp.symlink_to(target.name, target_is_directory=True)
    os.replace(tmp, link)


def _clean(published: Path) -> None:
    """Keep the site the link points at and the one before it (a reader may still be on it)."""
    link = published / PORTAL_LINK
    current = os.readlink(link) if link.is_symlink() else None
    for path in published.glob(f"{PORTAL_LINK}.tmp-*"):
        path.unlink(missing_ok=True)
    others = sorted(
        (p for p in published.glob(f"{PORTAL_LINK}-*") if p.is_dir() and p.name != current),
        key=lambda p: p.stat().st_mtime,
    )
    for path in others[:-1]:
        shutil.rmtree(path, ignore_errors=True)
