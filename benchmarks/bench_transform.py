"""The transform stage under Airflow against plain ``dbt build``, on the same data, in the same run.

    .venv/bin/python benchmarks/bench_transform.py [--repeats 2] [--through 2022-06]

Sets up a temporary NEWINFRA_HOME (seeds + the demo submissions through ``--through``, ingested),
then alternates, ``--repeats`` times:

- plain: ``newinfra.transform.build`` — one ``dbt build`` subprocess under the warehouse lock;
- build: ``airflow dags test newinfra_transform`` — the DAG as shipped: one Cosmos
  ``DbtBuildLocalOperator`` task (one ``dbt build`` through ``dbt-locked``), then the quality checks
  and the analysts' copy;
- watcher: the same DAG with Cosmos's WATCHER group instead (one ``dbt build`` in a producer task
  that pushes every node's status to XCom + one sensor task per seed/model and per model's tests),
  from a variant DAG file written to a temporary DAGs folder.

From the metadata DB: the dbt part's span (first dbt task start to last dbt task end), the producer
and the sensors, and the whole run. Prints the medians and the ratios to plain ``dbt build``, and
an estimate of Cosmos's default LOCAL mode (one dbt subprocess per model/seed), from the measured
cost of one single-model ``dbt build --select``. Writes ``benchmarks/out/bench_transform.json``.
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


WATCHER_DAG = "newinfra_transform_watcher"


def last_run_spans(db_path: Path, dag_id: str) -> dict[str, float]:
    """Spans (s) of the DAG's last run's parts, from the task instances' start/end times."""
    con = sqlite3.connect(str(db_path))
    try:
        (run_id,) = con.execute(
            "select run_id from dag_run where dag_id = ? order by id desc limit 1", (dag_id,)
        ).fetchone()
        rows = con.execute(
            "select task_id, start_date, end_date from task_instance where dag_id = ? "
            "and run_id = ? and start_date is not null",
            (dag_id, run_id),
        ).fetchall()
    finally:
        con.close()
    group = [(t, _parse(s), _parse(e)) for t, s, e in rows if t == "dbt_build" or t.startswith("dbt_build.")]
    producer = [(s, e) for t, s, e in group if t.endswith("dbt_producer_watcher") or t == "dbt_build"]
    sensors = [(s, e) for t, s, e in group if "producer" not in t and t != "dbt_build"]
    everything = [(_parse(s), _parse(e)) for _, s, e in rows]

    def span(pairs):
        return (max(e for _, e in pairs) - min(s for s, _ in pairs)).total_seconds() if pairs else 0.0

    return {
        "dbt_s": span([(s, e) for _, s, e in group]),
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

    from dags.common.constants import DAG_TRANSFORM, DAGS_FOLDER, DBT_MANIFEST
    from demo.generate import generate
    from ingestion.submissions import ingest_paths
    from newinfra.home import init_home
    from newinfra.settings import Settings
    from newinfra.transform import build
    from pipeline import local_airflow

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
    dags = work / "dags"
    shutil.copytree(DAGS_FOLDER, dags, ignore=shutil.ignore_patterns("__pycache__"))
    source = (DAGS_FOLDER / "newinfra_transform.py").read_text(encoding="utf-8")
    variant = source.replace("dag_id=DAG_TRANSFORM", f"dag_id={WATCHER_DAG!r}").replace(
        'dbt_tasks("dbt_build")', 'dbt_tasks("dbt_build", mode=DBT_MODE_WATCHER)'
    )
    assert variant.count(WATCHER_DAG) == 1 and "DBT_MODE_WATCHER" in variant, "the DAG file changed"
    (dags / f"{WATCHER_DAG}.py").write_text(variant, encoding="utf-8")
    env = local_airflow.prepare_airflow_home(settings, work / "airflow")
    env["AIRFLOW__CORE__DAGS_FOLDER"] = str(dags)
    local_airflow.ensure_manifest(settings, force=True)
    manifest = json.loads(DBT_MANIFEST.read_text(encoding="utf-8"))
    kinds: dict[str, int] = {}
    for node in manifest["nodes"].values():
        kinds[node["resource_type"]] = kinds.get(node["resource_type"], 0) + 1
    print(f"dbt project: {kinds}")

    build(settings)  # warm-up: the first build creates every table; also warms dbt's partial parse
    db_path = Path(env["AIRFLOW_HOME"]) / "airflow.db"
    plain: list[float] = []
    runs: dict[str, list[dict]] = {DAG_TRANSFORM: [], WATCHER_DAG: []}
    for i in range(args.repeats):
        start = time.perf_counter()
        result = build(settings)
        plain.append(time.perf_counter() - start)
        print(f"[{i + 1}] plain dbt build: {plain[-1]:.1f} s ({result.counts})", flush=True)
        for dag_id in runs:
            outcome = local_airflow.dags_test(dag_id, f"2024-07-{6 + i:02d}", env)
            if not outcome.ok:
                print(outcome.tail(60))
                return 1
            spans = last_run_spans(db_path, dag_id)
            spans["dags_test_s"] = outcome.seconds
            runs[dag_id].append(spans)
            print(f"[{i + 1}] airflow dags test {dag_id}: {outcome.seconds:.1f} s {spans}", flush=True)

    # One single-model invocation: what each task of Cosmos's default LOCAL mode pays.
    single = []
    for _ in range(2):
        start = time.perf_counter()
        build(settings, select="stg_submissions__values")
        single.append(time.perf_counter() - start)
    per_invocation = statistics.median(single)
    groups = kinds.get("model", 0) + kinds.get("seed", 0)

    med = statistics.median

    def summary(dag_id: str) -> dict[str, float]:
        spans = runs[dag_id]
        return {
            "dbt_s": round(med(s["dbt_s"] for s in spans), 2),
            "producer_s": round(med(s["producer_s"] for s in spans), 2),
            "sensors_s": round(med(s["sensors_s"] for s in spans), 2),
            "sensor_tasks": spans[0]["sensors"],
            "run_s": round(med(s["run_s"] for s in spans), 2),
            "dags_test_s": round(med(s["dags_test_s"] for s in spans), 2),
            "ratio_dbt_to_plain": round(med(s["dbt_s"] for s in spans) / med(plain), 2),
        }

    figures = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "submissions": len(files),
        "nodes": kinds,
        "repeats": args.repeats,
        "plain_dbt_build_s": round(med(plain), 2),
        "airflow_build_task": summary(DAG_TRANSFORM),
        "airflow_watcher_group": summary(WATCHER_DAG),
        "single_model_invocation_s": round(per_invocation, 2),
        "estimate_cosmos_local_mode_s": round(per_invocation * groups, 1),
    }
    b, w = figures["airflow_build_task"], figures["airflow_watcher_group"]
    print(
        f"\n== transform stage under Airflow vs plain dbt build: same data, same run, medians of {args.repeats} =="
    )
    print(f"plain dbt build (newinfra.transform.build):           {figures['plain_dbt_build_s']:7.1f} s")
    print(
        f"DAG as shipped, Cosmos dbt_build task:                {b['dbt_s']:7.1f} s   x{b['ratio_dbt_to_plain']:.2f}"
    )
    print(
        f"  whole run (+ Soda checks + publish) {b['run_s']:.1f} s; `airflow dags test` wall {b['dags_test_s']:.1f} s"
    )
    print(
        f"Cosmos WATCHER group (producer + {w['sensor_tasks']} sensors):      {w['dbt_s']:7.1f} s   x{w['ratio_dbt_to_plain']:.2f}"
    )
    print(f"  producer {w['producer_s']:.1f} s, sensors {w['sensors_s']:.1f} s; whole run {w['run_s']:.1f} s")
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
