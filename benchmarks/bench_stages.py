"""Per stage, on a scale warehouse (benchmarks/scale.py): ours beside the obvious alternative.

    python -m benchmarks.bench_stages [--scale 1] [--keep DIR]      # one scale, prints its rows

Each measured step runs in a child process of its own (``python -m benchmarks.bench_stages --child
STEP HOME``): the time is the work inside the child, its imports done before the clock starts; the
peak memory is the child's ``ru_maxrss`` as ``os.wait4`` reports it, which covers the processes it
started and waited for (dbt's subprocess under ``newinfra.transform.build``). Steps, in order:

- dbt build: ``transform.build(select="path:models")``, every model and dbt test (seeds are loaded by
  init: scale.py says why); no alternative;
- progress: dbt's models from the raw rows to int_indicator_progress (their execution times in that
  build's run_results.json) vs ``progress_by_hand.sql``, one DuckDB statement over the same raw rows;
- progress (cli): ``dbt run --select +int_indicator_progress --exclude resource_type:seed``, one dbt
  invocation with its startup, vs the same hand-written statement;
- checks: ``quality.run_checks`` (Soda Core, every contract) vs the same contracts' checks as plain
  SQL in one DuckDB connection (:func:`direct_checks`);
- publish: ``transform.publish_marts`` (the analysts' copy); no alternative;
- portal: ``portal.build.render_site`` (every page and CSV of the indicator portal) vs the same pages
  from a Jinja loop over pandas DataFrames (benchmarks/bench_portal.py);
- export: ``exports.build_package`` (workbook, briefing, templates, manifest) vs pandas
  ``DataFrame.to_excel`` (openpyxl) of the period's two large tables: the responsibility table and
  the projects' investment (the workbook's 重大项目投资 sheet, which grows with the data).

The hand-written progress is compared with dbt's int_indicator_progress on every indicator x month
(status exactly; completion, time elapsed, growth ratio and actual within 1e-6) before its time is
reported: an alternative that gives other answers would not be a comparison.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HAND_SQL = Path(__file__).resolve().parent / "progress_by_hand.sql"
PROGRESS_MODEL = "model.newinfra.int_indicator_progress"
PROGRESS_SELECT = "+int_indicator_progress"
PANDAS_EXPORT_NAME = "bench_pandas_responsibility_table.xlsx"

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
os.environ.setdefault("SODA_CORE_TELEMETRY_ENABLED", "false")


# --- running a measured step in a child ---------------------------------------------------------------


def run_child(step: str, home: Path, *args: str) -> dict[str, Any]:
    """Run one step in a child process; its figures (``seconds``, ``peak_mb``, ...) plus ``wall_s``
    (the child's whole life, imports included)."""
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_stages", "--child", step, str(home), *args],
        stdout=subprocess.PIPE,
        cwd=ROOT,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"bench step {step} failed (exit {proc.returncode}) on {home}")
    figures = json.loads(proc.stdout.decode().strip().splitlines()[-1])
    figures["wall_s"] = time.perf_counter() - started
    return figures


def peak_mb() -> float:
    """This process's peak resident set since it started its program, or that of any child it waited
    for, whichever is larger (MB).

    Measured from inside the child on purpose: a process's ``ru_maxrss`` (and so what ``os.wait4``
    reports for it) starts at its parent's high-water mark, which Linux copies at fork and exec; the
    bench's own process would set the floor. ``VmHWM`` in /proc/self/status starts afresh at exec.
    A grandchild (dbt) waited for here reports at least this process's size when it forked, which
    is below this process's own peak: the maximum of the two is exact."""
    import resource

    return max(own_peak_mb(), resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)


def own_peak_mb() -> float:
    """This process's own peak resident set since its program started (``VmHWM``), MB."""
    import resource

    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _settings(home: str):
    from newinfra.settings import Settings

    os.environ["NEWINFRA_HOME"] = home
    return Settings.from_env()


def _dbt_vars() -> dict[str, Any]:
    import yaml

    return yaml.safe_load((ROOT / "dbt_project" / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]


def hand_sql() -> str:
    """The hand-written progress statement with dbt_project.yml's vars filled in."""
    dbt_vars = _dbt_vars()
    return string.Template(HAND_SQL.read_text(encoding="utf-8")).substitute(
        plan_start=dbt_vars["plan_start_month"],
        margin=float(dbt_vars["at_risk_margin"]),
        milestone_elapsed=float(dbt_vars["milestone_at_risk_elapsed"]),
    )


# --- the children ---------------------------------------------------------------------------------------


def child_build(home: str, select: str) -> dict[str, Any]:
    from benchmarks.scale import REPORT_PERIOD
    from newinfra.transform import build

    settings = _settings(home)
    start = time.perf_counter()
    result = build(settings, select=select, period=REPORT_PERIOD, check=False)
    return {
        "seconds": time.perf_counter() - start,
        "ok": result.ok,
        "counts": result.counts,
        "failures": [f["unique_id"] for f in result.failures],
    }


def child_progress_dbt(home: str) -> dict[str, Any]:
    """``dbt run`` of the models on the progress path, seeds excluded: one dbt invocation, startup in."""
    from benchmarks.scale import REPORT_PERIOD
    from newinfra import db
    from newinfra.dbt import run_dbt
    from newinfra.transform import dbt_vars

    settings = _settings(home)
    args = ["run", "--select", PROGRESS_SELECT, "--exclude", "resource_type:seed"]
    args += ["--vars", json.dumps(dbt_vars(settings, REPORT_PERIOD))]
    start = time.perf_counter()
    with db.write_lock(settings):
        result = run_dbt(settings, *args)
    return {"seconds": time.perf_counter() - start, "ok": result.ok}


def child_progress_hand(home: str) -> dict[str, Any]:
    from newinfra import db

    settings = _settings(home)
    sql = hand_sql()
    with db.writer(settings) as con:
        con.execute("create schema if not exists bench")
        start = time.perf_counter()
        con.execute(sql)
        seconds = time.perf_counter() - start
        rows = con.execute("select count(*) from bench.hand_progress").fetchone()[0]
    return {"seconds": seconds, "rows": rows}


def child_checks(home: str) -> dict[str, Any]:
    import soda_core.contracts  # noqa: F401  (import time out of the clock)

    from benchmarks.scale import REPORT_PERIOD
    from quality import run_checks

    settings = _settings(home)
    start = time.perf_counter()
    run = run_checks(settings, REPORT_PERIOD)
    return {
        "seconds": time.perf_counter() - start,
        "checks": len(run.results),
        "counts": run.counts,
        "is_blocked": run.is_blocked,
        "blocking": [r.full_name for r in run.results if r.stops_export][:20],
    }


def child_checks_sql(home: str) -> dict[str, Any]:
    from benchmarks.scale import REPORT_PERIOD
    from newinfra import db

    settings = _settings(home)
    queries = direct_checks(REPORT_PERIOD, settings.reconciliation_threshold)
    start = time.perf_counter()
    counts = {"passed": 0, "failed": 0, "warned": 0, "error": 0}
    with db.write_lock(settings), db.reader(settings) as con:
        existing = {
            f"{s}.{t}"
            for s, t in con.execute(
                "select table_schema, table_name from information_schema.tables"
            ).fetchall()
        }
        for _name, dataset, sql, threshold in queries:
            if dataset not in existing:
                counts["error"] += 1
                continue
            counts[outcome(con.execute(sql).fetchone()[0], threshold)] += 1
    return {"seconds": time.perf_counter() - start, "checks": len(queries), "counts": counts}


def child_publish(home: str) -> dict[str, Any]:
    from newinfra.transform import publish_marts

    settings = _settings(home)
    start = time.perf_counter()
    result = publish_marts(settings)
    return {"seconds": time.perf_counter() - start, "tables": len(result.tables)}


def child_export(home: str, force: str) -> dict[str, Any]:
    import openpyxl  # noqa: F401
    import xlsxwriter  # noqa: F401

    from benchmarks.scale import REPORT_PERIOD
    from exports import build_package

    settings = _settings(home)
    start = time.perf_counter()
    result = build_package(settings, REPORT_PERIOD, force=force == "force")
    seconds = time.perf_counter() - start
    size = sum(f["size"] for f in result.files)
    return {"seconds": seconds, "files": len(result.files), "bytes": size, "is_forced": result.is_forced}


def child_export_pandas(home: str) -> dict[str, Any]:
    import openpyxl  # noqa: F401
    import pandas as pd

    from benchmarks.scale import REPORT_PERIOD
    from newinfra import db

    settings = _settings(home)
    out = settings.exports / PANDAS_EXPORT_NAME
    out.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with db.reader(settings, settings.published_warehouse) as con:
        frame = con.execute(
            "select * from governance.rpt_responsibility_table where period = ?", [REPORT_PERIOD]
        ).df()
        projects = con.execute(
            "select * from governance.fct_project_investment where period = ?", [REPORT_PERIOD]
        ).df()
    with pd.ExcelWriter(out, engine="openpyxl") as writer:
        frame.to_excel(writer, index=False, sheet_name="责任分解表")
        projects.to_excel(writer, index=False, sheet_name="重大项目投资")
    return {
        "seconds": time.perf_counter() - start,
        "rows": len(frame) + len(projects),
        "projects": len(projects),
        "bytes": out.stat().st_size,
    }


def child_make_home(home: str, template: str, scale: str) -> dict[str, Any]:
    from benchmarks.scale import ScaleSpec, make_home

    start = time.perf_counter()
    _, counts = make_home(Path(template), Path(home), ScaleSpec(float(scale)))
    return {"seconds": time.perf_counter() - start, "counts": counts}


def child_compare(home: str) -> dict[str, Any]:
    start = time.perf_counter()
    equal = compare_progress(Path(home))
    return {"seconds": time.perf_counter() - start, "equal": equal}


CHILDREN = {
    "make_home": child_make_home,
    "compare": child_compare,
    "build": child_build,
    "progress_dbt": child_progress_dbt,
    "progress_hand": child_progress_hand,
    "checks": child_checks,
    "checks_sql": child_checks_sql,
    "publish": child_publish,
    "export": child_export,
    "export_pandas": child_export_pandas,
}


# --- the contracts' checks as plain SQL ---------------------------------------------------------------


def _quote_values(values: list[Any]) -> str:
    out = []
    for v in values:
        out.append(
            str(v)
            if isinstance(v, int | float) and not isinstance(v, bool)
            else "'" + str(v).replace("'", "''") + "'"
        )
    return ", ".join(out)


_COMPARE = {
    "must_be": lambda v, t: v == t,
    "must_not_be": lambda v, t: v != t,
    "must_be_greater_than": lambda v, t: v > t,
    "must_be_greater_than_or_equal": lambda v, t: v >= t,
    "must_be_less_than": lambda v, t: v < t,
    "must_be_less_than_or_equal": lambda v, t: v <= t,
}


def outcome(value: Any, threshold: dict[str, Any] | None) -> str:
    """passed / failed / warned for one check's number (failed rows, or a metric) and its threshold
    (none: the number must be 0; ``level: warn``: a miss is a warning)."""
    threshold = dict(threshold or {"must_be": 0})
    level = threshold.pop("level", "fail")
    ok = value is not None and all(_COMPARE[k](value, t) for k, t in threshold.items() if k in _COMPARE)
    if ok:
        return "passed"
    return "warned" if level == "warn" else "failed"


def direct_checks(period: str, reconciliation_threshold: float) -> list[tuple[str, str, str, dict | None]]:
    """Every check of every contract as one SQL query returning one number (failed rows, or the
    metric): (contract :: check, dataset, sql, threshold). Schema checks read information_schema
    (the number of the contract's columns missing)."""
    from newinfra.periods import previous_period
    from quality.helpers import contract_document, contract_variables, discover_contracts

    variables = contract_variables(period, previous_period(period), reconciliation_threshold)

    def fill(text: str) -> str:
        return re.sub(r"\$\{var\.(\w+)\}", lambda m: str(own[m.group(1)]), text)

    queries: list[tuple[str, str, str, dict | None]] = []
    for contract in discover_contracts():
        doc = contract_document(contract)  # rendered with its template, as Soda verifies it
        # the contract's own variables' defaults (e.g. a sector mart's `sector`), then the run's
        own = {
            name: spec["default"]
            for name, spec in (doc.get("variables") or {}).items()
            if isinstance(spec, dict) and "default" in spec
        }
        own.update(variables)
        table = contract.dataset
        name = contract.contract_id
        for column in doc.get("columns") or []:
            col = column["name"]
            for check in column.get("checks") or []:
                ((kind, spec),) = check.items()
                spec = spec or {}
                where = f" and ({fill(spec['filter'])})" if spec.get("filter") else ""
                if kind == "missing":
                    sql = f"select count(*) from {table} where {col} is null{where}"
                elif kind == "invalid":
                    bad = []
                    if "valid_values" in spec:
                        bad.append(f"{col} not in ({_quote_values(spec['valid_values'])})")
                    if "valid_min" in spec:
                        bad.append(f"{col} < {spec['valid_min']}")
                    if "valid_max" in spec:
                        bad.append(f"{col} > {spec['valid_max']}")
                    if "valid_min_length" in spec:
                        bad.append(f"length({col}) < {spec['valid_min_length']}")
                    if "valid_format" in spec:
                        regex = spec["valid_format"]["regex"].replace("'", "''")
                        bad.append(f"not regexp_full_match({col}, '{regex}')")
                    sql = f"select count(*) from {table} where {col} is not null and ({' or '.join(bad)}){where}"
                elif kind == "duplicate":
                    sql = (
                        f"select count(*) from (select {col} from {table} where {col} is not null{where} "
                        f"group by {col} having count(*) > 1)"
                    )
                else:
                    raise ValueError(f"{contract.path}: column check {kind} has no SQL translation")
                queries.append((f"{name} :: {col}.{kind}", table, sql, spec.get("threshold")))
        for check in doc.get("checks") or []:
            ((kind, spec),) = check.items()
            spec = spec or {}
            key = spec.get("qualifier") or kind
            where = f" where {fill(spec['filter'])}" if spec.get("filter") else ""
            if kind == "schema":
                wanted = _quote_values([c["name"] for c in doc.get("columns") or []])
                schema, rel = table.split(".")
                sql = (
                    f"select {len(doc.get('columns') or [])} - count(*) from information_schema.columns "
                    f"where table_schema = '{schema}' and table_name = '{rel}' and column_name in ({wanted})"
                )
            elif kind == "duplicate":
                cols = ", ".join(spec["columns"])
                sql = f"select count(*) from (select {cols} from {table}{where} group by {cols} having count(*) > 1)"
            elif kind == "failed_rows" and "query" in spec:
                sql = f"select count(*) from ({fill(spec['query'])})"
            elif kind == "failed_rows":
                sql = f"select count(*) from {table} where {fill(spec['expression'])}"
            elif kind == "metric":
                sql = fill(spec["query"])
            elif kind == "row_count":
                sql = f"select count(*) from {table}"
            else:
                raise ValueError(f"{contract.path}: check {kind} has no SQL translation")
            queries.append((f"{name} :: {key}", table, sql, spec.get("threshold")))
    return queries


# --- comparing the hand-written progress with dbt's -------------------------------------------------------


def compare_progress(home: Path) -> dict[str, int]:
    """Rows of dbt's int_indicator_progress vs bench.hand_progress, and how many differ."""
    from newinfra import db
    from newinfra.settings import Settings

    def differs(col: str, tol: str) -> str:
        return (
            f"count(*) filter (where (dbt.{col} is null) <> (hand.{col} is null) "
            f"or abs(dbt.{col} - hand.{col}) > {tol} * greatest(1.0, abs(dbt.{col})))"
        )

    with db.reader(Settings(home=home)) as con:
        row = con.execute(
            f"""
            select
                count(*),
                count(*) filter (where dbt.indicator_id is null or hand.indicator_id is null),
                count(*) filter (where dbt.status_code is distinct from hand.status_code),
                {differs("completion", "1e-6")},
                {differs("time_elapsed", "1e-9")},
                {differs("growth_ratio", "1e-6")},
                {differs("actual_value", "1e-6")}
            from intermediate.int_indicator_progress as dbt
            full outer join bench.hand_progress as hand
                on dbt.indicator_id = hand.indicator_id and dbt.period_month = hand.period_month
            """
        ).fetchone()
    keys = ("rows", "unmatched", "status", "completion", "time_elapsed", "growth_ratio", "actual_value")
    out = dict(zip(keys, row, strict=True))
    out["equal"] = int(all(v == 0 for k, v in out.items() if k != "rows"))
    return out


def progress_node_times(home: Path) -> dict[str, float]:
    """Execution time (s) of each model on dbt's path to int_indicator_progress, from the build's
    run_results.json (models only: seeds are loaded by init, tests are not the computation)."""
    target = home / "dbt" / "target"
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))
    parents = manifest["parent_map"]
    path, stack = set(), [PROGRESS_MODEL]
    while stack:
        node = stack.pop()
        if node not in path:
            path.add(node)
            stack.extend(parents.get(node, []))
    return {
        r["unique_id"]: float(r["execution_time"])
        for r in results["results"]
        if r["unique_id"] in path and r["unique_id"].startswith("model.")
    }


def build_breakdown(home: Path) -> dict[str, float]:
    """Seconds of the build's nodes by kind (models, data tests, unit tests), and the data tests by
    the model they test (the five costliest): a test on a view re-runs the view's query."""
    target = home / "dbt" / "target"
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    nodes = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    by_kind: dict[str, float] = {}
    by_tested: dict[str, float] = {}
    for r in results:
        uid, seconds = r["unique_id"], float(r["execution_time"])
        kind = uid.split(".", 1)[0]
        by_kind[kind] = by_kind.get(kind, 0.0) + seconds
        node = nodes["nodes"].get(uid) or nodes.get("unit_tests", {}).get(uid) or {}
        if kind == "test":
            for parent in node.get("depends_on", {}).get("nodes", [])[:1]:
                name = "tests on " + parent.split(".")[-1]
                by_tested[name] = by_tested.get(name, 0.0) + seconds
    top = dict(sorted(by_tested.items(), key=lambda kv: -kv[1])[:5])
    return {k: round(v, 1) for k, v in {**by_kind, **top}.items() if v >= 0.05}


def slowest_nodes(home: Path, n: int = 5) -> list[tuple[str, float]]:
    results = json.loads((home / "dbt" / "target" / "run_results.json").read_text(encoding="utf-8"))
    ranked = sorted(results["results"], key=lambda r: -float(r["execution_time"]))
    return [(r["unique_id"].split(".", 2)[-1], round(float(r["execution_time"]), 2)) for r in ranked[:n]]


# --- one scale, every warehouse stage ---------------------------------------------------------------------


def run_scale(template: Path, root: Path, scale: float, log=print) -> dict[str, Any]:
    """Make the scale warehouse from ``template`` and measure every stage on it. Returns
    ``{"scale", "counts", "setup_s", "steps": {step: figures}, "progress": {...}, "rows": [...]}``."""
    from benchmarks.scale import BUILD_SELECT, ScaleSpec

    spec = ScaleSpec(scale)
    home = root / f"scale-{spec.label}"
    # in a child, like every heavy step: this process stays small (see peak_mb)
    made = run_child("make_home", home, str(template), repr(scale))
    counts, setup_s = made["counts"], made["wall_s"]
    log(
        f"[{spec.label}] raw rows: {counts['submission_values']:,} values, {counts['submission_projects']:,} "
        f"project rows, {counts['submission_files']:,} files ({spec.units} units, {spec.projects:,} projects, "
        f"{spec.months} months) in {setup_s:.0f} s (setup; peak {made['peak_mb']:.0f} MB)"
    )
    steps: dict[str, dict[str, Any]] = {}

    def step(name: str, *args: str, child: str | None = None) -> dict[str, Any]:
        figures = run_child(child or name, home, *args)
        steps[name] = figures
        log(f"[{spec.label}] {name:<15} {figures['seconds']:8.2f} s  peak {figures['peak_mb']:7.0f} MB")
        return figures

    build = step("build", BUILD_SELECT)
    steps["build"]["slowest"] = slowest_nodes(home, 10)
    steps["build"]["breakdown"] = build_breakdown(home)
    node_times = progress_node_times(home)
    step("progress_dbt")
    step("progress_hand")
    equal = run_child("compare", home)["equal"]
    log(f"[{spec.label}] hand-written progress vs dbt: {equal}")
    checks = step("checks")
    step("checks_sql")
    step("publish")
    step("export", "force" if checks["is_blocked"] else "gate")
    step("export_pandas")
    from benchmarks.bench_portal import measure as measure_portal

    portal = measure_portal(home, spec.label, log)
    steps["portal"], steps["portal_pandas"] = portal["ours"], portal["alt"]
    if not build["ok"]:
        log(f"[{spec.label}] NOTE: dbt build reported failures: {build['failures'][:10]}")

    label = spec.label
    build_counts = ", ".join(f"{n} {k}" for k, n in build["counts"].items())
    soda, sql = steps["checks"], steps["checks_sql"]
    export, export_pandas = steps["export"], steps["export_pandas"]
    rows = [
        _row(
            "dbt build",
            label,
            build,
            None,
            "all models + tests",
            "-",
            f"{counts['submission_values']:,} values + {counts['submission_projects']:,} project rows; "
            f"dbt: {build_counts}",
        ),
        _row(
            "progress",
            label,
            {"seconds": sum(node_times.values()), "peak_mb": None},
            steps["progress_hand"],
            f"dbt models on the path ({len(node_times)}), node time",
            "hand-written SQL",
            f"{equal['rows']:,} indicator-months, hand = dbt: {'yes' if equal['equal'] else 'NO'}",
        ),
        _row(
            "progress (cli)",
            label,
            steps["progress_dbt"],
            steps["progress_hand"],
            "dbt run of those models",
            "hand-written SQL",
            "one `dbt run --select +int_indicator_progress` (startup and parse included)",
        ),
        _row(
            "checks",
            label,
            soda,
            sql,
            "Soda, all contracts",
            "same checks as SQL",
            f"{soda['checks']} checks; Soda {_counts(soda['counts'])}; SQL {_counts(sql['counts'])}",
        ),
        _row(
            "publish",
            label,
            steps["publish"],
            None,
            "analysts' copy",
            "-",
            f"{steps['publish']['tables']} tables",
        ),
        _row(
            "export",
            label,
            export,
            export_pandas,
            "build_package",
            "pandas to_excel",
            f"{export['files']} files, {export['bytes'] / 1e6:.1f} MB"
            f"{' (forced: a blocking check failed)' if export['is_forced'] else ''} vs two sheets of "
            f"{export_pandas['rows']} rows ({export_pandas.get('projects', 0)} projects), "
            f"{export_pandas['bytes'] / 1e6:.2f} MB",
        ),
        _row(
            "portal",
            label,
            steps["portal"],
            steps["portal_pandas"],
            "portal.build (pages + CSVs)",
            "Jinja loop over pandas",
            f"{steps['portal']['pages']} pages, same HTML: "
            f"{'yes' if portal['compare']['same_files'] and not portal['compare']['n_differ'] else 'NO'}; "
            "dbt docs not included (one dbt invocation)",
        ),
    ]
    return {
        "scale": scale,
        "label": label,
        "home": str(home),
        "counts": counts,
        "setup_s": round(setup_s, 1),
        "steps": steps,
        "progress_node_times": node_times,
        "progress_equal": equal,
        "rows": rows,
    }


def _row(
    stage: str,
    scale: str,
    ours: dict[str, Any],
    alt: dict[str, Any] | None,
    ours_label: str,
    alt_label: str,
    note: str = "",
) -> dict[str, Any]:
    ours_s = ours["seconds"]
    alt_s = alt["seconds"] if alt else None
    return {
        "stage": stage,
        "scale": scale,
        "ours": ours_label,
        "ours_s": round(ours_s, 3),
        "ours_peak_mb": round(ours["peak_mb"], 1) if ours.get("peak_mb") is not None else None,
        "alternative": alt_label,
        "alt_s": round(alt_s, 3) if alt_s is not None else None,
        "alt_peak_mb": round(alt["peak_mb"], 1) if alt else None,
        "ratio": round(ours_s / alt_s, 2) if alt_s else None,
        "note": note,
    }


def _counts(counts: dict[str, int]) -> str:
    return " ".join(f"{k} {v}" for k, v in counts.items() if v)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--keep", help="work in this folder and keep it")
    parser.add_argument("--child", nargs="+", metavar="STEP", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        step, home, *rest = args.child
        figures = CHILDREN[step](home, *rest)
        figures["peak_mb"] = peak_mb()
        print(json.dumps(figures, default=str))
        return 0
    from benchmarks.scale import make_template

    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-stages-"))
    root.mkdir(parents=True, exist_ok=True)
    try:
        template = make_template(root / "template")
        result = run_scale(template, root, args.scale)
        for row in result["rows"]:
            print(row)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
