"""The dbt docs as one static file, with the catalog read from the published analysts' copy.

``dbt docs generate --static`` runs in a child process with a profile of its own (written to a
temporary folder): an in-memory DuckDB that ATTACHes ``published/marts.duckdb`` READ-ONLY under the
warehouse's catalog name, so the catalog (columns, types, row counts) is that of the tables analysts
and the portal read, and nothing can write to the copy. The single file ``static_index.html`` (the
manifest and catalog inlined) becomes ``<portal>/dbt-docs/index.html``; the portal links each table
to its page there (``#!/model/model.newinfra.<table>``). Models that are not published (staging,
intermediate) keep their descriptions but have no catalog columns. docs/portal.md.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from newinfra.dbt import dbt_env, dbt_executable
from newinfra.settings import DBT_PROJECT_DIR, Settings

WAREHOUSE_CATALOG = "warehouse"  # the catalog name dbt's manifest uses (the warehouse file's stem)

PROFILE = """\
newinfra:
  target: published
  outputs:
    published:
      type: duckdb
      path: ":memory:"
      database: {catalog}
      threads: 1
      attach:
        - path: {path}
          alias: {catalog}
          read_only: true
"""


def build_docs(settings: Settings, out_dir: Path) -> str:
    """Write ``out_dir/index.html``; return "built", or "failed: <reason>" (the portal is still
    published without the docs, and says so on its pages' links' target)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="newinfra-docs-") as tmp:
        tmp_path = Path(tmp)
        (tmp_path / "profiles.yml").write_text(
            PROFILE.format(catalog=WAREHOUSE_CATALOG, path=json.dumps(str(settings.published_warehouse))),
            encoding="utf-8",
        )
        # A manifest no older than the project's files (the last `newinfra build`'s, or `make
        # dbt-parse`'s): `--no-compile` reads it instead of compiling every node again (seconds
        # instead of tens of seconds). Without one, dbt compiles the project afresh.
        built_manifest = fresh_manifest(settings)
        no_compile = []
        if built_manifest is not None:
            (tmp_path / "target").mkdir()
            shutil.copyfile(built_manifest, tmp_path / "target" / "manifest.json")
            no_compile = ["--no-compile"]
        env = dbt_env(settings)
        env.update(
            DBT_PROFILES_DIR=str(tmp_path),
            DBT_TARGET_PATH=str(tmp_path / "target"),
            DBT_LOG_PATH=str(tmp_path / "logs"),
            DBT_SEND_ANONYMOUS_USAGE_STATS="False",
            DO_NOT_TRACK="1",
        )
        proc = subprocess.run(
            [dbt_executable(), "--log-format", "text", "docs", "generate", "--static", *no_compile],
            cwd=DBT_PROJECT_DIR,
            env=env,
            capture_output=True,
            text=True,
        )
        produced = tmp_path / "target" / "static_index.html"
        if proc.returncode != 0 or not produced.exists():
            tail = " | ".join((proc.stdout + proc.stderr).strip().splitlines()[-5:])
            write_placeholder(out_dir, f"dbt docs generate 失败（退出码 {proc.returncode}）：{tail}")
            return f"failed: dbt docs generate exit {proc.returncode}: {tail[:300]}"
        html = produced.read_text(encoding="utf-8")
        problem = _tracking_problem(html)
        if problem:
            write_placeholder(out_dir, problem)
            return f"failed: {problem}"
        tmp_out = out_dir / f".index.html.tmp-{os.getpid()}"
        tmp_out.write_text(html, encoding="utf-8")
        os.replace(tmp_out, out_dir / "index.html")
        catalog = tmp_path / "target" / "catalog.json"
        if catalog.exists():
            shutil.copyfile(catalog, out_dir / "catalog.json")
    return "built"


PROJECT_INPUTS = ("models", "seeds", "macros", "tests", "snapshots", "analyses")


def fresh_manifest(settings: Settings) -> Path | None:
    """The newest dbt manifest written after every file of the dbt project was last changed."""
    newest_input = (DBT_PROJECT_DIR / "dbt_project.yml").stat().st_mtime
    for folder in PROJECT_INPUTS:
        for path in (DBT_PROJECT_DIR / folder).rglob("*"):
            if path.is_file():
                newest_input = max(newest_input, path.stat().st_mtime)
    candidates = [
        settings.home / "dbt" / "target" / "manifest.json",
        DBT_PROJECT_DIR / "target" / "manifest.json",
    ]
    fresh = [p for p in candidates if p.exists() and p.stat().st_mtime >= newest_input]
    return max(fresh, key=lambda p: p.stat().st_mtime) if fresh else None


def _tracking_problem(html: str) -> str | None:
    """dbt's docs page loads a tracker from outside when the manifest says usage stats are on; the
    portal makes no request outside the site, so such a page is not published."""
    match = re.search(r'"send_anonymous_usage_stats"\s*:\s*(true|false)', html)
    if match and match.group(1) == "true":
        return "dbt 文档的 manifest 开启了使用统计（会向外部发请求），未发布 / usage stats on: not published"
    return None


def write_placeholder(out_dir: Path, reason: str) -> None:
    """A page saying why the docs are missing, where the portal's links expect them."""
    from html import escape

    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "index.html").write_text(
        '<!DOCTYPE html><html lang="zh-CN"><meta charset="utf-8"><title>dbt 文档未生成</title>'
        f'<body><h1>dbt 文档未生成</h1><p>{escape(reason)}</p><p><a href="../index.html">返回指标总览</a></p>'
        "</body></html>",
        encoding="utf-8",
    )
