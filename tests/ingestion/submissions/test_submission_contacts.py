"""Remarks (备注) and contacts (填报人 / 联系电话): cleaned, stored per row and per file, a phone number
that is not plausible kept as written and flagged, never guessed (docs/architecture.md)."""

from __future__ import annotations

import openpyxl
import pytest
from submission_helpers import ON_TIME, PERIOD, csv_bytes, good_values, query

from demo.fill import fill_template
from ingestion.common.contacts import clean_name, clean_remark, parse_phone
from ingestion.submissions import constants, ingest_paths
from newinfra.plan import load_plan

PLAN = load_plan()


@pytest.mark.parametrize(
    ("written", "stored", "plausible"),
    [
        ("13812345678", "13812345678", True),
        ("138 1234 5678", "13812345678", True),
        ("+86 138-1234-5678", "13812345678", True),
        ("１３８１２３４５６７８", "13812345678", True),  # full-width digits
        (13812345678.0, "13812345678", True),  # typed as a number in Excel
        ("0851-86812345", "0851-86812345", True),
        ("(0851)86812345", "0851-86812345", True),
        ("0851 8681 2345 转 123", "0851-86812345转123", True),
        ("010-12345678", "010-12345678", True),
        ("0851-86812345/13812345678", "0851-86812345、13812345678", True),
        # not plausible: kept as written, flagged, never completed
        ("86812345", "86812345", False),  # no area code: not guessed to be 0851
        ("1381234567", "1381234567", False),  # a digit short
        ("12345678901", "12345678901", False),  # not a mobile prefix
        ("待定", "待定", False),
        ("0851-86812345-123", "0851-86812345-123", False),  # an extension or a typo? not guessed
        (None, None, None),
        ("  ", None, None),
        ("无", None, None),
    ],
)
def test_phone_numbers_are_normalised_or_flagged(written, stored, plausible):
    phone = parse_phone(written)
    assert phone.text == stored
    assert phone.is_plausible is plausible
    if plausible is False:
        assert phone.flag_zh.startswith("联系电话存疑，原样保存") and phone.flag_en
        assert phone.as_written == str(written).strip()
    else:
        assert phone.flag_zh is None


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        (" 张  三 ", "张三"),
        ("王 小 明", "王小明"),
        ("Li  Ming", "Li Ming"),
        ("ＬＩ Ming", "LI Ming"),
        ("", None),
        (None, None),
    ],
)
def test_names_are_cleaned(written, stored):
    assert clean_name(written) == stored


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        (" 本月数据\r\n\r\n 待统计局核定\u200b  ", "本月数据\n待统计局核定"),
        ("含  两个　空格", "含 两个 空格"),
        ("无", None),
        ("—", None),
        ("   ", None),
        (12.0, "12"),
        ("x" * 1200, "x" * 999 + "…"),
    ],
)
def test_remarks_are_cleaned(written, stored):
    assert clean_remark(written) == stored


def _guide_cells(path) -> dict[str, object]:
    ws = openpyxl.load_workbook(path)[constants.SHEET_GUIDE]
    return {str(r[0]).strip(): r[1] for r in ws.iter_rows(values_only=True) if r and r[0]}


def test_the_template_asks_for_contact_and_phone(maker):
    template = maker.template()
    cells = _guide_cells(template)
    assert "填报人" in cells and "联系电话" in cells
    assert cells["填报人"] is None and cells["联系电话"] is None  # left for the department
    ws = openpyxl.load_workbook(template)[constants.SHEET_GUIDE]
    labels = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1)}
    for label in ("填报人", "联系电话"):
        assert ws.cell(labels[label], 2).protection.locked is False  # an input cell in a protected sheet


def test_remarks_and_contacts_are_stored_per_row_and_per_file(settings, maker):
    values = good_values(PLAN, "CA")
    blank_key, rejected_key, noted_key = (
        ("g5_base_stations", "GY"),
        ("g5_base_stations", "ZY"),
        ("g5_base_stations", "AS"),
    )
    values.pop(blank_key)
    values[rejected_key] = "约15万"
    notes = {
        noted_key: "  含室分站点\r\n 1,200 个 ",
        blank_key: "贵阳市数据待统计局核定，下月补报",
        rejected_key: "估算数",
        ("g5_base_stations", "LPS"): "无",  # a placeholder is no remark
    }
    filled = fill_template(
        maker.template(), values, out_path=maker.tmp / "filled.xlsx", notes=notes,
        contacts={"contact_name": " 张  三 ", "contact_phone": "0851 8681 2345"},
    )  # fmt: skip
    maker.drop(filled, "CA", "报送.xlsx", ON_TIME)
    [result] = ingest_paths(settings)
    assert result.status == "partially_loaded"
    [contact] = query(
        settings,
        "select contact_name, contact_phone, contact_phone_as_written, contact_phone_flag_zh "
        "from raw.submission_files",
    )
    assert contact == ("张三", "0851-86812345", "0851 8681 2345", None)
    stored = dict(
        ((ind, pref), note)
        for ind, pref, note in query(
            settings,
            "select indicator_id, prefecture_code, note from raw.submission_values where note is not null",
        )
    )
    assert stored == {noted_key: "含室分站点\n1,200 个"}
    assert query(settings, "select indicator_id, prefecture_code, note from raw.submission_blanks") == [
        (*blank_key, "贵阳市数据待统计局核定，下月补报")
    ]
    assert query(settings, "select reason_code, note from raw.submission_rejections") == [
        ("ambiguous_number", "估算数")
    ]
    summary = {
        str(r[0]).strip(): str(r[1])
        for r in openpyxl.load_workbook(settings.home / result.feedback_path)[
            constants.FEEDBACK_SHEET_SUMMARY
        ].iter_rows(values_only=True)
        if r[0] and len(r) > 1
    }
    assert summary["填报人 / contact"] == "张三" and summary["联系电话 / phone"] == "0851-86812345"


def test_an_implausible_phone_is_kept_as_written_and_flagged(settings, maker):
    filled = fill_template(
        maker.template(), good_values(PLAN, "CA"), out_path=maker.tmp / "filled.xlsx",
        contacts={"contact_name": "李四", "contact_phone": "8681234"},
    )  # fmt: skip
    maker.drop(filled, "CA", "报送.xlsx", ON_TIME)
    [result] = ingest_paths(settings)
    assert result.status == "loaded"  # a contact never stops a file
    [(phone, written, flag_zh, flag_en)] = query(
        settings,
        "select contact_phone, contact_phone_as_written, contact_phone_flag_zh, contact_phone_flag_en "
        "from raw.submission_files",
    )
    assert phone == written == "8681234"
    assert "缺少区号" in flag_zh and "area code" in flag_en


def test_a_file_without_contacts_still_loads_with_empty_contacts(settings, maker):
    maker.drop(maker.filled(), "CA", "报送.xlsx", ON_TIME)
    [result] = ingest_paths(settings)
    assert result.status == "loaded"
    assert query(
        settings, "select contact_name, contact_phone, contact_phone_flag_zh from raw.submission_files"
    ) == [(None, None, None)]


@pytest.mark.parametrize(
    "meta",
    [
        {"填报人": "王五", "联系电话": "13912345678"},
        {"contact_name": "王五", "contact_phone": "139-1234-5678"},
    ],
)
def test_a_csv_carries_contacts_in_its_metadata_lines(settings, maker, meta):
    maker.drop(csv_bytes(maker, meta_over=meta), "CA", "报送.csv", ON_TIME)
    [result] = ingest_paths(settings)
    assert result.status == "loaded" and result.period == PERIOD
    assert query(settings, "select contact_name, contact_phone from raw.submission_files") == [
        ("王五", "13912345678")
    ]


def test_remarks_and_contacts_reach_the_governance_marts(settings, maker):
    """Ingest real files, build the two marts with dbt, compare with what was typed (by hand)."""
    import datetime as dt

    from submission_helpers import LATE

    from newinfra.dbt import run_dbt

    gy, zy, as_ = ("g5_base_stations", "GY"), ("g5_base_stations", "ZY"), ("g5_base_stations", "AS")
    first = fill_template(
        maker.template(), good_values(PLAN, "CA"), out_path=maker.tmp / "v1.xlsx",
        notes={gy: "v1 贵阳备注", zy: "v1 遵义备注"},
        contacts={"contact_name": "张三", "contact_phone": "0851 8681 2345"},
    )  # fmt: skip
    values = good_values(PLAN, "CA")
    values.pop(as_)
    second = fill_template(
        maker.template(), values, out_path=maker.tmp / "v2.xlsx",
        notes={gy: "v2 贵阳备注", as_: "安顺数据待核定"},  # ZY repeated without a remark
        contacts={"contact_name": "李四", "contact_phone": "8681234"},
    )  # fmt: skip
    spoof = fill_template(  # BDB's template in CA's folder: quarantined, its contact is not CA's
        maker.template("BDB"), good_values(PLAN, "BDB"), out_path=maker.tmp / "spoof.xlsx",
        contacts={"contact_name": "王五", "contact_phone": "13912345678"},
    )  # fmt: skip
    maker.drop(first, "CA", "v1.xlsx", ON_TIME)
    maker.drop(second, "CA", "v2.xlsx", LATE)
    maker.drop(spoof, "CA", "spoof.xlsx", LATE + dt.timedelta(days=1))
    statuses = sorted(r.status for r in ingest_paths(settings))
    assert statuses == ["loaded", "loaded", "quarantined"]

    run_dbt(
        settings, "build", "--select", "+fct_submission_remarks", "+dim_department_contact",
        "--indirect-selection", "cautious",
    )  # fmt: skip
    remarks = query(
        settings,
        "select file_version, indicator_id, prefecture_code, remark, is_current, row_status, department_code, "
        "period from governance.fct_submission_remarks order by file_version, prefecture_code",
    )
    assert remarks == [
        (1, *gy, "v1 贵阳备注", False, "accepted", "CA", PERIOD),
        (1, *zy, "v1 遵义备注", False, "accepted", "CA", PERIOD),  # superseded by v2's row without remark
        (2, *as_, "安顺数据待核定", True, "blank", "CA", PERIOD),
        (2, *gy, "v2 贵阳备注", True, "accepted", "CA", PERIOD),
    ]
    contacts = {
        row[0]: row[1:]
        for row in query(
            settings,
            "select department_code, contact_name, contact_phone, contact_phone_is_plausible, contact_period, "
            "has_contact from governance.dim_department_contact",
        )
    }
    assert contacts["CA"] == ("李四", "8681234", False, PERIOD, True)  # the latest accepted file, flagged
    assert contacts["BDB"] == (None, None, None, None, False)  # the spoofed file vouches for nobody
    assert len(contacts) == len(PLAN.departments)
