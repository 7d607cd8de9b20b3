"""Assemble, check and publish the monthly package folder NEWINFRA_HOME/exports/YYYY-MM/.

Steps: quality gate -> read the published marts -> render workbook, briefing, next period's
templates (and the optional PDF) into exports/.tmp-YYYY-MM-*/ -> manifest -> move into place
(the previous package becomes YYYY-MM.prev) -> record the publication in ops.report_publications.
A package folder is therefore complete or absent, never half-written.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from exports import helpers as H
from exports import settings as S
from exports.model import ReportData
from newinfra import __version__
from newinfra.errors import PlatformError
from newinfra.periods import parse_period
from newinfra.settings import Settings


@dataclass(frozen=True)
class PackageResult:
    """What ``build_package`` wrote. ``path`` is the final package folder."""

    period: str
    path: Path
    files: list[dict[str, Any]]
    manifest_sha256: str
    snapshot_id: str
    is_forced: bool
    replaced_previous: bool
    pdf: dict[str, Any]
    quality: dict[str, Any]
    status_counts: dict[str, int]
    notes: list[str] = field(default_factory=list)

    @property
    def manifest_path(self) -> Path:
        return self.path / S.MANIFEST_NAME

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["path"] = str(self.path)
        return d


def package_dir(settings: Settings, period: str) -> Path:
    return settings.exports / period


def generated_at(data: ReportData) -> str:
    """The manifest's generated_at: the package's own date (the explicit ``--issued-on``, else the
    period's last day), never the wall clock nor the transform's build time, so the same inputs give
    the same bytes (docs/report.md). The wall-clock time of each build is recorded in
    ops.report_publications.published_at."""
    return H.package_timestamp(data).isoformat()


def file_entry(root: Path, path: Path, kind: str, **extra: Any) -> dict[str, Any]:
    return {
        "path": path.relative_to(root).as_posix(),
        "kind": kind,
        "size": path.stat().st_size,
        "sha256": H.sha256_file(path),
        **extra,
    }


def build_manifest(
    data: ReportData,
    files: list[dict[str, Any]],
    pdf: dict[str, Any],
    force_requested: bool,
    summary: dict[str, Any],
) -> dict[str, Any]:
    q = data.quality
    return {
        "manifest_version": S.MANIFEST_VERSION,
        "period": data.period,
        "next_period": data.next_period,
        "generated_at": generated_at(data),
        "generated_at_basis": "issued_on" if data.issued_on else "period_end",
        "snapshot_id": data.snapshot_id,
        "is_forced": data.is_forced,
        "force_requested": force_requested,
        "is_draft": data.is_draft,
        "is_synthetic": data.is_synthetic,
        "synthetic_label": S.SYNTHETIC_LABEL if data.is_synthetic else None,
        "synthetic_inputs": list(data.synthetic_inputs),
        "issued_on": data.issued_on.isoformat() if data.issued_on else None,
        "quality": {
            "run_id": q.run_id,
            "checked_at": q.checked_at.isoformat() if q.checked_at else None,
            "checks": q.n_checks,
            "failed": q.n_failed,
            "warned": q.n_warned,
            "blocking_failures": list(q.blocking_failures),
        },
        "indicators": summary.get("n_indicators"),
        "targets": summary.get("n_targets"),  # the status counts are per target (indicator x year)
        "status_counts": {code: summary["status_counts"].get(code, 0) for code in S.STATUS_ORDER},
        "files": sorted(files, key=lambda f: f["path"]),
        "pdf": pdf,
        "generator": {"name": "newinfra", "version": __version__},
    }


def manifest_bytes(manifest: dict[str, Any]) -> bytes:
    return (json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=False) + "\n").encode("utf-8")


def verify_manifest(folder: Path) -> list[str]:
    """Problems found when checking a package folder against its manifest ([] = all good)."""
    manifest = json.loads((folder / S.MANIFEST_NAME).read_text(encoding="utf-8"))
    problems = []
    listed = set()
    for entry in manifest["files"]:
        path = folder / entry["path"]
        listed.add(entry["path"])
        if not path.is_file():
            problems.append(f"missing: {entry['path']}")
            continue
        if path.stat().st_size != entry["size"]:
            problems.append(f"size differs: {entry['path']}")
        if H.sha256_file(path) != entry["sha256"]:
            problems.append(f"sha256 differs: {entry['path']}")
    for path in folder.rglob("*"):
        rel = path.relative_to(folder).as_posix()
        if path.is_file() and rel != S.MANIFEST_NAME and rel not in listed:
            problems.append(f"not in manifest: {rel}")
    return problems


# --- atomic placement -------------------------------------------------------------------------------
def _clean_stale_tmp(exports: Path) -> None:
    for stale in exports.glob(f"{S.TMP_PREFIX}*"):
        if stale.is_dir():
            shutil.rmtree(stale, ignore_errors=True)


def place_atomically(tmp: Path, final: Path) -> bool:
    """Move the finished ``tmp`` folder to ``final``; an existing ``final`` becomes ``final.prev``
    (replacing an older .prev). Returns whether a previous package was kept."""
    prev = final.with_name(final.name + S.PREV_SUFFIX)
    replaced = False
    if final.exists():
        if prev.exists():
            shutil.rmtree(prev)
        os.replace(final, prev)
        replaced = True
    os.replace(tmp, final)
    return replaced


def exports_lock(settings: Settings) -> FileLock:
    settings.exports.mkdir(parents=True, exist_ok=True)
    return FileLock(str(settings.exports / S.LOCK_NAME), thread_local=False)


def write_package(
    settings: Settings,
    data: ReportData,
    *,
    force_requested: bool,
    templates_writer=None,
    make_pdf: bool = True,
    progress=None,
) -> PackageResult:
    """Render every file into a temporary folder inside exports/, then move it into place.
    ``progress`` (a ``newinfra.progress.Progress``) advances once per file of the package."""
    from newinfra.progress import NULL_PROGRESS

    progress = progress or NULL_PROGRESS
    # workbook, briefing, (PDF,) manifest; each next-period template adds one as it is written
    progress.total = 3 + (1 if make_pdf else 0)
    from exports.briefing import render_briefing
    from exports.pdf import PdfResult, convert_to_pdf
    from exports.tables import all_tables, status_summary
    from exports.workbook import render_workbook

    parse_period(data.period)
    exports = settings.exports
    lock = exports_lock(settings)
    try:
        lock.acquire(timeout=settings.lock_timeout_s)
    except Timeout as exc:
        raise PlatformError(
            f"另一个报告任务正在写入 {exports}，等待超时",
            f"another report run holds {exports}; gave up waiting",
        ) from exc
    try:
        _clean_stale_tmp(exports)
        tmp = Path(tempfile.mkdtemp(prefix=f"{S.TMP_PREFIX}{data.period}-", dir=exports))
        try:
            os.chmod(tmp, 0o755)
            summary = status_summary(data)
            files: list[dict[str, Any]] = []
            xlsx = tmp / S.WORKBOOK_NAME.format(period=data.period)
            tables = all_tables(data)
            progress.set_current(xlsx.name)
            xlsx.write_bytes(render_workbook(data, tables, summary))
            files.append(file_entry(tmp, xlsx, "workbook"))
            progress.advance(item=xlsx.name)
            page = tmp / S.BRIEFING_NAME.format(period=data.period)
            page.write_bytes(render_briefing(data).encode("utf-8"))
            files.append(file_entry(tmp, page, "briefing"))
            progress.advance(item=page.name)
            if templates_writer is not None:
                tdir = tmp / S.TEMPLATES_DIR
                tdir.mkdir()
                stamp = H.package_timestamp(data)
                for code, path in templates_writer(tdir):
                    path.write_bytes(H.normalize_zip(path.read_bytes(), stamp))
                    files.append(file_entry(tmp, path, "template", department_code=code))
                    progress.total += 1
                    progress.advance(item=path.name)
            if make_pdf:
                # The PDF prints the sheets meant for paper (sector sheets, details, the project list
                # and the technical quality sheet stay on the screen): a copy without them.
                with tempfile.TemporaryDirectory(prefix=f"{S.TMP_PREFIX}print-", dir=exports) as printing:
                    printable = Path(printing) / xlsx.name
                    printable.write_bytes(render_workbook(data, tables, summary, printed_only=True))
                    pdf = convert_to_pdf(
                        printable, tmp, stamp=H.package_timestamp(data), mode=settings.report_pdf
                    )
                if pdf.status == "created" and pdf.path:
                    files.append(file_entry(tmp, tmp / pdf.path, "pdf"))
                progress.advance(item=f"PDF ({pdf.status})")
            else:
                pdf = PdfResult("skipped", "已按参数跳过 PDF", "PDF skipped by request")
            manifest = build_manifest(data, files, pdf.to_dict(), force_requested, summary)
            blob = manifest_bytes(manifest)
            (tmp / S.MANIFEST_NAME).write_bytes(blob)
            progress.advance(item=S.MANIFEST_NAME)
            final = package_dir(settings, data.period)
            replaced = place_atomically(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    finally:
        lock.release()
    return PackageResult(
        period=data.period,
        path=final,
        files=manifest["files"],
        manifest_sha256=H.sha256_bytes(blob),
        snapshot_id=data.snapshot_id,
        is_forced=data.is_forced,
        replaced_previous=replaced,
        pdf=pdf.to_dict(),
        quality=manifest["quality"],
        status_counts=manifest["status_counts"],
        notes=list(data.notes),
    )


def load_package(settings: Settings, period: str) -> PackageResult:
    """The package already in exports/YYYY-MM/, read back from its manifest (e.g. in a later task)."""
    from newinfra.errors import UserInputError

    parse_period(period)
    folder = package_dir(settings, period)
    path = folder / S.MANIFEST_NAME
    if not path.is_file():
        raise UserInputError(
            f"报送期 {period} 的数据包不存在（{folder}），请先运行 newinfra report --period {period}",
            f"no package for {period} at {folder}; run `newinfra report --period {period}` first",
        )
    blob = path.read_bytes()
    manifest = json.loads(blob)
    return PackageResult(
        period=manifest["period"],
        path=folder,
        files=manifest["files"],
        manifest_sha256=H.sha256_bytes(blob),
        snapshot_id=manifest.get("snapshot_id") or "",
        is_forced=bool(manifest.get("is_forced")),
        replaced_previous=folder.with_name(folder.name + S.PREV_SUFFIX).exists(),
        pdf=manifest.get("pdf") or {},
        quality=manifest.get("quality") or {},
        status_counts=manifest.get("status_counts") or {},
    )


def record_publication(settings: Settings, result: PackageResult) -> dt.datetime:
    """Append the publication to ops.report_publications (the warehouse, under the write lock)."""
    from newinfra import db

    published_at = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    rel = (
        result.path.relative_to(settings.home).as_posix()
        if result.path.is_relative_to(settings.home)
        else str(result.path)
    )
    with db.writer(settings) as con:
        con.execute((Path(__file__).with_name("schema.sql")).read_text(encoding="utf-8"))
        con.execute(
            """
            insert into ops.report_publications
                (period, published_at, package_path, manifest_sha256, snapshot_id, is_forced)
            values (?, ?, ?, ?, ?, ?)
            """,
            [result.period, published_at, rel, result.manifest_sha256, result.snapshot_id, result.is_forced],
        )
    return published_at
