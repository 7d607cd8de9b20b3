"""The template's signature: HMAC-SHA256 of ``department_code|period|template_version`` with the
platform's template secret, written into the template and checked on receipt (no spoofed files)."""

from __future__ import annotations

import hashlib
import hmac


def sign(secret: str, department_code: str, period: str, template_version: str) -> str:
    """HMAC-SHA256 (hex) of ``department_code|period|template_version`` with the template secret."""
    message = f"{department_code}|{period}|{template_version}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_ok(
    secret: str, department_code: str, period: str, template_version: str, signature: str
) -> bool:
    expected = sign(secret, department_code, period, template_version)
    return hmac.compare_digest(expected, (signature or "").strip().lower())
