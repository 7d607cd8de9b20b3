"""The import rule (docs/architecture.md): composition (pipeline, dags) > parts (exports, demo,
portal > quality, ingestion) > core (newinfra), and the three ingestion parts independent of each other.
The contracts are in pyproject.toml ([tool.importlinter]); `lint-imports` reads the real import
graph, so a back-arrow anywhere in the tree fails this test."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from newinfra.settings import PROJECT_ROOT

ROOT_PACKAGES = ("pipeline", "dags", "exports", "demo", "portal", "quality", "ingestion", "newinfra")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_imports(root: Path) -> subprocess.CompletedProcess:
    if not LINT_IMPORTS.exists():
        pytest.fail(f"{LINT_IMPORTS} is missing: run `make install` (import-linter is in the dev extra)")
    env = dict(os.environ, PYTHONPATH=str(root))  # before the editable install's finder
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(root / "pyproject.toml")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_tree_keeps_every_import_contract():
    proc = _lint_imports(PROJECT_ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout


@pytest.fixture()
def tree_copy(tmp_path) -> Path:
    """The root packages' Python files and pyproject.toml, copied (the real tree stays untouched)."""
    keep_py = shutil.ignore_patterns("__pycache__", "*.pyc", "target", "dbt_packages", "logs")
    for name in ROOT_PACKAGES:
        shutil.copytree(PROJECT_ROOT / name, tmp_path / name, ignore=keep_py)
    shutil.copy(PROJECT_ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


@pytest.mark.parametrize(
    ("module", "source", "arrow"),
    [
        # the core reaching up to the composition layer
        ("newinfra/back_arrow.py", "from pipeline import cli\n", "newinfra.back_arrow -> pipeline.cli"),
        # a part reaching up to a DAG helper
        (
            "quality/back_arrow.py",
            "import dags.common.constants\n",
            "quality.back_arrow -> dags.common.constants",
        ),
        # one ingestion part borrowing from another instead of ingestion.common
        (
            "ingestion/projects/borrow.py",
            "from ingestion.submissions import readers\n",
            "ingestion.projects.borrow -> ingestion.submissions.readers",
        ),
        # an import inside a function counts too
        (
            "newinfra/lazy.py",
            "def f():\n    from quality import run_checks\n    return run_checks\n",
            "newinfra.lazy -> quality",
        ),
    ],
)
def test_a_back_arrow_breaks_a_contract(tree_copy, module, source, arrow):
    (tree_copy / module).write_text(source, encoding="utf-8")
    proc = _lint_imports(tree_copy)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "1 broken" in proc.stdout
    assert arrow in proc.stdout
