"""The HTML briefing against a small hand-made ReportData: every indicator and status, escaping,
self-containment, phone and print CSS."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from report_fixtures import MALICIOUS, make_report_data

from exports import settings as S
from exports.briefing import line_chart, progress_bar, render_briefing


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def _parse(page: str) -> _Collector:
    c = _Collector()
    c.feed(page)
    return c


def test_every_indicator_with_its_status(report_data):
    page = render_briefing(report_data)
    parsed = _parse(page)
    blocks = {a["data-indicator"]: a["data-status"] for t, a in parsed.tags if "data-indicator" in a}
    assert blocks == {r.indicator_id: r.status_code for r in report_data.progress}
    text = "".join(parsed.text)
    for row in report_data.progress:
        assert row.indicator_name in text
    for label in S.STATUS_LABELS.values():
        assert label in text
    # one progress bar per indicator, with the time-elapsed tick where known
    assert page.count('class="bar"') >= len(report_data.progress)


def test_text_is_escaped(report_data):
    page = render_briefing(report_data)
    assert "<script>" not in page
    assert html.escape("<script>alert(1)</script>") in page
    assert html.escape(MALICIOUS) in page


def test_self_contained_and_responsive(report_data):
    page = render_briefing(report_data)
    parsed = _parse(page)
    # nothing fetched: no src/href at all, no url() or @import in the CSS (the only "http://" in the
    # page is the escaped text of the malicious indicator name)
    assert not re.search(r"""(?:src|href)\s*=|url\(|@import""", page, re.IGNORECASE)
    assert not re.search(r"https?://", page.replace(html.escape(MALICIOUS), ""))
    for tag, attrs in parsed.tags:
        assert tag not in ("script", "link", "img", "iframe", "object", "embed"), tag
        for key in ("src", "href"):
            assert key not in attrs, (tag, attrs)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "@media print" in page and "@media (max-width:600px)" in page
    assert page.count("<svg") >= 3  # headline trends, investment trend, status bar
    assert page.startswith("<!DOCTYPE html>") and '<html lang="zh-CN">' in page


def test_forced_banner():
    page = render_briefing(make_report_data(forced=True))
    assert 'class="banner forced"' in page and "--force" in page
    assert 'class="banner forced"' not in render_briefing(make_report_data())


def test_same_data_same_page():
    assert render_briefing(make_report_data()) == render_briefing(make_report_data())


def test_progress_bar_caps_and_ticks():
    bar = progress_bar(1.4, 0.5, "green")
    assert 'style="width:100.0%"' in bar and 'style="left:50.0%"' in bar
    bar = progress_bar(-0.2, None, "red")
    assert 'style="width:0.0%"' in bar and "tick" not in bar


def test_line_chart_draws_series_and_target():
    svg = line_chart([("2024-01", 100000.0), ("2024-02", 120000.0)], unit="万架", scale=10000, kind="level",
                     target=600000.0, target_label="2024年目标 60.00万架", title="机架")  # fmt: skip
    assert svg.startswith("<svg") and "<polyline" in svg and "stroke-dasharray" in svg
    assert "2024年1月" in svg and "2024年2月" in svg
    assert "暂无数据" in line_chart([], unit="", scale=1, kind="level")


def test_line_chart_keeps_every_point_inside_the_plot():
    # 5G base stations above the target: the axis must reach past the data, not clip it
    series = [("2023-12", 146000.0), ("2024-03", 160500.0), ("2024-06", 169600.0)]
    svg = line_chart(series, unit="万个", scale=10000, kind="cumulative", target=160000.0, height=180)
    points = re.search(r'points="([^"]+)"', svg).group(1).split()
    ys = [float(p.split(",")[1]) for p in points]
    assert all(12 - 1e-6 <= y <= 180 - 24 + 1e-6 for y in ys), ys
    assert len(set(ys)) == 3
