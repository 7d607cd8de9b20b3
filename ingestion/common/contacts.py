"""Free text people type beside the figures: a remark (备注), the contact person (填报人) and a phone
number (联系电话). Cleaned, never guessed: a phone number that does not read as a Chinese mobile or
landline number is kept as written and flagged, with the reason (docs/architecture.md, "Remarks and
contacts").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ingestion.common.cells import as_written

# A remark that says nothing: kept as no remark (null), so that "无" does not show as a remark.
EMPTY_REMARKS = frozenset(
    {"无", "无。", "暂无", "/", "-", "--", "—", "——", "－", "／", "n/a", "na", "none", "null"}
)
REMARK_MAX_CHARS = 1000  # longer text is cut here, with a visible mark (a cell can hold 32,767)

_CONTROL = re.compile(r"[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u200b-\u200f\u2028\u2029\ufeff]")
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")
_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}·])\s+(?=[{_CJK}·])")


def clean_remark(value: object) -> str | None:
    """A 备注 cell as stored: line breaks kept (as \\n), runs of spaces made one, invisible and control
    characters dropped, ends stripped; None when empty or a placeholder (无, /, -)."""
    if value is None:
        return None
    text = as_written(value).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    text = "\n".join(line for line in lines if line).strip()
    if not text or text.lower() in EMPTY_REMARKS:
        return None
    if len(text) > REMARK_MAX_CHARS:
        text = text[: REMARK_MAX_CHARS - 1] + "…"
    return text


def clean_name(value: object) -> str | None:
    """A person's name (填报人): width normalised (full-width letters), spaces between Chinese characters
    removed (张  三 -> 张三), other runs of spaces made one; None when empty."""
    if value is None:
        return None
    text = unicodedata.normalize("NFKC", as_written(value))
    text = _CONTROL.sub("", text).replace("\n", " ")
    text = _SPACES.sub(" ", text).strip()
    text = _SPACE_BETWEEN_CJK.sub("", text)
    if not text or text.lower() in EMPTY_REMARKS:
        return None
    return text[:100]


@dataclass(frozen=True)
class Phone:
    """A phone cell: ``text`` normalised when plausible (13812345678, 0851-86812345, 0851-86812345转123;
    several joined by '、'), else the text as written; ``flag_zh``/``flag_en`` say why it is not
    plausible (None when it is, or when the cell is empty)."""

    text: str | None
    as_written: str | None
    flag_zh: str | None = None
    flag_en: str | None = None

    @property
    def is_plausible(self) -> bool | None:
        return None if self.text is None else self.flag_zh is None


_MOBILE = re.compile(r"1[3-9]\d{9}")
# area code 0 + 2-3 digits (010, 020-029: 3 digits in all; others 4), then a 7-8 digit number
_AREA_NUMBER = re.compile(r"(0(?:10|2\d|[3-9]\d{2}))(\d{7,8})")
_EXTENSION = re.compile(r"^(.*?)(?:转|分机|ext\.?|x|#)\s*(\d{1,6})$", re.I)
_SPLIT = re.compile(r"[/、;；,，]|\s{2,}|或")
_SEPARATORS = re.compile(r"[\s\-()（）.·]")


def _one_phone(part: str) -> tuple[str | None, str | None, str | None]:
    """(normalised, reason_zh, reason_en) of one number."""
    text = part.strip()
    ext = None
    m = _EXTENSION.match(text)
    if m:
        text, ext = m.group(1).strip(" -"), m.group(2)
    digits = _SEPARATORS.sub("", text)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13 and _MOBILE.fullmatch(digits[2:]):
        digits = digits[2:]
    if not digits.isdigit():
        return None, f"“{part}”含有数字以外的字符", f"'{part}' holds characters other than digits"
    if _MOBILE.fullmatch(digits) and ext is None:
        return digits, None, None
    m = _AREA_NUMBER.fullmatch(digits)
    if m:
        number = f"{m.group(1)}-{m.group(2)}"
        return (number + (f"转{ext}" if ext else "")), None, None
    if len(digits) in (7, 8) and not digits.startswith("0"):
        return None, f"“{part}”缺少区号（如 0851-）", f"'{part}' has no area code (e.g. 0851-)"
    return (
        None,
        f"“{part}”不是有效的手机号（11位）或固定电话（区号+7至8位号码）",
        f"'{part}' is neither a mobile number (11 digits) nor a landline (area code + 7-8 digits)",
    )


def parse_phone(value: object) -> Phone:
    """A 联系电话 cell read as one or more Chinese phone numbers; never completed or corrected."""
    if value is None:
        return Phone(None, None)
    written = _CONTROL.sub("", as_written(value)).replace("\n", " ").strip()[:100]
    text = unicodedata.normalize("NFKC", written)
    if not text or text.lower() in EMPTY_REMARKS:
        return Phone(None, None)
    parts = [p for p in _SPLIT.split(text) if p.strip()]
    numbers, reasons_zh, reasons_en = [], [], []
    for part in parts:
        number, zh, en = _one_phone(part)
        if number is None:
            reasons_zh.append(zh)
            reasons_en.append(en)
        else:
            numbers.append(number)
    if reasons_zh or not numbers:
        return Phone(
            written,
            written,
            "联系电话存疑，原样保存：" + "；".join(reasons_zh or ["未识别出号码"]),
            "phone number kept as written, not plausible: " + "; ".join(reasons_en or ["no number found"]),
        )
    return Phone("、".join(numbers), written)
