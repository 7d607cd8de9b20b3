"""Where a received file's feedback workbook goes, from codes we validated (never from a sender's text)."""

from __future__ import annotations

import re

from ingestion.submissions import constants


def safe_path_part(text: str | None, fallback: str) -> str:
    """A path component from a code we validated (ASCII letters, digits, _ and -), else ``fallback``."""
    if text and re.fullmatch(r"[A-Za-z0-9_-]{1,32}", text):
        return text
    return fallback


def feedback_relpath(department: str, period: str | None, version: int | None, sha256: str) -> str:
    """feedback/<department>/<period>/反馈_<department>_<period>_v<version or sha8>.xlsx"""
    dept = safe_path_part(department, constants.UNKNOWN_SENDER)
    per = period if period and re.fullmatch(r"\d{4}-\d{2}", period) else "unknown"
    tag = f"v{version}" if version else sha256[:8]
    return f"feedback/{dept}/{per}/反馈_{dept}_{per}_{tag}.xlsx"
