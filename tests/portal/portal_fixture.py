"""The portal tests' raw rows (tests/portal/conftest.py builds a home from them once per session).

The raw rows are the demo curves for 2023-12 .. 2024-06 (tests/dbt/dbt_rawdata.py), plus what the
portal must show: a revision (version 2) of one month, a partially loaded file with a rejected row
that a later file resolves and one that nothing resolves, a quarantined file, and synthetic public
figures.
"""

from __future__ import annotations

import datetime as dt
import sys

from newinfra.settings import PROJECT_ROOT, Settings

PERIOD = "2024-06"
REVISED = ("CA", "2024-05")  # a second version of this department's month
RESOLVED = ("BDB", "2024-04")  # a rejected row, then a corrected file
OPEN_ROW = ("BDB", "2024-06")  # a rejected row, nothing after it
OPEN_FILE = ("HEALTH", "2024-06")  # a quarantined file, nothing after it
PUBLIC_INDICATOR = "g5_base_stations"

sys.path.insert(0, str(PROJECT_ROOT / "tests" / "dbt"))
import dbt_rawdata as R  # noqa: E402

sys.path.pop(0)


def _reject(con, file_id: str, row: int, column: str, value: str, reason: str) -> None:
    con.execute(
        "insert into raw.submission_rejections (file_id, sheet_name, row_number, column_name, column_letter,"
        " value_as_written, reason_code, reason_zh, reason_en)"
        " values (?, '指标', ?, ?, 'E', ?, 'bad_number', ?, 'not a number')",
        [file_id, row, column, value, reason],
    )


def load_portal_raw(settings: Settings) -> dict[str, str]:
    from newinfra import db

    ids: dict[str, str] = {}
    with db.writer(settings) as con:
        R.load_demo_raw(con, "2023-12", PERIOD)
        # a revision: CA sends May again, one figure changed
        dept, period = REVISED
        rows = con.execute(
            "select indicator_id, prefecture_code, value from raw.submission_values v "
            "join raw.submission_files f using (file_id) where f.department_code = ? and f.period = ?",
            [dept, period],
        ).fetchall()
        rows = [(i, p, v + 100 if (i, p) == ("g5_base_stations", "GY") else v) for i, p, v in rows]
        ids["revised"] = R.submit(con, dept, period, rows, version=2, days_after_end=15)
        # a rejected row in BDB's April file, then a corrected file (version 2)
        dept, period = RESOLVED
        first = con.execute(
            "select file_id from raw.submission_files where department_code = ? and period = ?",
            [dept, period],
        ).fetchone()[0]
        con.execute("update raw.submission_files set status = 'partially_loaded', rows_rejected = 1 "
                    "where file_id = ?", [first])  # fmt: skip
        _reject(con, first, 40, "本月末累计", "十二", "数值无法识别")
        rows = con.execute(
            "select indicator_id, prefecture_code, value from raw.submission_values where file_id = ?",
            [first],
        ).fetchall()
        ids["resolving"] = R.submit(con, dept, period, rows, version=2, days_after_end=9)
        ids["resolved_rejection_file"] = first
        # a rejected row in BDB's June file and nothing after it
        dept, period = OPEN_ROW
        fid = con.execute(
            "select file_id from raw.submission_files where department_code = ? and period = ?",
            [dept, period],
        ).fetchone()[0]
        con.execute("update raw.submission_files set status = 'partially_loaded', rows_rejected = 1 "
                    "where file_id = ?", [fid])  # fmt: skip
        _reject(con, fid, 41, "本月末累计", "-5", "数值不能为负")
        ids["open_row_file"] = fid
        # a quarantined HEALTH file for June, after its accepted one
        dept, period = OPEN_FILE
        qid = R.file_id_for("quarantined", dept, period)
        R.insert_file(
            con, file_id=qid, department=dept, period=period, version=None,
            received_at=R.received(period, 20), status="quarantined",
        )  # fmt: skip
        con.execute(
            "update raw.submission_files set quarantine_reason_code = 'bad_signature', "
            "quarantine_reason_zh = '模板签名无效', quarantine_reason_en = 'bad signature' where file_id = ?",
            [qid],
        )
        ids["quarantined"] = qid
        # synthetic public figures for one indicator (every prefecture row of CA's June file)
        for pref, value in con.execute(
            "select prefecture_code, value from raw.submission_values v join raw.submission_files f using (file_id) "
            "where f.department_code = 'CA' and f.period = ? and v.indicator_id = ?",
            [PERIOD, PUBLIC_INDICATOR],
        ).fetchall():
            R.insert_public(con, indicator=PUBLIC_INDICATOR, prefecture=pref, period=PERIOD,
                            value=value * (1.2 if pref == "GY" else 1.0))  # fmt: skip
        cols = {r[0] for r in con.execute("describe raw.submission_files").fetchall()}
        if "content_sha256" in cols:
            con.execute(
                "update raw.submission_files set content_sha256 = file_id where content_sha256 is null"
            )
    return ids


def received(period: str, days: int) -> dt.datetime:
    return R.received(period, days)
