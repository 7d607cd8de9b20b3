"""The PDF of the workbook, through LibreOffice when ``soffice`` is on PATH (STACK.md).

``NEWINFRA_REPORT_PDF`` (settings.report_pdf): ``auto`` makes it when LibreOffice is installed and
notes its absence otherwise; ``off`` never makes it (the tests, where each build would cost
seconds); ``on`` always tries, and a missing LibreOffice is then a failure note.

Determinism (docs/report.md): LibreOffice 7.x stamps the PDF with the wall clock (``/CreationDate``)
and derives the trailer's ``/ID`` and ``/DocChecksum`` from it; it ignores ``SOURCE_DATE_EPOCH``.
``fix_pdf_dates`` rewrites those fields in place, with the same byte length so the cross-reference
offsets stay valid: the dates become the package's own timestamp (from the data), the ID and checksum
an MD5 of the file with those fields blanked. The same workbook then gives the same PDF bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

CONVERT_TIMEOUT_S = 180


@dataclass(frozen=True)
class PdfResult:
    status: str  # created | skipped | failed
    note_zh: str
    note_en: str
    path: str | None = None  # relative to the package folder

    def to_dict(self) -> dict:
        return asdict(self)


def find_soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


_DATE = re.compile(rb"/(CreationDate|ModDate)\s*\(D:(\d{14})")
_ID = re.compile(rb"/ID\s*\[\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*\]")
_CHECKSUM = re.compile(rb"/DocChecksum\s*/([0-9A-Fa-f]+)")


def fix_pdf_dates(pdf: bytes, stamp: dt.datetime) -> bytes:
    """``pdf`` with every info date set to ``stamp`` and the trailer ID and checksum derived from the
    content: byte-for-byte length preserving, so the xref table stays valid."""
    when = stamp.strftime("%Y%m%d%H%M%S").encode("ascii")
    out = bytearray(pdf)
    for m in _DATE.finditer(pdf):
        out[m.start(2) : m.end(2)] = when
    blanked = bytearray(out)
    spans = []
    for m in _ID.finditer(pdf):
        spans += [(m.start(1), m.end(1)), (m.start(2), m.end(2))]
    for m in _CHECKSUM.finditer(pdf):
        spans.append((m.start(1), m.end(1)))
    for a, b in spans:
        blanked[a:b] = b"0" * (b - a)
    digest = hashlib.md5(bytes(blanked), usedforsecurity=False).hexdigest().upper().encode("ascii")
    for a, b in spans:
        n = b - a
        out[a:b] = (digest * (n // len(digest) + 1))[:n]
    return bytes(out)


def convert_to_pdf(
    xlsx: Path,
    out_dir: Path,
    soffice: str | None = None,
    *,
    stamp: dt.datetime | None = None,
    mode: str = "auto",
) -> PdfResult:
    """Convert ``xlsx`` to ``out_dir/<stem>.pdf``; never raises (a failed conversion is a note).
    With ``stamp``, the PDF's dates are that time (``fix_pdf_dates``)."""
    if mode == "off":
        return PdfResult(
            "skipped",
            "按设置 NEWINFRA_REPORT_PDF=off 未生成 PDF",
            "PDF switched off (NEWINFRA_REPORT_PDF=off)",
        )
    soffice = soffice or find_soffice()
    if not soffice:
        return PdfResult(
            "failed" if mode == "on" else "skipped",
            "未安装 LibreOffice（soffice 不在 PATH 中），未生成 PDF",
            "LibreOffice (soffice) is not on PATH; no PDF made",
        )
    with tempfile.TemporaryDirectory(prefix="newinfra-soffice-") as profile:
        cmd = [
            soffice,
            f"-env:UserInstallation={Path(profile).as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out_dir),
            str(xlsx),
        ]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=CONVERT_TIMEOUT_S)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return PdfResult("failed", f"PDF 转换失败：{exc}", f"PDF conversion failed: {exc}")
    pdf = out_dir / (xlsx.stem + ".pdf")
    if proc.returncode != 0 or not pdf.exists():
        tail = (proc.stdout + proc.stderr).strip().splitlines()[-3:]
        return PdfResult(
            "failed",
            f"PDF 转换失败（退出码 {proc.returncode}）：{' '.join(tail)}",
            f"PDF conversion failed (exit {proc.returncode})",
        )
    if stamp is not None:
        pdf.write_bytes(fix_pdf_dates(pdf.read_bytes(), stamp))
    return PdfResult("created", "已由 LibreOffice 生成 PDF", "PDF made with LibreOffice", pdf.name)
