"""The zip guard of .xlsx files (ingestion.common.files.inspect_zip): every entry read with zipfile under a cap,
with the same bytes as zipfile.read for good files and file_unreadable / zip_bomb for bad ones."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest

from ingestion.common import files
from ingestion.common.reasons import Quarantine
from ingestion.submissions import readers

BIG = 50_000_000
RATIO = 100.0


def _zip(entries: list[tuple[str, bytes, int]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data, method in entries:
            zf.writestr(zipfile.ZipInfo(name), data, compress_type=method)
    return buf.getvalue()


def _patch(data: bytes, name: str, **fields: int) -> bytes:
    """Rewrite the CRC / sizes / flag bits of ``name`` in both its local header and the directory."""
    out = bytearray(data)
    encoded = name.encode()
    local = {"flag_bits": (6, "<H"), "crc": (14, "<L"), "compress_size": (18, "<L"), "file_size": (22, "<L")}
    central = {
        "flag_bits": (8, "<H"),
        "crc": (16, "<L"),
        "compress_size": (20, "<L"),
        "file_size": (24, "<L"),
    }
    for magic, offsets, name_at in ((b"PK\x03\x04", local, 30), (b"PK\x01\x02", central, 46)):
        at = out.find(magic + b"", 0)
        while at != -1:
            if bytes(out[at + name_at : at + name_at + len(encoded)]) == encoded:
                for key, value in fields.items():
                    offset, fmt = offsets[key]
                    struct.pack_into(fmt, out, at + offset, value)
            at = out.find(magic, at + 4)
    return bytes(out)


WORKBOOK = (
    b'<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'
)
SHEET = "中文 ".encode() * 2_000


def _good() -> bytes:
    return _zip(
        [
            ("xl/workbook.xml", WORKBOOK, zipfile.ZIP_DEFLATED),
            ("xl/worksheets/sheet1.xml", SHEET, zipfile.ZIP_DEFLATED),
            ("xl/styles.xml", b"<styleSheet/>", zipfile.ZIP_STORED),
            ("docProps/empty.xml", b"", zipfile.ZIP_DEFLATED),
            ("xl/media/", b"", zipfile.ZIP_STORED),
        ]
    )


def _reason(data: bytes, limit: int = BIG, ratio: float = RATIO) -> str:
    with pytest.raises(Quarantine) as info:
        readers.inspect_zip(data, limit, ratio)
    return info.value.reason.code


def test_kept_parts_are_the_bytes_zipfile_reads(maker):
    for data in (_good(), maker.filled().read_bytes()):
        kept = readers.inspect_zip(data, BIG, RATIO)
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            expected = {i.filename: zf.read(i) for i in zf.infolist() if files._keep(i.filename)}
        assert kept == expected
        assert "xl/workbook.xml" in kept


def test_a_size_forged_smaller_is_unreadable_and_never_inflated_past_it():
    bomb = _zip(
        [
            ("xl/workbook.xml", WORKBOOK, zipfile.ZIP_DEFLATED),
            ("xl/pad.bin", b"\0" * 5_000_000, zipfile.ZIP_DEFLATED),
        ]
    )
    forged = _patch(bomb, "xl/pad.bin", file_size=100)
    assert _reason(bomb) == "zip_bomb"  # honest sizes: the declared total is over the ratio
    assert _reason(forged) == "file_unreadable"  # forged: it stops at 101 bytes, which do not match


def test_a_size_forged_larger_is_unreadable():
    assert (
        _reason(_patch(_good(), "xl/worksheets/sheet1.xml", file_size=len(SHEET) + 10)) == "file_unreadable"
    )


def test_a_bad_crc_is_unreadable():
    assert _reason(_patch(_good(), "xl/worksheets/sheet1.xml", crc=12345)) == "file_unreadable"


def test_damaged_compressed_bytes_are_unreadable():
    data = bytearray(_good())
    at = data.find(b"xl/worksheets/sheet1.xml") + len("xl/worksheets/sheet1.xml")
    data[at + 5 : at + 40] = b"\xff" * 35
    assert _reason(bytes(data)) == "file_unreadable"


def test_an_encrypted_entry_is_unreadable():
    assert _reason(_patch(_good(), "xl/worksheets/sheet1.xml", flag_bits=0x1)) == "file_unreadable"


def test_an_unknown_compression_method_is_unreadable():
    data = _zip([("xl/workbook.xml", WORKBOOK, zipfile.ZIP_BZIP2)])
    assert _reason(data) == "file_unreadable"


def test_the_total_limit_counts_what_was_inflated():
    data = _good()
    declared = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist())
    assert readers.inspect_zip(data, declared, RATIO)
    assert _reason(data, limit=declared - 1) == "zip_bomb"
