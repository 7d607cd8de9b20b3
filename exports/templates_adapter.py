"""Next period's department templates in the monthly package.

The writer (``ingestion.submissions.template.write_template``) belongs to the submissions part; this module only
feeds it from the published marts (``ReportData.previous_values`` / ``projects_by_department``) and
names the files ``<code>_<中文名>_<next period>_填报模板.xlsx``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from exports.model import ReportData
from newinfra.settings import Settings


def templates_writer(settings: Settings, data: ReportData) -> Callable[[Path], Iterator[tuple[str, Path]]]:
    """A function that writes every template into a folder and yields (department_code, path)."""

    def write_all(folder: Path) -> Iterator[tuple[str, Path]]:
        from ingestion.submissions.template import template_filename, write_template
        from newinfra.plan import load_plan

        plan = load_plan()
        for code in data.template_departments:
            if code not in plan.departments:
                continue
            out = folder / template_filename(plan, code, data.next_period)
            projects = data.projects_by_department.get(code, [])
            path = write_template(settings, plan, code, data.next_period, out, data.previous_values, projects)
            yield code, Path(path)

    return write_all
