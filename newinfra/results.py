"""A stage's results as plain data: counts by status, and values made JSON-safe (for Airflow's XCom,
the task log and the CLI's ``--json``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any


def summarize(results: Sequence[Any], status_attr: str = "status") -> dict[str, int]:
    """Count results by their status (``FileResult``/``SourceResult`` objects or dicts)."""
    counts: dict[str, int] = {}
    for result in results:
        status = (
            result.get(status_attr) if isinstance(result, Mapping) else getattr(result, status_attr, None)
        )
        key = str(getattr(status, "value", status))
        counts[key] = counts.get(key, 0) + 1
    return counts


def to_jsonable(value: Any) -> Any:
    """A dataclass / Path / date result made JSON-safe for XCom and the task log."""
    import dataclasses
    import enum

    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    if isinstance(value, enum.Enum):
        return to_jsonable(value.value)
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
