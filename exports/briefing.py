"""The briefing 月度简报_YYYY-MM.html: one self-contained page (inline CSS, inline SVG drawn here;
no script, no font, no image fetched from anywhere), readable on a phone and printable.

Every piece of text goes through ``html.escape``. Each indicator's block carries
``data-indicator`` and ``data-status`` attributes so a program can check the page.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from exports import helpers as H
from exports import settings as S
from exports.model import Headline, ProgressRow, ReportData
from exports.tables import COMPLIANCE_STATUS_ZH, OUTCOME_ZH, status_summary


def esc(value: object) -> str:
    return H.html_text(value)


CSS = """
:root { --ink:#1f2933; --muted:#5f6b7a; --line:#d9dee5; --bg:#f5f7fa; --card:#fff; --brand:#1f4e79;
  --green:%(green)s; --yellow:%(yellow)s; --red:%(red)s; --grey:%(grey)s; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--ink);
  font-family: "SimSun","宋体","Songti SC","Noto Serif CJK SC","Source Han Serif SC","PingFang SC",
  "Microsoft YaHei","Noto Sans CJK SC","WenQuanYi Micro Hei",serif; font-size:15px; line-height:1.55; -webkit-text-size-adjust:100%%; }
main { max-width:1100px; margin:0 auto; padding:16px; }
header.top { background:var(--brand); color:#fff; padding:20px 16px; }
header.top .inner { max-width:1100px; margin:0 auto; }
header.top h1 { margin:0 0 4px; font-size:1.35rem; }
header.top p { margin:0; opacity:.9; font-size:.9rem; }
h1, h2, h3, .card .value { font-family:"SimHei","黑体","Heiti SC","Noto Sans CJK SC","Source Han Sans SC",
  "Microsoft YaHei","WenQuanYi Micro Hei",sans-serif; }
h2 { font-size:1.15rem; color:var(--brand); border-left:4px solid var(--brand); padding-left:8px; margin:28px 0 12px; }
h3 { font-size:1rem; margin:18px 0 8px; }
.banner { border-radius:6px; padding:12px 14px; margin:14px 0; font-weight:600; }
.banner.forced { background:var(--red); color:#fff; }
.banner.ok { background:#e8f5ec; color:#0f5132; font-weight:500; }
.synthetic { margin:0; padding:6px 16px; background:#fff3cd; color:#842029; font-weight:700; text-align:center; }
.summary p { margin:6px 0; }
.grid { display:grid; grid-template-columns:repeat(auto-fit,minmax(250px,1fr)); gap:12px; }
.card { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:12px 14px; break-inside:avoid; }
.card .name { color:var(--muted); font-size:.9rem; }
.card .value { font-size:1.5rem; font-weight:700; }
.card .value small { font-size:.85rem; font-weight:500; color:var(--muted); margin-left:2px; }
.card .meta { color:var(--muted); font-size:.8rem; }
.pill { display:inline-block; border-radius:10px; padding:0 8px; font-size:.8rem; color:#fff; white-space:nowrap; }
.pill.green { background:var(--green); } .pill.yellow { background:var(--yellow); color:#3b2f00; }
.pill.red { background:var(--red); } .pill.grey { background:var(--grey); }
.bar { position:relative; height:10px; background:#e9edf2; border-radius:5px; overflow:visible; margin:6px 0 2px; }
.bar .fill { height:100%%; border-radius:5px; }
.bar .fill.green { background:var(--green); } .bar .fill.yellow { background:var(--yellow); }
.bar .fill.red { background:var(--red); } .bar .fill.grey { background:var(--grey); }
.bar .tick { position:absolute; top:-3px; width:2px; height:16px; background:var(--ink); }
.ind { padding:10px 0; border-bottom:1px solid var(--line); break-inside:avoid; }
.ind:last-child { border-bottom:0; }
.ind .head { display:flex; justify-content:space-between; gap:8px; align-items:baseline; flex-wrap:wrap; }
.ind .head .title { font-weight:600; }
.ind .figs { color:var(--muted); font-size:.85rem; }
.legend { color:var(--muted); font-size:.8rem; }
.legend span { margin-right:12px; white-space:nowrap; }
.swatch { display:inline-block; width:10px; height:10px; border-radius:2px; margin-right:4px; vertical-align:middle; }
svg { max-width:100%%; height:auto; display:block; }
svg text { font-size:11px; fill:var(--muted); }
svg.stack { width:100%%; height:28px; border-radius:4px; }
.table-wrap { overflow-x:auto; -webkit-overflow-scrolling:touch; }
table { border-collapse:collapse; width:100%%; background:var(--card); font-size:.88rem; }
th, td { border:1px solid var(--line); padding:6px 8px; text-align:left; vertical-align:top; }
th { background:#eef2f7; white-space:nowrap; }
td.num { text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap; }
footer { color:var(--muted); font-size:.8rem; margin:28px 0 12px; }
@media (max-width:600px) {
  body { font-size:14px; } main { padding:10px; }
  header.top h1 { font-size:1.1rem; }
  .card .value { font-size:1.3rem; }
}
@media print {
  @page { size:A4; margin:12mm 12mm; }
  body { background:#fff; font-size:10.5pt; line-height:1.45; }
  h2 { margin:16px 0 8px; }
  th, td { padding:3px 6px; }
  header.top { background:#fff; color:var(--ink); border-bottom:2px solid var(--brand); padding:0 0 8px; }
  main { max-width:none; padding:0; }
  .card, table { box-shadow:none; }
  .grid { grid-template-columns:repeat(3,1fr); }
  h2 { break-after:avoid; }
  .ind, .card, tr { break-inside:avoid; }
  .table-wrap { overflow:visible; }
  * { -webkit-print-color-adjust:exact; print-color-adjust:exact; }
}
""" % {k: v[0] for k, v in S.COLOUR_HTML.items()}  # noqa: UP031 (CSS is full of braces)


# --- small pieces ---------------------------------------------------------------------------------------
def pill(label: str, colour: str) -> str:
    return f'<span class="pill {esc(colour)}">{esc(label)}</span>'


def progress_bar(completion: float | None, time_elapsed: float | None, colour: str) -> str:
    """A bar filled to the completion (capped 0–100 %) with a tick at the time elapsed."""
    fill = H.clamp01(completion) * 100
    parts = [f'<div class="bar" role="img" aria-label="完成度 {esc(H.format_percent(completion))}">']
    parts.append(f'<div class="fill {esc(colour)}" style="width:{fill:.1f}%"></div>')
    if time_elapsed is not None and not (isinstance(time_elapsed, float) and math.isnan(time_elapsed)):
        parts.append(
            f'<div class="tick" style="left:{H.clamp01(time_elapsed) * 100:.1f}%" title="时间进度"></div>'
        )
    parts.append("</div>")
    return "".join(parts)


def _nice_ticks(lo: float, hi: float, n: int = 4) -> list[float]:
    """Round axis ticks from at or below ``lo`` to at or above ``hi`` (about ``n`` steps)."""
    if hi <= lo:
        pad = abs(lo) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.floor(lo / step + 1e-9)
    last = math.ceil(hi / step - 1e-9)
    return [round(i * step, 10) for i in range(first, last + 1)]


def line_chart(
    series: Sequence[tuple[str, float]],
    *,
    unit: str,
    scale: float,
    kind: str,
    target: float | None = None,
    target_label: str = "",
    colour: str = "green",
    title: str = "",
    width: int = 340,
    height: int = 180,
) -> str:
    """An inline SVG line chart of a monthly series (display units), with a dashed target line."""
    if not series:
        return f'<svg viewBox="0 0 {width} 40" width="{width}" height="40" role="img" aria-label="{esc(title)}"><text x="4" y="24">暂无数据</text></svg>'
    xs = [p for p, _ in series]
    ys = [H.scaled(v, scale) or 0.0 for _, v in series]
    t = H.scaled(target, scale) if target is not None else None
    lo = min(ys + ([t] if t is not None else []))
    hi = max(ys + ([t] if t is not None else []))
    ticks = _nice_ticks(lo, hi)
    lo, hi = ticks[0], ticks[-1]
    # The target's label sits in a strip above the plot area, never on the lines (docs/report.md).
    left, right, top, bottom = 46, 10, 22, 24
    pw, ph = width - left - right, height - top - bottom

    def x(i: int) -> float:
        return left + (pw * i / (len(xs) - 1) if len(xs) > 1 else pw / 2)

    def y(v: float) -> float:
        return top + ph - (v - lo) / (hi - lo) * ph if hi > lo else top + ph / 2

    stroke = S.COLOUR_HTML.get(colour, S.COLOUR_HTML["grey"])[0]
    places = H.decimals_for(unit, scale, kind)
    out = [
        f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{esc(title)}">'
    ]
    for tv in ticks:
        yy = y(tv)
        out.append(
            f'<line x1="{left}" y1="{yy:.1f}" x2="{width - right}" y2="{yy:.1f}" stroke="#e3e7ed" stroke-width="1"/>'
        )
        out.append(
            f'<text x="{left - 4}" y="{yy + 4:.1f}" text-anchor="end">{esc(f"{tv:,.{min(places, 2)}f}")}</text>'
        )
    if t is not None:
        yy = y(t)
        out.append(
            f'<line x1="{left}" y1="{yy:.1f}" x2="{width - right}" y2="{yy:.1f}" stroke="#1f4e79" '
            f'stroke-width="1.2" stroke-dasharray="5 4"/>'
        )
        out.append(
            f'<text class="target-label" x="{width - right}" y="12" text-anchor="end">'
            f'<tspan fill="#1f4e79">- - </tspan>{esc(target_label)}</text>'
        )
    points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(ys))
    out.append(f'<polyline class="series" fill="none" stroke="{stroke}" stroke-width="2" points="{points}"/>')
    last = len(ys) - 1
    out.append(f'<circle cx="{x(last):.1f}" cy="{y(ys[last]):.1f}" r="3.5" fill="{stroke}"/>')
    out.append(f'<text x="{left}" y="{height - 6}" text-anchor="start">{esc(H.period_label(xs[0]))}</text>')
    if len(xs) > 1:
        out.append(
            f'<text x="{width - right}" y="{height - 6}" text-anchor="end">{esc(H.period_label(xs[-1]))}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def status_stack(counts: dict[str, int], width: int = 680, height: int = 28) -> str:
    """One horizontal stacked bar of the status counts."""
    total = sum(counts.values())
    out = [
        f'<svg class="stack" viewBox="0 0 {width} {height}" width="100%" height="{height}" role="img" '
        f'aria-label="进展状态分布" preserveAspectRatio="none">'
    ]
    x = 0.0
    for code in S.STATUS_ORDER:
        n = counts.get(code, 0)
        if not n or not total:
            continue
        w = width * n / total
        colour = S.COLOUR_HTML[H.status_colour(code)][0]
        out.append(
            f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="{height}" fill="{colour}">'
            f"<title>{esc(S.STATUS_LABELS[code])} {n}</title></rect>"
        )
        x += w
    out.append("</svg>")
    return "".join(out)


def _legend(counts: dict[str, int]) -> str:
    spans = []
    for code in S.STATUS_ORDER:
        colour = S.COLOUR_HTML[H.status_colour(code)][0]
        spans.append(
            f'<span data-status-count="{esc(code)}"><i class="swatch" style="background:{colour}"></i>'
            f"{esc(S.STATUS_LABELS[code])} {counts.get(code, 0)}</span>"
        )
    return f'<p class="legend">{"".join(spans)}</p>'


def _table(headers: Sequence[str], rows: Sequence[Sequence[tuple[str, bool]]], empty: str) -> str:
    if not rows:
        return f'<p class="legend">{esc(empty)}</p>'
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="num">{cell}</td>' if is_num else f"<td>{cell}</td>" for cell, is_num in row
        )
        body.append(f"<tr>{cells}</tr>")
    return f'<div class="table-wrap"><table><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'


# --- sections -------------------------------------------------------------------------------------------
def headline_card(h: Headline) -> str:
    value = H.format_figure(h.latest, h.unit, h.display_scale, h.kind, with_unit=False)
    target = "完成" if h.kind == "milestone" else H.format_figure(h.target, h.unit, h.display_scale, h.kind)
    chart = line_chart(
        h.series,
        unit=h.unit,
        scale=h.display_scale,
        kind=h.kind,
        target=h.target,
        target_label=f"{h.target_year or ''}年目标 {target}",
        colour=h.status_colour,
        title=f"{h.name} 趋势",
    )
    as_of = H.period_label(h.as_of_period) if h.as_of_period else "—"
    return (
        f'<div class="card" data-headline="{esc(h.key)}" data-status="{esc(h.status_code)}">'
        f'<div class="name">{esc(h.name)}</div>'
        f'<div class="value">{esc(value)}<small>{esc(h.unit)}</small> {pill(h.status_label, h.status_colour)}</div>'
        f'<div class="meta">截至 {esc(as_of)} · {esc(h.target_year or "")}年目标 {esc(target)} · '
        f"完成度 {esc(H.format_percent(h.completion))}</div>"
        f"{progress_bar(h.completion, None, h.status_colour)}{chart}</div>"
    )


def investment_card(data: ReportData) -> str:
    total = data.investment_total_yuan
    share = H.share_of(total, S.INVESTMENT_TARGET_YUAN, "cumulative")
    completion = data.investment_completion if data.investment_completion is not None else share
    code, label, colour = data.investment_status
    chart = line_chart(
        data.investment_series,
        unit="亿元",
        scale=S.YI,
        kind="cumulative",
        target=S.INVESTMENT_TARGET_YUAN,
        target_label="目标 1,000亿元",
        colour=colour,
        title="重点项目累计完成投资 趋势",
    )
    value = "—" if total is None else f"{total / S.YI:,.2f}"
    as_of = H.period_label(data.investment_as_of) if data.investment_as_of else "—"
    extra = ""
    if data.investment_completion is not None:
        extra = f" · 完成度 {esc(H.format_percent(data.investment_completion))}"
    return (
        f'<div class="card" data-headline="investment" data-status="{esc(code)}">'
        f'<div class="name">{esc(S.INVESTMENT_LABEL)}</div>'
        f'<div class="value">{esc(value)}<small>亿元</small> {pill(label, colour)}</div>'
        f'<div class="meta">截至 {esc(as_of)} · 目标超 1,000亿元 · 占目标 {esc(H.format_percent(share))}{extra}</div>'
        f"{progress_bar(completion, None, colour)}{chart}</div>"
    )


def indicator_block(row: ProgressRow) -> str:
    latest = H.format_figure(row.latest_actual, row.display_unit or row.unit, row.display_scale, row.kind)
    target = H.format_figure(row.target_value, row.display_unit or row.unit, row.display_scale, row.kind)
    if row.kind == "milestone":
        target = "完成"
    as_of = H.period_label(row.as_of_period) if row.as_of_period else "—"
    change = ""
    if row.change_since_last_month is not None and row.kind != "milestone":
        delta = H.scaled(row.change_since_last_month, row.display_scale)
        places = H.decimals_for(row.display_unit, row.display_scale, row.kind)
        change = f" · 较上月 {delta:+,.{places}f}"
    return (
        f'<div class="ind" data-indicator="{esc(row.indicator_id)}" data-status="{esc(row.status_code)}">'
        f'<div class="head"><span class="title">{esc(row.indicator_name)}</span>'
        f"{pill(row.status_label, row.status_colour)}</div>"
        f"{progress_bar(row.completion, row.time_elapsed, row.status_colour)}"
        f'<div class="figs">最新 {esc(latest)}（{esc(as_of)}）· {esc(row.target_year or "")}年目标 {esc(target)} · '
        f"完成度 {esc(H.format_percent(row.completion))} · 时间进度 {esc(H.format_percent(row.time_elapsed))}"
        f"{esc(change)} · 牵头 {esc(row.lead_department)}</div></div>"
    )


def sector_section(data: ReportData, sector: str) -> str:
    seen: set[str] = set()
    rows = []
    attention = {code: i for i, code in enumerate(S.ATTENTION_ORDER)}
    for row in sorted(
        data.progress, key=lambda r: (attention.get(r.status_code, 9), r.indicator_order, r.indicator_id)
    ):
        if row.sector == sector and row.indicator_id not in seen:
            seen.add(row.indicator_id)
            rows.append(row)
    name = H.sector_name(sector, data.sector_names)
    blocks = "".join(indicator_block(r) for r in rows)
    return f'<section class="card sector" data-sector="{esc(sector)}"><h3>{esc(name)}（{len(rows)} 项指标）</h3>{blocks}</section>'


def compliance_section(data: ReportData) -> str:
    r = data.rates
    summary = (
        f"应报 {esc(r.get('expected', '—'))} 个部门，已报 {esc(r.get('actual', '—'))} 个"
        f"（按时 {esc(r.get('on_time', '—'))}，逾期 {esc(r.get('late', '—'))}），未报 {esc(r.get('missing', '—'))} 个；"
        f"报送率 {esc(H.format_percent(r.get('rate')))}，及时率 {esc(H.format_percent(r.get('on_time_rate')))}。"
    )
    rows = []
    for c in sorted(
        data.compliance, key=lambda c: (c.get("status") != "missing", c.get("department_code") or "")
    ):
        if c.get("status") == "on_time":
            continue
        label = COMPLIANCE_STATUS_ZH.get(c.get("status"), c.get("status"))
        colour = {"late": "yellow", "missing": "red"}.get(c.get("status"), "grey")
        rows.append(
            [
                (esc(c.get("department_name") or c.get("department_code")), False),
                (pill(label, colour), False),
                (esc(c.get("days_late") if c.get("days_late") is not None else "—"), True),
            ]
        )
    table = _table(["部门", "情况", "逾期天数"], rows, "本期所有应报部门均按时报送。")
    return f"<p>{summary}</p>{progress_bar(r.get('rate'), None, 'green')}{table}"


def quality_section(data: ReportData) -> str:
    q = data.quality
    rows = [
        [
            (esc(OUTCOME_ZH.get(x.get("outcome"), x.get("outcome"))), False),
            (esc("是" if x.get("is_blocking") else "否"), False),
            (esc(x.get("dataset")), False),
            (esc(x.get("check_name")), False),
            (esc(x.get("message")), False),
        ]
        for x in data.quality_rows
    ]
    # The run id stays in manifest.json: the files themselves only depend on the data (byte-identical replays).
    head = f"<p>最近一次质量检查：共 {q.n_checks} 项，失败 {q.n_failed} 项，警告 {q.n_warned} 项。</p>"
    return head + _table(["结果", "阻断性", "数据集", "检查项", "说明"], rows, "本期无失败或警告的检查。")


def revisions_section(data: ReportData) -> str:
    rows = []
    for x in data.revisions:
        fmt = (x.get("display_unit"), x.get("display_scale"), x.get("kind"))
        rows.append(
            [
                (esc(x.get("department_name")), False),
                (esc(H.period_label(x["period"]) if x.get("period") else ""), False),
                (esc(x.get("indicator_name")), False),
                (esc(x.get("prefecture_name")), False),
                (esc(H.format_figure(x.get("published_value"), *fmt)), True),
                (esc(H.format_figure(x.get("revised_value"), *fmt)), True),
            ]
        )
    return _table(["部门", "报送期", "指标", "地区", "已发布值", "修订后值"], rows, "本期没有发布后的修订。")


def _figure(row: ProgressRow, value: float | None) -> str:
    unit = H.unit_text(row.display_unit or row.unit)
    return H.format_figure(value, unit, row.display_scale, row.kind)


def _indicators(data: ReportData) -> list:
    """The targets the workbook's main table lists (one per indicator and target year), so the
    briefing counts what 总览 counts."""
    from exports.tables import target_rows

    return sorted(target_rows(data), key=lambda r: (r.indicator_order, r.indicator_id, r.target_year or 0))


def overall_paragraph(data: ReportData) -> str:
    """总体情况, written from the data: how many targets are met, the main gaps, the trend since
    last month, who has not reported."""
    rows = _indicators(data)
    n = len(rows)
    achieved = sum(1 for r in rows if r.status_code == "achieved")
    attention = [r for r in rows if r.status_code in S.ATTENTION_CODES]
    attention.sort(key=lambda r: (S.ATTENTION_ORDER.index(r.status_code), r.indicator_order))
    no_data = sum(1 for r in rows if r.status_code == "no_data")
    better = sum(1 for r in rows if _trend(r) == "↑")
    worse = sum(1 for r in rows if _trend(r) == "↓")
    n_indicators = len({r.indicator_id for r in rows})
    parts = [
        f"截至{H.period_label(data.period)}，方案 {n_indicators} 项指标的 {n} 个目标中已完成 {achieved} 个"
    ]
    by_status = {code: sum(1 for r in rows if r.status_code == code) for code in S.STATUS_ORDER}
    others = [f"{S.STATUS_LABELS[c]} {by_status[c]} 个" for c in S.STATUS_ORDER[1:] if by_status[c]]
    if others:
        parts.append("，" + "，".join(others))
    text = "".join(parts) + "。"
    if attention:
        names = "、".join(f"{r.indicator_name}（{r.target_year}年）" for r in attention[:3])
        more = f"等 {len(attention)} 个目标" if len(attention) > 3 else ""
        text += f"主要差距：{names}{more}。"
    if better or worse:
        text += f"与上月相比，{better} 个目标状态好转，{worse} 个退步。"
    missing = [c.get("department_name") for c in data.compliance if c.get("status") == "missing"]
    late = [c.get("department_name") for c in data.compliance if c.get("status") == "late"]
    if missing:
        text += f"本期未报送：{'、'.join(missing)}。"
    if late:
        text += f"逾期报送：{'、'.join(late)}。"
    if not missing and not late and data.compliance:
        text += "各应报部门均已按时报送。"
    if no_data:
        text += f"{no_data} 个目标暂无数据。"
    stale = sum(1 for r in rows if r.is_stale)
    if stale:
        text += f"{stale} 个目标的最新数据未按月更新（{S.FLAG_LABELS.get('stale', '数据未更新')}）。"
    return text


def _trend(row: ProgressRow) -> str:
    from exports.tables import status_trend

    return status_trend(row)


def exceptions_section(data: ReportData) -> str:
    """The indicators not achieved and needing attention (逾期未完成, 滞后, 存在风险), worst first."""
    rows = [r for r in _indicators(data) if r.status_code in S.ATTENTION_CODES]
    rows.sort(key=lambda r: (S.ATTENTION_ORDER.index(r.status_code), r.indicator_order))
    body = []
    for r in rows[:EXCEPTIONS_SHOWN]:
        target = "建成" if r.kind == "milestone" else _figure(r, r.target_value)
        stale = f"<br><small>{esc(r.as_of_text)}</small>" if r.is_stale else ""
        body.append(
            f'<tr data-indicator="{esc(r.indicator_id)}" data-status="{esc(r.status_code)}">'
            f"<td>{esc(r.indicator_name)}</td><td>{pill(r.status_label, r.status_colour)} {esc(_trend(r))}</td>"
            f'<td class="num">{esc(_figure(r, r.latest_actual))}{stale}</td>'
            f'<td class="num">{esc(r.target_year or "")}年 {esc(target)}</td>'
            f'<td class="num">{esc(H.format_percent(r.completion_rate))}</td><td>{esc(r.lead_department)}</td></tr>'
        )
    if not body:
        return '<p class="legend">本期没有逾期、滞后或存在风险的指标。</p>'
    head = "".join(f"<th>{h}</th>" for h in ("指标", "状态", "最新值", "目标", "完成率", "牵头单位"))
    more = (
        f'<p class="legend">以上为最紧急的 {EXCEPTIONS_SHOWN} 个，共 {len(rows)} 个目标需关注，'
        f"全部见《责任分解表进展》“{esc(S.SHEET_RESPONSIBILITY)}”表（按进展状态筛选）。</p>"
        if len(rows) > EXCEPTIONS_SHOWN
        else ""
    )
    return (
        f'<div class="table-wrap"><table class="exceptions"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>{more}"
    )


# The briefing stays a one-minute read of at most 4 A4 pages (measured on the demo: 5 with every
# target needing attention at 2022-12, or with five remarks at 2024-12); the workbook lists them all.
EXCEPTIONS_SHOWN = 20
REMARKS_SHOWN = 3


def remarks_section(data: ReportData) -> str:
    """The departments' remarks (备注) of the period, the first few in the plan's order, each naming
    its department, figure and place; the rest are on the workbook's 问题与建议 sheet."""
    if not data.remarks:
        return '<p class="legend">本期各部门未填写备注。</p>'
    items = []
    for r in data.remarks[:REMARKS_SHOWN]:
        what = (
            r.get("project_name") or r.get("project_code")
            if r.get("row_kind") == "project"
            else r.get("indicator_name_zh") or r.get("indicator_id")
        )
        place = f"（{r['prefecture_name_zh']}）" if r.get("prefecture_name_zh") else ""
        blank = "（未填报）" if r.get("row_status") == "blank" else ""
        items.append(
            f"<li>{esc(r.get('department_name_zh') or r.get('department_code'))} · {esc(what)}{esc(place)}{blank}："
            f"{esc(r.get('remark'))}</li>"
        )
    more = f"共 {len(data.remarks)} 条，" if len(data.remarks) > REMARKS_SHOWN else ""
    return (
        f'<ul class="remarks">{"".join(items)}</ul>'
        f'<p class="legend">{more}全部备注见《责任分解表进展》“{esc(S.SHEET_REMARKS)}”表。</p>'
    )


def rankings_section(data: ReportData) -> str:
    """One line per indicator reported by 市(州) among the plan's 主要目标 (then others, up to six):
    the first three and the last, 沿用上期 where a figure was carried forward."""
    by_indicator: dict[str, list[dict]] = {}
    for r in data.rankings:
        by_indicator.setdefault(r["indicator_id"], []).append(r)
    goals = [h.key for h in data.headlines if h.key in by_indicator]
    order = goals + [k for k in by_indicator if k not in goals]
    lines = []
    for key in order[:6]:
        rows = sorted(by_indicator[key], key=lambda r: r["rank"])

        def one(r: dict) -> str:
            unit = H.unit_text(r["display_unit"] or r["unit"])
            figure = H.format_figure(r["value"], unit, r["display_scale"], r["kind"])
            return f"{r['prefecture_name']} {figure}{'（沿用上期）' if r['is_carried_forward'] else ''}"

        top = "、".join(one(r) for r in rows[:3])
        last = f"；末位 {one(rows[-1])}" if len(rows) > 3 else ""
        lines.append(
            f'<li data-ranking="{esc(key)}"><b>{esc(rows[0]["indicator_name"])}</b>：前三 {esc(top)}{esc(last)}</li>'
        )
    if not lines:
        return '<p class="legend">本期没有按市(州)报送的指标数据。</p>'
    return f'<ul class="rankings">{"".join(lines)}</ul><p class="legend">各市(州)完整排名见《责任分解表进展》“{esc(S.SHEET_RANKINGS)}”表。</p>'


def render_briefing(data: ReportData) -> str:
    """总体情况 first, then the plan's 主要目标, the exceptions, reporting; quality and revisions in
    plain Chinese at the end. The full list of indicators is in the workbook."""
    summary = status_summary(data)
    counts = summary["status_counts"]
    period = H.period_label(data.period)
    q = data.quality
    first = ""
    if data.is_synthetic:
        first = f'<p class="synthetic" id="synthetic">{esc(S.SYNTHETIC_LABEL)}：本简报数字为合成数据，仅供演示，不得引用</p>'
    banner = ""
    if data.is_forced:
        reasons = "；".join(q.blocking_failures) or "本期没有质量检查记录"
        banner = (
            '<div class="banner forced" id="forced">警告：本简报经 --force 强制生成，本期存在未通过的阻断性数据质量检查'
            f"或缺少质量检查，数据仅供参考：{esc(reasons)}</div>"
        )
    goal_ids = {h.key for h in data.headlines}
    cards = "".join(headline_card(h) for h in data.headlines)
    if S.INVESTMENT_INDICATOR not in goal_ids:
        cards += investment_card(data)
    n = summary["n_indicators"]
    warnings = "".join(f"<li>{esc(w)}</li>" for w in data.leader_warnings)
    quality = ("<p>阻断性数据质量检查全部通过。</p>" if not data.is_forced else "") + (
        f"<ul>{warnings}</ul>" if warnings else ""
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{'【示例数据】' if data.is_synthetic else ''}{esc(S.WORKBOOK_TITLE)} 月度简报 {esc(period)}</title>",
        f"<style>{CSS}</style></head><body>",
        first,
        '<header class="top"><div class="inner">',
        f"<h1>贵州省新型基础设施建设月度简报（{esc(period)}）</h1>",
        f"<p>{esc(H.cutoff_label(data.period))}</p>",
        "</div></header><main>",
        banner,
        "<h2>一、总体情况</h2>",
        f'<div class="card summary" id="overall"><p>{esc(overall_paragraph(data))}</p>'
        f"{status_stack(counts)}{_legend(counts)}</div>",
        "<h2>二、主要目标</h2>",
        f'<div class="grid">{cards}</div>',
        f"<h2>三、需关注的指标（共 {n} 项指标，其余见《责任分解表进展》）</h2>",
        f'<div class="card">{exceptions_section(data)}</div>',
        "<h2>四、市(州)排名</h2>",
        f'<div class="card">{rankings_section(data)}</div>',
        "<h2>五、报送情况</h2>",
        f'<div class="card">{compliance_section(data)}</div>',
        "<h2>六、问题与建议</h2>",
        f'<div class="card">{remarks_section(data)}</div>',
        "<h2>七、数据质量与修订</h2>",
        f'<div class="card">{quality}{revisions_section(data)}</div>',
        f"<footer>{'示例数据（合成数据，非官方统计）。' if data.is_synthetic else ''}"
        f"详细数字见《责任分解表进展_{esc(data.period)}.xlsx》。</footer>",
        "</main></body></html>",
    ]
    if data.is_draft:  # docs/report.md "审核与签发 / sign-off"
        from exports.approval import draft_banner_html

        at = next(i for i, p in enumerate(parts) if p.endswith("<body>")) + 1
        parts.insert(at, draft_banner_html())
    return "\n".join(p for p in parts if p) + "\n"
