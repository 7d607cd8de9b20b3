"""The demo types remarks on some rows and a contact on every file; the real ingester stores them
(a phone written without its area code is flagged, not completed)."""

from __future__ import annotations

import duckdb

from demo import settings as S
from demo.generate import generate, read_manifest
from demo.remarks import contact
from demo.scenario import build_scenario
from ingestion.submissions import ingest_paths
from newinfra.plan import load_plan


def test_every_demo_file_names_its_contact_and_some_rows_carry_remarks(home, settings):
    from ingestion.projects import load_projects

    scenario = build_scenario(
        load_plan(), S.DEFAULT_SEED, S.LAST_PERIOD, settings.on_time_days, settings.timezone
    )
    generate(home, periods=[S.LAST_PERIOD], settings=settings, workers=1)
    manifest = read_manifest(home)
    load_projects(settings, home / manifest["project_library"]["path"])
    results = ingest_paths(settings, workers=0)
    assert len(results) == len(manifest["files"]) >= 10
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        files = con.execute(
            "select department_code, file_format, contact_name, contact_phone, contact_phone_flag_zh "
            "from raw.submission_files where status in ('loaded', 'partially_loaded')"
        ).fetchall()
        remarks = [
            r[0]
            for r in con.execute("select note from raw.submission_values where note is not null").fetchall()
        ]
        project_remarks = [
            r[0]
            for r in con.execute("select note from raw.submission_projects where note is not null").fetchall()
        ]
        n_projects = con.execute("select count(*) from raw.submission_projects").fetchone()[0]
    finally:
        con.close()
    assert len(files) >= 10 and {"xlsx"} <= {f[1] for f in files}
    flagged = set()
    for dept, _fmt, name, phone, flag in files:
        typed = contact(S.DEFAULT_SEED, dept, S.LAST_PERIOD, scenario.departments)
        assert name == typed["contact_name"] and phone == typed["contact_phone"], dept
        if flag is not None:
            assert "缺少区号" in flag and not phone.startswith("0")
            flagged.add(dept)
        else:
            assert phone.startswith(S.CONTACT_AREA_CODE + "-")
    senders = {f[0] for f in files}
    no_area_code = {
        d
        for d in senders
        if not contact(S.DEFAULT_SEED, d, S.LAST_PERIOD, scenario.departments)["contact_phone"].startswith(
            "0"
        )
    }
    assert flagged == no_area_code
    every = [contact(S.DEFAULT_SEED, d, S.LAST_PERIOD, scenario.departments) for d in scenario.departments]
    assert sum(not c["contact_phone"].startswith("0") for c in every) == S.CONTACT_BAD_PHONE_DEPARTMENTS
    assert remarks and set(remarks) <= set(S.INDICATOR_REMARKS)
    assert 0 < len(project_remarks) < n_projects  # some rows, not every row
    assert set(project_remarks) <= {text for texts in S.PROJECT_REMARKS.values() for text in texts}
