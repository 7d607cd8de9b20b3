"""Integration: real templates (the real writer), filled with openpyxl, ingested (CLI and in-process),
read back from DuckDB and from the feedback workbooks."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from submission_helpers import (
    LATE,
    ON_TIME,
    PERIOD,
    PROJECT_ROWS,
    add_projects,
    check_invariant,
    counts,
    csv_bytes,
    query,
    set_mtime,
)

from ingestion.submissions import constants, ingest_paths, summary_line
from ingestion.submissions.arrivals import ARRIVALS_DIR, append_manifest


def run_cli(home: Path, *args: str, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "NEWINFRA_HOME": str(home), **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args], env=env, capture_output=True, text=True, timeout=300
    )


def tree_digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name not in ("warehouse.duckdb", "warehouse.duckdb.wal", "warehouse.lock")
    }


def db_digest(settings) -> dict[str, list]:
    out = {}
    for table in ("submission_files", "submission_values", "submission_projects", "submission_rejections"):
        out[table] = sorted(map(repr, query(settings, f"select * from raw.{table}")))
    return out


CA_PROJECTS = [p for p in PROJECT_ROWS if p[3] == "CA"]


def test_template_fill_ingest_via_cli_then_query(settings, maker, home):
    add_projects(settings)
    typed = {
        ("g5_base_stations", "GY"): "15万",
        ("g5_base_stations", "ZY"): "1,234",
        ("g5_base_stations", "LPS"): "１２３",
        ("g5_village_coverage_rate", "GZ"): "65%",
        ("g5_scene_app_projects", "GZ"): 42,
    }
    progress = [
        {
            "project_code": "XJ-CA-001",
            "completed_this_month": 12.5,
            "cumulative_completed": "1.5亿元",
            "status": "在建",
        },
        {
            "project_code": "XJ-CA-002",
            "completed_this_month": 0,
            "cumulative_completed": 0,
            "status": "planned",
        },
    ]
    filled = maker.filled(overrides=typed, projects=progress, template_projects=CA_PROJECTS)
    landed = maker.drop(filled, "CA", "通信管理局6月报送.xlsx")
    data = landed.read_bytes()

    out = run_cli(home, "ingest", "--json")
    assert out.returncode == 0, out.stderr
    [result] = [json.loads(line) for line in out.stdout.splitlines()]
    assert result["status"] == "loaded" and result["version"] == 1
    assert result["department_code"] == "CA" and result["period"] == PERIOD
    assert result["received_at"] == "2024-07-03T02:00:00Z" and result["is_late"] is False
    assert result["rows_total"] == result["rows_accepted"] == 42 + 2

    values = dict(
        ((i, p), (v, w))
        for i, p, v, w in query(
            settings,
            "select indicator_id, prefecture_code, value, value_as_written from raw.submission_values",
        )
    )
    assert values[("g5_base_stations", "GY")] == (150000.0, "15万")
    assert values[("g5_base_stations", "ZY")] == (1234.0, "1,234")
    assert values[("g5_base_stations", "LPS")] == (123.0, "１２３")
    assert values[("g5_village_coverage_rate", "GZ")] == (65.0, "65%")
    assert values[("g5_scene_app_projects", "GZ")] == (42.0, "42")
    projects = query(
        settings,
        "select project_code, sector, prefecture_code, completed_this_month_yuan, cumulative_completed_yuan, "
        "project_status from raw.submission_projects order by project_code",
    )
    assert projects == [
        ("XJ-CA-001", "broadband", "GY", 125000.0, 150000000.0, "under_construction"),
        ("XJ-CA-002", "broadband", "GZ", 0.0, 0.0, "planned"),
    ]
    [ledger] = query(
        settings,
        "select file_id, original_name, archive_path, sender_department_code, file_format, status "
        "from raw.submission_files",
    )
    sha = hashlib.sha256(data).hexdigest()
    assert ledger == (sha, "通信管理局6月报送.xlsx", f"archive/{sha[:2]}/{sha}.xlsx", "CA", "xlsx", "loaded")
    assert (home / ledger[2]).read_bytes() == data  # archived untouched
    assert not landed.exists()  # out of the landing folder once handled
    feedback = home / result["feedback_path"]
    assert feedback.name == "反馈_CA_2024-06_v1.xlsx" and feedback.exists()
    check_invariant(settings)


def test_cli_human_summary_and_exit_code_zero_for_bad_input(settings, maker, home):
    maker.drop(maker.filled(overrides={("g5_base_stations", "GY"): "约15万"}), "CA", "a.xlsx")
    maker.drop(b"not a workbook", "CA", "b.xlsx")
    out = run_cli(home, "ingest")
    assert out.returncode == 0, out.stderr
    assert "部分接收 partially_loaded" in out.stdout and "已隔离 quarantined" in out.stdout
    assert "共处理 2 个文件" in out.stdout
    assert "Traceback" not in out.stderr


def test_platform_failure_exits_non_zero(settings, maker, home):
    maker.drop(maker.filled(), "CA")
    code = (
        "import time; from newinfra import db; from newinfra.settings import Settings\n"
        "with db.write_lock(Settings.from_env()):\n    print('locked', flush=True); time.sleep(30)\n"
    )
    env = {**os.environ, "NEWINFRA_HOME": str(home)}
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert holder.stdout.readline().strip() == "locked"
        out = run_cli(home, "ingest", env_extra={"NEWINFRA_LOCK_TIMEOUT": "0.5"})
    finally:
        holder.kill()
        holder.wait(10)
    assert out.returncode == 1
    assert "另一个写入进程" in out.stderr and "Traceback" not in out.stderr
    assert (settings.landing / "CA" / "报送.xlsx").exists()  # not handled: stays for the next run


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encodings_are_detected_and_recorded(settings, maker, encoding):
    maker.drop(csv_bytes(maker, encoding=encoding), "CA", "报送.csv")
    [result] = ingest_paths(settings)
    assert result.status == "loaded", result
    assert result.file_format == "csv" and result.file_encoding == encoding
    assert query(settings, "select file_encoding from raw.submission_files") == [(encoding,)]
    assert result.rows_accepted == 42
    names = {r[0] for r in query(settings, "select distinct sheet_name from raw.submission_values")}
    assert names == {constants.SHEET_INDICATORS}


def test_csv_of_the_project_sheet(settings, maker):
    add_projects(settings)
    header = [h for _, h in constants.PROJECT_COLUMNS]
    rows = [
        ["XJ-CA-001", "", "", "", "", "10", "20", "在建", ""],
        ["XJ-NOPE", "", "", "", "", "1", "1", "在建", ""],
    ]
    maker.drop(csv_bytes(maker, header=header, rows=rows), "CA", "项目.csv")
    [result] = ingest_paths(settings)
    assert result.status == "partially_loaded" and result.rows_accepted == 1 and result.rows_rejected == 1
    assert query(settings, "select project_code, row_number from raw.submission_projects") == [
        ("XJ-CA-001", 7)
    ]
    assert query(
        settings, "select row_number, column_letter, reason_code from raw.submission_rejections"
    ) == [(8, "A", "project_unknown")]


def test_revision_supersedes_and_keeps_the_earlier_version(settings, maker):
    first = maker.drop(maker.filled(overrides={("g5_base_stations", "GY"): 1000}), "CA", "v1.xlsx", ON_TIME)
    second = maker.drop(maker.filled(overrides={("g5_base_stations", "GY"): 1100}), "CA", "v2.xlsx", LATE)
    results = ingest_paths(settings)
    assert [(r.original_name, r.version, r.is_late) for r in results] == [
        ("v1.xlsx", 1, False),
        ("v2.xlsx", 2, True),
    ]
    assert not first.exists() and not second.exists()
    rows = query(
        settings,
        "select f.version, v.value from raw.submission_values v join raw.submission_files f using (file_id) "
        "where v.indicator_id = 'g5_base_stations' and v.prefecture_code = 'GY' order by f.version",
    )
    assert rows == [(1, 1000.0), (2, 1100.0)]  # nothing deleted; the latest version wins downstream
    assert query(settings, "select count(*) from raw.submission_values")[0][0] == 84
    feedback = {r.feedback_path for r in results}
    assert feedback == {
        "feedback/CA/2024-06/反馈_CA_2024-06_v1.xlsx",
        "feedback/CA/2024-06/反馈_CA_2024-06_v2.xlsx",
    }


def test_revision_after_publication_is_accepted_and_flagged(settings, maker):
    from newinfra import db

    maker.drop(maker.filled(), "CA", "v1.xlsx", ON_TIME)
    ingest_paths(settings)
    with db.writer(settings) as con:
        con.execute(
            "insert into ops.report_publications (period, published_at, package_path, manifest_sha256) "
            "values (?, ?, 'exports/2024-06', 'x')",
            [PERIOD, ON_TIME.replace(day=6)],
        )
    maker.drop(maker.filled(overrides={("g5_base_stations", "GY"): 9}), "CA", "v2.xlsx", LATE)
    [result] = ingest_paths(settings)
    assert result.status == "loaded" and result.version == 2
    assert result.is_after_publication is True and result.is_late is True
    assert query(
        settings, "select version, is_after_publication from raw.submission_files order by version"
    ) == [
        (1, False),
        (2, True),
    ]


def test_cumulative_below_last_period_is_flagged_and_explained(settings, maker):
    maker.drop(maker.filled(period="2024-05", overrides={("g5_base_stations", "GY"): 5000}), "CA", "may.xlsx")
    maker.drop(maker.filled(overrides={("g5_base_stations", "GY"): 4000}), "CA", "june.xlsx", LATE)
    may, june = ingest_paths(settings)
    assert may.rows_flagged == 0 and june.rows_flagged == 1
    assert june.status == "loaded" and june.rows_rejected == 0  # accepted, only flagged
    [(flagged, zh)] = query(
        settings,
        "select is_flagged, flag_reason_zh from raw.submission_values where period = '2024-06' and is_flagged",
    )
    assert flagged and "2024-05" in zh and "5000" in zh
    wb = openpyxl.load_workbook(settings.home / june.feedback_path)
    notes = [c.value for row in wb[constants.FEEDBACK_SHEET_ACCEPTED].iter_rows() for c in row if c.value]
    assert any(isinstance(n, str) and n.startswith(zh) and "please check" in n for n in notes)


def test_feedback_lists_every_rejection_in_chinese_and_english(settings, maker):
    maker.drop(
        maker.filled(
            overrides={("g5_base_stations", "GY"): "约15万", ("g5_village_coverage_rate", "GZ"): 120}
        ),
        "CA",
    )
    [result] = ingest_paths(settings)
    wb = openpyxl.load_workbook(settings.home / result.feedback_path)
    assert wb.sheetnames == [
        constants.FEEDBACK_SHEET_SUMMARY, constants.FEEDBACK_SHEET_REJECTIONS, constants.FEEDBACK_SHEET_ACCEPTED, constants.FEEDBACK_SHEET_PROJECTS,
    ]  # fmt: skip
    rej = [[c.value for c in row] for row in wb[constants.FEEDBACK_SHEET_REJECTIONS].iter_rows(min_row=2)]
    assert len(rej) == 2
    by_value = {r[4]: r for r in rej}
    sheet, row_number, letter, header, written, zh, en, code = by_value["约15万"]
    assert (sheet, letter, header, code) == (
        constants.SHEET_INDICATORS,
        "G",
        dict(constants.INDICATOR_COLUMNS)["value"],
        "ambiguous_number",
    )
    assert isinstance(row_number, int) and "约" in zh and "exact number" in en
    assert by_value["120"][7] == "percent_out_of_range"
    summary = {
        r[0].value: r[1].value
        for r in wb[constants.FEEDBACK_SHEET_SUMMARY].iter_rows(min_row=3)
        if r[0].value
    }
    assert summary["退回 / rejected"] == 2 and summary["接收 / accepted"] == 40
    accepted = list(wb[constants.FEEDBACK_SHEET_ACCEPTED].iter_rows(min_row=2))
    assert len(accepted) == 40


def test_same_folder_twice_changes_nothing(settings, maker):
    maker.drop(maker.filled(), "CA", "good.xlsx")
    maker.drop(maker.filled(overrides={("g5_base_stations", "GY"): "十五"}), "CA", "partial.xlsx")
    maker.drop(maker.filled(department="BDB"), "CA", "spoof.xlsx")
    maker.drop(b"junk", None, "root.csv")
    first = ingest_paths(settings)
    assert sorted(r.status for r in first) == ["loaded", "partially_loaded", "quarantined", "quarantined"]
    before = (db_digest(settings), tree_digest(settings.home))
    assert ingest_paths(settings) == []  # the landing folder now holds nothing unprocessed
    assert (db_digest(settings), tree_digest(settings.home)) == before
    check_invariant(settings)


def test_same_files_by_path_twice_is_an_exact_replay(settings, maker, tmp_path):
    outside = tmp_path / "by_hand"
    outside.mkdir()
    good = outside / "good.xlsx"
    good.write_bytes(maker.filled().read_bytes())
    bad = outside / "bad.xlsx"
    bad.write_bytes(b"junk")
    set_mtime(good, ON_TIME)
    set_mtime(bad, ON_TIME)
    first = ingest_paths(settings, [outside], department="CA")
    assert sorted(r.status for r in first) == ["loaded", "quarantined"]
    before = (db_digest(settings), tree_digest(settings.home))
    # a lost feedback file is written again, byte for byte, from the warehouse
    loaded = next(r for r in first if r.status == "loaded")
    feedback = settings.home / loaded.feedback_path
    original = feedback.read_bytes()
    feedback.unlink()
    second = ingest_paths(settings, [outside], department="CA")
    assert all(r.is_replay for r in second)
    assert [(r.file_id, r.status) for r in second] == [(r.file_id, r.status) for r in first]
    assert feedback.read_bytes() == original
    assert (db_digest(settings), tree_digest(settings.home)) == before
    assert good.exists() and bad.exists()  # files outside the landing folder are left where they are


def test_same_bytes_again_is_a_duplicate(settings, maker):
    filled = maker.filled()
    maker.drop(filled, "CA", "first.xlsx", ON_TIME)
    [first] = ingest_paths(settings)
    maker.drop(filled, "CA", "again.xlsx", LATE)
    [again] = ingest_paths(settings)
    assert again.status == "duplicate" and again.duplicate_of == first.file_id
    assert again.content_sha256 == first.file_id and again.file_id != first.file_id
    assert counts(settings) == {
        "submission_files": 2, "submission_values": 42, "submission_projects": 0, "submission_rejections": 0,
    }  # fmt: skip
    assert not (settings.landing / "CA" / "again.xlsx").exists()
    check_invariant(settings)


def test_office_loads_a_root_file_by_hand(settings, maker):
    root_file = maker.drop(maker.filled(), None, "放错目录.xlsx")
    data = root_file.read_bytes()
    [quarantined] = ingest_paths(settings)
    assert quarantined.quarantine_reason_code == "spoof_landing_root"
    copy = settings.quarantine / "_unknown" / f"{quarantined.content_sha256}.xlsx"
    assert copy.read_bytes() == data
    [loaded] = ingest_paths(settings, [copy], department="CA")
    assert loaded.status == "loaded" and loaded.version == 1 and loaded.sender_department_code == "CA"
    assert loaded.content_sha256 == quarantined.content_sha256 and loaded.file_id != quarantined.file_id
    assert query(settings, "select count(distinct file_id) from raw.submission_values")[0][0] == 1
    check_invariant(settings)


def test_landing_symlinks_are_not_followed(settings, maker, tmp_path):
    secret = tmp_path / "secret.csv"
    secret.write_text("not for you", encoding="utf-8")
    (settings.landing / "CA").mkdir(parents=True)
    (settings.landing / "CA" / "link.csv").symlink_to(secret)
    (settings.landing / "CA" / "~$lock.xlsx").write_bytes(b"x")
    (settings.landing / "CA" / "upload.xlsx.part").write_bytes(b"x")
    assert ingest_paths(settings) == []
    assert counts(settings)["submission_files"] == 0


def _compare_with_one_process(settings, maker, seeded_home_template, tmp_path, workers: int):
    """The same drops ingested in one process and with ``workers``: the outcomes of both."""
    import dataclasses
    import shutil

    drops = [
        (
            maker.filled(period="2024-05", overrides={("g5_base_stations", "GY"): 5000}),
            "CA",
            "may.xlsx",
            ON_TIME,
        ),
        (maker.filled(overrides={("g5_base_stations", "GY"): "4,000"}), "CA", "june.xlsx", ON_TIME),
        (maker.filled(overrides={("g5_village_coverage_rate", "GZ"): 120}), "CA", "june_v2.xlsx", LATE),
        (maker.filled("BDB"), "CA", "spoof.xlsx", ON_TIME),
        (b"junk", "CA", "junk.xlsx", ON_TIME),
    ]
    other_home = tmp_path / "home_parallel"
    shutil.copytree(seeded_home_template, other_home, ignore=shutil.ignore_patterns("dbt"))
    parallel = dataclasses.replace(settings, home=other_home)
    outcomes = []
    for run_settings, n in ((settings, 0), (parallel, workers)):
        for data, folder, name, when in drops:
            target = run_settings.landing / folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data.read_bytes() if isinstance(data, Path) else data)
            set_mtime(target, when)
            append_manifest(  # the arrival, declared as an upload log would (the scan's time differs)
                run_settings.home / ARRIVALS_DIR / "tests.csv", f"{folder}/{name}",
                hashlib.sha256(target.read_bytes()).hexdigest(), when, "tests: upload log",
            )  # fmt: skip
        results = ingest_paths(run_settings, workers=n)
        outcomes.append(
            (
                [(r.file_id, r.status, r.version, r.rows_accepted, r.rows_flagged, r.error) for r in results],
                db_digest(run_settings),
                tree_digest(run_settings.home / "feedback"),
                tree_digest(run_settings.home / "quarantine"),
            )
        )
        assert not list((run_settings.landing / "CA").iterdir())
    return outcomes


def test_worker_processes_give_the_same_results_as_one_process(
    settings, maker, seeded_home_template, tmp_path
):
    """The parallel path (parse ahead + feedback in worker processes, a few files per task) is an
    optimisation only."""
    outcomes = _compare_with_one_process(settings, maker, seeded_home_template, tmp_path, workers=2)
    assert outcomes[0] == outcomes[1]
    assert [o[1] for o in outcomes[0][0]] == [
        "loaded", "quarantined", "loaded", "quarantined", "partially_loaded",
    ]  # fmt: skip
    assert all(o[5] is None for o in outcomes[1][0])


def test_a_broken_worker_pool_changes_nothing(settings, maker, seeded_home_template, tmp_path, monkeypatch):
    """Workers that die (here: at start) leave their files to the loader: same ledger, rows, feedback."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from ingestion.submissions import bulk

    made = []

    def broken_pool(workers: int):
        made.append(workers)
        context = multiprocessing.get_context("spawn")
        return ProcessPoolExecutor(workers, mp_context=context, initializer=sys.exit, initargs=(3,))

    monkeypatch.setattr(bulk, "make_pool", broken_pool)
    outcomes = _compare_with_one_process(settings, maker, seeded_home_template, tmp_path, workers=1)
    assert made == [1]  # the broken pool was used
    assert outcomes[0] == outcomes[1]


def test_a_worker_task_reports_each_files_failure_alone(settings, maker, tmp_path):
    """One file of a worker's batch that fails does not take the others with it."""
    import datetime as dt

    from ingestion.submissions.bulk import feedback_many, prepare_many

    good = maker.filled()
    limits = (settings.max_xlsx_uncompressed_bytes, settings.max_xlsx_ratio)
    jobs = [
        (str(good), good.stat().st_size, str(settings.home), settings.max_upload_bytes, limits, False),
        (str(tmp_path / "gone.xlsx"), 10, str(settings.home), settings.max_upload_bytes, limits, False),
    ]
    prepared, missing = prepare_many(jobs)
    assert prepared.outcome[0] == "ok" and prepared.sha == hashlib.sha256(good.read_bytes()).hexdigest()
    assert isinstance(missing, FileNotFoundError)

    ledger = {
        "original_name": "a.xlsx", "sender_department_code": "CA", "department_code": "CA", "period": "2024-06",
        "received_at": dt.datetime(2024, 7, 1), "status": "quarantined", "quarantine_reason_code": "no_rows",
        "quarantine_reason_zh": "没有数据行", "quarantine_reason_en": "no rows", "content_sha256": "ab" * 32,
    }  # fmt: skip
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("x")
    ok_path = tmp_path / "fb" / "ok.xlsx"
    failed = feedback_many(
        [(blocker / "x.xlsx", ledger, [], [], []), (ok_path, ledger, [], [], [])], settings.timezone
    )
    assert failed == [0]
    assert openpyxl.load_workbook(ok_path).sheetnames


def test_a_file_still_being_uploaded_waits_for_the_next_run(settings, maker, home):
    """A landing file changed within the settle time may be half-written: untouched, reported, taken later."""
    import dataclasses
    import datetime as dt

    settle = dataclasses.replace(settings, landing_settle_s=30)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    target = maker.drop(maker.filled(), "CA", "june.xlsx", when=now - dt.timedelta(seconds=5))
    data = target.read_bytes()

    [waiting] = ingest_paths(settle, now=now)
    assert (waiting.status, waiting.file_id, waiting.original_name) == ("waiting", None, "june.xlsx")
    assert "等待 waiting" in summary_line(waiting) and "next run" in summary_line(waiting)
    assert target.read_bytes() == data  # untouched: not archived, not in the ledger, no feedback
    assert counts(settings)["submission_files"] == 0
    assert not any(settings.archive.rglob("*.*")) and not any(settings.feedback.rglob("*.xlsx"))

    [loaded] = ingest_paths(settle, now=now + dt.timedelta(seconds=26))  # settled: 31 s after the change
    assert loaded.status == "loaded" and not target.exists()
    check_invariant(settings)

    # the office's hand load (a path given) is taken at once, whatever its age
    again = maker.drop(maker.filled(period="2024-05"), "CA", "may.xlsx", when=now)
    [by_hand] = ingest_paths(settle, [again], now=now)
    assert by_hand.status == "loaded"


def test_cli_reports_waiting_files_and_exits_zero(settings, maker, home):
    maker.drop(maker.filled(), "CA", "june.xlsx")  # arrived long ago
    fresh = maker.drop(maker.filled(period="2024-05"), "CA", "may.xlsx", when=None)
    out = run_cli(home, "ingest", env_extra={"NEWINFRA_LANDING_SETTLE_SECONDS": "3600"})
    assert out.returncode == 0, out.stderr
    assert "已接收 loaded" in out.stdout and "[等待 waiting] may.xlsx" in out.stdout
    assert "共处理 1 个文件" in out.stdout and "1 个仍在上传" in out.stdout
    assert fresh.exists()
    out = run_cli(home, "ingest", "--json", env_extra={"NEWINFRA_LANDING_SETTLE_SECONDS": "3600"})
    assert [json.loads(line)["status"] for line in out.stdout.splitlines()] == ["waiting"]
