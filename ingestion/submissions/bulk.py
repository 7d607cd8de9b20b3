"""The bulk path of a big run (``PARALLEL_MIN_FILES`` files or more): worker processes parse files
ahead and write feedback workbooks while the loader validates and loads in arrival order, and
commits run in a background thread on two DuckDB cursors used in turn. The results are the same
as file by file (tested); ``benchmarks/bench_ingest.py`` measures what it buys."""

from __future__ import annotations

from ingestion.submissions.archive import Prepared, prepare_file


def worker_init() -> None:
    from newinfra.plan import load_plan

    load_plan()


def prepare_many(jobs: list[tuple]) -> list[Prepared | Exception]:
    """:func:`_prepare_file` for a few files in one task (fewer messages between the processes); a
    file that fails gives its exception, and the loader prepares that one itself."""
    out: list[Prepared | Exception] = []
    for job in jobs:
        try:
            out.append(prepare_file(*job))
        except Exception as exc:
            out.append(exc)
    return out


def feedback_many(jobs: list[tuple], timezone: str) -> list[int]:
    """Write a few feedback workbooks in one task; returns the indexes of those that failed (the loader
    writes them itself)."""
    from ingestion.submissions.feedback import write_feedback
    from newinfra.plan import load_plan

    failed = []
    for i, args in enumerate(jobs):
        try:
            write_feedback(*args, load_plan(), timezone)
        except Exception:
            failed.append(i)
    return failed


class Redo(Exception):
    """The previous file's commit failed after this file was checked against it: check it again."""


class Commits:
    """Commits in a background thread, at most one in flight, on two connections used in turn (a file
    is staged on one while the other commits; the commit's disk flush releases the GIL).

    A connection's next transaction is opened as soon as its commit is done and before the next
    commit is handed to the thread (:meth:`begin_next`): DuckDB makes a ``begin`` wait while another
    connection commits (measured: about half a millisecond a file, more when the disk is busy)."""

    def __init__(self, con, background: bool) -> None:
        self.background = background
        # staging connections of their own (cursors: same database, own settings), without DuckDB's
        # optimizer: a file's inserts have nothing to optimise, and planning is most of their cost
        # (measured: about a fifth less CPU per file); queries keep the optimizer on ``con``
        self.cons = [con.cursor() for _ in range(2 if background else 1)]
        for cursor in self.cons:
            cursor.execute("pragma disable_optimizer")
        self.open = [False] * len(self.cons)  # a transaction is open on that connection
        self.turn = 0
        self.thread = None
        self.pending = None  # (future, payload)

    def connection(self):
        return self.cons[self.turn]

    def needs_begin(self) -> bool:
        return not self.open[self.turn]

    def staged(self) -> None:
        self.open[self.turn] = True

    def rolled_back(self) -> None:
        self.open[self.turn] = False

    def begin_next(self) -> None:
        """Open the other connection's next transaction now, while no commit is in flight."""
        other = 1 - self.turn
        if not self.background or self.open[other]:
            return
        try:
            self.cons[other].execute("begin transaction")
        except Exception:  # the next stage opens it instead
            return
        self.open[other] = True

    def submit(self, con, file_id: str, payload) -> None:
        from concurrent.futures import Future

        from ingestion.submissions import store

        self.open[self.turn] = False  # the commit ends the transaction, whatever its outcome
        if self.background:
            if self.thread is None:
                from concurrent.futures import ThreadPoolExecutor

                self.thread = ThreadPoolExecutor(1, thread_name_prefix="ingest-commit")
            future = self.thread.submit(store.commit_file, con, file_id)
            self.turn = 1 - self.turn
        else:
            future = Future()
            try:
                store.commit_file(con, file_id)
                future.set_result(None)
            except Exception as exc:
                future.set_exception(exc)
        self.pending = (future, payload)

    def wait(self):
        """(payload, exception or None) of the commit in flight, once it is done; None if none."""
        if self.pending is None:
            return None
        future, payload = self.pending
        self.pending = None
        try:
            future.result()
        except Exception as exc:
            return payload, exc
        return payload, None

    def close(self) -> None:
        from ingestion.submissions import store

        if self.thread is not None:
            self.thread.shutdown(wait=True)
            self.thread = None
        for con, is_open in zip(self.cons, self.open, strict=True):
            if is_open:  # an opened, empty transaction
                store.rollback_quietly(con)
            con.close()
        self.cons = []
        self.open = []
        self.background = False
        self.turn = 0


def make_pool(workers: int):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # spawn: the workers share nothing with this process (no inherited DuckDB handle or lock)
    return ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("spawn"), initializer=worker_init
    )
