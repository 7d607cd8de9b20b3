"""The portal in a real browser: Debian's headless Chromium opens the index (and filters it), an
indicator page (the chart paints its canvas), a department page and the dbt docs, from file:// and
from `newinfra serve`. Each visit: no console message, no request outside the site (Chromium's
NetLog lists what the page asked for). Skipped with its reason where Chromium is absent
(`make system-deps` installs it)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from chromium import executable, visit
from portal_fixture import PERIOD

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(executable() is None, reason="chromium not installed (make system-deps installs it)"),
]


def _clean(v, inside: tuple[str, ...]) -> None:
    assert v.dom.strip(), f"empty DOM for {v.url}"
    assert v.console == [], v.console
    assert v.outside_requests(inside) == [], v.outside_requests(inside)


def _visible_rows(dom: str) -> list[str]:
    rows = re.findall(r"<tr ([^>]*data-indicator=\"[^\"]+\"[^>]*)>", dom)
    return [re.search(r'data-indicator="([^"]+)"', r).group(1) for r in rows if " hidden" not in f" {r}"]


def test_the_checker_sees_an_outside_request(tmp_path):
    """The request log is not blind: a page that loads from a CDN is caught."""
    page = tmp_path / "bad.html"
    page.write_text(
        '<!DOCTYPE html><img src="http://203.0.113.9/pixel.png"><script src="https://cdn.example.com/x.js"></script>',
        encoding="utf-8",
    )
    v = visit(page.as_uri(), budget_ms=2000)
    assert set(v.outside_requests(("file://",))) == {
        "http://203.0.113.9/pixel.png",
        "https://cdn.example.com/x.js",
    }


def test_index_filters(site, published):
    # a status and a sector that select some indicators but not all (whatever the progress rules say)
    status, sector = published.execute(
        "select status_code, sector from governance.fct_indicator_progress where period = ? "
        "group by all order by count(*) desc, status_code, sector limit 1",
        [PERIOD],
    ).fetchone()
    expected = {
        r[0]
        for r in published.execute(
            "select indicator_id from governance.fct_indicator_progress where period = ? "
            "and status_code = ? and sector = ?",
            [PERIOD, status, sector],
        ).fetchall()
    }
    assert 0 < len(expected) < 74
    everything = visit((site / "index.html").as_uri())
    _clean(everything, ("file://",))
    assert len(_visible_rows(everything.dom)) == 74
    filtered = visit((site / "index.html").as_uri() + f"?status={status}&sector={sector}")
    _clean(filtered, ("file://",))
    assert set(_visible_rows(filtered.dom)) == expected
    assert f'data-shown="{len(expected)}"' in filtered.dom
    searched = visit((site / "index.html").as_uri() + "?q=5G")
    assert set(_visible_rows(searched.dom)) == {
        r[0]
        for r in published.execute("select indicator_id from governance.dim_indicator where name_zh like '%5G%'")
        .fetchall()
    }  # fmt: skip


def test_indicator_page_chart_paints(site):
    v = visit((site / "indicators" / "dc_standard_racks.html").as_uri())
    _clean(v, ("file://",))
    holder = re.search(r'<div id="chart"[^>]*>', v.dom).group(0)
    assert 'data-rendered="true"' in holder
    painted = int(re.search(r'data-painted-pixels="(\d+)"', holder).group(1))
    assert painted > 5000, painted  # axes, lines, labels: far from an empty canvas
    assert "<canvas" in v.dom


def test_department_page(site):
    v = visit((site / "departments" / "BDB.html").as_uri())
    _clean(v, ("file://",))
    assert 'data-department="BDB"' in v.dom and "data-submission=" in v.dom


def test_dbt_docs_page_of_a_table(site):
    v = visit((site / "dbt-docs" / "index.html").as_uri() + "#!/model/model.newinfra.fct_indicator_progress")
    _clean(v, ("file://",))
    assert "fct_indicator_progress" in v.dom and "status_label_zh" in v.dom


def test_served_on_localhost(portal_home, tmp_path):
    """`newinfra serve --port 0` on 127.0.0.1: the pages load over HTTP, no request leaves the server."""
    home = portal_home[0]
    env = {**os.environ, "NEWINFRA_HOME": str(home), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", "serve", "--port", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert match, line
        base = f"http://127.0.0.1:{match.group(1)}/"
        for rel in ("index.html?dept=BDB", "indicators/g5_base_stations.html", "departments/CA.html"):
            v = visit(base + rel)
            _clean(v, (base,))
            assert any(u.startswith(base) for u in v.requests), v.requests  # the log saw the site's own files
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_screenshots_can_be_taken(site, tmp_path):
    from chromium import screenshots

    for path in screenshots(site, tmp_path):
        assert path.exists() and path.stat().st_size > 20_000
