"""`make samples`: pictures of the demo's packages for reviewers, kept in docs/samples/.

For each period (default 2022-12, 2024-06, 2024-12) in NEWINFRA_HOME (a home where `make demo`
ran): check the period when it has no quality run yet, build its package with the PDF, then keep
page 1 of the PDF (``pdftoppm -r 70``) and the briefing's first screen (headless Chromium,
1280 x 1000) as PNGs under docs/samples/. Needs LibreOffice, poppler-utils and Chromium
(`make system-deps`); says which one is missing otherwise.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

DEFAULT_PERIODS = ("2022-12", "2024-06", "2024-12")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--hide-scrollbars",
)


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def make_samples(periods: list[str], out_dir: Path) -> list[Path]:
    import quality
    from exports import build_package
    from newinfra.settings import Settings

    missing = [
        name
        for name, found in (
            ("LibreOffice (soffice)", shutil.which("soffice")),
            ("poppler-utils (pdftoppm)", shutil.which("pdftoppm")),
            ("Chromium", _chromium()),
        )
        if not found
    ]
    if missing:
        raise SystemExit(f"缺少 / missing: {', '.join(missing)} — run `make system-deps`")
    settings = dataclasses.replace(Settings.from_env(), report_pdf="on")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for period in periods:
        if not quality.latest_results(settings, period):
            quality.run_checks(settings, period)
        result = build_package(settings, period)
        if result.pdf.get("status") != "created":
            raise SystemExit(f"{period}: {result.pdf.get('note_zh')}")
        pdf = result.path / result.pdf["path"]
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(
                ["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", str(pdf), f"{tmp}/page"], check=True
            )
            page1 = next(Path(tmp).glob("page*.png"))
            target = out_dir / f"{period}_workbook_page1.png"
            shutil.copyfile(page1, target)
            written.append(target)
            briefing = next(result.path.glob("月度简报_*.html"))
            shot = out_dir / f"{period}_briefing.png"
            subprocess.run(
                [
                    _chromium(),
                    *CHROMIUM_FLAGS,
                    "--window-size=1280,1000",
                    f"--screenshot={shot}",
                    briefing.as_uri(),
                ],
                check=True,
                capture_output=True,
                env={**os.environ, "HOME": tmp},
                timeout=120,
            )
            written.append(shot)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m exports.samples", description=__doc__)
    parser.add_argument("--period", nargs="*", default=list(DEFAULT_PERIODS))
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent.parent / "docs" / "samples"))
    args = parser.parse_args(argv)
    for path in make_samples(args.period, Path(args.out)):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
