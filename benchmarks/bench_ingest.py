"""Benchmark: the whole submission ingest beside the obvious alternative's parsing alone.

    python -m benchmarks.bench_ingest [--files N] [--repeat R] [--keep DIR]

Makes N (default 1000) filled templates (the real writer, filled with openpyxl, spread over the
reporting departments and the plan's periods, with revisions) in a temporary NEWINFRA_HOME, then in
the same run measures, each in a child process of its own:

(a) ``pandas.read_excel(path, sheet_name=None, engine="openpyxl")`` of every file: parsing alone;
(b) ``ingestion.submissions.ingest_paths``: hash, archive, parse, validate, load (one DuckDB
    transaction per file), feedback workbook, move out of the landing folder;
(b seq) the same ingest with ``workers=0`` (everything in one process), for comparison;
(b') the same ingest on a tenth of the files, to show that peak memory does not grow with N.

Each is run ``--repeat`` times (default 3), interleaved; the median is reported (the machine is
shared, single runs are noisy). Time is the work loop inside the child (imports done before the
clock starts); CPU ms/file is the child's CPU time plus its workers' (imports included); peak RSS is
the child's ``ru_maxrss`` (``os.wait4`` gives it per child, the figure that
``resource.getrusage(RUSAGE_CHILDREN)`` reports when one child has run) and, for (b), the largest
worker's. Goal: (b) at least 2x the files/s of (a), and peak memory flat as N grows (under 500 MB at
1,000 files).
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
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

GOAL_RATIO = 2.0
GOAL_RSS_MB = 500.0


# --- making the files ----------------------------------------------------------------------------------


def _jobs(n: int) -> list[tuple[str, str, int]]:
    """(department, period, revision) for n files: every reporting department, every period, revisions."""
    from newinfra.periods import period_range
    from newinfra.plan import load_plan

    plan = load_plan()
    departments = plan.reporting_departments()
    periods = period_range("2022-01", "2024-12")
    jobs = []
    revision = 0
    while len(jobs) < n:
        for period in periods:
            for dept in departments:
                jobs.append((dept, period, revision))
                if len(jobs) == n:
                    return jobs
        revision += 1
    return jobs


def _make(args: tuple[str, str, str, int, str]) -> str:
    """Write one filled template into landing/<dept>/; returns its path."""
    home, dept, period, revision, secret = args
    from demo.fill import fill_template
    from ingestion.submissions.template import template_rows, write_template
    from newinfra.periods import due_date
    from newinfra.plan import load_plan
    from newinfra.settings import Settings

    plan = load_plan()
    settings = Settings(home=Path(home), template_secret=secret)
    tmp = Path(home) / "bench_tmp" / f"{dept}_{period}_{revision}.xlsx"
    write_template(settings, plan, dept, period, tmp)
    values = {}
    for i, (ind, pref) in enumerate(template_rows(plan, dept)):
        indicator = plan.indicators[ind]
        if indicator.kind == "milestone":
            value: float | str = 1
        elif indicator.unit.strip() == "%":
            value = 50 + (i % 40)
        elif "pue" in ind:
            value = 1.3
        elif indicator.value_max is not None:
            value = min(indicator.value_max, 10 + i)
        else:
            value = 1000 * (1 + revision) + i * 7 + len(period)
        if i % 9 == 0 and indicator.unit.strip() not in ("%",) and isinstance(value, int) and value >= 10_000:
            value = f"{value / 10_000:g}万"
        values[(ind, pref)] = value
    if revision == 1 and values:  # a revision with a typo, so some rows are rejected
        values[next(iter(values))] = "约15万"
    out = Path(home) / "landing" / dept / f"{dept}_{period}_r{revision}.xlsx"
    out.parent.mkdir(parents=True, exist_ok=True)
    fill_template(tmp, values, out_path=out)
    tmp.unlink()
    received = dt.datetime.combine(due_date(period, 5), dt.time(2, 0)) - dt.timedelta(days=1 - revision)
    ts = (received - dt.datetime(1970, 1, 1)).total_seconds()
    os.utime(out, (ts, ts))
    return str(out)


def make_files(home: Path, n: int, workers: int) -> list[Path]:
    secret = "bench-secret"
    jobs = [(str(home), d, p, r, secret) for d, p, r in _jobs(n)]
    (home / "bench_tmp").mkdir(parents=True, exist_ok=True)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        paths = list(pool.map(_make, jobs, chunksize=8))
    shutil.rmtree(home / "bench_tmp", ignore_errors=True)
    return [Path(p) for p in paths]


# --- the measured children -------------------------------------------------------------------------------


def _child_pandas(folder: str) -> dict:
    import pandas as pd

    files = sorted(Path(folder).rglob("*.xlsx"))
    start = time.perf_counter()
    rows = 0
    for path in files:
        sheets = pd.read_excel(path, sheet_name=None, engine="openpyxl")
        rows += sum(len(frame) for frame in sheets.values())
    return {"files": len(files), "seconds": time.perf_counter() - start, "rows": rows}


def _child_ingest(home: str, kind: str) -> dict:
    os.environ["NEWINFRA_HOME"] = home
    import numpy  # noqa: F401  (used by the load; keep import time out of the clock)
    import python_calamine  # noqa: F401
    import xlsxwriter  # noqa: F401

    from ingestion.submissions import feedback, ingest_paths, readers, store  # noqa: F401
    from newinfra.plan import load_plan
    from newinfra.settings import Settings

    load_plan()
    settings = Settings.from_env()
    # the files were just written and are complete: no settle time (else they would wait for the next run)
    settings = Settings(**{**settings.__dict__, "template_secret": "bench-secret", "landing_settle_s": 0.0})
    start = time.perf_counter()
    results = ingest_paths(settings, workers=0 if kind == "ingest_seq" else None)
    seconds = time.perf_counter() - start
    statuses: dict[str, int] = {}
    for r in results:
        statuses[r.status] = statuses.get(r.status, 0) + 1
    import resource

    return {
        "files": len(results),
        "seconds": seconds,
        "rows": sum(r.rows_total for r in results),
        "statuses": statuses,
        # the worker processes (parse ahead, feedback) are this child's children, waited for by now
        "worker_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "worker_cpu_s": resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
        + resource.getrusage(resource.RUSAGE_CHILDREN).ru_stime,
    }


def _run_child(kind: str, target: Path) -> dict:
    """Run one measurement in a child process; return its figures and its peak RSS (MB)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.bench_ingest", "--child", kind, str(target)],
        stdout=subprocess.PIPE,
        cwd=Path(__file__).resolve().parent.parent,
    )
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"child {kind} failed with exit code {proc.returncode}")
    figures = json.loads(out.decode().strip().splitlines()[-1])
    figures["peak_rss_mb"] = usage.ru_maxrss / 1024  # Linux: kilobytes
    # CPU seconds of the whole measurement (the child and its workers; imports included): steadier
    # than wall time on a shared machine
    figures["cpu_s"] = usage.ru_utime + usage.ru_stime + figures.get("worker_cpu_s", 0.0)
    return figures


def _median(figures: list[dict]) -> dict:
    """The run with the median time; peak memory is the largest of all runs."""
    ordered = sorted(figures, key=lambda f: f["seconds"])
    out = dict(ordered[len(ordered) // 2])
    out["peak_rss_mb"] = max(f["peak_rss_mb"] for f in figures)
    if any("worker_rss_mb" in f for f in figures):
        out["worker_rss_mb"] = max(f.get("worker_rss_mb", 0) for f in figures)
    out["all_seconds"] = [round(f["seconds"], 2) for f in figures]
    return out


def _fresh_home(root: Path, name: str) -> Path:
    from newinfra.home import init_home
    from newinfra.settings import Settings

    home = root / name
    init_home(Settings(home=home), load_seeds=False)
    (home / "warehouse.lock").unlink(missing_ok=True)
    return home


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2, help="processes that make the files (setup only)")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved rounds; medians are reported")
    parser.add_argument("--keep", help="keep the folder here (and reuse its files when run again)")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, path = args.child
        figures = _child_pandas(path) if kind == "pandas" else _child_ingest(path, kind)
        print(json.dumps(figures))
        return 0

    load_before = os.getloadavg()
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    root.mkdir(parents=True, exist_ok=True)
    try:
        t0 = time.perf_counter()
        source = root / "source"
        existing = sorted((source / "landing").rglob("*.xlsx")) if args.keep else []
        if len(existing) == args.files:  # --keep DIR of an earlier run with as many files: reuse them
            files = existing
        else:
            shutil.rmtree(root, ignore_errors=True)
            root.mkdir(parents=True)
            source = _fresh_home(root, "source")
            files = make_files(source, args.files, args.workers)
        made = time.perf_counter() - t0
        size = sum(p.stat().st_size for p in files)
        print(f"{len(files)} filled templates ({size / len(files) / 1024:.1f} KB each), made in {made:.0f} s")

        small_n = max(1, len(files) // 10)
        subsets = {"ingest_full": files, "ingest_seq": files, "ingest_tenth": files[:small_n]}
        kinds = {"ingest_full": "ingest", "ingest_seq": "ingest_seq", "ingest_tenth": "ingest"}
        runs: dict[str, list[dict]] = {"pandas": [], **{name: [] for name in subsets}}
        # Interleaved rounds, medians reported: the machine is shared, single runs are noisy.
        for _ in range(args.repeat):
            runs["pandas"].append(_run_child("pandas", source / "landing"))
            for name, subset in subsets.items():
                shutil.rmtree(root / name, ignore_errors=True)
                home = _fresh_home(root, name)
                for p in subset:
                    target = home / p.relative_to(source)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(p, target)
                runs[name].append(_run_child(kinds[name], home))
        pandas_fig, full, seq, tenth = (
            _median(runs[k]) for k in ("pandas", "ingest_full", "ingest_seq", "ingest_tenth")
        )
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)

    def rate(f: dict) -> float:
        return f["files"] / f["seconds"] if f["seconds"] else float("inf")

    rows = [
        ("(a) pandas.read_excel(openpyxl), all sheets, parse only", pandas_fig),
        ("(b) ingest_paths (worker: parse ahead + feedback)", full),
        ("(b seq) ingest_paths, workers=0 (one process)", seq),
        (f"(b') ingest_paths on {small_n} files (memory vs N)", tenth),
    ]
    print()
    print(
        f"{'method':<58} {'files':>6} {'seconds':>8} {'files/s':>8} {'x (a)':>6} {'CPU ms/file':>11}"
        f" {'RSS MB':>7} {'worker MB':>9}"
    )
    for label, f in rows:
        worker = f"{f['worker_rss_mb']:.1f}" if f.get("worker_rss_mb") else "-"
        print(
            f"{label:<58} {f['files']:>6} {f['seconds']:>8.2f} {rate(f):>8.1f} {rate(f) / rate(pandas_fig):>6.2f}"
            f" {1000 * f['cpu_s'] / f['files']:>11.1f} {f['peak_rss_mb']:>7.1f} {worker:>9}"
        )
    ratio = rate(full) / rate(pandas_fig)
    print(
        f"(seconds of each round: a {pandas_fig['all_seconds']}, b {full['all_seconds']}, b seq {seq['all_seconds']})"
    )
    print()
    print(f"ingest statuses: {full['statuses']}  rows: {full['rows']}")
    print(f"ratio (b)/(a) files/s: {ratio:.2f}x  (goal >= {GOAL_RATIO:.1f}x)")
    print(
        f"peak RSS: {tenth['peak_rss_mb']:.0f} MB at {tenth['files']} files, {full['peak_rss_mb']:.0f} MB at "
        f"{full['files']} files (goal: flat, < {GOAL_RSS_MB:.0f} MB)"
    )
    load_after = os.getloadavg()
    print(
        "load average (1/5/15 min) before: {:.2f} {:.2f} {:.2f}, after: {:.2f} {:.2f} {:.2f} on {} CPUs"
        " (others' work on the machine slows ours and pandas alike; compare the ratio)".format(
            *load_before, *load_after, os.cpu_count()
        )
    )
    ok = ratio >= GOAL_RATIO and max(full["peak_rss_mb"], full.get("worker_rss_mb", 0)) < GOAL_RSS_MB
    print("goal met" if ok else "goal NOT met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
