"""The transform stage under Airflow against plain ``dbt build``, on the same data, in the same run.

    .venv/bin/python benchmarks/bench_transform.py [--repeats 2] [--through 2022-06]

Sets up a temporary NEWINFRA_HOME (seeds + the demo submissions through ``--through``, ingested),
then alternates, ``--repeats`` times:

- plain: ``newinfra.transform.build`` — one ``dbt build`` subprocess under the warehouse lock;
- airflow: ``airflow dags test newinfra_transform`` — the Cosmos WATCHER group (one ``dbt build`` in
  the producer + one sensor per node), then the quality checks and the analysts' copy. From the
  metadata DB: the dbt group's span (first task start to last task end), the producer alone, the
  sensors, and the whole run.

Prints the medians and the ratio (dbt group under Airflow / plain dbt build), and an estimate of the
alternative Cosmos would give by default (LOCAL mode: one dbt subprocess per model and per test
group), from the measured cost of one single-model ``dbt build --select`` invocation. Writes
``benchmarks/out/bench_transform.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
os.environ.setdefault("SODA_CORE_TELEMETRY_ENABLED", "false")


def _parse(ts: str) -> dt.datetime:
    return dt.datetime.fromisoformat(ts.replace(" ", "T"))


def group_spans(db_path: Path, run_id: str) -> dict[str, float]:
    """Spans (s) of the transform run's parts, from the task instances' start/end times."""
    con = sqlite3.connect(str(db_path))
    try:
        rows = con.execute(
            "select task_id, start_date, end_date from task_instance where dag_id = 'newinfra_transform' "
            "and run_id = ? and start_date is not null",
            (run_id,),
        ).fetchall()
    finally:
        con.close()
    group = [(t, _parse(s), _parse(e)) for t, s, e in rows if t.startswith("dbt_build.")]
    producer = [(s, e) for t, s, e in group if t.endswith("dbt_producer_watcher")]
    sensors = [(s, e) for t, s, e in group if "producer" not in t]
    everything = [(_parse(s), _parse(e)) for _, s, e in rows]

    def span(pairs):
        return (max(e for _, e in pairs) - min(s for s, _ in pairs)).total_seconds() if pairs else 0.0

    return {
        "dbt_group_s": span(group),
        "producer_s": span(producer),
        "sensors_s": span(sensors),
        "sensors": len(sensors),
        "run_s": span(everything),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--through", default="2022-06", help="demo submissions up to this period")
    parser.add_argument("--keep", action="store_true", help="keep the temporary homes")
    args = parser.parse_args(argv)

    from demo.generate import generate
    from ingestion.submissions import ingest_paths
    from newinfra import airflow_support as af
    from newinfra.home import init_home
    from newinfra.settings import Settings
    from newinfra.transform import build

    work = Path(tempfile.mkdtemp(prefix="bench_transform_"))
    home = work / "home"
    settings = Settings(home=home)
    os.environ["NEWINFRA_HOME"] = str(home)
    t0 = time.perf_counter()
    init_home(settings)
    generate(home, through=args.through, settings=settings, workers=1)
    files = ingest_paths(settings)
    print(
        f"setup: {len(files)} submissions through {args.through} ingested in {time.perf_counter() - t0:.1f} s"
    )
    env = af.prepare_airflow_home(settings, work / "airflow")
    af.ensure_manifest(settings, force=True)
    manifest = json.loads(af.DBT_MANIFEST.read_text(encoding="utf-8"))
    kinds: dict[str, int] = {}
    for node in manifest["nodes"].values():
        kinds[node["resource_type"]] = kinds.get(node["resource_type"], 0) + 1
    print(f"dbt project: {kinds}")

    build(settings)  # warm-up: the first build creates every table; also warms dbt's partial parse
    plain, airflow, spans = [], [], []
    for i in range(args.repeats):
        start = time.perf_counter()
        result = build(settings)
        plain.append(time.perf_counter() - start)
        print(f"[{i + 1}] plain dbt build: {plain[-1]:.1f} s ({result.counts})", flush=True)

        when = f"2024-07-{6 + i:02d}"
        outcome = af.dags_test(af.DAG_TRANSFORM, when, env)
        if not outcome.ok:
            print(outcome.tail(60))
            return 1
        airflow.append(outcome.seconds)
        con = sqlite3.connect(str(Path(env["AIRFLOW_HOME"]) / "airflow.db"))
        run_id = con.execute(
            "select run_id from dag_run where dag_id = 'newinfra_transform' order by id desc limit 1"
        ).fetchone()[0]
        con.close()
        spans.append(group_spans(Path(env["AIRFLOW_HOME"]) / "airflow.db", run_id))
        print(
            f"[{i + 1}] airflow dags test newinfra_transform: {outcome.seconds:.1f} s {spans[-1]}", flush=True
        )

    # One single-model invocation: what each task of Cosmos's default LOCAL mode pays.
    single = []
    for _ in range(2):
        start = time.perf_counter()
        build(settings, select="stg_submissions__values")
        single.append(time.perf_counter() - start)
    per_invocation = statistics.median(single)
    groups = kinds.get("model", 0) + kinds.get("seed", 0)

    med = statistics.median
    figures = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "submissions": len(files),
        "nodes": kinds,
        "repeats": args.repeats,
        "plain_dbt_build_s": round(med(plain), 2),
        "airflow_dags_test_total_s": round(med(airflow), 2),
        "airflow_dbt_group_s": round(med(s["dbt_group_s"] for s in spans), 2),
        "airflow_producer_s": round(med(s["producer_s"] for s in spans), 2),
        "airflow_sensors_s": round(med(s["sensors_s"] for s in spans), 2),
        "airflow_sensor_tasks": spans[0]["sensors"],
        "airflow_run_s": round(med(s["run_s"] for s in spans), 2),
        "ratio_dbt_group_to_plain": round(med(s["dbt_group_s"] for s in spans) / med(plain), 2),
        "single_model_invocation_s": round(per_invocation, 2),
        "estimate_cosmos_local_mode_s": round(per_invocation * groups, 1),
    }
    print("\n== transform stage: Airflow (Cosmos WATCHER) vs plain dbt build, same data, same run ==")
    print(f"plain dbt build (median of {args.repeats}):        {figures['plain_dbt_build_s']:7.1f} s")
    print(f"Airflow dbt_build group (producer + sensors):  {figures['airflow_dbt_group_s']:7.1f} s")
    print(f"  of which the producer's one dbt build:       {figures['airflow_producer_s']:7.1f} s")
    print(
        f"  of which {figures['airflow_sensor_tasks']} sensors:                       {figures['airflow_sensors_s']:7.1f} s"
    )
    print(f"ratio dbt group / plain:                        {figures['ratio_dbt_group_to_plain']:7.2f}")
    print(f"whole DAG run (+ Soda checks + publish):        {figures['airflow_run_s']:7.1f} s")
    print(f"`airflow dags test` wall time (+ parse, setup): {figures['airflow_dags_test_total_s']:7.1f} s")
    print(
        f"estimate, Cosmos LOCAL mode ({groups} dbt invocations x {per_invocation:.1f} s): "
        f"{figures['estimate_cosmos_local_mode_s']:.0f} s"
    )
    out = ROOT / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench_transform.json").write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
