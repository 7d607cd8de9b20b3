"""Getting a source's bytes: HTTP (httpx) with timeouts, bounded retries, conditional requests and
integrity checks, or a local file read the same way.

Politeness (docs/public-stats.md): every request carries the User-Agent from settings
(NEWINFRA_HTTP_USER_AGENT), and ``HostThrottle`` keeps at least NEWINFRA_HTTP_MIN_DELAY seconds
between two requests to one host, retries included. What came back is judged by its content as
well as its status (``sniff``): an HTML page where data was expected (a portal's login or error
page served with 200, or reached through a redirect) fails the source with a reason and is never
parsed as data.

Retried (up to ``retries`` more attempts, waiting 0.5 s, 1 s, 2 s, ... in between): connection
errors, timeouts, HTTP 5xx. Not retried: HTTP 4xx, a wrong content type, a truncated body (the
server said Content-Length N and sent fewer bytes). A 304 to our If-None-Match/If-Modified-Since
is ``not_modified``. Every outcome is a ``Download``; nothing here raises for a bad source.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from ingestion.public_stats.config import Source
from ingestion.public_stats.settings import BACKOFF_BASE_S, BACKOFF_MAX_S

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
    final_url: str | None = None  # where the redirects ended, when not the URL asked for
    error_code: str | None = None
    error_zh: str | None = None
    error_en: str | None = None


def backoff(attempt: int) -> float:
    """Seconds to wait after failed attempt ``attempt`` (1-based): 0.5, 1, 2, 4, 8, 8, ..."""
    return min(BACKOFF_BASE_S * 2 ** (attempt - 1), BACKOFF_MAX_S)


@dataclass
class HostThrottle:
    """At least ``min_delay`` seconds between the starts of two requests to one host.

    ``clock`` and ``sleep`` are injectable so that a test can check the waits without timing.
    ``waits`` records (host, seconds waited) for every wait, for the tests and the record."""

    min_delay: float
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    last: dict[str, float] = field(default_factory=dict)
    waits: list[tuple[str, float]] = field(default_factory=list)
    _guard: threading.Lock = field(default_factory=threading.Lock)

    def wait(self, host: str) -> float:
        with self._guard:
            now = self.clock()
            previous = self.last.get(host)
            delay = 0.0 if previous is None else max(0.0, previous + self.min_delay - now)
            if delay > 0:
                self.waits.append((host, delay))
                self.sleep(delay)
                now = self.clock()
            self.last[host] = now
            return delay


def host_of(url: str) -> str:
    return httpx.URL(url).host.lower()


def make_client(connect_timeout: float, read_timeout: float, user_agent: str) -> httpx.Client:
    timeout = httpx.Timeout(
        connect=connect_timeout, read=read_timeout, write=read_timeout, pool=connect_timeout
    )
    return httpx.Client(timeout=timeout, follow_redirects=True, headers={"User-Agent": user_agent})


# What the body is, by its first bytes (the status and the Content-Type may lie) ----------------------
_HTML_START = re.compile(
    rb"^\s*(<!doctype\s+html|<html|<head|<body|<meta|<title|<script|<!--)", re.IGNORECASE
)
_LOGIN_MARKS = (
    re.compile(r"<input[^>]+type\s*=\s*[\"']?password", re.IGNORECASE),
    re.compile(r"<title[^>]*>[^<]*(登录|登陆|log\s*in|sign\s*in|验证码|统一身份认证)", re.IGNORECASE),
)
_ERROR_MARKS = re.compile(
    r"<title[^>]*>[^<]*(404|403|500|502|503|not\s+found|forbidden|error|错误|出错|页面不存在|访问受限|维护)",
    re.IGNORECASE,
)


def looks_like_html(body: bytes) -> bool:
    head = body[:2048].lstrip(b"\xef\xbb\xbf")
    return bool(_HTML_START.match(head))


def sniff(body: bytes, fmt: str, final_url: str | None = None) -> tuple[str, str, str] | None:
    """(code, zh, en) when the body is not what the format promises, else None.

    - any format but html: an HTML page (a login or error page) -> ``error_page``;
    - html: a page with a password field or a login title -> ``login_page``; an error title ->
      ``error_page``;
    - xlsx: not a zip; json/easyquery: not starting with { or [ (after a BOM and spaces)."""
    moved = f"（被重定向到 {final_url}）" if final_url else ""
    moved_en = f" (redirected to {final_url})" if final_url else ""
    if fmt != "html" and looks_like_html(body):
        text = body[:4096].decode("utf-8", "replace")
        kind_zh, kind_en = (
            ("登录页", "a login page")
            if any(m.search(text) for m in _LOGIN_MARKS)
            else ("网页（可能是错误页）", "an HTML page (an error page?)")
        )
        return (
            "error_page",
            f"应为 {fmt} 数据，收到的却是{kind_zh}{moved}；未作为数据解析",
            f"expected {fmt} data but received {kind_en}{moved_en}; not parsed as data",
        )
    if fmt == "html":
        text = body[:65536].decode("utf-8", "replace")
        if any(m.search(text) for m in _LOGIN_MARKS):
            return (
                "login_page",
                f"返回的是登录页{moved}，不是数据页；请检查地址或访问权限",
                f"the server returned a login page{moved_en}, not the statistics page",
            )
        if _ERROR_MARKS.search(text) and "<table" not in text.lower():
            return (
                "error_page",
                f"返回的是错误页{moved}，页面中没有表格",
                f"the server returned an error page{moved_en} with no table",
            )
    if fmt == "xlsx" and not body.startswith(b"PK"):
        return (
            "error_page",
            "应为 xlsx 文件，但内容不是 xlsx（开头不是 zip 签名）",
            "expected an xlsx file, but the content is not one (no zip signature)",
        )
    if fmt in ("json", "easyquery"):
        head = body[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
        if head and head[:1] not in (b"{", b"["):
            return (
                "error_page",
                f"应为 JSON，但内容不是 JSON（开头为 {head[:16]!r}）",
                f"expected JSON, but the content is not JSON (starts {head[:16]!r})",
            )
    return None


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
    throttle: HostThrottle | None = None,
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
        if throttle is not None:
            throttle.wait(host_of(url))
        try:
            with client.stream("GET", url, headers=headers) as resp:
                status = resp.status_code
                ctype = media_type(resp.headers.get("content-type"))
                final = str(resp.url)
                meta = {
                    "http_status": status,
                    "content_type": ctype,
                    "attempts": attempt,
                    "final_url": final if final != url else None,
                }
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
                        f"返回的内容类型 {ctype} 与格式 {source.format} 不符（可能是错误页或登录页）：{url}"
                        + (f"（被重定向到 {final}）" if final != url else ""),
                        f"content type {ctype} does not match format {source.format} "
                        f"(an error or login page?): {url}"
                        + (f" (redirected to {final})" if final != url else ""),
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
