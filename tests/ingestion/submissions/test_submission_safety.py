"""Safety: a crash inside the load leaves nothing half-loaded (exception, and a killed process); two
concurrent ingests both land; spoofed and tampered files are quarantined with their reasons."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap

import openpyxl
import pytest
from submission_helpers import ON_TIME, PERIOD, check_invariant, counts, query, set_mtime

from ingestion.submissions import constants, ingest_paths, store

EMPTY = {"submission_files": 0, "submission_values": 0, "submission_projects": 0, "submission_rejections": 0}


def _bad_and_good(maker):
    """A file with accepted and rejected rows, so every insert of the load has something to write."""
    return maker.filled(overrides={("g5_base_stations", "GY"): "约15万"})


@pytest.mark.parametrize("stage", ["values", "projects", "rejections", "ledger"])
def test_exception_inside_the_load_leaves_nothing(settings, maker, monkeypatch, stage):
    landed = maker.drop(_bad_and_good(maker), "CA")

    def explode(at):
        if at == stage:
            raise RuntimeError(f"simulated failure after the {at} insert")

    monkeypatch.setattr(store, "between_inserts", explode)
    [result] = ingest_paths(settings)
    assert result.status == "error" and "simulated failure" in result.error
    assert counts(settings) == EMPTY  # rolled back: no partial rows
    assert landed.exists()  # not handled: stays in the landing folder
    assert not list(settings.feedback.rglob("*.xlsx"))

    monkeypatch.setattr(store, "between_inserts", None)
    [again] = ingest_paths(settings)
    assert again.status == "partially_loaded" and again.rows_accepted == 41 and again.rows_rejected == 1
    assert counts(settings) == {
        "submission_files": 1, "submission_values": 41, "submission_projects": 0, "submission_rejections": 1,
    }  # fmt: skip
    assert not landed.exists()
    check_invariant(settings)


def test_killed_process_mid_load_leaves_nothing_then_rerun_loads_all(settings, maker, home):
    landed = maker.drop(_bad_and_good(maker), "CA")
    script = textwrap.dedent(
        """
        import os, sys
        sys.path.insert(0, os.getcwd())
        from ingestion.submissions import ingest_paths, store
        def die(stage):
            if stage == "rejections":
                os._exit(17)  # killed between two inserts of one transaction
        store.between_inserts = die
        ingest_paths()
        """
    )
    env = {**os.environ, "NEWINFRA_HOME": str(home)}
    from newinfra.settings import PROJECT_ROOT

    child = subprocess.run([sys.executable, "-c", script], env=env, cwd=PROJECT_ROOT, timeout=120)
    assert child.returncode == 17
    assert counts(settings) == EMPTY
    assert landed.exists()
    [result] = ingest_paths(settings)
    assert result.status == "partially_loaded" and result.rows_total == 42
    assert counts(settings)["submission_values"] == 41
    check_invariant(settings)


def test_two_concurrent_ingests_both_land(settings, maker, home, tmp_path):
    files = {}
    for dept in ("CA", "BDB"):
        folder = tmp_path / f"drop_{dept}"
        folder.mkdir()
        path = folder / "报送.xlsx"
        path.write_bytes(maker.filled(dept).read_bytes())
        set_mtime(path, ON_TIME)
        files[dept] = path
    env = {**os.environ, "NEWINFRA_HOME": str(home)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "pipeline.cli", "ingest", str(path), "--department", dept, "--json"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for dept, path in files.items()
    ]
    outputs = [p.communicate(timeout=300) for p in procs]
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
        [result] = [json.loads(line) for line in out.splitlines()]
        assert result["status"] == "loaded"
    rows = query(
        settings,
        "select department_code, status, rows_total, rows_accepted from raw.submission_files order by 1",
    )
    n_bdb = query(settings, "select count(*) from raw.submission_values where department_code = 'BDB'")[0][0]
    assert rows == [("BDB", "loaded", n_bdb, n_bdb), ("CA", "loaded", 42, 42)]
    check_invariant(settings)


def test_spoofed_files_are_quarantined_with_their_reason(settings, maker):
    maker.drop(maker.filled("BDB"), "CA", "冒名.xlsx")  # metadata names BDB, sent from CA's folder
    maker.drop(maker.filled("CA"), None, "根目录.xlsx")  # at the landing root: no sender
    results = {r.original_name: r for r in ingest_paths(settings)}
    spoof, root = results["冒名.xlsx"], results["根目录.xlsx"]
    assert spoof.status == root.status == "quarantined"
    assert spoof.quarantine_reason_code == "spoof_department_mismatch"
    assert "BDB" in spoof.quarantine_reason_zh and "CA" in spoof.quarantine_reason_zh
    assert spoof.department_code == "CA" and spoof.sender_department_code == "CA"  # the sender's file
    assert root.quarantine_reason_code == "spoof_landing_root" and root.sender_department_code is None
    assert (settings.quarantine / "CA" / f"{spoof.content_sha256}.reason.txt").exists()
    assert (settings.quarantine / "_unknown" / f"{root.content_sha256}.reason.txt").exists()
    # the sender gets feedback explaining why
    wb = openpyxl.load_workbook(settings.home / spoof.feedback_path)
    text = [c.value for row in wb[constants.FEEDBACK_SHEET_SUMMARY].iter_rows() for c in row if c.value]
    assert spoof.quarantine_reason_zh in text and spoof.quarantine_reason_en in text
    assert spoof.feedback_path.startswith(f"feedback/CA/{PERIOD}/反馈_CA_{PERIOD}_")
    assert counts(settings)["submission_values"] == 0


def test_tampered_metadata_is_quarantined(settings, maker):
    path = maker.filled()
    wb = openpyxl.load_workbook(path)
    ws = wb[constants.SHEET_META]
    ws.sheet_state = "visible"  # someone unhid the metadata sheet and moved the file to last month
    for r in range(1, ws.max_row + 1):
        if ws.cell(r, 1).value == constants.META_PERIOD:
            ws.cell(r, 2).value = "2024-05"
    wb.save(path)
    maker.drop(path, "CA")
    [result] = ingest_paths(settings)
    assert result.status == "quarantined" and result.quarantine_reason_code == "signature_mismatch"
    assert "签名" in result.quarantine_reason_zh and "signature" in result.quarantine_reason_en
    assert counts(settings)["submission_values"] == 0


def test_another_secret_means_every_signature_fails(settings, maker):
    import dataclasses

    maker.drop(maker.filled(), "CA")
    [result] = ingest_paths(dataclasses.replace(settings, template_secret="rotated"))
    assert result.quarantine_reason_code == "signature_mismatch"


@pytest.mark.parametrize("background", [True, False])
def test_a_failed_commit_leaves_nothing_and_later_files_are_decided_without_it(
    settings, maker, monkeypatch, background
):
    """Commits run in the background while the next file is staged: when one fails, that file is an
    error (no rows, stays in the landing folder, no feedback) and the file staged after it is checked
    again without it (here: its revision takes version 1, not 2)."""
    monkeypatch.setattr(constants, "BACKGROUND_COMMITS", background)
    first = maker.drop(maker.filled(), "CA", name="a.xlsx", when=ON_TIME)
    revision = maker.drop(
        _bad_and_good(maker), "CA", name="b.xlsx", when=ON_TIME.replace(hour=ON_TIME.hour + 1)
    )
    first_sha = hashlib.sha256(first.read_bytes()).hexdigest()

    def refuse(file_id):
        if file_id == first_sha:
            raise RuntimeError("simulated commit failure")

    monkeypatch.setattr(store, "before_commit", refuse)
    a, b = ingest_paths(settings)
    assert a.status == "error" and "simulated commit failure" in a.error
    assert (b.status, b.version) == ("partially_loaded", 1)
    assert query(settings, "select original_name, version from raw.submission_files") == [("b.xlsx", 1)]
    assert first.exists() and not revision.exists()
    assert [p.name for p in settings.feedback.rglob("*.xlsx")] == ["反馈_CA_2024-06_v1.xlsx"]
    check_invariant(settings)

    monkeypatch.setattr(store, "before_commit", None)
    [again] = ingest_paths(settings)
    assert (again.original_name, again.status, again.version) == ("a.xlsx", "loaded", 2)
    assert not first.exists()
    check_invariant(settings)


def test_a_failing_insert_in_the_combined_stage_rolls_back_the_file(settings):
    """Without test hooks the inserts go to DuckDB in one call: a failure inside it leaves nothing and
    the connection free for the next file."""
    import duckdb

    from newinfra import db

    ledger = {
        "file_id": "f" * 64, "content_sha256": "f" * 64, "original_name": "x.xlsx",
        "archive_path": "archive/ff/x.xlsx", "file_format": "xlsx", "status": "loaded",
        "received_at": ON_TIME,
    }  # fmt: skip
    good = (
        "f" * 64,
        constants.SHEET_INDICATORS,
        4,
        "CA",
        PERIOD,
        "g5_base_stations",
        "GY",
        1.0,
        "1",
        False,
        None,
        None,
        None,  # unit_as_written
        None,  # note
    )
    bad = good[:2] + (5,) + good[3:5] + (None,) + good[6:]  # indicator_id is not null
    rejection = (
        "f" * 64,
        constants.SHEET_INDICATORS,
        6,
        "列",
        "G",
        "x",
        "not_a_number",
        "不是数字",
        "not a number",
        None,  # note
    )
    with db.writer(settings) as con:
        with pytest.raises(duckdb.Error):
            store.stage_file(con, ledger, [good, bad], [], [rejection])
        store.stage_file(con, ledger, [good], [], [rejection])  # the connection is usable again
        store.commit_file(con, ledger["file_id"])
    assert counts(settings) == {
        "submission_files": 1, "submission_values": 1, "submission_projects": 0, "submission_rejections": 1,
    }  # fmt: skip


def test_a_failed_commit_on_the_second_connection_leaves_the_next_file_correct(settings, maker, monkeypatch):
    """Files alternate between two connections: when the second file's commit fails, the third (staged
    on the first connection meanwhile) is rolled back and checked again against the warehouse."""
    names = ("a.xlsx", "b.xlsx", "c.xlsx")
    landed = [
        maker.drop(
            maker.filled(overrides={("g5_base_stations", "GY"): 1000 + i}),
            "CA",
            name=name,
            when=ON_TIME.replace(hour=ON_TIME.hour + i),
        )
        for i, name in enumerate(names)
    ]
    second_sha = hashlib.sha256(landed[1].read_bytes()).hexdigest()

    def refuse(file_id):
        if file_id == second_sha:
            raise RuntimeError("simulated commit failure")

    monkeypatch.setattr(store, "before_commit", refuse)
    a, b, c = ingest_paths(settings)
    assert [(r.status, r.version) for r in (a, b, c)] == [("loaded", 1), ("error", None), ("loaded", 2)]
    assert not c.is_replay
    rows = query(settings, "select original_name, version from raw.submission_files order by version")
    assert rows == [("a.xlsx", 1), ("c.xlsx", 2)]
    assert [p.exists() for p in landed] == [False, True, False]
    check_invariant(settings)
