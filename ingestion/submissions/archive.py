"""The archive: every received file hashed (sha256) and kept untouched under
``archive/<sha[:2]>/<sha>.<xlsx|csv|bin>`` before anything else happens to it, then parsed."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from ingestion.submissions.landing import Candidate
from newinfra.atomic import copy_new, write_new


def hash_stream(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def receipt_id(sha: str, cand: Candidate) -> str:
    text = f"receipt|{sha}|{cand.sender}|{cand.name}|{cand.sender_mtime.isoformat()}"
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class Prepared:
    sha: str
    archive_rel: str
    ext: str
    too_large: bool  # over the size limit: hashed and copied by streaming, never parsed
    data: bytes | None = None  # kept when prepared in this process
    outcome: tuple | None = None  # parsed ahead: ('ok', ParsedFile) or ('quarantine', Quarantine)


def prepare_file(
    path: str, size: int, home: str, max_upload: int, parse: tuple[int, float] | None, keep_data: bool
) -> Prepared:
    """Read, hash and archive a file untouched; then, if ``parse`` (the zip limits) is given, parse it.

    Runs in this process or in a worker (parse ahead); pure apart from the archive write."""
    from ingestion.common.files import archive_relpath, file_extension
    from ingestion.common.reasons import Quarantine
    from ingestion.submissions import readers

    source = Path(path)
    ext = file_extension(source.name)
    if size > max_upload:
        sha = hash_stream(source)
        archive_rel = archive_relpath(sha, source.name)
        copy_new(source, Path(home) / archive_rel, sync=False)
        return Prepared(sha, archive_rel, ext, True)
    data = source.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    archive_rel = archive_relpath(sha, source.name)
    write_new(Path(home) / archive_rel, data, sync=False)
    outcome = None
    if parse is not None and data:
        try:
            outcome = ("ok", readers.read(data, ext, parse[0], parse[1]))
        except Quarantine as q:
            outcome = ("quarantine", q)
    return Prepared(sha, archive_rel, ext, False, data if keep_data else None, outcome)
