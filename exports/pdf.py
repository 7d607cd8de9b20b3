"""Optional PDF of the workbook, through LibreOffice when ``soffice`` is on PATH (STACK.md).

Without LibreOffice the PDF is skipped and the manifest says so. LibreOffice stamps the PDF with
its own creation time, so the PDF is the one file of a package that differs from run to run.
"""

from __future__ import annotations

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


def convert_to_pdf(xlsx: Path, out_dir: Path, soffice: str | None = None) -> PdfResult:
    """Convert ``xlsx`` to ``out_dir/<stem>.pdf``; never raises (a failed conversion is a note)."""
    soffice = soffice or find_soffice()
    if not soffice:
        return PdfResult(
            "skipped",
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
    return PdfResult("created", "已由 LibreOffice 生成 PDF", "PDF made with LibreOffice", pdf.name)
