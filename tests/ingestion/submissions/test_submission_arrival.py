"""Issue 16.5: the platform's clock decides lateness. received_at is the scan that found the file
complete; the sender's mtime is kept for information; a backlog's arrival is declared and marked so."""

from __future__ import annotations

import datetime as dt

from submission_helpers import LATE, ON_TIME, query

from ingestion.submissions import ingest_paths
from ingestion.submissions.arrivals import ARRIVALS_DIR, append_manifest

SCAN = dt.datetime(2024, 8, 20, 2, 0, 0)  # the scan, in August: after the 2024-07-05 deadline


def test_a_file_stamped_early_but_received_late_is_late(settings, maker):
    maker.drop(maker.filled(), "CA", "报送.xlsx", ON_TIME, declare=False)  # mtime 3 July, as a client sets it
    [result] = ingest_paths(settings, now=SCAN)
    assert result.received_at == SCAN and result.received_at_source == "scan"
    assert result.sender_mtime == ON_TIME  # kept, for information only
    assert result.is_late is True
    row = query(
        settings, "select received_at, sender_mtime, received_at_source, is_late from raw.submission_files"
    )
    assert row == [(SCAN, ON_TIME, "scan", True)]


def test_a_declared_arrival_is_used_and_marked(settings, maker):
    maker.drop(maker.filled(), "CA", "报送.xlsx", LATE)  # declared in arrivals/tests.csv
    [result] = ingest_paths(settings, now=SCAN)
    assert (result.received_at, result.received_at_source) == (LATE, "declared")
    assert "tests.csv" in result.received_at_basis


def test_a_declaration_for_other_bytes_does_not_apply(settings, maker):
    path = maker.drop(maker.filled(), "CA", "报送.xlsx", None)
    append_manifest(settings.home / ARRIVALS_DIR / "log.csv", "CA/报送.xlsx", "0" * 64, ON_TIME, "upload log")
    path.touch()
    [result] = ingest_paths(settings, now=SCAN)
    assert (result.received_at, result.received_at_source) == (SCAN, "scan") and result.is_late


def test_the_operator_declares_a_backlog_by_hand(settings, maker, tmp_path, capsys):
    from pipeline import cli

    outside = tmp_path / "backlog.xlsx"
    outside.write_bytes(maker.filled().read_bytes())
    args = ["ingest", str(outside), "--department", "CA", "--received-at"]
    assert cli.main([*args, "2024-07-03T10:00+08:00"]) == 0, capsys.readouterr().err
    assert query(settings, "select received_at, received_at_source, is_late from raw.submission_files") == [
        (dt.datetime(2024, 7, 3, 2, 0), "declared", False)
    ]
    capsys.readouterr()
    assert cli.main([*args, "2024-07-03 10:00"]) == 2  # no UTC offset: refused, not guessed
    err = capsys.readouterr().err
    assert "带时区" in err and "Traceback" not in err
