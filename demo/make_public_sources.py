"""Regenerate the demo public-statistics files in demo/public_sources/ (示例数据，非官方统计).

    python -m demo.make_public_sources            # (re)write the three files
    python -m demo.make_public_sources --check    # exit 1 if the shipped files are out of date

Write mode: overwrite, deterministic (the same seeds give byte-identical files; the xlsx has a fixed
creation date and zip times). Values come from demo/curves.py, the same "true" trajectories as the
departments' demo submissions, times ``public_factor`` so the published figures differ a little (and
once per source by 8%, for the reconciliation flag). Each file says it is synthetic in its title and
sources.yml marks it ``is_synthetic: true``. The files, in the units a publisher would use:

- ``telecom_monthly.csv``: 省通信管理局-style monthly statistics, 2022-01..2024-12, province (the sum
  of the printed prefecture figures) and prefectures: 5G基站数 (万个), 通信光缆线路长度 (万公里), 蜂窝物联网终端用户数 (万户), and province-only
  互联网省际出口带宽 (Gbps); plus one indicator the plan does not track (固定互联网宽带接入用户数), which
  the loader reports as unmapped.
- ``stats_yearbook.xlsx``: a 统计年鉴-style table (title block, header row, unit row, notes below),
  province, 2022–2024, five indicators in 万架 / 万个 / 万公里 / 万Gbps / 亿元.
- ``health_telemedicine.json``: the health commission's monthly cumulative telemedicine
  person-times (万人次), province, 2022-01..2024-12.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from demo.curves import curve_for, public_factor, split_by_prefecture
from newinfra.periods import PLAN_FIRST, PLAN_LAST, parse_period, period_range
from newinfra.plan import Plan, load_plan

OUT_DIR = Path(__file__).resolve().parent / "public_sources"
SYNTHETIC = "示例数据，非官方统计"
PROVINCE = "GZ"

TELECOM_SOURCE = "telecom_monthly"
YEARBOOK_SOURCE = "stats_yearbook"
HEALTH_SOURCE = "health_telemedicine"

# (indicator_id, label as published, unit as published, base units per published unit, decimals, by prefecture)
TELECOM_INDICATORS = (
    ("g5_base_stations", "5G基站数", "万个", 10000, 2, True),
    ("fibre_cable_length_km", "通信光缆线路长度", "万公里", 10000, 2, True),
    ("iot_connections", "蜂窝物联网终端用户数", "万户", 10000, 2, True),
    ("outbound_bandwidth_gbps", "互联网省际出口带宽", "Gbps", 1, 0, False),
)
YEARBOOK_INDICATORS = (
    ("dc_standard_racks", "数据中心标准机架数", "万架", 10000, 2),
    ("g5_base_stations", "5G基站数", "万个", 10000, 2),
    ("fibre_cable_length_km", "通信光缆线路长度", "万公里", 10000, 1),
    ("outbound_bandwidth_gbps", "互联网出省带宽", "万Gbps", 10000, 2),
    ("key_project_investment", "新型基础设施重点项目累计完成投资", "亿元", 100_000_000, 1),
)
YEARS = (2022, 2023, 2024)


def _fmt(value: float, decimals: int) -> str:
    """Round half up to ``decimals`` places, as a publisher prints it."""
    return str(Decimal(repr(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))


def _published(plan: Plan, source: str, indicator_id: str, period: str) -> dict[str, float]:
    """Base-unit figures a publisher would print for one period: province, then prefectures."""
    total = curve_for(plan, indicator_id).value(period)
    figures = {PROVINCE: total * public_factor(source, indicator_id, PROVINCE, period)}
    if plan.indicators[indicator_id].is_by_prefecture:
        for code, part in split_by_prefecture(plan, indicator_id, total).items():
            figures[code] = part * public_factor(source, indicator_id, code, period)
    return figures


def _period_zh(period: str) -> str:
    year, month = parse_period(period)
    return f"{year}年{month:02d}月"


def telecom_csv(plan: Plan) -> bytes:
    names = {p.code: p.short_name_zh for p in plan.prefectures.values()}
    names[PROVINCE] = "全省"
    order = [PROVINCE] + [p.code for p in sorted(plan.sub_prefectures, key=lambda p: p.code != "GY")]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([f"贵州省通信业主要指标月度统计（{SYNTHETIC}）"])
    writer.writerow([f"发布单位：贵州省通信管理局（示例）。本文件为演示用合成数据，{SYNTHETIC}。"])
    writer.writerow(["统计月份", "地区", "指标名称", "计量单位", "本月末累计"])
    for period in period_range(PLAN_FIRST, PLAN_LAST):
        for indicator_id, label, unit, per_unit, decimals, by_prefecture in TELECOM_INDICATORS:
            figures = _published(plan, TELECOM_SOURCE, indicator_id, period)
            printed = {code: _fmt(value / per_unit, decimals) for code, value in figures.items()}
            if by_prefecture and plan.indicators[indicator_id].is_additive:
                # 全省 is the sum of the printed 市(州) figures, as the bureau's own tables add up
                printed[PROVINCE] = str(sum(Decimal(v) for c, v in printed.items() if c != PROVINCE))
            for code in order if by_prefecture else [PROVINCE]:
                if code in printed:
                    writer.writerow([_period_zh(period), names[code], label, unit, printed[code]])
        # an indicator the plan does not track: the loader counts it as unmapped, never drops it silently
        m = period_range(PLAN_FIRST, period).__len__()
        writer.writerow(
            [_period_zh(period), "全省", "固定互联网宽带接入用户数", "万户", _fmt(1250 + 4.5 * m, 2)]
        )
    writer.writerow([])
    writer.writerow([f"注：{SYNTHETIC}。数值由 demo/curves.py 生成，仅供演示平台功能。"])
    return out.getvalue().encode("utf-8-sig")


def yearbook_xlsx(plan: Plan) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {"in_memory": True})
    wb.set_properties(
        {
            "title": "新型基础设施建设主要指标（示例数据，非官方统计）",
            "author": "newinfra demo",
            "created": dt.datetime(2025, 1, 1),
        }
    )
    ws = wb.add_worksheet("表7-12")
    title = wb.add_format({"bold": True, "font_size": 14, "align": "center"})
    note = wb.add_format({"italic": True, "font_color": "#C00000", "align": "center"})
    right = wb.add_format({"align": "right"})
    head = wb.add_format(
        {"bold": True, "border": 1, "align": "center", "valign": "vcenter", "text_wrap": True}
    )
    unit = wb.add_format({"border": 1, "align": "center", "font_size": 9})
    number = wb.add_format({"border": 1, "num_format": "0.00"})
    year_fmt = wb.add_format({"border": 1, "align": "center"})
    last_col = len(YEARBOOK_INDICATORS)
    ws.merge_range(0, 0, 0, last_col, "7-12  新型基础设施建设主要指标（2022—2024年）", title)
    ws.merge_range(1, 0, 1, last_col, f"{SYNTHETIC}（演示用合成数据，不是贵州省统计局发布的数据）", note)
    ws.merge_range(2, 0, 2, last_col, "资料来源：贵州省统计局（示例）", right)
    ws.write(3, 0, "年份", head)
    ws.write(4, 0, "单位", unit)
    for col, (_, label, unit_text, _, _) in enumerate(YEARBOOK_INDICATORS, start=1):
        ws.write(3, col, label, head)
        ws.write(4, col, unit_text, unit)
        ws.set_column(col, col, 16)
    ws.set_column(0, 0, 10)
    ws.set_row(3, 32)
    for row, year in enumerate(YEARS, start=5):
        ws.write_number(row, 0, year, year_fmt)
        for col, (indicator_id, _, _, per_unit, decimals) in enumerate(YEARBOOK_INDICATORS, start=1):
            value = _published(plan, YEARBOOK_SOURCE, indicator_id, f"{year}-12")[PROVINCE]
            ws.write_number(row, col, float(_fmt(value / per_unit, decimals)), number)
    notes_row = 5 + len(YEARS) + 1
    ws.write(notes_row, 0, f"注：{SYNTHETIC}。数值由 demo/curves.py 生成，仅供演示平台功能。")
    ws.write(notes_row + 1, 0, "    互联网出省带宽为年末数；重点项目投资为自2022年起累计。")
    wb.close()
    return buffer.getvalue()


def health_json(plan: Plan) -> bytes:
    records = []
    for period in period_range(PLAN_FIRST, PLAN_LAST):
        value = _published(plan, HEALTH_SOURCE, "telemedicine_person_times", period)[PROVINCE]
        records.append(
            {
                "period": period,
                "region": "贵州省",
                "indicator": "远程医疗服务累计人次",
                "value": float(_fmt(value / 10000, 2)),
                "unit": "万人次",
            }
        )
    doc = {
        "title": f"贵州省远程医疗服务开展情况（月度，{SYNTHETIC}）",
        "notice": SYNTHETIC,
        "description": "演示用合成数据，数值由 demo/curves.py 生成，不是贵州省卫生健康委员会发布的数据。"
        " Synthetic demo data, not official statistics.",
        "publisher": "贵州省卫生健康委员会（示例）",
        "unit": "万人次",
        "data": records,
    }
    return (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def build(plan: Plan | None = None) -> dict[str, bytes]:
    """File name -> bytes of every demo public source."""
    plan = plan or load_plan()
    return {
        "telecom_monthly.csv": telecom_csv(plan),
        "stats_yearbook.xlsx": yearbook_xlsx(plan),
        "health_telemedicine.json": health_json(plan),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    parser.add_argument("--check", action="store_true", help="exit 1 if the files on disk are out of date")
    args = parser.parse_args(argv)
    files = build()
    stale = [
        name
        for name, data in files.items()
        if not (args.out / name).exists() or (args.out / name).read_bytes() != data
    ]
    if args.check:
        for name in stale:
            print(f"过期 out of date: {args.out / name}")
        return 1 if stale else 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (args.out / name).write_bytes(data)
        print(
            f"{'已更新 updated' if name in stale else '未变化 unchanged'}: {args.out / name} ({len(data)} bytes)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
