"""Getting a source's bytes: HTTP (httpx) with timeouts, bounded retries, conditional requests and
integrity checks, or a local file read the same way.

Retried (up to ``retries`` more attempts, waiting 0.5 s, 1 s, 2 s, ... in between): connection
errors, timeouts, HTTP 5xx. Not retried: HTTP 4xx, a wrong content type, a truncated body (the
server said Content-Length N and sent fewer bytes). A 304 to our If-None-Match/If-Modified-Since
is ``not_modified``. Every outcome is a ``Download``; nothing here raises for a bad source.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from ingestion.public_stats.config import Source
from ingestion.public_stats.settings import BACKOFF_BASE_S, BACKOFF_MAX_S, USER_AGENT

RETRY_TRANSPORT_ERRORS = (httpx.TimeoutException, httpx.ConnectError, httpx.ReadError, httpx.WriteError)


@dataclass(frozen=True)
class Download:
    status: str  # ok | not_modified | failed
    body: bytes | None = None  # the bytes received (also, for the record, a truncated or mistyped body)
    http_status: int | None = None
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    attempts: int = 0
    error_code: str | None = None
    error_zh: str | None = None
    error_en: str | None = None


def backoff(attempt: int) -> float:
    """Seconds to wait after failed attempt ``attempt`` (1-based): 0.5, 1, 2, 4, 8, 8, ..."""
    return min(BACKOFF_BASE_S * 2 ** (attempt - 1), BACKOFF_MAX_S)


def make_client(connect_timeout: float, read_timeout: float) -> httpx.Client:
    timeout = httpx.Timeout(
        connect=connect_timeout, read=read_timeout, write=read_timeout, pool=connect_timeout
    )
    return httpx.Client(timeout=timeout, follow_redirects=True, headers={"User-Agent": USER_AGENT})


def media_type(header: str | None) -> str | None:
    if not header:
        return None
    return header.split(";", 1)[0].strip().lower() or None


def _failed(code: str, zh: str, en: str, **kw) -> Download:
    return Download(status="failed", error_code=code, error_zh=zh, error_en=en, **kw)


def fetch_url(
    source: Source,
    client: httpx.Client,
    *,
    retries: int,
    max_bytes: int,
    etag: str | None = None,
    last_modified: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Download:
    url = source.location
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    attempts_allowed = 1 + max(0, retries)
    last: Download | None = None
    for attempt in range(1, attempts_allowed + 1):
        if attempt > 1:
            sleep(backoff(attempt - 1))
        try:
            with client.stream("GET", url, headers=headers) as resp:
                status = resp.status_code
                ctype = media_type(resp.headers.get("content-type"))
                meta = {"http_status": status, "content_type": ctype, "attempts": attempt}
                if status == 304:
                    return Download(
                        status="not_modified",
                        etag=resp.headers.get("etag") or etag,
                        last_modified=resp.headers.get("last-modified") or last_modified,
                        **meta,
                    )
                if status >= 500:
                    last = _failed(
                        "http_error",
                        f"服务器错误 HTTP {status}（{url}），共尝试 {attempt} 次",
                        f"server error HTTP {status} ({url}) after {attempt} attempt(s)",
                        **meta,
                    )
                    continue
                if not 200 <= status < 300:
                    return _failed(
                        "http_error",
                        f"请求被拒绝 HTTP {status}（{url}），不重试；请检查 sources.yml 中的地址",
                        f"HTTP {status} from {url}; not retried: check the location in sources.yml",
                        **meta,
                    )
                chunks: list[bytes] = []
                size = 0
                try:
                    for chunk in resp.iter_bytes():
                        size += len(chunk)
                        if size > max_bytes:
                            return _failed(
                                "too_large",
                                f"文件超过 {max_bytes} 字节上限（{url}）",
                                f"the file exceeds the {max_bytes}-byte limit ({url})",
                                **meta,
                            )
                        chunks.append(chunk)
                except httpx.RemoteProtocolError as exc:
                    body = b"".join(chunks)
                    expected = resp.headers.get("content-length")
                    return _failed(
                        "truncated",
                        f"下载不完整：收到 {len(body)} 字节，应为 {expected or '?'} 字节（{url}）",
                        f"incomplete download: got {len(body)} of {expected or '?'} bytes ({url}): {exc}",
                        body=body,
                        **meta,
                    )
                body = b"".join(chunks)
                expected = resp.headers.get("content-length")
                if expected and not resp.headers.get("content-encoding") and expected.isdigit():
                    if int(expected) != resp.num_bytes_downloaded:
                        return _failed(
                            "truncated",
                            f"下载不完整：收到 {resp.num_bytes_downloaded} 字节，应为 {expected} 字节（{url}）",
                            f"incomplete download: got {resp.num_bytes_downloaded} of {expected} bytes ({url})",
                            body=body,
                            **meta,
                        )
                if ctype is not None and ctype not in source.content_types:
                    return _failed(
                        "content_type",
                        f"返回的内容类型 {ctype} 与格式 {source.format} 不符（可能是错误页或登录页）：{url}",
                        f"content type {ctype} does not match format {source.format} "
                        f"(an error or login page?): {url}",
                        body=body,
                        **meta,
                    )
                return Download(
                    status="ok",
                    body=body,
                    etag=resp.headers.get("etag"),
                    last_modified=resp.headers.get("last-modified"),
                    **meta,
                )
        except httpx.TimeoutException as exc:
            kind = "连接" if isinstance(exc, httpx.ConnectTimeout) else "读取"
            kind_en = "connect" if isinstance(exc, httpx.ConnectTimeout) else "read"
            last = _failed(
                "timeout",
                f"{kind}超时（{url}），共尝试 {attempt} 次",
                f"{kind_en} timeout ({url}) after {attempt} attempt(s): {type(exc).__name__}",
                attempts=attempt,
            )
        except RETRY_TRANSPORT_ERRORS as exc:
            last = _failed(
                "connect_failed",
                f"无法连接数据源（{url}），共尝试 {attempt} 次：{exc}",
                f"could not reach the source ({url}) after {attempt} attempt(s): {exc}",
                attempts=attempt,
            )
        except httpx.HTTPError as exc:  # protocol errors before the body, bad URLs: not retried
            return _failed(
                "connect_failed",
                f"请求失败（{url}）：{exc}",
                f"request failed ({url}): {type(exc).__name__}: {exc}",
                attempts=attempt,
            )
    assert last is not None
    return last


def read_path(source: Source, *, max_bytes: int) -> Download:
    """A file drop: the same Download as an HTTP fetch (no content type, no conditional request)."""
    path = Path(source.location)
    if not path.is_file():
        return _failed(
            "not_found", f"文件不存在：{source.location_display}", f"file not found: {source.location_display}",
            attempts=1,
        )  # fmt: skip
    size = path.stat().st_size
    if size > max_bytes:
        return _failed(
            "too_large",
            f"文件超过 {max_bytes} 字节上限：{source.location_display}",
            f"the file exceeds the {max_bytes}-byte limit: {source.location_display}",
            attempts=1,
        )
    try:
        body = path.read_bytes()
    except OSError as exc:
        return _failed("not_found", f"无法读取文件：{exc}", f"cannot read the file: {exc}", attempts=1)
    return Download(status="ok", body=body, attempts=1)
