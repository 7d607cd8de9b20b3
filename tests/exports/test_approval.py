"""Sign-off outside Airflow: `newinfra report` builds a draft (草稿（待审核） on every sheet and on the
briefing), `--approve --by NAME` rebuilds it signed and without the mark, `--reject --reason` records
the reason and sends nothing (docs/report.md "审核与签发 / sign-off")."""

from __future__ import annotations

import json
import shutil

import duckdb
import openpyxl
import pytest
from report_fixtures import PERIOD

from newinfra.settings import Settings

DRAFT = "草稿（待审核）"
XLSX = f"责任分解表进展_{PERIOD}.xlsx"
HTML = f"月度简报_{PERIOD}.html"


@pytest.fixture()
def settings(pipeline_home, tmp_path, monkeypatch) -> Settings:
    home = tmp_path / "home"
    shutil.copytree(pipeline_home, home, symlinks=True)
    monkeypatch.setenv("NEWINFRA_HOME", str(home))
    return Settings.from_env()


def _marks(folder):
    """(sheets whose page header says 草稿, sheets whose title cell says 草稿, sheets) read back."""
    wb = openpyxl.load_workbook(folder / XLSX)
    header = [ws.title for ws in wb.worksheets if DRAFT in (ws.oddHeader.center.text or "")]
    title = [ws.title for ws in wb.worksheets if DRAFT in str(ws.cell(1, 1).value or "")]
    return header, title, wb.sheetnames


def _cover_fields(folder) -> dict[str, str]:
    ws = openpyxl.load_workbook(folder / XLSX)["总览"]
    cells = [[c.value for c in row] for row in ws.iter_rows()]
    out = {}
    for row in cells:
        for label in ("审核", "签发"):
            if f"{label}：" in row:
                out[label] = row[row.index(f"{label}：") + 1]
    return out


def _rows(settings) -> list[dict]:
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        cur = con.execute(
            "select decision, decided_by, reason, via, manifest_sha256, draft_sha256 "
            "from ops.report_publications where period = ? order by published_at",
            [PERIOD],
        )
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    finally:
        con.close()


def test_draft_marked_until_approved_then_signed(settings, capsys):
    from pipeline.cli import main

    assert main(["report", "--period", PERIOD]) == 0
    folder = settings.exports / PERIOD
    header, title, sheets = _marks(folder)
    assert header == sheets and title == sheets and len(sheets) > 3
    page = (folder / HTML).read_text(encoding="utf-8")
    assert 'id="draft"' in page and DRAFT in page
    assert json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["is_draft"] is True
    draft_sha = (folder / "manifest.json").read_bytes()
    capsys.readouterr()

    assert main(["report", "--period", PERIOD, "--approve", "--by", "张审核"]) == 0
    out = capsys.readouterr().out
    assert "已审核签发 / approved by 张审核" in out
    header, title, sheets = _marks(folder)
    assert header == [] and title == []
    page = (folder / HTML).read_text(encoding="utf-8")
    assert DRAFT not in page
    assert json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["is_draft"] is False
    assert _cover_fields(folder) == {"审核": "张审核", "签发": "张审核"}
    # the draft stays beside the approved package, unchanged
    kept = settings.exports / f"{PERIOD}.draft"
    assert (kept / "manifest.json").read_bytes() == draft_sha
    assert _marks(kept)[0] == _marks(kept)[2]

    rows = _rows(settings)
    assert [r["decision"] for r in rows] == [None, "approved"]
    import hashlib

    approved = rows[-1]
    assert approved["decided_by"] == "张审核" and approved["via"] == "cli"
    assert approved["draft_sha256"] == hashlib.sha256(draft_sha).hexdigest()
    assert approved["manifest_sha256"] == hashlib.sha256((folder / "manifest.json").read_bytes()).hexdigest()


def test_reject_needs_a_reason_records_it_and_sends_nothing(settings, smtp_server, monkeypatch, capsys):
    from pipeline.cli import main

    port, inbox, _ = smtp_server
    monkeypatch.setenv("NEWINFRA_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("NEWINFRA_SMTP_PORT", str(port))
    monkeypatch.setenv("NEWINFRA_MAIL_TO", "office@example.org")
    assert main(["report", "--period", PERIOD]) == 0
    assert main(["report", "--period", PERIOD, "--reject", "--by", "张审核"]) == 2
    assert "退回必须说明原因" in capsys.readouterr().err
    reason = "投资数据与统计局口径不一致"
    assert main(["report", "--period", PERIOD, "--reject", "--by", "张审核", "--reason", reason]) == 0
    assert [(r["decision"], r["reason"]) for r in _rows(settings)] == [(None, None), ("rejected", reason)]
    # still a draft: delivery refuses, nothing reaches the server
    from exports.approval import deliver_approved
    from newinfra.errors import UserInputError

    with pytest.raises(UserInputError):
        deliver_approved(Settings.from_env(), PERIOD)
    assert main(["report", "--period", PERIOD, "--deliver"]) == 2
    assert inbox.messages == []
    assert _marks(settings.exports / PERIOD)[0] == _marks(settings.exports / PERIOD)[2]
    # the next draft says why the last one went back
    assert main(["report", "--period", PERIOD]) == 0
    from exports.approval import latest_decision

    assert latest_decision(Settings.from_env(), PERIOD)["reason"] == reason


def test_approver_must_be_in_the_settings_list(settings, monkeypatch, capsys):
    from pipeline.cli import main

    monkeypatch.setenv("NEWINFRA_REPORT_APPROVERS", "李主任,王处长")
    assert main(["report", "--period", PERIOD]) == 0
    assert main(["report", "--period", PERIOD, "--approve", "--by", "张三"]) == 2
    err = capsys.readouterr().err
    assert "不在审核人名单" in err and "Traceback" not in err
    assert [r["decision"] for r in _rows(settings)] == [None]
    assert main(["report", "--period", PERIOD, "--approve", "--by", "王处长"]) == 0
    assert [r["decision"] for r in _rows(settings)] == [None, "approved"]


def test_approved_package_is_delivered_once_approved(settings, smtp_server, monkeypatch, capsys):
    import email
    import email.policy

    from pipeline.cli import main

    port, inbox, _ = smtp_server
    monkeypatch.setenv("NEWINFRA_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("NEWINFRA_SMTP_PORT", str(port))
    monkeypatch.setenv("NEWINFRA_MAIL_TO", "office@example.org")
    assert main(["report", "--period", PERIOD]) == 0
    assert main(["report", "--period", PERIOD, "--approve", "--by", "张审核", "--deliver"]) == 0
    assert "已发送至 office@example.org" in capsys.readouterr().out
    msg = email.message_from_bytes(inbox.messages[0][1], policy=email.policy.default)
    page = next(p for p in msg.iter_attachments() if p.get_filename() == HTML).get_content()
    assert DRAFT not in page
