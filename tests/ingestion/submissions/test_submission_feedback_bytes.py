"""The feedback workbook assembled directly (feedback._FastBook) is byte for byte the one xlsxwriter
writes with the same sheet functions; texts it does not reproduce go to xlsxwriter itself."""

from __future__ import annotations

import datetime as dt
import io
import random
import warnings
import zipfile

import pytest
from submission_helpers import PROJECT_ROWS  # noqa: F401  (puts the project root on sys.path)

from ingestion.submissions import constants, feedback
from newinfra.plan import load_plan

RECEIVED = dt.datetime(2024, 7, 3, 2, 0, 0)


def _ledger(status=constants.STATUS_PARTIAL, **over):
    ledger = {
        "file_id": "a" * 64, "content_sha256": "a" * 64, "original_name": "报送 & <数据>.xlsx",
        "sender_department_code": "CA", "department_code": "CA", "period": "2024-06",
        "received_at": RECEIVED, "status": status, "version": 2, "rows_total": 40, "rows_accepted": 37,
        "rows_rejected": 3, "rows_flagged": 1, "is_late": True, "is_after_publication": False,
        "quarantine_reason_code": None, "quarantine_reason_zh": None, "quarantine_reason_en": None,
    }  # fmt: skip
    ledger.update(over)
    return ledger


def _values(plan, n, rng):
    ids = sorted(plan.indicators)
    out = []
    for i in range(n):
        ind = ids[i % len(ids)]
        value = rng.choice([0.0, 1.0, 0.1, 1e20, 123456789.123, 66.5, 1.3, -0.0, 150000.0, 2.0 / 3.0])
        written = rng.choice(["", "15万", f"{value:g}", "１２３", "1,234", " 带空格 ", "a\nb", 'x"y&z<w>'])
        flag = rng.random() < 0.2
        out.append((
            "a" * 64, constants.SHEET_INDICATORS, 4 + i, "CA", "2024-06", ind, rng.choice(["GZ", "GY", "ZY"]), value,
            written, flag, "累计值低于上期" if flag else None, "below last period" if flag else None,
        ))  # fmt: skip
    return out


def _projects(n, rng):
    return [
        (
            "a" * 64, constants.SHEET_PROJECTS, 4 + i, "CA", "2024-06", f"XJ-CA-{i:03d}", f"项目 {i} <二期>", "broadband",
            "GY", 2.0e9, rng.choice([0.0, 125000.0, 1e7 / 3]), 1.5e8, rng.choice(list(constants.PROJECT_STATUSES)),
        )
        for i in range(n)
    ]  # fmt: skip


def _rejections(n, rng):
    return [
        (
            "a" * 64, rng.choice([constants.SHEET_INDICATORS, constants.SHEET_PROJECTS]), 4 + i, "本期数值（按计量单位填写）", "G",
            rng.choice(["约15万", "", "=SUM(A1:A2)", "15-20", "  ", "&amp;"]), "ambiguous_number",
            "“约15万”无法确定为一个数值", "'约15万' does not read as one exact number",
        )
        for i in range(n)
    ]  # fmt: skip


def _both(tmp_path, ledger, values, projects, rejections):
    plan = load_plan()
    fast = tmp_path / "fast.xlsx"
    feedback.write_feedback(fast, ledger, values, projects, rejections, plan, "Asia/Shanghai")
    slow = tmp_path / "slow.xlsx"
    feedback._write_xlsxwriter(slow, ledger, values, projects, rejections, plan, "Asia/Shanghai")
    return fast.read_bytes(), slow.read_bytes()


@pytest.mark.parametrize("seed", range(12))
def test_fast_feedback_is_xlsxwriters_bytes(tmp_path, seed):
    rng = random.Random(seed)
    plan = load_plan()
    status = [
        constants.STATUS_LOADED,
        constants.STATUS_PARTIAL,
        constants.STATUS_QUARANTINED,
        constants.STATUS_DUPLICATE,
    ][seed % 4]
    ledger = _ledger(status)
    if status == constants.STATUS_QUARANTINED:
        ledger.update(
            period=None, version=None, quarantine_reason_code="signature_mismatch",
            quarantine_reason_zh="模板签名与元数据不符", quarantine_reason_en="signature <mismatch> & co",
        )  # fmt: skip
    n_values, n_projects, n_rejections = [
        (0, 0, 0),
        (1, 0, 0),
        (15, 0, 1),
        (17, 3, 2),
        (40, 20, 18),
        (200, 35, 0),
    ][seed % 6]
    values, projects, rejections = (
        _values(plan, n_values, rng),
        _projects(n_projects, rng),
        _rejections(n_rejections, rng),
    )
    assert feedback._fast_parts(ledger, values, projects, rejections, plan, "Asia/Shanghai")  # not a fallback
    fast, slow = _both(tmp_path, ledger, values, projects, rejections)
    assert fast == slow


@pytest.mark.parametrize(
    "text", ["控制\x01字符", "_x0041_ escaped", "<r>rich</r>", "非字符\ufffe", "长" * 20_000]
)
def test_texts_the_fast_path_does_not_reproduce_go_to_xlsxwriter(tmp_path, text):
    plan = load_plan()
    ledger = _ledger(constants.STATUS_PARTIAL)
    rejections = _rejections(1, random.Random(0))
    rejections[0] = rejections[0][:5] + (text,) + rejections[0][6:]
    with pytest.raises(feedback._Unusual):
        feedback._fast_parts(ledger, [], [], rejections, plan, "Asia/Shanghai")
    fast, slow = _both(tmp_path, ledger, [], [], rejections)
    assert fast == slow


# --- The zip writer: zipfile's bytes, fixed parts deflated once per process ---------------------------------


def _zipfile_bytes(parts):
    """The archive as zipfile writes it with the calls xlsxwriter makes (the reference)."""
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about a duplicate name, and writes it
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=False) as zf:
            for name, data in parts:
                info = zipfile.ZipInfo(name, feedback._ZIP_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, data)
    return buffer.getvalue()


def _entry_sets():
    rng = random.Random(3)
    noise = bytes(rng.randrange(256) for _ in range(70_000))  # does not compress: deflate stores blocks
    xml = ("<row>" + "".join(f'<c r="A{i}"><v>{i * 7}</v></c>' for i in range(2_000)) + "</row>").encode()
    plan = load_plan()
    fast = feedback._fast_parts(
        _ledger(), _values(plan, 30, rng), _projects(4, rng), _rejections(5, rng), plan, "Asia/Shanghai"
    )
    return {
        "ascii": [("a.txt", b"hello zip"), ("cut\0here", b"named 'cut'"), ("dir/b.xml", xml)],
        "non-ascii content and name": [
            ("xl/sharedStrings.xml", "<si><t>报送反馈 贵州 — ✓ 𝔘</t></si>".encode()),
            ("反馈/说明.txt", "中文文件名".encode()),
        ],
        "empty entries": [("empty", b""), ("x", b"x"), ("also-empty/", b"")],
        "incompressible and duplicate name": [("n.bin", noise), ("n.bin", b"other"), ("z", b"z" * 100_000)],
        "a feedback": fast,
    }


@pytest.mark.parametrize("key", list(_entry_sets()))
def test_zip_writer_is_zipfiles_bytes_also_from_its_cache(key):
    parts = _entry_sets()[key]
    expected = _zipfile_bytes(parts)
    assert feedback._zip_bytes(parts) == expected
    names = [name for name, _ in parts]
    unique = [name for name in names if names.count(name) == 1]  # a repeated name is deflated each time
    cached = {name: feedback._DEFLATED[name] for name in unique}
    # the same contents again (one part a copy: equal, not the same object): nothing deflated again
    again = [(name, bytes(bytearray(data)) if i == 0 else data) for i, (name, data) in enumerate(parts)]
    assert feedback._zip_bytes(again) == expected
    assert all(feedback._DEFLATED[name] is cached[name] for name in unique)
    # one part changed (longer, or as long with one byte different): deflated afresh, the others cached
    name, data = parts[-1]
    for other in (data + "变".encode(), data[:-1] + bytes([data[-1] ^ 1]) if data else b"?"):
        changed = [*parts[:-1], (name, other)]
        assert feedback._zip_bytes(changed) == _zipfile_bytes(changed)
        assert feedback._DEFLATED[name] is not cached[name]
        assert all(feedback._DEFLATED[n] is cached[n] for n in unique if n != name)
        assert feedback._zip_bytes(parts) == expected  # and back


def test_zip_writer_constants_are_zipfiles():
    assert feedback._LOCAL_HEADER.format == zipfile.structFileHeader
    assert feedback._CENTRAL_HEADER.format == zipfile.structCentralDir
    assert feedback._END_RECORD.format == zipfile.structEndArchive.decode()
    assert feedback._VERSION == zipfile.DEFAULT_VERSION
    assert feedback._ZIP64_LIMIT == zipfile.ZIP64_LIMIT
    assert feedback._CREATE_SYSTEM == zipfile.ZipInfo("x").create_system


def test_fast_feedback_reads_back_with_openpyxl(tmp_path):
    import openpyxl

    rng = random.Random(11)
    plan = load_plan()
    values, rejections = _values(plan, 6, rng), _rejections(2, rng)
    path = tmp_path / "反馈.xlsx"
    for _ in range(2):  # the second time from the deflate cache
        feedback.write_feedback(path, _ledger(), values, [], rejections, plan, "Asia/Shanghai")
        with zipfile.ZipFile(path) as zf:
            assert zf.testzip() is None
        wb = openpyxl.load_workbook(path)
        assert wb.sheetnames == [
            constants.FEEDBACK_SHEET_SUMMARY, constants.FEEDBACK_SHEET_REJECTIONS, constants.FEEDBACK_SHEET_ACCEPTED,
            constants.FEEDBACK_SHEET_PROJECTS,
        ]  # fmt: skip
        summary = wb[constants.FEEDBACK_SHEET_SUMMARY]
        assert summary["A1"].value == "新型基础设施建设进展报送反馈 / submission feedback"
        assert summary["B3"].value == "报送 & <数据>.xlsx"
        assert wb.properties.title == "报送反馈 CA 2024-06"
        accepted = list(wb[constants.FEEDBACK_SHEET_ACCEPTED].iter_rows(min_row=2, values_only=True))
        assert [(row[0], row[3]) for row in accepted] == [(v[2], v[7]) for v in values]
        rejected = list(wb[constants.FEEDBACK_SHEET_REJECTIONS].iter_rows(min_row=2, values_only=True))
        assert [row[4] for row in rejected] == [r[5] for r in rejections]
