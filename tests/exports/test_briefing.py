"""The HTML briefing against a small hand-made ReportData: every indicator and status, escaping,
self-containment, phone and print CSS."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from report_fixtures import MALICIOUS, make_report_data

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


def test_conclusion_first_then_goals_exceptions_reporting(report_data):
    page = render_briefing(report_data)
    parsed = _parse(page)
    text = "".join(parsed.text)
    order = [
        text.index(h)
        for h in ("一、总体情况", "二、主要目标", "三、需关注的指标", "四、市(州)排名", "五、报送情况")
    ]
    assert order == sorted(order)
    # 总体情况 from the data, counted as 总览 counts (per target; fixture: 7 indicators, 8 targets,
    # 1 已完成, 1 逾期完成; 滞后 5G (stale), 逾期 gas grid, 存在风险 PUE)
    overall = re.search(r'id="overall"><p>([^<]+)</p>', page).group(1)
    assert overall.startswith("截至2024年6月，方案 7 项指标的 8 个目标中已完成 1 个，逾期完成 1 个")
    assert "主要差距：" in overall and "本期未报送：" in overall
    assert "1 个目标的最新数据未按月更新（数据未更新）" in overall
    # the exceptions: exactly the targets not achieved and needing attention, nothing else
    listed = {a["data-indicator"]: a["data-status"] for t, a in parsed.tags if "data-indicator" in a}
    expected = {
        r.indicator_id: r.status_code
        for r in report_data.targets
        if r.status_code in ("overdue", "behind", "at_risk")
    }
    assert listed == expected and len(listed) == 3
    # no technical text for leaders: no snapshot id
    assert "snap-" not in page


def test_synthetic_is_the_first_line_and_real_data_says_nothing():
    page = render_briefing(make_report_data(synthetic=True))
    body = page[page.index("<body>") + len("<body>") :]
    assert body.lstrip().startswith('<p class="synthetic" id="synthetic">示例数据（合成数据，非官方统计）')
    assert "【示例数据】" in page[: page.index("</title>")]
    assert "示例数据" not in render_briefing(make_report_data())


def test_text_is_escaped(report_data):
    import dataclasses

    data = dataclasses.replace(
        report_data,
        progress=[
            dataclasses.replace(r, status_code="behind", status_colour="red") for r in report_data.progress
        ],
        targets=[
            dataclasses.replace(r, status_code="behind", status_colour="red") for r in report_data.targets
        ],
    )
    page = render_briefing(data)
    assert "<script>" not in page
    assert "alert(1)" not in page  # a check's message is technical: on the workbook's technical sheet only
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
    assert all(22 - 1e-6 <= y <= 180 - 24 + 1e-6 for y in ys), ys
    # the target's label sits above the plot, clear of every point
    label_y = float(re.search(r'class="target-label" x="[\d.]+" y="([\d.]+)"', svg).group(1))
    assert label_y < 22 - 4
    assert len(set(ys)) == 3


def test_rankings_top_three_and_last_with_carried_figures(report_data):
    page = render_briefing(report_data)
    line = re.search(r'<li data-ranking="g5_base_stations">(.*?)</li>', page).group(1)
    assert "前三 贵阳市 4.20万个、遵义市 2.50万个（沿用上期）、毕节市 1.80万个" in line
    assert "末位 安顺市 0.90万个" in line


def test_remarks_section_names_department_figure_and_place(report_data):
    """六、问题与建议: the fixture's remarks in its order, each with department, figure, place; text
    escaped; beyond REMARKS_SHOWN (3) the count and a pointer to the workbook."""
    import dataclasses

    from exports.briefing import REMARKS_SHOWN

    page = render_briefing(report_data)
    section = page[page.index("六、问题与建议") : page.index("七、数据质量与修订")]
    items = re.findall(r"<li>(.*?)</li>", section)
    assert items == [
        "省通信管理局 · 累计建成5G基站数（遵义市）：部分基站待验收",
        "省通信管理局 · 累计建成5G基站数（全省）：含共建共享基站",
        "@省卫生健康委 · 全省远程医疗服务总量(累计)（全省）（未填报）：统计口径调整，下月补报",
    ]  # the first three; the fourth is on the workbook's sheet
    assert "共 4 条，全部备注见" in section and "“问题与建议”表" in section
    few = dataclasses.replace(report_data, remarks=report_data.remarks[3:])
    section = render_briefing(few).split("六、问题与建议")[1].split("七、数据质量与修订")[0]
    assert re.findall(r"<li>(.*?)</li>", section) == [
        "省大数据局 · 贵安数据中心二期：=设备到货延迟，建议协调"
    ]
    assert "共 " not in section and REMARKS_SHOWN == 3
    empty = dataclasses.replace(report_data, remarks=[])
    assert "本期各部门未填写备注。" in render_briefing(empty)


def test_exceptions_list_the_most_urgent_twenty_and_count_the_rest(report_data):
    """三、需关注的指标 stays short: at most EXCEPTIONS_SHOWN rows, worst first, then how many in all.
    By hand: 25 copies of the 滞后 5G target and the fixture's 逾期未完成 and 存在风险 ones make 27."""
    import dataclasses

    from exports.briefing import EXCEPTIONS_SHOWN

    behind = next(t for t in report_data.targets if t.status_code == "behind")
    targets = [*report_data.targets, *(dataclasses.replace(behind, target_year=2000 + i) for i in range(24))]
    page = render_briefing(dataclasses.replace(report_data, targets=targets))
    statuses = re.findall(r'<tr data-indicator="[^"]+" data-status="([^"]+)"', page)
    assert len(statuses) == EXCEPTIONS_SHOWN == 20
    assert statuses[0] == "overdue" and statuses[-1] == "behind"  # worst first: the at-risk one is cut
    assert "以上为最紧急的 20 个，共 27 个目标需关注" in page
