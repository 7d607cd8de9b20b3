"""Progress of long work (ingest, fetch, build, checks, report, demo, a range of months).

One object, ``Progress``, and three ways to show it, chosen by where the output goes:

- ``bar``: a live bar drawn by ``rich`` when the stream is a terminal: done / total, rate, time
  left, the current item and running counts (accepted / rejected …);
- ``lines``: one plain line every ``every_items`` items or every ``every_seconds`` seconds, and a
  last line at the end, with the same figures. This is what Airflow's task log, CI and a pipe get;
- ``quiet``: nothing (``--quiet``, ``--json``, library calls).

Progress goes to standard error, so standard output stays the command's result: ``--json`` output is
unchanged and ``newinfra ingest | head`` reads only the summary. The parts never decide how progress
is shown; they take an optional ``progress`` argument and call ``advance`` per item
(``NULL_PROGRESS`` when nobody is watching).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import IO, Literal

Mode = Literal["auto", "bar", "lines", "quiet"]

#: ``NEWINFRA_PROGRESS=lines|bar|quiet`` overrides the automatic choice (e.g. ``lines`` in a terminal
#: recording, ``quiet`` in a cron job).
ENV_MODE = "NEWINFRA_PROGRESS"


def _format_seconds(seconds: float | None) -> str:
    if seconds is None or seconds != seconds or seconds < 0:
        return "--"
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def resolve_mode(mode: Mode = "auto", stream: IO[str] | None = None) -> Mode:
    """``auto`` becomes ``bar`` on a terminal and ``lines`` elsewhere (``NEWINFRA_PROGRESS`` wins)."""
    if mode != "auto":
        return mode
    forced = os.environ.get(ENV_MODE, "").strip().lower()
    if forced in ("bar", "lines", "quiet"):
        return forced  # type: ignore[return-value]
    stream = stream if stream is not None else sys.stderr
    try:
        return "bar" if stream.isatty() else "lines"
    except (AttributeError, ValueError):
        return "lines"


class Progress:
    """Counts items done out of a known total and shows it (see the module's docstring).

    ``clock`` is injectable so that tests drive the line cadence by item counts, never by time.
    """

    def __init__(
        self,
        label: str,
        total: int,
        *,
        unit: str = "项",
        mode: Mode = "auto",
        stream: IO[str] | None = None,
        every_items: int | None = None,
        every_seconds: float | None = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label = label
        self._rich = None
        self._task = None
        self._total = max(int(total), 0)
        self.unit = unit
        self.stream = stream if stream is not None else sys.stderr
        self.mode = resolve_mode(mode, self.stream)
        # By default a line every 10% (at least every item for short work, at most every 100).
        self.every_items_default = every_items is None
        self.every_items = every_items or max(1, min(100, self.total // 10 or 1))
        self.every_seconds = every_seconds
        self.clock = clock
        self.done = 0
        self.current = ""
        self.counts: dict[str, int] = {}
        self._start = clock()
        self._last_line_at = self._start
        self._last_line_done = 0
        self._closed = False
        if self.mode == "bar":
            self._start_bar()

    # --- the figures ---------------------------------------------------------------------------
    @property
    def total(self) -> int:
        return self._total

    @total.setter
    def total(self, value: int) -> None:
        """The total may become known after the start (files found by a scan)."""
        self._total = max(int(value), 0)
        if self.mode == "lines" and self.every_items_default:
            self.every_items = max(1, min(100, self._total // 10 or 1))
        if self._rich is not None:
            self._rich.update(self._task, total=self._total or None)

    @property
    def elapsed(self) -> float:
        return max(self.clock() - self._start, 0.0)

    @property
    def rate(self) -> float | None:
        elapsed = self.elapsed
        return self.done / elapsed if elapsed > 0 and self.done else None

    @property
    def eta(self) -> float | None:
        rate = self.rate
        if not rate or not self.total:
            return None
        return max(self.total - self.done, 0) / rate

    def counts_text(self) -> str:
        return " ".join(f"{k} {v}" for k, v in self.counts.items())

    def line(self) -> str:
        """The plain line: ``[label] 120/1000 files (12%) 35.2/s ETA 25s 当前 x.xlsx | accepted 110``."""
        pct = f"{100 * self.done / self.total:.0f}%" if self.total else "--"
        rate = self.rate
        parts = [
            f"[{self.label}] {self.done}/{self.total} {self.unit} ({pct})",
            f"{rate:.1f}/s" if rate else "--/s",
            f"用时 elapsed {_format_seconds(self.elapsed)}",
            f"剩余 ETA {_format_seconds(0.0 if self.done >= self.total else self.eta)}",
        ]
        if self.current:
            parts.append(f"当前 current {self.current}")
        text = "  ".join(parts)
        if self.counts:
            text += f"  | {self.counts_text()}"
        return text

    # --- updates -------------------------------------------------------------------------------
    def advance(self, n: int = 1, item: str | None = None, counts: Mapping[str, int] | None = None) -> None:
        """``n`` more items done; ``item`` names the one just finished; ``counts`` adds to the running
        counts (``{"accepted": 1}``)."""
        self.done += n
        if item is not None:
            self.current = str(item)
        for key, value in (counts or {}).items():
            self.counts[key] = self.counts.get(key, 0) + int(value)
        if self.mode == "bar":
            self._update_bar()
        elif self.mode == "lines":
            due_items = self.done - self._last_line_done >= self.every_items
            due_time = (
                self.every_seconds is not None and self.clock() - self._last_line_at >= self.every_seconds
            )
            if (due_items or due_time) and self.done < self.total:
                self._emit()

    def set_current(self, item: str) -> None:
        """Name the item being worked on now (before it is done). In plain lines, a line every
        ``every_seconds`` while items are being worked on, so a long item is not silence."""
        self.current = str(item)
        if self.mode == "bar":
            self._update_bar()
        elif (
            self.mode == "lines"
            and self.every_seconds is not None
            and self.clock() - self._last_line_at >= self.every_seconds
        ):
            self._emit()

    def close(self) -> None:
        """The last figures: a final plain line, or the bar left at its end."""
        if self._closed:
            return
        self._closed = True
        if self.mode == "lines":
            self._emit()
        elif self.mode == "bar" and self._rich is not None:
            self._update_bar()
            self._rich.stop()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- output --------------------------------------------------------------------------------
    def _emit(self) -> None:
        self._last_line_at = self.clock()
        self._last_line_done = self.done
        try:
            print(self.line(), file=self.stream, flush=True)
        except (BrokenPipeError, ValueError):  # the reader went away: progress is not worth a crash
            self.mode = "quiet"

    def _start_bar(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.progress import (
            Progress as RichProgress,
        )

        console = Console(file=self.stream, force_terminal=True)
        self._rich = RichProgress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TextColumn("剩余"),
            TimeRemainingColumn(),
            TextColumn("{task.fields[current]}"),
            TextColumn("{task.fields[counts]}"),
            console=console,
            transient=False,
            get_time=self.clock,
        )
        self._rich.start()
        self._task = self._rich.add_task(self.label, total=self.total or None, rate="", current="", counts="")

    def _update_bar(self) -> None:
        if self._rich is None:
            return
        rate = self.rate
        self._rich.update(
            self._task,
            completed=self.done,
            rate=f"{rate:.1f}/s" if rate else "",
            current=self.current[-40:],
            counts=self.counts_text(),
        )


class _NullProgress(Progress):
    """Accepts every call and shows nothing: the default for library callers."""

    def __init__(self) -> None:
        super().__init__("", 0, mode="quiet")

    def advance(self, n: int = 1, item: str | None = None, counts: Mapping[str, int] | None = None) -> None:
        pass

    def set_current(self, item: str) -> None:
        pass


NULL_PROGRESS = _NullProgress()


def progress_factory(quiet: bool = False, mode: Mode = "auto") -> Callable[..., Progress]:
    """What a command passes down: ``factory(label, total, unit=...)`` → a ``Progress``, quiet
    when the command was asked for ``--quiet`` or ``--json``."""

    def make(label: str, total: int, **kwargs) -> Progress:
        return Progress(label, total, mode="quiet" if quiet else mode, **kwargs)

    return make


@contextmanager
def tracked(label: str, items: list, *, unit: str = "项", quiet: bool = False) -> Iterator[Progress]:
    """``with tracked("报告包", files) as p: ... p.advance(item=f)``: a Progress closed at the end."""
    progress = Progress(label, len(items), unit=unit, mode="quiet" if quiet else "auto")
    try:
        yield progress
    finally:
        progress.close()
