"""The demo-data generator: every department's monthly submissions, the project library, a manifest.

Write mode: overwrite. Writes under ``out`` (default NEWINFRA_HOME):

- ``landing/<folder>/<file>``: each department's monthly submission for every period it reports,
  written through the real templates (``ingestion.submissions.template.write_template`` then ``fill_template``,
  as a department would), then the scenario's mistakes typed in with openpyxl; the file's mtime is
  its received time (the ingester reads it as ``received_at``);
- ``demo/重大项目库.xlsx``: the major-project library (load it with ``newinfra load-projects``);
- ``demo/demo_manifest.json``: every file written with its received time, lateness, mistake and the
  ingester's expected outcome; the department-months that are deliberately missing; the projects'
  summed investment per period;
- ``demo/README.md``: what the demo data is (synthetic, 示例数据).

Deterministic: the same seed and arguments give byte-identical files (zip entry times and document
properties are fixed; the mtime is the scenario's received time), whatever the number of workers.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
import tempfile
import time
import zipfile
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from demo import settings as S
from demo.scenario import (
    PROVINCE,
    Mistake,
    PlannedFile,
    Scenario,
    build_scenario,
    department_values,
    project_rows,
)
from ingestion.common.numbers import MONEY_SCALE
from ingestion.common.sectors import SECTOR_LABELS_ZH
from ingestion.submissions import constants
from newinfra.atomic import write_bytes
from newinfra.errors import UserInputError
from newinfra.periods import add_months, due_date, month_index, parse_period, period_range
from newinfra.plan import Plan, load_plan
from newinfra.settings import Settings


@dataclass(frozen=True)
class GenerateResult:
    out_dir: str
    landing_dir: str
    library_path: str
    manifest_path: str
    readme_path: str
    seed: int
    first_period: str
    last_period: str
    files_written: int
    xlsx_files: int
    csv_files: int
    late_files: int
    missing: int
    mistakes: int
    projects: int
    workers: int
    seconds: float
    departments: list[str] = field(default_factory=list)


# --- determinism helpers (pure) ------------------------------------------------------------------

_CORE_TIME = re.compile(r"(<dcterms:(created|modified)\b[^>]*>)[^<]*(</dcterms:\2>)")
_CORE_DESCRIPTION = re.compile(r"<dc:description>(.*?)</dc:description>", re.S)


def _utc_text(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def normalise_xlsx(data: bytes, when: dt.datetime, created: dt.datetime | None = None) -> bytes:
    """The same workbook with fixed zip entry times, and document properties that say when it was
    saved (``when``; ``created`` too when given, else the template's own fixed value is kept) and that
    it is synthetic: two runs give the same bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            payload = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                payload = _fix_core(payload.decode("utf-8"), when, created).encode("utf-8")
            entry = zipfile.ZipInfo(info.filename, date_time=S.ZIP_DATE_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.create_system = 3
            entry.external_attr = 0o100644 << 16  # a regular file, rw-r--r--
            dst.writestr(entry, payload)
    return out.getvalue()


def _fix_core(xml: str, when: dt.datetime, created: dt.datetime | None) -> str:
    stamps = {"modified": _utc_text(when), "created": _utc_text(created) if created else None}
    xml = _CORE_TIME.sub(
        lambda m: f"{m.group(1)}{stamps[m.group(2)]}{m.group(3)}" if stamps[m.group(2)] else m.group(0), xml
    )
    label = f"{S.SYNTHETIC_LABEL} / {S.SYNTHETIC_LABEL_EN}"
    found = _CORE_DESCRIPTION.search(xml)
    if found:  # keep what the template wrote (its kind and version), add the label
        kept = found.group(1).strip()
        text = f"{kept}; {label}" if kept and label not in kept else (kept or label)
        return xml[: found.start()] + f"<dc:description>{text}</dc:description>" + xml[found.end() :]
    return xml.replace(
        "</cp:coreProperties>", f"<dc:description>{label}</dc:description></cp:coreProperties>"
    )


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write_bytes(path: Path, data: bytes, mtime: dt.datetime | None) -> None:
    """Write atomically (temp file + rename), then set the mtime."""
    write_bytes(path, data, sync=False)
    if mtime is not None:
        ts = mtime.timestamp()
        os.utime(path, (ts, ts))


# --- one file (runs in a worker process) -----------------------------------------------------------


@dataclass(frozen=True)
class Job:
    planned: PlannedFile
    values: dict  # (indicator_id, prefecture_code) -> value typed into 本期数值
    previous_values: dict  # shown in the template's 上期数值 column
    template_projects: list  # the department's library projects the template lists
    project_progress: list  # what the department types into the 重大项目进展 sheet
    path: str  # absolute target path
    settings: Settings
    notes: dict = field(default_factory=dict)  # (indicator_id, prefecture_code) -> 备注 typed
    contacts: dict = field(default_factory=dict)  # 填报人 / 联系电话 typed on the 填报说明 sheet


def _sheet_rows(ws, columns) -> tuple[int, dict[str, int], dict[tuple[str, str], int], int]:
    """(header row, key -> column, (indicator_id, prefecture_code) -> row, last data row)."""
    by_text = {header: key for key, header in columns}
    header_row, cols = 0, {}
    for r in range(1, constants.HEADER_SEARCH_ROWS + 1):
        found = {
            by_text[v.strip()]: c
            for c in range(1, ws.max_column + 1)
            if isinstance(v := ws.cell(r, c).value, str) and v.strip() in by_text
        }
        if "indicator_id" in found:
            header_row, cols = r, found
            break
    rows, last = {}, header_row
    for r in range(header_row + 1, ws.max_row + 1):
        ind, pref = ws.cell(r, cols["indicator_id"]).value, ws.cell(r, cols["prefecture_code"]).value
        if ind or pref:
            rows.setdefault((str(ind), str(pref)), r)
            last = r
    return header_row, cols, rows, last


def apply_row_mistake(path: Path, mistake: Mistake) -> None:
    """Add the rows a careless department would add: a duplicate row, or a row for a prefecture that
    does not exist (typed into both the hidden code cell and the name cell). Other mistakes are typed
    as values through ``fill_template``."""
    import openpyxl  # noqa: PLC0415

    wb = openpyxl.load_workbook(path)
    ws = wb[constants.SHEET_INDICATORS]
    _header, cols, rows, last = _sheet_rows(ws, constants.INDICATOR_COLUMNS)
    source = rows[(mistake.indicator_id, mistake.prefecture_code)]
    target = last + 1
    for c in range(1, ws.max_column + 1):
        ws.cell(target, c, ws.cell(source, c).value)
    if mistake.kind == "unknown_prefecture":
        ws.cell(target, cols["prefecture_code"], S.ERROR_PREFECTURE)
        ws.cell(target, cols["prefecture_name"], S.ERROR_PREFECTURE)
    wb.save(path)


def _typed_values(f: PlannedFile, values: dict) -> dict:
    """The values as the department types them, mistakes included."""
    typed = dict(values)
    m = f.mistake
    if m is None or f.role == "spoof":
        return typed
    key = (m.indicator_id, m.prefecture_code)
    if m.kind == "text_in_number":
        typed[key] = S.ERROR_TEXT_IN_NUMBER
    elif m.kind == "negative_count":
        typed[key] = S.ERROR_NEGATIVE
    elif m.kind == "percent_over_100":
        typed[key] = S.ERROR_PERCENT
    elif m.kind == "formula_cell":
        typed[key] = S.ERROR_FORMULA
    elif m.kind == "revision" and f.role == "revision_first":
        typed[key] = typed[key] * 10  # a typo: one zero too many; the revision corrects it
    return typed


def _csv_bytes(xlsx_path: Path) -> bytes:
    """The filled indicator sheet saved as CSV (GB18030), with the template's metadata lines on top,
    as the 填报说明 sheet tells a department to do."""
    import openpyxl  # noqa: PLC0415

    wb = openpyxl.load_workbook(xlsx_path)
    meta = {str(r[0]): str(r[1]) for r in wb[constants.SHEET_META].iter_rows(values_only=True) if r and r[0]}
    ws = wb[constants.SHEET_INDICATORS]
    header_row, _cols, _rows, last = _sheet_rows(ws, constants.INDICATOR_COLUMNS)
    buf = io.StringIO(newline="")
    for key in constants.META_KEYS:
        buf.write(f"#{key}={meta[key]}\r\n")
    guide = {
        str(r[0]).strip(): r[1] for r in wb[constants.SHEET_GUIDE].iter_rows(values_only=True) if r and r[0]
    }
    for _key, label in constants.CONTACT_FIELDS:  # 填报说明: "#填报人=…", "#联系电话=…"
        if guide.get(label) not in (None, ""):
            buf.write(f"#{label}={guide[label]}\r\n")
    writer = csv.writer(buf, lineterminator="\r\n")
    width = len(constants.INDICATOR_COLUMNS)
    for r in range(header_row, last + 1):
        cells = [ws.cell(r, c).value for c in range(1, width + 1)]
        writer.writerow(["" if v is None else (f"{v:g}" if isinstance(v, float) else v) for v in cells])
    return buf.getvalue().encode("gb18030")


def render(job: Job, tmp_dir: Path) -> bytes:
    """One planned file, made the way a department makes it: the office's template
    (``ingestion.submissions.template.write_template``), filled in with openpyxl (``fill_template``), the
    scenario's mistake typed in; CSV files are the filled sheet saved as CSV."""
    from demo.fill import fill_template  # noqa: PLC0415
    from ingestion.submissions.template import write_template  # noqa: PLC0415

    f = job.planned
    template = tmp_dir / "template.xlsx"
    write_template(
        job.settings,
        None,
        f.department_code,
        f.period,
        template,
        previous_values=job.previous_values,
        projects=job.template_projects,
    )
    filled = fill_template(
        template, _typed_values(f, job.values), job.project_progress, tmp_dir / "filled.xlsx",
        notes={k: v for k, v in job.notes.items() if k in job.values}, contacts=job.contacts,
    )  # fmt: skip
    if f.mistake is not None and f.mistake.kind in ("duplicate_row", "unknown_prefecture"):
        apply_row_mistake(filled, f.mistake)
    if f.file_format == "csv":
        return _csv_bytes(filled)
    return filled.read_bytes()


def _run_job(job: Job) -> tuple[str, int]:
    """Write one planned file; returns (sha256, size)."""
    f = job.planned
    with tempfile.TemporaryDirectory(prefix="newinfra-demo-") as tmp:
        data = render(job, Path(tmp))
    if f.file_format == "xlsx":
        data = normalise_xlsx(data, f.received_at)
    _write_bytes(Path(job.path), data, f.received_at)
    return sha256_bytes(data), len(data)


def _progress_row(row: dict, seed: int, period: str) -> dict:
    """A project_rows() row as the department types it: money in 万元, status as its label, a remark
    on some rows (``demo.remarks.project_remark``)."""
    from demo.remarks import project_remark  # noqa: PLC0415

    return {
        "project_code": row["project_code"],
        "completed_this_month": _wan(row["completed_this_month_yuan"]),
        "cumulative_completed": _wan(row["cumulative_completed_yuan"]),
        "status": row["project_status"],
        "note": project_remark(seed, row["project_code"], period, row["project_status"]),
    }


def _wan(yuan: float) -> int | float:
    value = yuan / MONEY_SCALE
    return int(value) if float(value).is_integer() else round(value, 2)


def make_job(plan: Plan, scenario: Scenario, f: PlannedFile, out: Path, settings: Settings) -> Job:
    values = department_values(plan, f.department_code, f.values_period, scenario.projects)
    previous = department_values(plan, f.department_code, add_months(f.values_period, -1), scenario.projects)
    if f.values_period == scenario.first_period:
        previous = {}
    listed = template_projects(scenario, f.department_code, f.period)
    progress = [
        _progress_row(r, scenario.seed, f.period)
        for r in project_rows(listed, f.department_code, f.values_period, include_planned=True)
    ]
    info = [
        {
            "project_code": p.project_code,
            "project_name": p.project_name,
            "sector": p.sector,
            "department_code": p.department_code,
            "prefecture_code": p.prefecture_code,
            "total_investment_yuan": p.total_investment_yuan,
        }
        for p in listed
    ]
    from demo.remarks import contact, indicator_remarks  # noqa: PLC0415

    notes = indicator_remarks(scenario.seed, f.department_code, f.period, values)
    contacts = contact(scenario.seed, f.department_code, f.period, scenario.departments)
    return Job(f, values, previous, info, progress, str(out / f.relative_path), settings, notes, contacts)


def template_projects(scenario: Scenario, department_code: str, period: str) -> list:
    """The projects a department's template lists for ``period``: its library projects started by
    then or starting within the next few months (reported as 未开工 until they start)."""
    horizon = month_index(period) + S.PLANNED_LEAD_MONTHS
    return [
        p
        for p in scenario.projects
        if p.department_code == department_code and month_index(p.start_period) <= horizon
    ]


# --- the project library -----------------------------------------------------------------------

# The headers of the office's list, as ``newinfra load-projects`` reads them (ingestion/projects).
LIBRARY_COLUMNS = (
    ("project_code", "项目编号"),
    ("project_name", "项目名称"),
    ("sector", "所属领域"),
    ("department", "责任单位"),
    ("prefecture", "所在地区"),
    ("total_investment", "总投资（万元）"),
    ("start_year", "开工年份"),
    ("end_year", "完工年份"),
    ("note", "备注"),
)


def project_library_bytes(plan: Plan, scenario: Scenario) -> bytes:
    """The office's major-project library (重大项目库) as an .xlsx: a title row, a hint row, the
    header row, one row per project; money in 万元 as in the templates."""
    import openpyxl  # noqa: PLC0415

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = S.PROJECT_LIBRARY_SHEET
    ws.cell(1, 1, f"贵州省新型基础设施重大项目库（{S.SYNTHETIC_LABEL}）")
    ws.cell(2, 1, "金额单位：万元。项目名称中的“某”表示虚构项目。Synthetic demo data, not real projects.")
    for c, (_key, header) in enumerate(LIBRARY_COLUMNS, start=1):
        ws.cell(3, c, header)
    for r, p in enumerate(scenario.projects, start=4):
        dept = plan.departments.get(p.department_code)
        pref = plan.prefectures.get(p.prefecture_code)
        row = {
            "project_code": p.project_code,
            "project_name": p.project_name,
            "sector": SECTOR_LABELS_ZH.get(p.sector, p.sector),
            "department": dept.name_zh if dept else p.department_code,
            "prefecture": pref.short_name_zh if pref else p.prefecture_code,
            "total_investment": _wan(p.total_investment_yuan),
            "start_year": p.start_year,
            "end_year": p.end_year,
            "note": S.SYNTHETIC_NOTE,
        }
        for c, (key, _header) in enumerate(LIBRARY_COLUMNS, start=1):
            ws.cell(r, c, row[key])
    widths = (16, 44, 14, 20, 12, 14, 10, 10, 10)
    for c, width in enumerate(widths, start=1):
        ws.column_dimensions[openpyxl.utils.get_column_letter(c)].width = width
    ws.freeze_panes = "C4"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write_project_library(path: Path, plan: Plan, scenario: Scenario) -> str:
    when = _library_time(scenario)
    data = normalise_xlsx(project_library_bytes(plan, scenario), when, created=when)
    _write_bytes(path, data, when)
    return sha256_bytes(data)


def _library_time(scenario: Scenario) -> dt.datetime:
    """The library is the office's list as of the first plan month (fixed, so mtime is deterministic)."""
    year, month = parse_period(scenario.first_period)
    return dt.datetime(year, month, 1, 1, 0, tzinfo=dt.UTC)


# --- manifest and README -----------------------------------------------------------------------


def _file_entry(f: PlannedFile, sha: str, size: int, on_time_days: int) -> dict:
    m = f.mistake
    return {
        "path": f.relative_path,
        "folder_department_code": f.folder_department_code,
        "department_code": f.department_code,
        "period": f.period,
        "role": f.role,
        "file_format": f.file_format,
        "received_at": _utc_text(f.received_at),
        "received_at_local": f.received_at.isoformat(),
        "due_date": due_date(f.period, on_time_days).isoformat(),
        "is_late": f.is_late,
        "mistake": m.kind if m is not None and f.role != "revision_first" else None,
        "mistake_zh": m.description_zh if m is not None and f.role != "revision_first" else None,
        "mistake_indicator_id": m.indicator_id if m is not None else None,
        "mistake_prefecture_code": m.prefecture_code if m is not None else None,
        "expected_status": f.expected_status,
        "expected_reason_codes": list(f.expected_reason_codes),
        "sha256": sha,
        "size_bytes": size,
    }


def build_manifest(
    scenario: Scenario,
    written: list[tuple[PlannedFile, str, int]],
    library: tuple[str, str],
    folders: list[str],
    periods: list[str],
) -> dict:
    files = [_file_entry(f, sha, size, scenario.on_time_days) for f, sha, size in written]
    folder_set, period_set = set(folders), set(periods)
    missing = [
        {"department_code": d, "period": p, "due_date": due_date(p, scenario.on_time_days).isoformat()}
        for d, p in scenario.missing
        if d in folder_set and p in period_set
    ]
    mistakes = [
        {
            "kind": m.kind,
            "description_zh": m.description_zh,
            "department_code": m.department_code,
            "period": m.period,
            "indicator_id": m.indicator_id,
            "prefecture_code": m.prefecture_code,
            "other_department_code": m.other_department_code,
            "expected_status": m.expected_status,
            "expected_reason_codes": list(m.expected_reason_codes),
        }
        for m in scenario.mistakes
        if m.department_code in folder_set and m.period in period_set
    ]
    invest = {
        p: sum(pr.cumulative_at(p) for pr in scenario.projects)
        for p in period_range(scenario.first_period, scenario.last_period)
    }
    return {
        "manifest_version": S.MANIFEST_VERSION,
        "synthetic": True,
        "label": f"{S.SYNTHETIC_LABEL} / {S.SYNTHETIC_LABEL_EN}",
        "seed": scenario.seed,
        "first_period": scenario.first_period,
        "last_period": scenario.last_period,
        "on_time_days": scenario.on_time_days,
        "timezone": scenario.timezone,
        "reporting_departments": list(scenario.departments),
        "written_folders": folders,
        "written_periods": periods,
        "habits": scenario.habits,
        "project_library": {
            "path": library[0],
            "sha256": library[1],
            "projects": len(scenario.projects),
            "total_investment_yuan": sum(p.total_investment_yuan for p in scenario.projects),
            "cumulative_completed_yuan_by_period": invest,
        },
        "counts": {
            "files": len(files),
            "late": sum(1 for f in files if f["is_late"]),
            "missing": len(missing),
            "mistakes": len(mistakes),
            "quarantine_expected": sum(1 for f in files if f["expected_status"] == "quarantined"),
            "partial_expected": sum(1 for f in files if f["expected_status"] == "partially_loaded"),
        },
        "mistakes": mistakes,
        "missing": missing,
        "files": files,
    }


def _readme(scenario: Scenario, manifest: dict, plan: Plan) -> str:
    lines = [
        "# 示例数据（合成数据，非官方统计） / synthetic demo data",
        "",
        "本目录及 `landing/` 下的全部文件由 `newinfra demo-data` 生成，数值为合成的示例数据，",
        "不代表任何部门的真实报送或官方统计。项目名称中的“某”表示虚构项目。",
        "",
        "Everything here and under `landing/` was written by `newinfra demo-data`: synthetic, not",
        "any department's real submission nor an official statistic.",
        "",
        f"- 随机种子 / seed: {scenario.seed}",
        f"- 报送期 / periods: {scenario.first_period} … {scenario.last_period}",
        f"- 报送文件 / files: {manifest['counts']['files']}（逾期 late {manifest['counts']['late']}）",
        f"- 故意缺报 / deliberately missing: {manifest['counts']['missing']}",
        f"- 重大项目库 / project library: `{S.PROJECT_LIBRARY_NAME}`，{len(scenario.projects)} 个项目",
        f"- 清单 / manifest: `{S.MANIFEST_NAME}`（每个文件的接收时间、是否逾期、错误类型与预期处理结果）",
        "",
        "## 故意设置的错误 / deliberate mistakes",
        "",
        "| 报送期 | 目录（报送单位） | 错误 | 预期结果 | 原因代码 |",
        "|---|---|---|---|---|",
    ]

    def name(code: str) -> str:
        return f"{code} {plan.departments[code].name_zh}" if code in plan.departments else code

    for m in manifest["mistakes"]:
        codes = ", ".join(m["expected_reason_codes"]) or "—"
        what = m["description_zh"]
        if m["other_department_code"]:
            what += f"（{name(m['other_department_code'])} 的报表）"
        lines.append(
            f"| {m['period']} | {name(m['department_code'])} | {what} | {m['expected_status']} | {codes} |"
        )
    last = scenario.last_period
    late_last = sorted(
        {f["folder_department_code"] for f in manifest["files"] if f["period"] == last and f["is_late"]}
    )
    missing_last = sorted(x["department_code"] for x in manifest["missing"] if x["period"] == last)
    lines += [
        "",
        f"## 最后一个报送期 {last} / the last period",
        "",
        f"- 逾期报送 / late: {'、'.join(name(d) for d in late_last) or '无'}",
        f"- 未报送 / missing: {'、'.join(name(d) for d in missing_last) or '无'}",
        "",
        "## 各单位报送习惯、逾期与缺报 / habits, late files and missing months per department",
        "",
        "punctual 按时；usual 偶尔逾期；sloppy 常逾期、偶尔缺报。",
        "",
        "| 单位 | 习惯 | 逾期文件数 | 缺报的报送期 |",
        "|---|---|---|---|",
    ]
    for d, habit in sorted(scenario.habits.items()):
        if d not in manifest["written_folders"]:
            continue
        late = sum(1 for f in manifest["files"] if f["folder_department_code"] == d and f["is_late"])
        missed = [x["period"] for x in manifest["missing"] if x["department_code"] == d]
        lines.append(f"| {name(d)} | {habit} | {late} | {'、'.join(missed) or '—'} |")
    lines.append("")
    return "\n".join(lines)


# --- the entry point ---------------------------------------------------------------------------


def _validate(first: str, through: str) -> None:
    parse_period(through)
    if month_index(through) < month_index(first):
        raise UserInputError(
            f"--through {through} 早于首个报送期 {first}",
            f"--through {through} is before the first period {first}",
        )
    if month_index(through) > month_index(S.LAST_PERIOD):
        raise UserInputError(
            f"--through {through} 超出规划期（最晚 {S.LAST_PERIOD}）",
            f"--through {through} is after the plan's last period {S.LAST_PERIOD}",
        )


def default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


def generate(
    out_dir: Path | str | None = None,
    *,
    seed: int = S.DEFAULT_SEED,
    through: str = S.LAST_PERIOD,
    settings: Settings | None = None,
    folders: Iterable[str] | None = None,
    periods: Iterable[str] | None = None,
    workers: int | None = None,
    plan: Plan | None = None,
    progress=None,
) -> GenerateResult:
    """Write the demo data under ``out_dir`` (default NEWINFRA_HOME) and return what was written.

    ``folders`` (landing folders, i.e. sender department codes) and ``periods`` restrict what is
    written to a slice of the full scenario; the slice's files are byte-identical to the same files
    of a full run. ``workers`` processes write the files (default: up to 2)."""
    started = time.perf_counter()
    settings = settings or Settings.from_env()
    plan = plan or load_plan()
    out = Path(out_dir) if out_dir is not None else settings.home
    _validate(S.FIRST_PERIOD, through)
    scenario = build_scenario(plan, seed, through, settings.on_time_days, settings.timezone)
    all_periods = period_range(scenario.first_period, scenario.last_period)
    folder_list = sorted(set(folders)) if folders is not None else list(scenario.departments)
    unknown = [d for d in folder_list if d not in scenario.departments]
    if unknown:
        raise UserInputError(
            f"不是报送单位：{', '.join(unknown)}", f"not reporting departments: {', '.join(unknown)}"
        )
    period_list = sorted(set(periods), key=month_index) if periods is not None else all_periods
    bad = [p for p in period_list if p not in all_periods]
    if bad:
        raise UserInputError(
            f"报送期不在 {scenario.first_period}…{scenario.last_period} 之内：{', '.join(bad)}",
            f"periods outside {scenario.first_period}..{scenario.last_period}: {', '.join(bad)}",
        )
    planned = scenario.files_for(None, set(period_list))
    planned = [f for f in planned if f.folder_department_code in set(folder_list)]

    jobs = [make_job(plan, scenario, f, out, settings) for f in planned]

    from newinfra.progress import NULL_PROGRESS

    progress = progress or NULL_PROGRESS  # a newinfra.progress.Progress, advanced per file written
    progress.total = len(jobs)
    n_workers = workers or default_workers()
    results = []
    if n_workers > 1 and len(jobs) > 8:
        with ProcessPoolExecutor(max_workers=n_workers) as pool:
            chunksize = max(1, len(jobs) // (n_workers * 8))
            for job, result in zip(jobs, pool.map(_run_job, jobs, chunksize=chunksize), strict=True):
                results.append(result)
                progress.advance(item=job.planned.file_name)
    else:
        n_workers = 1
        for job in jobs:
            results.append(_run_job(job))
            progress.advance(item=job.planned.file_name)
    written = [(job.planned, sha, size) for job, (sha, size) in zip(jobs, results, strict=True)]

    demo_dir = out / S.DEMO_DIR
    library_path = demo_dir / S.PROJECT_LIBRARY_NAME
    library_sha = write_project_library(library_path, plan, scenario)
    manifest = build_manifest(
        scenario, written, (f"{S.DEMO_DIR}/{S.PROJECT_LIBRARY_NAME}", library_sha), folder_list, period_list
    )
    manifest_path = demo_dir / S.MANIFEST_NAME
    _write_bytes(
        manifest_path,
        (json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=False) + "\n").encode("utf-8"),
        _library_time(scenario),
    )
    readme_path = demo_dir / S.README_NAME
    _write_bytes(readme_path, _readme(scenario, manifest, plan).encode("utf-8"), _library_time(scenario))

    return GenerateResult(
        out_dir=str(out),
        landing_dir=str(out / S.LANDING_DIR),
        library_path=str(library_path),
        manifest_path=str(manifest_path),
        readme_path=str(readme_path),
        seed=seed,
        first_period=scenario.first_period,
        last_period=scenario.last_period,
        files_written=len(written),
        xlsx_files=sum(1 for f, _s, _n in written if f.file_format == "xlsx"),
        csv_files=sum(1 for f, _s, _n in written if f.file_format == "csv"),
        late_files=sum(1 for f, _s, _n in written if f.is_late),
        missing=manifest["counts"]["missing"],
        mistakes=manifest["counts"]["mistakes"],
        projects=len(scenario.projects),
        workers=n_workers,
        seconds=round(time.perf_counter() - started, 2),
        departments=folder_list,
    )


def read_manifest(out_dir: Path | str) -> dict:
    return json.loads((Path(out_dir) / S.DEMO_DIR / S.MANIFEST_NAME).read_text(encoding="utf-8"))


__all__ = ["GenerateResult", "PROVINCE", "build_manifest", "generate", "normalise_xlsx", "read_manifest"]
