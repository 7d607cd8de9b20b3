"""The indicator portal's build beside a plain Jinja loop over pandas, on a published copy.

    python -m benchmarks.bench_portal --home "$NEWINFRA_HOME"        # e.g. the demo's home
    python -m benchmarks.bench_portal --scale 10 [--keep DIR]         # a scale warehouse (scale.py)

- ours: ``portal.build.render_site`` over ``portal.data.load`` — a few set-based DuckDB queries over
  the published copy, grouped once in Python, the pages rendered from them, the CSV downloads written
  by DuckDB (``COPY``); the dbt docs are left out (a separate, fixed cost: one dbt invocation);
- the alternative: the same pages from the same templates, each indicator's and department's context
  taken by filtering whole pandas DataFrames read from the same copy (``df[df.indicator_id == x]``),
  and the same CSVs written with ``DataFrame.to_csv(encoding="utf-8-sig")``.

Both write every page (74 indicators, 28 departments, the index) into a fresh folder; the figures are
the work inside a child process (imports done before the clock), as in bench_stages.py. The two sites
are compared page by page (same files, same bytes for the HTML) before the times are printed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from benchmarks.bench_stages import run_child

ROOT = Path(__file__).resolve().parent.parent

# DuckDB's type of each column read (pandas turns NULL-able integers into floats, dates into timestamps)
COLUMN_KINDS: dict[str, str] = {}
GOAL_DEMO_S = 10.0  # the whole portal for the demo (74 indicator pages, 28 department pages)
GOAL_10X_S = 60.0  # at the bench's 10x data


def child_portal(home: str) -> dict[str, Any]:
    from newinfra import db
    from portal import data as D
    from portal.build import render_site

    settings = _settings(home)
    out = Path(home) / "bench-portal-ours"
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    with db.reader(settings, settings.published_warehouse) as con:
        data = D.load(con, settings.home)
        timings = render_site(data, out, con)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "pages": _pages(out), "timings": timings, "out": str(out)}


def child_portal_pandas(home: str) -> dict[str, Any]:
    import pandas as pd

    from newinfra import db
    from portal import data as D
    from portal.build import download_names, render_site

    settings = _settings(home)
    out = Path(home) / "bench-portal-pandas"
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    with db.reader(settings, settings.published_warehouse) as con:
        # the frame of each table the pages read, whole
        def frame(sql: str) -> pd.DataFrame:
            cur = con.execute(sql)
            COLUMN_KINDS.update({d[0]: str(d[1]).upper() for d in cur.description})
            return cur.df()

        data = _pandas_data(con, frame, settings.home)
        monthly = frame("select * from governance.fct_indicator_monthly")
        progress = frame("select * from governance.fct_indicator_progress")
    render_site(data, out, None)
    for ind in data.indicators:
        series_name, progress_name = download_names(ind["indicator_id"])
        rows = monthly[monthly.indicator_id == ind["indicator_id"]]
        rows.to_csv(out / "downloads" / series_name, index=False, encoding="utf-8-sig")
        prog = progress[progress.indicator_id == ind["indicator_id"]]
        prog.to_csv(out / "downloads" / progress_name, index=False, encoding="utf-8-sig")
    seconds = time.perf_counter() - start
    del D
    return {"seconds": seconds, "pages": _pages(out), "out": str(out)}


def _pandas_data(con, frame, home: Path):
    """The same PortalData as portal.data.load, built the obvious way: whole tables as DataFrames and
    a loop that filters them per indicator and per department."""
    import math

    import pandas as pd

    from portal import data as D

    def records(df) -> list[D.Record]:
        out = []
        for row in df.to_dict("records"):
            rec = D.Record()
            for k, v in row.items():
                v = None if v is pd.NaT or (isinstance(v, float) and math.isnan(v)) else _py(v)
                kind = COLUMN_KINDS.get(k, "")
                if v is not None and "INT" in kind:
                    v = int(v)
                elif v is not None and kind == "DATE" and hasattr(v, "date"):
                    v = v.date()
                rec[k] = v
            out.append(rec)
        return out

    period = con.execute("select max(period) from governance.fct_indicator_progress").fetchone()[0]
    progress = frame("select * from governance.fct_indicator_progress")
    indicators_df = frame("select * from governance.dim_indicator order by sort_order, indicator_id")
    departments_df = frame("select * from governance.dim_department order by sort_order")
    targets_df = frame("select * from plan.indicator_targets order by indicator_id, target_year")
    tasks_df = frame("select * from governance.rpt_responsibility_table")
    resp_df = frame(
        "select r.*, d.name_zh, d.sort_order from plan.responsibilities r join plan.departments d using (department_code)"
    )
    monthly = frame(
        "select indicator_id, prefecture_code, prefecture_name_zh, is_province, prefecture_sort_order, period, "
        "value, value_display, is_carried_forward from governance.fct_indicator_monthly"
    )
    prov_df = frame("select * from governance.fct_indicator_provenance")
    recon_df = frame(
        "select r.*, p.name_zh as prefecture_name_zh, p.sort_order as p_sort from governance.fct_reconciliation r "
        "left join governance.dim_prefecture p using (prefecture_code)"
    )
    compliance_df = frame("select * from governance.fct_submission_compliance")
    rejections_df = frame("select * from governance.fct_submission_rejections")
    meta = con.execute("select cast(built_at as varchar), snapshot_id from meta.publication").fetchone()

    present = set(progress.columns)
    optional = D.Record()
    for logical, candidates in D.OPTIONAL_PROGRESS_COLUMNS.items():
        for name in candidates:
            if name in present:
                optional[logical] = name
                break
    status_df = progress.groupby("status_code").agg(
        label_zh=("status_label_zh", "first"),
        colour=("status_colour", "first"),
        sort_order=("status_sort_order", "min"),
    )
    statuses = [
        D.Record(status_code=code, label_zh=r.label_zh, colour=r.colour, sort_order=int(r.sort_order))
        for code, r in status_df.sort_values(["sort_order"]).iterrows()
    ]
    sector_df = indicators_df.groupby("sector", sort=False).agg(
        sector_zh=("sector_zh", "first"), first_sort=("sort_order", "min")
    )
    sectors = [
        D.Record(sector=s, sector_zh=r.sector_zh) for s, r in sector_df.sort_values("first_sort").iterrows()
    ]
    indicators = records(indicators_df)
    latest = progress[progress.period == period]
    for ind in indicators:
        rows = records(latest[latest.indicator_id == ind["indicator_id"]])
        ind["progress"] = rows[0] if rows else D.Record()
    data = D.PortalData(
        report_period=period,
        built_at=meta[0] if meta else "",
        snapshot_id=meta[1] if meta else "",
        synthetic=D.synthetic_mark(con, home),
        statuses=statuses,
        sectors=sectors,
        departments=records(departments_df),
        indicators=indicators,
        optional_columns=optional,
    )
    for ind in indicators:
        ind_id = ind["indicator_id"]
        data.history[ind_id] = records(progress[progress.indicator_id == ind_id].sort_values("period"))
        data.targets[ind_id] = records(targets_df[targets_df.indicator_id == ind_id])
        t = tasks_df[(tasks_df.indicator_id == ind_id) & (tasks_df.period == period)]
        t = t[["task_id", "task_source_clause", "task_section_zh", "task_name_zh", "plan_part_zh",
               "lead_department_names_zh", "co_department_names_zh"]].drop_duplicates().sort_values("task_id")  # fmt: skip
        data.tasks[ind_id] = records(t)
        co = resp_df[(resp_df.indicator_id == ind_id) & (resp_df.role == "co")]
        co = (
            co[["indicator_id", "department_code", "name_zh", "sort_order"]]
            .drop_duplicates()
            .sort_values("sort_order")
        )
        data.co_departments[ind_id] = records(co)
        m = monthly[monthly.indicator_id == ind_id]
        areas = (
            m[m.value.notna()]
            .groupby("prefecture_code")
            .agg(
                name=("prefecture_name_zh", "first"),
                is_province=("is_province", "max"),
                sort=("prefecture_sort_order", "min"),
            )
            .reset_index()
            .sort_values(["is_province", "sort", "prefecture_code"], ascending=[False, True, True])
        )
        province = areas[areas.is_province]
        shown = pd_concat(province, areas[~areas.is_province].head(D.CHART_MAX_AREAS))
        periods = sorted(m[m.prefecture_code.isin(shown.prefecture_code)].period.unique())
        values, carried = {}, {}
        for code in shown.prefecture_code:
            s = m[m.prefecture_code == code].set_index("period")
            values[code] = [_py(s.value_display.get(p)) if p in s.index else None for p in periods]
            carried[code] = [bool(s.is_carried_forward.get(p)) if p in s.index else False for p in periods]
            values[code] = [None if isinstance(v, float) and math.isnan(v) else v for v in values[code]]
        data.series[ind_id] = {
            "areas": [
                {"code": r.prefecture_code, "name": r.name, "is_province": bool(r.is_province)}
                for r in shown.itertuples()
            ],
            "n_areas_total": int((~areas.is_province).sum()),
            "periods": periods,
            "values": values,
            "carried": carried,
        }
        actual_period = ind["progress"].get("actual_period")
        p = prov_df[(prov_df.indicator_id == ind_id) & (prov_df.period == actual_period)]
        if len(p):
            data.provenance[ind_id] = records(p.sort_values(["received_at", "file_id"]))
        r = recon_df[recon_df.indicator_id == ind_id]
        if len(r):
            data.reconciliation_counts[ind_id] = {
                "n": len(r), "n_flagged": int(r.is_flagged.sum()), "n_sources": r.source_name.nunique()
            }  # fmt: skip
            r = r.sort_values(
                ["period", "is_flagged", "p_sort", "source_name"], ascending=[False, False, True, True]
            )
            data.reconciliation[ind_id] = records(r.head(D.RECONCILIATION_ROWS))
    roles: dict[tuple[str, str], set[str]] = defaultdict(set)
    for dept in data.departments:
        code = dept["department_code"]
        data.compliance[code] = records(
            compliance_df[compliance_df.department_code == code].sort_values("period")
        )
        rej = rejections_df[(rejections_df.department_code == code) & rejections_df.is_open]
        if len(rej):
            data.rejections[code] = records(
                rej.sort_values(
                    ["period", "received_at", "sheet_name", "row_number"],
                    ascending=[False, False, True, True],
                )
            )
    for ind in indicators:
        roles[(ind["lead_department_code"], ind["indicator_id"])].add("lead")
    for ind_id, items in data.co_departments.items():
        for item in items:
            roles[(item["department_code"], ind_id)].add("co")
    order = {ind["indicator_id"]: i for i, ind in enumerate(indicators)}
    for (dept, ind_id), kinds in sorted(roles.items(), key=lambda kv: (kv[0][0], order.get(kv[0][1], 0))):
        data.dept_indicators.setdefault(dept, []).append(
            {"indicator_id": ind_id, "role": "lead" if "lead" in kinds else "co"}
        )
    return data


def pd_concat(a, b):
    import pandas as pd

    return pd.concat([a, b])


def _py(value: Any) -> Any:
    """numpy scalars and pandas timestamps as the Python values DuckDB returns."""
    import pandas as pd

    if value is None:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item"):
        return value.item()
    return value


def _pages(folder: Path) -> int:
    return sum(1 for _ in folder.rglob("*.html"))


def _settings(home: str):
    import os

    from newinfra.settings import Settings

    os.environ["NEWINFRA_HOME"] = home
    return Settings.from_env()


def compare_sites(ours: Path, theirs: Path) -> dict[str, Any]:
    """Same files; HTML pages identical byte for byte (the CSVs differ in layout: columns, booleans)."""
    a = {p.relative_to(ours) for p in ours.rglob("*") if p.is_file()}
    b = {p.relative_to(theirs) for p in theirs.rglob("*") if p.is_file()}
    pages = [p for p in a & b if p.suffix == ".html"]
    differ = [str(p) for p in pages if (ours / p).read_bytes() != (theirs / p).read_bytes()]
    return {"same_files": a == b, "pages": len(pages), "pages_differ": differ[:10], "n_differ": len(differ)}


CHILDREN = {"portal": child_portal, "portal_pandas": child_portal_pandas}


def _run(step: str, home: Path) -> dict[str, Any]:
    """One measured step in a child of this module (bench_stages.run_child runs that module's)."""
    import subprocess

    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_portal", "--child", step, str(home)],
        stdout=subprocess.PIPE,
        cwd=ROOT,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"bench step {step} failed (exit {proc.returncode}) on {home}")
    figures = json.loads(proc.stdout.decode().strip().splitlines()[-1])
    figures["wall_s"] = time.perf_counter() - started
    return figures


def measure(home: Path, label: str, log=print) -> dict[str, Any]:
    ours = _run("portal", home)
    alt = _run("portal_pandas", home)
    same = compare_sites(Path(ours["out"]), Path(alt["out"]))
    ratio = ours["seconds"] / alt["seconds"] if alt["seconds"] else None
    log(
        f"[{label}] portal          {ours['seconds']:8.2f} s  peak {ours['peak_mb']:7.0f} MB   "
        f"pandas loop {alt['seconds']:8.2f} s  peak {alt['peak_mb']:7.0f} MB   ratio {ratio:.2f}   "
        f"{ours['pages']} pages; same pages: {same['n_differ'] == 0 and same['same_files']}"
    )
    return {"label": label, "ours": ours, "alt": alt, "ratio": ratio, "compare": same}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", help="a data home with a published copy (e.g. the demo's)")
    parser.add_argument("--scale", type=float, help="make a scale warehouse (scale.py), build and publish it")
    parser.add_argument("--keep", help="work in this folder and keep it")
    parser.add_argument("--child", nargs="+", metavar="STEP", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        from benchmarks.bench_stages import peak_mb

        step, home, *rest = args.child
        figures = CHILDREN[step](home, *rest)
        figures["peak_mb"] = peak_mb()
        print(json.dumps(figures, default=str))
        return 0
    if args.home:
        result = measure(Path(args.home), "home")
        goal = GOAL_DEMO_S
    elif args.scale:
        from benchmarks.scale import BUILD_SELECT, ScaleSpec, make_template

        root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-portal-"))
        root.mkdir(parents=True, exist_ok=True)
        try:
            template = make_template(root / "template")
            home = root / f"scale-{ScaleSpec(args.scale).label}"
            run_child("make_home", home, str(template), repr(args.scale))
            built = run_child("build", home, BUILD_SELECT)
            print(f"[setup] dbt build {built['seconds']:.0f} s ok={built['ok']}", flush=True)
            run_child("publish", home)
            result = measure(home, ScaleSpec(args.scale).label)
        finally:
            if not args.keep:
                shutil.rmtree(root, ignore_errors=True)
        goal = GOAL_10X_S if args.scale >= 10 else GOAL_DEMO_S
    else:
        parser.error("--home or --scale")
    met = result["ours"]["seconds"] < goal
    print(
        f"goal: portal under {goal:.0f} s: {'met' if met else 'NOT met'} ({result['ours']['seconds']:.1f} s)"
    )
    print(json.dumps(result, default=str, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
