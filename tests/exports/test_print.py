"""The package as the office prints it: the real LibreOffice renders the workbook of the pipeline
fixture (tests/exports/conftest.py) once per session; the PDF is read back with poppler
(``pdfinfo``, ``pdftotext -bbox``). Skipped, with the reason, where LibreOffice or poppler is
missing (``make system-deps`` installs them).

``pdftotext -bbox`` gives each word's box; LibreOffice's box is about 1.3 x the type size
(measured: a 9 pt cell gives boxes ~11.7 pt high), so the smallest type on paper is the smallest
box height / 1.3.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from report_fixtures import PERIOD

from exports import build_package
from newinfra.settings import Settings

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed"),
    pytest.mark.skipif(
        shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None,
        reason="poppler-utils (pdftotext, pdfinfo) is not installed",
    ),
]

BOX_PER_POINT = 1.3  # LibreOffice word box height / type size (STACK.md, measured)


def _home_copy(pipeline_home: Path, target: Path) -> Settings:
    shutil.copytree(pipeline_home, target, symlinks=True)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NEWINFRA_HOME", str(target))
        return dataclasses.replace(Settings.from_env(), report_pdf="on")


@pytest.fixture(scope="session")
def printed(pipeline_home, tmp_path_factory):
    """The fixture's package with its PDF, built twice from the same data (two LibreOffice runs)."""
    settings = _home_copy(pipeline_home, tmp_path_factory.mktemp("printed") / "home")
    first = build_package(settings, PERIOD)
    assert first.pdf["status"] == "created", first.pdf
    snapshot = {p.name: p.read_bytes() for p in first.path.iterdir() if p.is_file()}
    second = build_package(settings, PERIOD)
    return settings, first, snapshot, second


def _pdf(result) -> Path:
    return result.path / result.pdf["path"]


def pdf_pages(path: Path) -> int:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", out, flags=re.M).group(1))


def pdf_words(path: Path) -> list[tuple[int, float, str]]:
    """(page, box height in pt, word) of every word in the PDF."""
    html = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    words = []
    for page_no, page in enumerate(re.split(r"<page ", html)[1:], start=1):
        for y0, y1, word in re.findall(
            r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>', page
        ):
            words.append((page_no, float(y1) - float(y0), word))
    return words


def test_the_pdf_is_byte_identical_across_builds(printed):
    _, first, snapshot, second = printed
    again = {p.name: p.read_bytes() for p in second.path.iterdir() if p.is_file()}
    assert again == snapshot  # the PDF and the manifest included
    assert second.manifest_sha256 == first.manifest_sha256
    pdf = snapshot[first.pdf["path"]]
    assert b"/CreationDate(D:20240630000000" in pdf  # the period's last day, not the clock


def _page_texts(path: Path) -> list[str]:
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    )
    return text.stdout.split("\f")[:-1]


def test_printed_pages_type_size_and_footers(printed):
    _, first, _, _ = printed
    pdf = _pdf(first)
    pages = pdf_pages(pdf)
    assert 3 <= pages <= 12, pages
    words = pdf_words(pdf)
    assert words
    smallest = min(h for _, h, _ in words) / BOX_PER_POINT
    assert smallest >= 8.8, (smallest, sorted(words, key=lambda w: w[1])[:5])
    texts = _page_texts(pdf)
    assert len(texts) == pages
    for i, text in enumerate(texts, start=1):
        assert f"第{i}页" in text and f"共{pages}页" in text, i  # the footer is on the paper
        assert "报送期 2024年6月" in text, i
        assert "示例数据" not in text, i  # the fixture's inputs are real
    joined = "\n".join(texts)
    # the sector sheets, the detail columns, the project list and the technical sheet stay on screen
    assert "算力与数据中心进展情况" not in joined and "责任分解表明细" not in joined
    assert "数据质量检查（技术" not in joined and "重大项目投资完成情况" not in joined
    assert "责任分解表进展情况" in joined and "各成员单位报送情况" in joined
    assert "《贵州省新型基础设施建设三年行动方案》责任分解表进展（2024年6月）" in joined  # no stray space


def test_synthetic_inputs_print_on_every_page(pipeline_home, tmp_path_factory):
    """A package whose inputs include the demo generator's files says 示例数据 on every page."""
    import json

    import duckdb

    settings = _home_copy(pipeline_home, tmp_path_factory.mktemp("printed_synthetic") / "home")
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        sha = con.execute(
            "select coalesce(content_sha256, file_id) from raw.submission_files limit 1"
        ).fetchone()[0]
    finally:
        con.close()
    (settings.home / "demo").mkdir(exist_ok=True)
    (settings.home / "demo" / "demo_manifest.json").write_text(
        json.dumps({"synthetic": True, "files": [{"sha256": sha}]}), encoding="utf-8"
    )
    result = build_package(settings, PERIOD)
    texts = _page_texts(_pdf(result))
    assert texts and all("示例数据（合成数据，非官方统计）" in t for t in texts)
