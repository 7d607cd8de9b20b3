"""Write a file so that readers see the old file or the whole new one, never half of it: write a
temporary file beside the target, flush it to disk, then rename it over the target (``os.replace``
is atomic on one file system)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def _temporary(target: Path) -> Path:
    return target.with_name(f".{target.name}.{os.getpid()}.tmp")


def write_with(target: Path, write: Callable[[BinaryIO], object], sync: bool = True) -> Path:
    """Create ``target`` atomically from what ``write(fh)`` writes into an open binary file.

    ``sync=False`` leaves the flush to the caller (a run that writes many files syncs once)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temporary(target)
    try:
        with open(tmp, "wb") as fh:
            write(fh)
            if sync:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def write_bytes(target: Path, data: bytes, sync: bool = True) -> Path:
    """Replace ``target`` with ``data`` atomically."""
    return write_with(target, lambda fh: fh.write(data), sync=sync)


def write_new(target: Path, data: bytes, sync: bool = True) -> Path:
    """Write ``data`` atomically unless ``target`` exists (content-addressed files: same name, same bytes)."""
    target = Path(target)
    if target.exists():
        return target
    return write_bytes(target, data, sync=sync)


def copy_new(source: Path, target: Path, sync: bool = True) -> Path:
    """Copy ``source`` atomically unless ``target`` exists."""
    target = Path(target)
    if target.exists():
        return target
    with open(source, "rb") as src:
        return write_with(target, lambda fh: shutil.copyfileobj(src, fh, 1 << 20), sync=sync)
