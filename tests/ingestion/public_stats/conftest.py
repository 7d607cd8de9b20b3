"""A real HTTP server on 127.0.0.1 (port 0, in a thread) serving the demo public-source files, and
misbehaving on purpose when a test asks it to.

``server.misbehave(path, *modes)`` queues behaviours for the next requests of one path; once the
queue is empty the file is served normally. Modes:

- ``"500"``: HTTP 500 with a small HTML body;
- ``"slow"``: wait (bounded: at most SLOW_SECONDS, released early when the server stops) before
  answering, far past the tests' 0.5 s read timeout;
- ``"truncate"``: Content-Length of the whole file, half of the body, then the connection closes;
- ``"half"``: the first half of the file with an honest Content-Length (only the parser can tell);
- ``"html"``: the file's bytes labelled ``text/html``.

``server.files`` (path -> bytes) may be extended by a test (a fixture of a real publisher's format);
``server.redirects`` (path -> path) answers 302 to another path, as a portal sending a client to
its login page does.

ETag/If-None-Match and Last-Modified/If-Modified-Since are honoured (304) when ``server.etags`` is on.
Every request is logged in ``server.requests`` (path, headers). Nothing here talks to any address
but 127.0.0.1.
"""

from __future__ import annotations

import collections
import hashlib
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from newinfra.settings import PROJECT_ROOT

# This folder mirrors the package (tests/ingestion/public_stats), and with pytest's default import
# mode tests/ lands on sys.path, so `ingestion.public_stats` would resolve to THIS folder as a
# namespace package. Put the project root first (a no-op once pytest's `pythonpath = ["."]` is set).
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))
for _name in [m for m in sys.modules if m == "ingestion" or m.startswith("ingestion.")]:
    if getattr(sys.modules[_name], "__file__", None) is None:  # a namespace stand-in for the real package
        del sys.modules[_name]

DEMO_DIR = PROJECT_ROOT / "demo" / "public_sources"
SLOW_SECONDS = 3.0
LAST_MODIFIED = "Tue, 31 Dec 2024 08:00:00 GMT"
TYPES = {
    ".csv": "text/csv; charset=utf-8",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".json": "application/json; charset=utf-8",
    ".html": "text/html; charset=utf-8",
}


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # keep pytest output clean
        pass

    def do_GET(self):  # noqa: N802 (http.server's name)
        srv = self.server
        path = self.path.split("?", 1)[0]
        with srv.guard:
            srv.requests.append((path, {k.lower(): v for k, v in self.headers.items()}))
            mode = srv.queue[path].popleft() if srv.queue[path] else "ok"
            body = srv.files.get(path)
            target = srv.redirects.get(path)
        if target is not None:
            self.send_response(302)
            self.send_header("Location", target)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if mode == "500":
            self._send(500, b"<html><body>Internal Server Error</body></html>", "text/html")
            return
        if mode == "slow":
            srv.stopping.wait(SLOW_SECONDS)
        if body is None:
            self._send(404, b"not found", "text/plain")
            return
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        ctype = TYPES.get(Path(path).suffix, "application/octet-stream")
        # RFC 9110: If-None-Match, when sent, decides alone; If-Modified-Since only without it
        inm, ims = self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
        if srv.etags and mode == "ok" and (inm == etag if inm is not None else ims == LAST_MODIFIED):
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        headers = {"ETag": etag, "Last-Modified": LAST_MODIFIED} if srv.etags else {}
        if mode == "truncate":
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if mode == "half":
            body = body[: len(body) // 2]
        if mode == "html":
            ctype = "text/html; charset=utf-8"
        self._send(200, body, ctype, headers)

    def _send(self, status: int, body: bytes, ctype: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.guard = threading.Lock()
        self.stopping = threading.Event()
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.queue: dict[str, collections.deque[str]] = collections.defaultdict(collections.deque)
        self.files = {f"/{p.name}": p.read_bytes() for p in DEMO_DIR.iterdir() if p.is_file()}
        self.redirects: dict[str, str] = {}
        self.etags = True

    def handle_error(self, request, client_address):
        # a slow handler that wakes after the client gave up writes into a closed socket: expected
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def misbehave(self, path: str, *modes: str) -> None:
        with self.guard:
            self.queue[path].extend(modes)

    def hits(self, path: str) -> list[dict[str, str]]:
        with self.guard:
            return [headers for p, headers in self.requests if p == path]


@pytest.fixture()
def server():
    srv = _Server()
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield srv
    finally:
        srv.stopping.set()  # release any slow handler at once
        srv.shutdown()
        srv.server_close()
        thread.join(timeout=5)


def _no_proxies(monkeypatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


@pytest.fixture()
def http_settings(home, server, monkeypatch):
    """Settings whose sources point at the test server, with tiny timeouts and one retry."""
    from newinfra.settings import Settings

    _no_proxies(monkeypatch)
    monkeypatch.setenv("NEWINFRA_PUBLIC_SOURCES_BASE", server.base_url)
    monkeypatch.setenv("NEWINFRA_HTTP_CONNECT_TIMEOUT", "0.5")
    monkeypatch.setenv("NEWINFRA_HTTP_READ_TIMEOUT", "0.5")
    monkeypatch.setenv("NEWINFRA_HTTP_RETRIES", "1")
    monkeypatch.setenv("NEWINFRA_HTTP_MIN_DELAY", "0")  # the throttle has its own clock-driven tests
    return Settings.from_env()


@pytest.fixture()
def file_settings(home, monkeypatch):
    """Settings whose sources are the shipped demo files, read as file drops."""
    from newinfra.settings import Settings

    monkeypatch.delenv("NEWINFRA_PUBLIC_SOURCES_BASE", raising=False)
    return Settings.from_env()
