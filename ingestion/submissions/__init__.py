"""Department submissions: templates in, validated rows out, with a ledger, rejections and feedback.

Entry point: :func:`ingest_paths` (the Airflow DAG and `newinfra ingest` call it). This module only
re-exports; the work is split by job: ``landing`` (which files, from whom, when), ``archive`` (hash and
keep the bytes), ``ingest`` (the run: checks, load, ledger, feedback), ``bulk`` (worker processes and
background commits of big runs), ``results`` (what the run says per file), ``readers`` (xlsx/csv to
rows), ``rules`` (row and metadata rules), ``signature``, ``paths``, ``constants`` (layout and reasons), ``store`` (the warehouse's side), ``feedback`` and ``template``.

Write mode: append-only, one DuckDB transaction per file (values, projects, rejections, ledger row).
A later file for the same department and period gets the next ``version`` and supersedes the earlier
one downstream (dbt: latest version wins per key); nothing is deleted.

For each file, in order (all of it under ``db.writer``, the warehouse file lock):

0. a landing file changed less than ``NEWINFRA_LANDING_SETTLE_SECONDS`` ago (default 30) may still be
   being uploaded (SFTP clients write under the final name): it is left as it is, reported as
   ``waiting``, and the next run takes it (files named by hand are taken at once);
1. hash (sha256) and archive it untouched: ``archive/<sha[:2]>/<sha>.<xlsx|csv|bin>`` (temp + rename);
2. the same receipt seen before (bytes, sender, name, arrival) is a no-op; bytes already loaded, or
   already quarantined for this sender, are recorded as ``duplicate``;
3. file checks -> the whole file to ``quarantine/<sender>/<sha>.<ext>`` with ``<sha>.reason.txt``:
   sender (landing root, unknown folder), size, format, zip bomb, encoding, metadata (template,
   version, department, spoof, period, signature, future period), sheets and headers, no rows;
4. row checks -> a row alone is rejected with its reason (``rules.validate``);
5. load in one transaction, then write the feedback workbook;
6. at the end of the run (still under the lock): one ``os.sync()`` for the archive, then the handled
   files leave the landing folder (the archive is the permanent copy), so the landing folder holds
   only what is not yet processed. A crash before that leaves them there, and the next run sees
   exact replays (nothing changes; a missing feedback workbook is written again from the warehouse).

Big runs (``PARALLEL_MIN_FILES`` and more) parse ahead and write feedback in worker processes while
this process validates and loads in arrival order; the results are identical (tested).

``received_at`` is the file's modification time in the landing folder (when it was put there),
capped at now, in UTC; ``is_late`` compares its local date (``NEWINFRA_TIMEZONE``) with
``periods.due_date(period, NEWINFRA_ON_TIME_DAYS)``. The demo generator sets mtimes to simulate
arrivals, which keeps lateness deterministic.
"""

from __future__ import annotations

from ingestion.submissions.ingest import ingest_paths
from ingestion.submissions.results import FileResult, summary_line

__all__ = ["FileResult", "ingest_paths", "summary_line"]
