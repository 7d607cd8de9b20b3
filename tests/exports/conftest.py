"""Fixtures of the report tests: the hand-made ReportData (report_fixtures.py), a real pipeline home
(raw fixture -> dbt build -> publish -> Soda) built once per session, and a real SMTP server
(aiosmtpd) on 127.0.0.1 for the delivery tests."""

from __future__ import annotations

import datetime as dt
import shutil
import sys
from pathlib import Path

import pytest
from report_fixtures import HOSTILE_PROJECT, LATE, MISSING, PERIOD, free_port, make_report_data

from exports.model import ReportData
from newinfra.settings import PROJECT_ROOT, Settings


@pytest.fixture()
def report_data() -> ReportData:
    return make_report_data()


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append((list(envelope.rcpt_tos), envelope.original_content or envelope.content))
        return "250 OK"


@pytest.fixture()
def smtp_server():
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    inbox = _Inbox()
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=auth_data.password == b"secret-pw")

    port = free_port()
    controller = Controller(
        inbox, hostname="127.0.0.1", port=port, authenticator=authenticator, auth_require_tls=False
    )
    controller.start()
    try:
        yield port, inbox, logins
    finally:
        controller.stop()


# --- the pipeline, once per session ------------------------------------------------------------------
def _load_raw(settings: Settings) -> None:
    sys.path.insert(0, str(PROJECT_ROOT / "tests" / "dbt"))
    try:
        import dbt_rawdata as R
    finally:
        sys.path.pop(0)
    from newinfra import db

    with db.writer(settings) as con:
        R.load_demo_raw(con, "2023-12", PERIOD)
        # one department late, one missing in the report's month
        con.execute(
            "update raw.submission_files set received_at = ? where department_code = ? and period = ?",
            [R.received(PERIOD, 12), LATE, PERIOD],
        )
        ids = [r[0] for r in con.execute(
            "select file_id from raw.submission_files where department_code = ? and period = ?", [MISSING, PERIOD]
        ).fetchall()]  # fmt: skip
        for fid in ids:
            con.execute("delete from raw.submission_values where file_id = ?", [fid])
            con.execute("delete from raw.submission_files where file_id = ?", [fid])
        # major projects (one with a name that a spreadsheet would run as a formula)
        for code, name, total in (
            ("XJ-2024-001", HOSTILE_PROJECT, 120e8),
            ("XJ-2024-002", "贵安超算中心二期", 80e8),
        ):
            con.execute(
                "insert into raw.project_registry values (?, ?, 'compute', 'BDB', 'GA', ?, 2022, 2024, null, ?)",
                [code, name, total, dt.datetime(2022, 1, 5)],
            )
        fid = con.execute(
            "select file_id from raw.submission_files where department_code = 'BDB' and period = ?", [PERIOD]
        ).fetchone()[0]
        for i, (code, month, cum) in enumerate((("XJ-2024-001", 2e8, 88e8), ("XJ-2024-002", 1e8, 30e8))):
            R.insert_project(
                con, file_id=fid, department="BDB", period=PERIOD, project_code=code, total_yuan=None,
                this_month_yuan=month, cumulative_yuan=cum, row_number=100 + i, prefecture="GA",
            )  # fmt: skip
        con.execute("update raw.submission_files set rows_accepted = rows_accepted + 2, rows_total = rows_total + 2 "
                    "where file_id = ?", [fid])  # fmt: skip
        # May's report was published; then the broadband department revised a May figure
        R.insert_publication(con, "2024-05", dt.datetime(2024, 6, 6, 2, 0))
        may = dict(
            con.execute(
                "select indicator_id || '|' || prefecture_code, value from raw.submission_values v "
                "join raw.submission_files f using (file_id) where f.department_code = 'CA' and f.period = '2024-05'"
            ).fetchall()
        )
        rows = [(*k.split("|"), v) for k, v in may.items()]
        rows = [(i, p, v + 500 if (i, p) == ("g5_base_stations", "GY") else v) for i, p, v in rows]
        R.submit(con, "CA", "2024-05", rows, version=2, days_after_end=20, is_after_publication=True)
        # a remark (备注) beside a reported row and a department's contact (填报人, 联系电话), as
        # ingestion stores them (docs/architecture.md, Remarks and contacts)
        con.execute(
            "update raw.submission_values set note = '部分基站待验收' where indicator_id = 'g5_base_stations' "
            "and prefecture_code = 'GY' and file_id in "
            "(select file_id from raw.submission_files where department_code = ? and period = ?)",
            [LATE, PERIOD],
        )
        con.execute(
            "update raw.submission_files set contact_name = '张三', contact_phone = '13800000000', "
            "contact_phone_as_written = '13800000000' where department_code = ?",
            [LATE],
        )
        # the fixture writes raw rows directly; give them the content hash the loader would
        cols = {r[0] for r in con.execute("describe raw.submission_files").fetchall()}
        if "content_sha256" in cols:
            con.execute(
                "update raw.submission_files set content_sha256 = file_id where content_sha256 is null"
            )


@pytest.fixture(scope="session")
def pipeline_home(seeded_home_template, tmp_path_factory) -> Path:
    """A home with the raw fixture, built, published and checked for PERIOD (no package yet)."""
    import quality
    from newinfra import transform

    home = tmp_path_factory.mktemp("report_pipeline") / "home"
    shutil.copytree(seeded_home_template, home, ignore=shutil.ignore_patterns("dbt"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NEWINFRA_HOME", str(home))
        settings = Settings.from_env()
        _load_raw(settings)
        transform.build(settings, period=PERIOD)
        transform.publish_marts(settings)
        run = quality.run_checks(settings, PERIOD)
        assert not run.is_blocked, [f"{r.contract}:{r.check_name} {r.message}" for r in run.blocking_failures]
    return home
