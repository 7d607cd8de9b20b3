"""When a file arrived: the platform's clock, or an explicit, recorded declaration.

The platform decides lateness with its own clock: a landing file's ``received_at`` is the time of the
scan that first found it complete (``source = 'scan'``). Its modification time is kept as
``sender_mtime``, for information only: a sender (or an SFTP client that preserves timestamps) sets it.

A backlog the scan never saw (onboarding, the demo's 2022–2024 replay, files handed over later) gets
its arrival time from a declaration, marked ``source = 'declared'`` with its basis in the ledger:

- an arrival manifest: a CSV in ``NEWINFRA_HOME/arrivals/`` (the transfer server's upload log, or an
  operator's list), or given with ``newinfra ingest --arrivals FILE``; columns ``path`` (relative to
  the landing folder, e.g. ``CA/报送.xlsx``), ``sha256`` (of the bytes), ``received_at`` (ISO 8601
  with its UTC offset, e.g. ``2024-07-03T10:00:00+08:00``) and ``source`` (who says so). A row
  applies only to those bytes at that path: a file changed or resent later is timed by the scan.
- ``newinfra ingest PATH --received-at 2024-07-03T10:00+08:00``: for every file of that run.

README, "Submissions", says the same for people.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from newinfra.errors import UserInputError

ARRIVALS_DIR = "arrivals"
MANIFEST_COLUMNS = ("path", "sha256", "received_at", "source")
SOURCE_SCAN = "scan"
SOURCE_DECLARED = "declared"


@dataclass(frozen=True)
class Declared:
    received_at: dt.datetime  # naive UTC
    basis: str  # where the time comes from, for the ledger (received_at_basis)
    sha256: str | None = None  # the bytes it applies to (None: --received-at, whatever the bytes)


def parse_instant(text: str, where: str) -> dt.datetime:
    """An ISO 8601 time with its UTC offset -> naive UTC. A time without an offset is refused: it
    would be read in some zone nobody chose."""
    try:
        value = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise UserInputError(
            f"{where}：到达时间“{text}”无效，应为带时区的 ISO 8601 时间，如 2024-07-03T10:00:00+08:00",
            f"{where}: arrival time '{text}' is not an ISO 8601 time with its UTC offset "
            "(e.g. 2024-07-03T10:00:00+08:00)",
        )
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def read_manifest(path: Path) -> dict[str, Declared]:
    """landing-relative path -> its declared arrival (for the bytes ``sha256``), from one manifest CSV."""
    out: dict[str, Declared] = {}
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in MANIFEST_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise UserInputError(
                    f"到达清单 {path.name} 缺少列：{', '.join(missing)}",
                    f"arrival manifest {path.name} lacks columns: {', '.join(missing)}",
                )
            for row in reader:
                where = f"{path.name} 第{reader.line_num}行 / line {reader.line_num}"
                rel = (row["path"] or "").strip().replace("\\", "/").lstrip("/")
                sha = (row["sha256"] or "").strip().lower()
                if not rel or len(sha) != 64:
                    raise UserInputError(
                        f"{where}：path 或 sha256 缺失/无效", f"{where}: path or sha256 missing or invalid"
                    )
                source = (row["source"] or "").strip() or "未注明 / unstated"
                when = parse_instant(row["received_at"] or "", where)
                out[rel] = Declared(when, f"{path.name}: {source}", sha)
    except OSError as exc:
        raise UserInputError(
            f"无法读取到达清单 {path}：{exc}", f"cannot read arrival manifest {path}: {exc}"
        ) from exc
    return out


DEMO_MANIFEST = "demo/demo_manifest.json"  # the demo's upload log (demo/generate.py)


def read_demo_manifest(path: Path) -> dict[str, Declared]:
    """The synthetic demo's files, as its generator says they were uploaded (2022–2024)."""
    import json

    data = json.loads(path.read_text(encoding="utf-8"))
    out: dict[str, Declared] = {}
    for f in data.get("files", []):
        rel = str(f.get("path", "")).removeprefix("landing/")
        if rel and f.get("sha256") and f.get("received_at"):
            when = parse_instant(str(f["received_at"]), DEMO_MANIFEST)
            out[rel] = Declared(
                when, f"{DEMO_MANIFEST}: 示例数据的上传记录 / the demo's upload log", f["sha256"]
            )
    return out


def load_declared(home: Path, extra: Path | None = None) -> dict[str, Declared]:
    """Every declaration: the demo's upload log (a demo home), ``NEWINFRA_HOME/arrivals/*.csv`` (in
    name order; a later file wins) and ``extra``."""
    out: dict[str, Declared] = {}
    demo = home / DEMO_MANIFEST
    if demo.is_file():
        out.update(read_demo_manifest(demo))
    folder = home / ARRIVALS_DIR
    files = sorted(folder.glob("*.csv")) if folder.is_dir() else []
    for path in [*files, *([extra] if extra else [])]:
        out.update(read_manifest(path))
    return out


def append_manifest(path: Path, rel: str, sha256: str, received_at: dt.datetime, source: str) -> None:
    """Add one declaration to a manifest CSV (``received_at``: naive UTC), writing the header first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    new = not path.exists()
    with path.open("a", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        if new:
            writer.writerow(MANIFEST_COLUMNS)
        writer.writerow([rel, sha256, received_at.isoformat() + "+00:00", source])


def landing_relpath(path: Path, landing: Path) -> str | None:
    try:
        return path.resolve().relative_to(landing.resolve()).as_posix()
    except ValueError:
        return None
