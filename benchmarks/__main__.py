"""`make bench`: every stage beside its obvious alternative, at two data scales, in one run.

    python -m benchmarks [--quick] [--scales 1,10] [--ingest-files 100,1000] [--with-demo] [--keep DIR]

- ingest: ``ingestion.submissions.ingest_paths`` over N real filled templates vs ``pandas.read_excel``
  (openpyxl) of the same files, parsing only -- the files and the measured children are
  benchmarks/bench_ingest.py's; 1x = 1,000 files, run at 0.1x and 1x (100 and 1,000 files);
- dbt build, progress, checks, publish, export: on a scale warehouse (benchmarks/scale.py: 1x = 88
  county-level units x 120 months x 74 indicators = 781k values, 20,000 projects x 120 months), at 1x
  and 10x (``--quick``: 0.1x and 1x) -- benchmarks/bench_stages.py;
- ``--with-demo``: the wall time of ``python -m pipeline.demo`` (``make demo``'s cycle, ~3-4 min).

Prints one table (stage, scale, ours s, ours peak MB, alternative s, alternative peak MB, ratio =
ours / alternative time), the growth from the smaller to the larger scale per stage, and the goals
met or not; writes everything to benchmarks/out/results.json (git-ignored).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

for _name, _value in (
    ("DBT_SEND_ANONYMOUS_USAGE_STATS", "False"),
    ("SODA_CORE_TELEMETRY_ENABLED", "false"),
    ("AIRFLOW__CORE__LOAD_EXAMPLES", "False"),
    ("AIRFLOW__COSMOS__ENABLE_TELEMETRY", "False"),
    ("SCARF_ANALYTICS", "false"),
    ("DO_NOT_TRACK", "1"),
):
    os.environ.setdefault(_name, _value)

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out" / "results.json"
INGEST_FILES_1X = 1000

GOAL_PROGRESS_RATIO = 2.0  # dbt's progress computation within 2x of the hand-written SQL, at 10x
GOAL_BUILD_S = 120.0  # the whole 10x dbt build under 2 minutes ...
GOAL_BUILD_MB = 4096.0  # ... with peak memory under 4 GB
GOAL_PORTAL_S = 60.0  # the indicator portal at 10x (issue 18; under 10 s for the demo: bench_portal.py)
GOAL_DEMO_S = 180.0  # make demo's cycle (after install) under 3 minutes


def _log(text: str) -> None:
    print(text, flush=True)


def _scales(text: str) -> list[float]:
    values = sorted({float(v) for v in text.split(",") if v.strip()})
    if not values or any(v <= 0 for v in values):
        raise SystemExit(f"--scales: positive numbers separated by commas, got {text!r}")
    return values


# --- ingest: bench_ingest's files and children ------------------------------------------------------------


def ingest_stage(root: Path, counts: list[int], log=_log) -> list[dict[str, Any]]:
    """ingest_paths vs pandas.read_excel on the first N of the same filled templates, for each N."""
    from benchmarks import bench_ingest

    t0 = time.perf_counter()
    source = bench_ingest._fresh_home(root, "ingest-source")
    files = bench_ingest.make_files(source, max(counts), workers=2)
    log(f"[ingest] {len(files)} filled templates made in {time.perf_counter() - t0:.0f} s (setup)")
    rows = []
    for n in sorted(counts):
        subset = files[:n]
        folder = root / f"ingest-pandas-{n}"
        home = bench_ingest._fresh_home(root, f"ingest-{n}")
        for path in subset:
            rel = path.relative_to(source)
            for target in (folder / rel, home / rel):
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target)
        alt = bench_ingest._run_child("pandas", folder)
        ours = bench_ingest._run_child("ingest", home)
        label = f"{n / INGEST_FILES_1X:g}x"
        rate, alt_rate = ours["files"] / ours["seconds"], alt["files"] / alt["seconds"]
        log(
            f"[ingest {label}] ingest_paths {ours['seconds']:.2f} s ({rate:.0f} files/s, peak "
            f"{ours['peak_rss_mb']:.0f} MB), pandas {alt['seconds']:.2f} s ({alt_rate:.0f} files/s)"
        )
        worker = ours.get("worker_rss_mb") or 0
        rows.append(
            {
                "stage": "ingest",
                "scale": label,
                "ours": "ingest_paths",
                "ours_s": round(ours["seconds"], 3),
                "ours_peak_mb": round(ours["peak_rss_mb"], 1),
                "alternative": "pandas.read_excel",
                "alt_s": round(alt["seconds"], 3),
                "alt_peak_mb": round(alt["peak_rss_mb"], 1),
                "ratio": round(ours["seconds"] / alt["seconds"], 2),
                "note": (
                    f"{n} files, {ours['rows']:,} rows; {rate:.0f} vs {alt_rate:.0f} files/s; "
                    f"workers' peak {worker:.0f} MB; {ours.get('statuses')}"
                ),
                "data": n,
            }
        )
    return rows


# --- make demo ----------------------------------------------------------------------------------------------


def demo_stage(root: Path, log=_log) -> dict[str, Any]:
    """Wall time and peak RSS of ``python -m pipeline.demo`` in a fresh data home."""
    home = root / "demo-home"
    log_path = root / "demo.log"
    env = dict(os.environ, NEWINFRA_HOME=str(home))
    start = time.perf_counter()
    with log_path.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "pipeline.demo"], stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT
        )
        _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    log(f"[demo] python -m pipeline.demo: exit {code}, {seconds:.0f} s, peak {usage.ru_maxrss / 1024:.0f} MB")
    if code != 0:
        log(log_path.read_text(encoding="utf-8", errors="replace")[-3000:])
    return {"ok": code == 0, "seconds": round(seconds, 1), "peak_mb": round(usage.ru_maxrss / 1024, 1)}


# --- the report ---------------------------------------------------------------------------------------------


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def table_lines(rows: list[dict[str, Any]]) -> list[str]:
    head = (
        f"{'stage':<15} {'scale':>6} {'ours s':>8} {'ours MB':>8} {'alt s':>8} {'alt MB':>8} {'ratio':>7}  "
        "ours | alternative"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{r['stage']:<15} {r['scale']:>6} {_fmt(r['ours_s']):>8} {_fmt(r['ours_peak_mb'], 0):>8} "
            f"{_fmt(r['alt_s']):>8} {_fmt(r['alt_peak_mb'], 0):>8} {_fmt(r['ratio']):>7}  "
            f"{r['ours']} | {r['alternative']}"
        )
    return lines


def growth(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per stage: time at the smallest and the largest scale, and how much it grew beside the data."""
    out = []
    stages = list(dict.fromkeys(r["stage"] for r in rows))
    for stage in stages:
        mine = [r for r in rows if r["stage"] == stage]
        if len(mine) < 2:
            continue
        lo, hi = mine[0], mine[-1]
        factor = float(hi["scale"].rstrip("x")) / float(lo["scale"].rstrip("x"))
        ours = hi["ours_s"] / lo["ours_s"] if lo["ours_s"] else None
        alt = hi["alt_s"] / lo["alt_s"] if lo.get("alt_s") and hi.get("alt_s") else None
        mem = (
            hi["ours_peak_mb"] / lo["ours_peak_mb"]
            if lo.get("ours_peak_mb") and hi.get("ours_peak_mb")
            else None
        )
        out.append(
            {
                "stage": stage,
                "from": lo["scale"],
                "to": hi["scale"],
                "data_x": round(factor, 2),
                "ours_x": round(ours, 2) if ours is not None else None,
                "alt_x": round(alt, 2) if alt is not None else None,
                "ours_peak_x": round(mem, 2) if mem is not None else None,
                "no_faster_than_data": ours is not None and ours <= factor,
            }
        )
    return out


def growth_lines(items: list[dict[str, Any]]) -> list[str]:
    head = f"{'stage':<15} {'from':>6} {'to':>6} {'data x':>7} {'ours x':>7} {'alt x':>7} {'peak x':>7}  time <= data?"
    lines = [head, "-" * len(head)]
    for g in items:
        lines.append(
            f"{g['stage']:<15} {g['from']:>6} {g['to']:>6} {_fmt(g['data_x'], 1):>7} {_fmt(g['ours_x']):>7} "
            f"{_fmt(g['alt_x']):>7} {_fmt(g['ours_peak_x']):>7}  {'yes' if g['no_faster_than_data'] else 'NO'}"
        )
    return lines


def goals(
    scales: list[dict[str, Any]], grown: list[dict[str, Any]], demo: dict[str, Any] | None
) -> list[dict]:
    out = []
    timed = grown
    slower = [g["stage"] for g in timed if not g["no_faster_than_data"]]
    out.append(
        {
            "goal": "time grows no faster than the data (every stage, ours)",
            "met": not slower and bool(timed),
            "detail": "; ".join(f"{g['stage']} {g['ours_x']}x for {g['data_x']:g}x data" for g in timed)
            or "needs two scales",
        }
    )
    if scales:
        top = scales[-1]
        label = top["label"]
        progress = next(r for r in top["rows"] if r["stage"] == "progress")
        equal = top["progress_equal"]
        out.append(
            {
                "goal": f"progress in dbt within {GOAL_PROGRESS_RATIO:g}x of the hand-written SQL at {label}",
                "met": progress["ratio"] is not None
                and progress["ratio"] <= GOAL_PROGRESS_RATIO
                and bool(equal["equal"]),
                "detail": (
                    f"dbt {progress['ours_s']:.2f} s vs hand {progress['alt_s']:.2f} s = {progress['ratio']}x; "
                    f"same answers on {equal['rows']} indicator-months: {'yes' if equal['equal'] else 'NO ' + str(equal)}"
                ),
            }
        )
        build = top["steps"]["build"]
        out.append(
            {
                "goal": f"whole dbt build at {label} under {GOAL_BUILD_S:.0f} s with peak under {GOAL_BUILD_MB:.0f} MB",
                "met": build["seconds"] < GOAL_BUILD_S and build["peak_mb"] < GOAL_BUILD_MB and build["ok"],
                "detail": (
                    f"{build['seconds']:.1f} s, peak {build['peak_mb']:.0f} MB, dbt ok={build['ok']} "
                    f"{build['counts']}; slowest nodes {build.get('slowest')}"
                ),
            }
        )
        portal = next((r for r in top["rows"] if r["stage"] == "portal"), None)
        if portal is not None:
            out.append(
                {
                    "goal": f"indicator portal at {label} under {GOAL_PORTAL_S:.0f} s (pages + CSVs)",
                    "met": portal["ours_s"] < GOAL_PORTAL_S,
                    "detail": f"{portal['ours_s']:.1f} s vs Jinja loop over pandas {portal['alt_s']:.1f} s "
                    f"({portal['ratio']}x); {portal['note']}",
                }
            )
        pipeline = sum(top["steps"][k]["seconds"] for k in ("build", "checks", "publish", "export"))
        peak = max(top["steps"][k]["peak_mb"] for k in ("build", "checks", "publish", "export"))
        out.append(
            {
                "goal": f"(for the record) build + checks + publish + export at {label}",
                "met": None,
                "detail": f"{pipeline:.1f} s, largest peak {peak:.0f} MB",
            }
        )
    if demo is not None:
        out.append(
            {
                "goal": f"make demo's cycle under {GOAL_DEMO_S:.0f} s",
                "met": demo["ok"] and demo["seconds"] < GOAL_DEMO_S,
                "detail": f"{demo['seconds']:.0f} s, peak {demo['peak_mb']:.0f} MB, ok={demo['ok']}",
            }
        )
    else:
        out.append(
            {"goal": "make demo's cycle", "met": None, "detail": "not measured (run with --with-demo)"}
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="warehouse stages at 0.1x and 1x instead of 1x and 10x"
    )
    parser.add_argument("--scales", help="warehouse scales, e.g. 1,10 (default; --quick: 0.1,1)")
    parser.add_argument(
        "--ingest-files", default="100,1000", help="numbers of files for the ingest stage (1x = 1,000)"
    )
    parser.add_argument("--no-ingest", action="store_true", help="skip the ingest stage")
    parser.add_argument(
        "--with-demo", action="store_true", help="also time `python -m pipeline.demo` (~3-4 min)"
    )
    parser.add_argument("--keep", help="work in this folder and keep it (default: a temporary folder)")
    parser.add_argument("--out", default=str(OUT), help="where to write results.json")
    args = parser.parse_args(argv)
    scales = _scales(args.scales or ("0.1,1" if args.quick else "1,10"))
    ingest_counts = sorted({int(v) for v in args.ingest_files.split(",") if v.strip()})

    from benchmarks.bench_stages import run_scale
    from benchmarks.scale import make_template

    started = time.perf_counter()
    load_before = os.getloadavg()
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="newinfra-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    _log(f"== newinfra benchmarks: {os.cpu_count()} CPUs, load {load_before[0]:.1f}; work folder {root} ==")
    rows: list[dict[str, Any]] = []
    scale_results: list[dict[str, Any]] = []
    demo = None
    try:
        if not args.no_ingest and ingest_counts:
            rows.extend(ingest_stage(root, ingest_counts))
        t0 = time.perf_counter()
        template = make_template(root / "template")
        _log(f"[setup] seeded template home in {time.perf_counter() - t0:.0f} s")
        for scale in scales:
            result = run_scale(template, root, scale, log=_log)
            scale_results.append(result)
            if not args.keep:  # a 10x warehouse is large: drop each once measured
                shutil.rmtree(result["home"], ignore_errors=True)
        for stage in ("dbt build", "progress", "progress (cli)", "checks", "publish", "export", "portal"):
            for result in scale_results:
                rows.extend(r for r in result["rows"] if r["stage"] == stage)
        if args.with_demo:
            demo = demo_stage(root)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)

    grown = growth(rows)
    met = goals(scale_results, grown, demo)
    total = time.perf_counter() - started
    print()
    print("== stages: ours beside the obvious alternative (ratio = ours / alternative time) ==")
    for line in table_lines(rows):
        print(line)
    print()
    for r in rows:
        if r.get("note"):
            print(f"  {r['stage']} {r['scale']}: {r['note']}")
    print()
    print("== growth from the smaller to the larger scale ==")
    for line in growth_lines(grown):
        print(line)
    print()
    print("== goals ==")
    for g in met:
        mark = {True: "met    ", False: "NOT met", None: "       "}[g["met"]]
        print(f"[{mark}] {g['goal']}: {g['detail']}")
    for result in scale_results:
        eq = result["progress_equal"]
        print(
            f"[{result['label']}] raw rows {result['counts']}; hand-written progress = dbt on "
            f"{eq['rows']} rows: {'yes' if eq['equal'] else 'NO ' + str(eq)}"
        )
    load_after = os.getloadavg()
    from benchmarks.bench_stages import own_peak_mb

    floor = own_peak_mb()
    print(
        f"\npeaks of ingest and demo are os.wait4's, which start at this process's size when it forked "
        f"them: this process peaked at {floor:.0f} MB; a figure near that may be the floor, not the child's"
    )
    print(
        f"\ntotal {total:.0f} s on {os.cpu_count()} CPUs (load average {load_before[0]:.1f} before, "
        f"{load_after[0]:.1f} after: a shared machine makes every figure noisy)"
    )
    results = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "load_average_before": load_before,
        "load_average_after": load_after,
        "total_s": round(total, 1),
        "bench_process_peak_mb": round(floor, 1),
        "scales": scales,
        "ingest_files": ingest_counts,
        "rows": rows,
        "growth": grown,
        "goals": met,
        "demo": demo,
        "scale_details": [{k: v for k, v in r.items() if k != "rows"} for r in scale_results],
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    print(f"results: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
