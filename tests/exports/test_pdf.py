"""The optional PDF: skipped with a note without LibreOffice or when switched off; with a ``soffice``
on PATH the package gains the PDF and the manifest lists it; a failing converter is a note, never a
failed package; the PDF's clock fields are rewritten from the package's date.

A stand-in ``soffice`` script (a real executable on PATH, called the way LibreOffice is) checks the
wiring here; the real LibreOffice renders in tests/exports/test_print.py (once per session)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import stat

import pytest
from report_fixtures import make_report_data

from exports.package import verify_manifest, write_package
from exports.pdf import fix_pdf_dates

FAKE_SOFFICE = """#!/bin/sh
# args: -env:... --headless --norestore --nolockcheck --convert-to pdf --outdir DIR FILE
outdir=""; file=""
while [ $# -gt 0 ]; do
  case "$1" in
    --outdir) outdir="$2"; shift 2;;
    --convert-to) shift 2;;
    -*) shift;;
    *) file="$1"; shift;;
  esac
done
[ -n "$FAIL" ] && { echo "conversion exploded" >&2; exit 1; }
base=$(basename "$file" .xlsx)
printf '%%PDF-1.4\\n%%fake\\n' > "$outdir/$base.pdf"
"""


@pytest.fixture()
def auto(settings):
    """The settings with NEWINFRA_REPORT_PDF=auto (the tests' default is off)."""
    return dataclasses.replace(settings, report_pdf="auto")


@pytest.fixture()
def fake_soffice(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "soffice"
    script.write_text(FAKE_SOFFICE)
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    return script


def test_without_libreoffice_the_pdf_is_skipped_with_a_note(auto, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    result = write_package(auto, make_report_data(), force_requested=False)
    assert result.pdf["status"] == "skipped"
    manifest = json.loads((result.path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["pdf"]["note_zh"].startswith("未安装 LibreOffice")
    assert not list(result.path.glob("*.pdf"))


def test_switched_off_no_pdf_even_with_soffice(settings, fake_soffice):
    assert settings.report_pdf == "off"
    result = write_package(settings, make_report_data(), force_requested=False)
    assert result.pdf["status"] == "skipped" and "NEWINFRA_REPORT_PDF" in result.pdf["note_zh"]
    assert not list(result.path.glob("*.pdf"))


def test_switched_on_without_libreoffice_is_a_failure_note(settings, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    result = write_package(
        dataclasses.replace(settings, report_pdf="on"), make_report_data(), force_requested=False
    )
    assert result.pdf["status"] == "failed" and "LibreOffice" in result.pdf["note_zh"]


def test_with_soffice_the_pdf_joins_the_package(auto, fake_soffice):
    result = write_package(auto, make_report_data(), force_requested=False)
    assert result.pdf["status"] == "created"
    pdf = result.path / "责任分解表进展_2024-06.pdf"
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert "责任分解表进展_2024-06.pdf" in {f["path"] for f in result.files}
    assert verify_manifest(result.path) == []


def test_a_failing_converter_is_a_note(auto, fake_soffice, monkeypatch):
    monkeypatch.setenv("FAIL", "1")
    result = write_package(auto, make_report_data(), force_requested=False)
    assert result.pdf["status"] == "failed" and "conversion exploded" in result.pdf["note_zh"]
    assert verify_manifest(result.path) == []


# The tail of a LibreOffice 7.4 PDF (its info dictionary and trailer), as it writes them.
def _libreoffice_tail(clock: str, doc_id: str) -> bytes:
    return (
        b"%PDF-1.6\n1 0 obj\n<</Creator<FEFF0043>\n/Producer<FEFF004C>\n"
        b"/CreationDate(D:" + clock.encode() + b"Z')>>\nendobj\nxref\n0 2\ntrailer\n<</Size 2/Info 1 0 R\n"
        b"/ID [ <" + doc_id.encode() + b">\n<" + doc_id.encode() + b"> ]\n"
        b"/DocChecksum /" + doc_id[::-1].encode() + b"\n>>\nstartxref\n9\n%%EOF\n"
    )


def test_pdf_clock_fields_become_the_package_date():
    stamp = dt.datetime(2024, 12, 31)
    first = _libreoffice_tail("20261207175857", "5F1936FD7BA97E242605ABCEB747BC15")
    second = _libreoffice_tail("20261208091502", "6AE9507A6EAE7F78C33C9E63AE74F5C5")
    a, b = fix_pdf_dates(first, stamp), fix_pdf_dates(second, stamp)
    assert a == b  # two renderings at different times: the same bytes
    assert len(a) == len(first)  # same length: the xref offsets stay valid
    assert b"/CreationDate(D:20241231000000Z')" in a
    ids = re.search(rb"/ID \[ <([0-9A-F]{32})>\n<([0-9A-F]{32})> \]", a)
    assert ids and ids.group(1) == ids.group(2) != b"5F1936FD7BA97E242605ABCEB747BC15"
    # the content still decides the ID: another document gets another one
    other = fix_pdf_dates(first.replace(b"FEFF0043", b"FEFF0044"), stamp)
    assert re.search(rb"/ID \[ <([0-9A-F]{32})>", other).group(1) != ids.group(1)
