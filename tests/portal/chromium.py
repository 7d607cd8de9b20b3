"""Headless Chromium (Debian's package) for the portal tests, without DevTools: each visit runs

    chromium --headless --dump-dom --enable-logging=stderr --log-net-log=<file> <url>

and returns the DOM after the page's scripts ran, the console messages Chromium printed, and every
URL the browser requested (from its NetLog, a JSON log of the network stack).

Also a command for the screenshots in docs/samples/ (docs/portal.md):

    .venv/bin/python tests/portal/chromium.py screenshots "$NEWINFRA_HOME/published/portal" docs/samples
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--metrics-recording-only",
    "--hide-scrollbars",
    "--lang=zh-CN",
]
# Console messages as Chromium prints them with --enable-logging=stderr: ...:CONSOLE(12)] "text", source: url (12)
CONSOLE = re.compile(r":CONSOLE\(\d+\)\]\s*(.*)$")


def executable() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class Visit:
    url: str
    dom: str
    console: list[str]
    requests: list[str]

    def outside_requests(self, allowed_prefixes: tuple[str, ...]) -> list[str]:
        """Requested URLs that are not inside the site (nor the browser's own internal schemes)."""
        internal = ("data:", "blob:", "chrome:", "chrome-extension:", "about:", "devtools:", "chrome-error:")
        return [u for u in self.requests if not u.startswith(allowed_prefixes + internal)]


def _netlog_urls(path: Path) -> list[str]:
    """URLs the pages asked for: the NetLog's URL_REQUEST_START_JOB events with an initiator. The
    browser's own background requests (update checks, account lookups) carry the initiator
    'not an origin' and are left out; a page's request carries its origin ('null' for file://)."""
    if not path.exists():
        return []
    text = path.read_text(encoding="utf-8", errors="replace").rstrip()
    if not text.endswith("}"):  # a log cut short at exit: close the events array
        text = text.rstrip(",\n ") + "]}"
    data = json.loads(text)
    start_job = data["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    urls = []
    for event in data.get("events", []):
        params = event.get("params") or {}
        if event.get("type") != start_job or not isinstance(params.get("url"), str):
            continue
        if params.get("initiator", "") == "not an origin":
            continue
        urls.append(params["url"])
    return sorted(set(urls))


def visit(
    url: str, *, budget_ms: int = 8000, window: str = "1280,1800", screenshot: Path | None = None
) -> Visit:
    exe = executable()
    if exe is None:
        raise RuntimeError("chromium not installed")
    with tempfile.TemporaryDirectory(prefix="portal-chromium-") as tmp:
        tmp_path = Path(tmp)
        netlog = tmp_path / "netlog.json"
        args = [
            exe,
            *FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            "--enable-logging=stderr",
            "--v=0",
            f"--log-net-log={netlog}",
            f"--virtual-time-budget={budget_ms}",
            f"--window-size={window}",
        ]
        if screenshot is not None:
            args.append(f"--screenshot={screenshot}")
        else:
            args.append("--dump-dom")
        proc = subprocess.run([*args, url], capture_output=True, text=True, timeout=180)
        console = []
        for line in proc.stderr.splitlines():
            match = CONSOLE.search(line)
            if match:
                console.append(match.group(1))
        return Visit(url=url, dom=proc.stdout, console=console, requests=_netlog_urls(netlog))


def screenshots(site: Path, out: Path, indicator: str = "dc_standard_racks") -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    shots = [
        (site / "index.html", out / "portal_index.png", "1280,1600"),
        (site / "indicators" / f"{indicator}.html", out / "portal_indicator.png", "1280,2400"),
    ]
    for page, target, window in shots:
        visit(page.resolve().as_uri(), screenshot=target.resolve(), window=window)
    return [target for _, target, _ in shots]


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "screenshots":
        for path in screenshots(Path(sys.argv[2]), Path(sys.argv[3]), *sys.argv[4:5]):
            print(path)
    else:
        print(__doc__)
        sys.exit(2)
