"""Exports: the monthly package for the joint meeting office, and the department templates.

Entry points (the DAG and ``newinfra report`` call these and nothing else)::

    from exports import build_package, deliver

    result = build_package(settings, "2024-06", force=False)   # -> PackageResult
    result.path              # NEWINFRA_HOME/exports/2024-06
    result.files             # [{"path", "kind", "size", "sha256", ...}] as in manifest.json
    result.manifest_sha256, result.snapshot_id, result.is_forced, result.replaced_previous
    delivery = deliver(settings, result)                        # -> DeliveryResult (sent | skipped)
    result = load_package(settings, "2024-06")                  # the package on disk, from its manifest
                                                                # (for a later Airflow task: XCom can't carry it)

Write mode: replace by period. The package is rendered into ``exports/.tmp-YYYY-MM-*`` and moved
to ``exports/YYYY-MM/``; a package already there becomes ``exports/YYYY-MM.prev`` (one level kept).
Each build appends one row to ``ops.report_publications`` (the only write to the warehouse).

Package (``exports/YYYY-MM/``)::

    责任分解表进展_YYYY-MM.xlsx    总览, 责任分解表, 责任分解表（明细）, one sheet per sector, 市(州)排名, 报送情况,
                                   催报清单, 投资核对, 重大项目投资, 数据质量（技术）, 修订说明
    月度简报_YYYY-MM.html          one self-contained page (inline CSS and SVG; nothing fetched)
    templates/<code>_<中文名>_<next period>_填报模板.xlsx   one per responsible department
    责任分解表进展_YYYY-MM.pdf     the printed sheets (NEWINFRA_REPORT_PDF; LibreOffice); docs/report.md
    manifest.json                  period, snapshot id, quality run, each file's path/size/sha256

Reads only the published marts (``published/marts.duckdb``, read-only) and the quality results
(``quality.check_results``, latest run of the period). Refuses (``UserInputError``) when a blocking
check failed in the period's latest quality run, or when the period has no quality run at all,
unless ``force=True``; a forced package says so in red on the cover and the briefing, and
``is_forced`` is true in the manifest and in ops.report_publications.

Determinism: the same published data gives byte-identical files, the PDF included: the workbook's
properties, every zip entry date, the PDF's dates and manifest.json's ``generated_at`` are the
explicit ``issued_on`` or else the period's last day, never the wall clock (the wall-clock time of
each build is ops.report_publications.published_at). See docs/report.md.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from exports.delivery import DeliveryResult
    from exports.package import PackageResult
    from newinfra.settings import Settings


def build_package(
    settings: Settings,
    period: str,
    force: bool = False,
    issued_on: dt.date | None = None,
    progress=None,
) -> PackageResult:
    """Build the monthly package of ``period`` (YYYY-MM) into NEWINFRA_HOME/exports/YYYY-MM/.

    Raises ``UserInputError`` (bilingual) when the quality gate refuses and ``force`` is false, or
    when the period is not in the published marts; ``PlatformError`` when the published marts or the
    warehouse cannot be read. ``issued_on`` is the package's issue date (印发日期); every date in
    the package comes from it or from the data, never from the clock. Returns a ``PackageResult``.
    """
    from exports.data import load_report_data
    from exports.package import record_publication, write_package
    from exports.templates_adapter import templates_writer

    data = load_report_data(settings, period, force=force, issued_on=issued_on)
    result = write_package(
        settings,
        data,
        force_requested=force,
        templates_writer=templates_writer(settings, data),
        progress=progress,  # a newinfra.progress.Progress, per file of the package
    )
    record_publication(settings, result)
    return result


def load_package(settings: Settings, period: str) -> PackageResult:
    """The package already written for ``period``, read back from its manifest.json (``UserInputError``
    when there is none). For a later step that cannot receive the ``PackageResult`` object."""
    from exports.package import load_package as _load

    return _load(settings, period)


def deliver(settings: Settings, package_result: PackageResult) -> DeliveryResult:
    """E-mail the package's workbook, briefing (and PDF, manifest) to NEWINFRA_MAIL_TO over the SMTP
    server of the settings. Not configured -> ``DeliveryResult(status="skipped")`` with a note;
    an SMTP failure raises ``PlatformError``."""
    from exports.delivery import deliver_package

    return deliver_package(settings, package_result.path)


__all__ = ["build_package", "deliver", "load_package"]
