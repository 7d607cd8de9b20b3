"""Why a received file is refused as a whole: the reason (code, Chinese, English) and ``Quarantine``,
the exception a reader raises with it. Shared by every ingestion part that reads people's files."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Reason:
    code: str
    zh: str
    en: str


FILE_REASONS: dict[str, tuple[str, str]] = {
    "spoof_landing_root": (
        "文件放在了接收目录的根目录，无法确认报送单位；请放入本单位目录 landing/<单位代码>/",
        "file was put at the landing root, so its sender is unknown; use landing/<department_code>/",
    ),
    "sender_unknown": (
        "无法确认报送单位（目录 {sender} 不是已知单位代码）",
        "the sender is unknown (folder {sender} is not a known department code)",
    ),
    "spoof_department_mismatch": (
        "文件元数据中的单位 {department} 与报送目录 {sender} 不一致，视为冒名报送",
        "the file's metadata names department {department} but it came from {sender}: treated as a spoof",
    ),
    "file_too_large": (
        "文件过大（{size} 字节，上限 {limit} 字节）",
        "file too large ({size} bytes, limit {limit})",
    ),
    "empty_file": ("文件为空", "the file is empty"),
    "unsupported_format": (
        "不支持的文件类型（只接受 .xlsx 模板或 .csv）",
        "unsupported file type (only the .xlsx template or .csv are accepted)",
    ),
    "legacy_or_encrypted": (
        "文件是旧版 .xls 或设置了打开密码，请用下发的 .xlsx 模板另存（不加密码）",
        "the file is a legacy .xls or password-protected; save it as the issued .xlsx template",
    ),
    "macro_enabled": (
        "文件含有宏（VBA），出于安全原因不予接收",
        "the file contains macros (VBA) and is refused for safety",
    ),
    "file_unreadable": (
        "文件已损坏或不是有效的 .xlsx 文件：{detail}",
        "the file is damaged or not a valid .xlsx: {detail}",
    ),
    "zip_bomb": (
        "文件解压后过大（{uncompressed} 字节，压缩比 {ratio:.0f}），疑似压缩炸弹，不予处理",
        "the file expands too much ({uncompressed} bytes, ratio {ratio:.0f}): refused as a zip bomb",
    ),
    "csv_encoding": (
        "CSV 文件编码无法识别（只接受 UTF-8、带 BOM 的 UTF-8 或 GB18030）",
        "CSV encoding not recognised (UTF-8, UTF-8 with BOM or GB18030 only)",
    ),
    "csv_malformed": ("CSV 文件格式错误：{detail}", "malformed CSV: {detail}"),
    "metadata_missing": (
        "缺少模板元数据（不是本平台下发的填报模板，或隐藏的元数据页被删除）",
        "template metadata missing (not an issued template, or the hidden metadata sheet was removed)",
    ),
    "metadata_incomplete": (
        "模板元数据不完整，缺少：{missing}",
        "template metadata incomplete, missing: {missing}",
    ),
    "template_version_unsupported": (
        "模板版本 {version} 不受支持（当前版本 {current}），请使用新下发的模板",
        "template version {version} is not supported (current {current}); use the newly issued template",
    ),
    "department_unknown": (
        "元数据中的单位代码 {department} 不存在",
        "unknown department code in metadata: {department}",
    ),
    "period_invalid": (
        "元数据中的报送期 {period} 无效（应为 YYYY-MM）",
        "invalid period in metadata: {period} (expected YYYY-MM)",
    ),
    "period_in_future": (
        "报送期 {period} 尚未开始，不能提前报送",
        "period {period} has not started yet; it cannot be reported",
    ),
    "signature_mismatch": (
        "模板签名与元数据不符（单位、报送期或模板版本被改动），请使用下发的原模板",
        "the template signature does not match its metadata (department, period or version edited)",
    ),
    "sheet_missing": (
        "缺少工作表“{sheet}”，请勿删除或改名模板中的工作表",
        "sheet '{sheet}' is missing; do not delete or rename the template's sheets",
    ),
    "header_mismatch": (
        "工作表“{sheet}”的表头被改动，缺少列：{missing}",
        "the header of sheet '{sheet}' was changed; missing columns: {missing}",
    ),
    "too_many_rows": (
        "工作表“{sheet}”行数过多（{rows} 行，上限 {limit} 行）",
        "sheet '{sheet}' has too many rows ({rows}, limit {limit})",
    ),
    "no_rows": ("文件中没有任何数据行", "the file has no data rows"),
}


def file_reason(code: str, **details: object) -> Reason:
    """The file-level reason ``code`` with its Chinese and English text filled from ``details``."""
    zh, en = FILE_REASONS[code]
    return Reason(code, zh.format(**details), en.format(**details))


class Quarantine(Exception):
    """A file-level problem: the whole file goes to quarantine with this reason."""

    def __init__(self, code: str, **details: object) -> None:
        self.reason = file_reason(code, **details)
        super().__init__(f"{code}: {self.reason.en}")

    @classmethod
    def of(cls, why: Reason) -> Quarantine:
        q = cls.__new__(cls)
        Exception.__init__(q, f"{why.code}: {why.en}")
        q.reason = why
        return q

    def __reduce__(self):  # picklable (workers parse files and send the outcome back)
        return (Quarantine.of, (self.reason,))
