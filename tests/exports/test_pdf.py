"""The optional PDF: skipped with a note without LibreOffice; with a ``soffice`` on PATH the package
gains the PDF and the manifest lists it; a failing converter is a note, never a failed package.

A stand-in ``soffice`` script (a real executable on PATH, called the way LibreOffice is) checks the
wiring here; with LibreOffice installed, the last test converts for real."""

from __future__ import annotations

import json
import shutil
import stat

import pytest
from report_fixtures import make_report_data

from exports.package import verify_manifest, write_package
from exports.pdf import convert_to_pdf

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
def fake_soffice(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "soffice"
    script.write_text(FAKE_SOFFICE)
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    return script


def test_without_libreoffice_the_pdf_is_skipped_with_a_note(settings, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    result = write_package(settings, make_report_data(), force_requested=False)
    assert result.pdf["status"] == "skipped"
    manifest = json.loads((result.path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["pdf"]["note_zh"].startswith("未安装 LibreOffice")
    assert not list(result.path.glob("*.pdf"))


def test_with_soffice_the_pdf_joins_the_package(settings, fake_soffice):
    result = write_package(settings, make_report_data(), force_requested=False)
    assert result.pdf["status"] == "created"
    pdf = result.path / "责任分解表进展_2024-06.pdf"
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert "责任分解表进展_2024-06.pdf" in {f["path"] for f in result.files}
    assert verify_manifest(result.path) == []


def test_a_failing_converter_is_a_note(settings, fake_soffice, monkeypatch):
    monkeypatch.setenv("FAIL", "1")
    result = write_package(settings, make_report_data(), force_requested=False)
    assert result.pdf["status"] == "failed" and "conversion exploded" in result.pdf["note_zh"]
    assert verify_manifest(result.path) == []


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_real_libreoffice_conversion(tmp_path):
    from exports.tables import all_tables, status_summary
    from exports.workbook import render_workbook

    data = make_report_data()
    xlsx = tmp_path / "book.xlsx"
    xlsx.write_bytes(render_workbook(data, all_tables(data), status_summary(data)))
    result = convert_to_pdf(xlsx, tmp_path)
    assert result.status == "created", result.note_en
    assert (tmp_path / "book.pdf").read_bytes().startswith(b"%PDF-")
