"""Progress of long work: a rich bar on a terminal, plain lines in a pipe, nothing when quiet.

The terminal case runs a child process under a real pseudo-terminal (``pty``); the cadence of plain
lines is driven by item counts and an injected clock, never by the wall clock."""

from __future__ import annotations

import io
import os
import pty
import re
import subprocess
import sys
import textwrap

from newinfra.progress import NULL_PROGRESS, Progress, resolve_mode

CHILD = textwrap.dedent(
    """
    from newinfra.progress import Progress
    with Progress("采集 ingest", 8, unit="files") as p:
        for i in range(8):
            p.advance(item=f"f{i}.xlsx", counts={"accepted": 1})
    print("RESULT-ON-STDOUT")
    """
)


def _run_under_pty(code: str) -> str:
    """Run ``python -c code`` with stdin/stdout/stderr on a pseudo-terminal; return what it drew."""
    main, child = pty.openpty()
    env = {**os.environ, "COLUMNS": "160"}
    env.pop("NEWINFRA_PROGRESS", None)
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=child, stdout=child, stderr=child, env=env)
    os.close(child)
    chunks = []
    while True:
        try:
            data = os.read(main, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=60)
    os.close(main)
    assert proc.returncode == 0
    return b"".join(chunks).decode("utf-8", "replace")


def test_a_terminal_gets_a_bar_that_ends_at_100_percent():
    drawn = _run_under_pty(CHILD)
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", drawn)
    assert "━" in plain  # rich's bar
    assert "8/8" in plain and "100%" in plain
    assert "accepted 8" in plain
    assert "[采集 ingest]" not in plain  # not the plain-line format
    assert "RESULT-ON-STDOUT" in plain


def test_a_pipe_gets_plain_lines_on_stderr_and_stdout_stays_clean():
    env = {k: v for k, v in os.environ.items() if k != "NEWINFRA_PROGRESS"}
    out = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0
    assert out.stdout == "RESULT-ON-STDOUT\n"
    lines = out.stderr.splitlines()
    assert lines[-1].startswith("[采集 ingest] 8/8 files (100%)")
    assert "accepted 8" in lines[-1] and "当前 current f7.xlsx" in lines[-1]
    assert "\x1b[" not in out.stderr  # no terminal codes in a log


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_lines_every_n_items_with_rate_and_eta_from_the_clock():
    stream, clock = io.StringIO(), FakeClock()
    p = Progress(
        "月份", 10, unit="months", mode="lines", stream=stream, every_items=4, every_seconds=None, clock=clock
    )
    for _ in range(10):
        clock.now += 2.0  # 2 s per month: 0.5/s, 5 months left after 5 -> 10 s
        p.advance(item="x")
        if p.done == 5:
            assert p.eta == 10.0
    p.close()
    lines = stream.getvalue().splitlines()
    assert [line.split()[1] for line in lines] == ["4/10", "8/10", "10/10"]
    assert "0.5/s" in lines[0] and "剩余 ETA 12s" in lines[0]  # 6 left at 0.5/s
    assert "剩余 ETA 0s" in lines[-1] and "(100%)" in lines[-1]


def test_lines_every_few_seconds_even_between_item_steps():
    stream, clock = io.StringIO(), FakeClock()
    p = Progress("x", 1000, mode="lines", stream=stream, every_items=500, every_seconds=5.0, clock=clock)
    p.advance()
    clock.now += 6.0
    p.advance()  # 2 items, but 6 s since the last line
    p.advance()
    assert stream.getvalue().splitlines()[0].startswith("[x] 2/1000")
    assert len(stream.getvalue().splitlines()) == 1


def test_quiet_prints_nothing_and_the_null_progress_keeps_no_state():
    stream = io.StringIO()
    with Progress("x", 3, mode="quiet", stream=stream) as p:
        p.advance(3)
    assert stream.getvalue() == ""
    NULL_PROGRESS.advance(5, counts={"accepted": 5})
    assert NULL_PROGRESS.done == 0 and NULL_PROGRESS.counts == {}


def test_the_environment_can_force_a_mode(monkeypatch):
    monkeypatch.setenv("NEWINFRA_PROGRESS", "quiet")
    assert resolve_mode("auto", io.StringIO()) == "quiet"
    monkeypatch.delenv("NEWINFRA_PROGRESS")
    assert resolve_mode("auto", io.StringIO()) == "lines"
    assert resolve_mode("bar", io.StringIO()) == "bar"


def test_naming_the_current_item_prints_a_line_when_the_interval_has_passed():
    stream, clock = io.StringIO(), FakeClock()
    p = Progress("dags", 4, mode="lines", stream=stream, every_items=4, every_seconds=5.0, clock=clock)
    p.set_current("transform · dbt_build")
    assert stream.getvalue() == ""  # no time has passed
    clock.now += 6.0
    p.set_current("transform · publish")
    assert stream.getvalue().splitlines() == [p.line()]
    assert "当前 current transform · publish" in stream.getvalue()
