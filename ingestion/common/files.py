"""Reading a received file safely: its kind (xlsx or csv) from its bytes, the zip container opened
under a size and ratio limit (the zip-bomb guard), CSV text in the encodings offices use, and
where its bytes are archived. Every refusal is a ``Quarantine`` with its reason."""

from __future__ import annotations

import codecs
import io
import zipfile
import zlib

from ingestion.common.reasons import Quarantine

OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")  # legacy .xls, and password-protected .xlsx
ZIP_MAGIC = b"PK\x03\x04"
MAX_ZIP_ENTRIES = 2_000
ARCHIVE_EXTENSIONS = ("xlsx", "csv")  # anything else is archived as .bin (and quarantined)


def sniff(data: bytes, ext: str) -> str:
    """The format to read ``data`` as ('xlsx' or 'csv'), or Quarantine with the reason."""
    if not data:
        raise Quarantine("empty_file")
    if data.startswith(OLE_MAGIC):
        raise Quarantine("legacy_or_encrypted")
    if ext == "xlsx":
        if not data.startswith(ZIP_MAGIC):
            raise Quarantine("file_unreadable", detail="不是 zip/xlsx 格式 (not a zip container)")
        return "xlsx"
    if ext == "csv":
        if data.startswith(ZIP_MAGIC):
            raise Quarantine("unsupported_format")
        return "csv"
    raise Quarantine("unsupported_format")


def _keep(name: str) -> bool:
    return name in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml") or (
        name.startswith("xl/worksheets/") and name.endswith(".xml")
    )


def inspect_zip(data: bytes, max_uncompressed: int, max_ratio: float) -> dict[str, bytes]:
    """Decompress every entry with a cap (zip-bomb guard); return the bytes of the parts we read.

    Read with :mod:`zipfile`; each entry is read at most up to its declared size and never past the
    run's limit (``read(n)`` stops there, so a forged size cannot make it inflate more), and zipfile
    checks its CRC when the entry is read to its end. Only stored and deflated entries are read (what
    Excel writes); a damaged, encrypted or other entry is file_unreadable.
    """
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise Quarantine("file_unreadable", detail=str(exc)[:200]) from exc
    if len(infos) > MAX_ZIP_ENTRIES:
        raise Quarantine("zip_bomb", uncompressed=sum(i.file_size for i in infos), ratio=0.0)
    declared = sum(i.file_size for i in infos)
    limit = min(max_uncompressed, int(max_ratio * max(len(data), 1)))
    if declared > limit:
        raise Quarantine("zip_bomb", uncompressed=declared, ratio=declared / max(len(data), 1))
    names = {i.filename for i in infos}
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise Quarantine("macro_enabled")
    if "xl/workbook.xml" not in names:
        raise Quarantine("file_unreadable", detail="缺少 xl/workbook.xml (no workbook part)")
    kept: dict[str, bytes] = {}
    total = 0
    with zf:
        for info in infos:
            if info.is_dir():
                continue
            content = _read_entry(zf, info, limit - total)
            total += len(content)
            if total > limit:
                raise Quarantine("zip_bomb", uncompressed=total, ratio=total / max(len(data), 1))
            if _keep(info.filename):
                kept[info.filename] = content
    return kept


def _unreadable(detail: str) -> Quarantine:
    return Quarantine("file_unreadable", detail=f"{detail[:200]}")


def _read_entry(zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> bytes:
    """One entry's bytes: at most ``budget + 1`` (the caller sees the bomb) and never more than the
    entry's declared size; a bytes count that differs from the declared size is file_unreadable."""
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise _unreadable(f"{info.filename}: compression method {info.compress_type}")
    if info.flag_bits & 0x1:
        raise _unreadable(f"{info.filename}: encrypted")
    cap = min(info.file_size, max(budget, 0)) + 1
    try:
        with zf.open(info) as fh:
            content = fh.read(cap)
    except (zipfile.BadZipFile, EOFError, zlib.error, OSError, RuntimeError, NotImplementedError) as exc:
        raise _unreadable(f"{info.filename}: {exc}") from exc
    if len(content) > budget:
        return content  # over the limit: the caller raises zip_bomb
    if len(content) != info.file_size:
        raise _unreadable(f"{info.filename}: size does not match the zip directory")
    return content


def decode_csv(data: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-8 with BOM, UTF-8, then GB18030, each strict; else Quarantine."""
    candidates = ("utf-8-sig",) if data.startswith(codecs.BOM_UTF8) else ("utf-8", "gb18030")
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:  # UTF-16 and binary files decode to NULs
            break
        return text, encoding
    raise Quarantine("csv_encoding")


def archive_relpath(sha256: str, original_name: str) -> str:
    ext = original_name.rsplit(".", 1)[-1].lower() if "." in original_name else ""
    if ext not in ARCHIVE_EXTENSIONS:
        ext = "bin"
    return f"archive/{sha256[:2]}/{sha256}.{ext}"


def file_extension(original_name: str) -> str:
    ext = original_name.rsplit(".", 1)[-1].lower() if "." in original_name else ""
    return ext if ext in ARCHIVE_EXTENSIONS else "bin"
