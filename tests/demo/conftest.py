"""The demo package lives at the repository root (demo/); make it importable when pytest runs from
the console script (pyproject's package list does not include it yet)."""

from __future__ import annotations

import sys

from newinfra.settings import PROJECT_ROOT

if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))
