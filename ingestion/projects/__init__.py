"""The major-project library (重大项目库): which projects exist and which department reports each.

Entry point: :func:`load_projects` (``newinfra load-projects FILE``), reading the office's list
(.xlsx: the sheet 重大项目库 or the first sheet; or .csv in UTF-8 / UTF-8 with BOM / GB18030) into
``raw.project_registry``.

Write mode: replace by ``project_code`` (the latest list wins for the projects it names; projects
it does not name stay), in one transaction, with a row in ``raw.project_registry_loads`` per load.
The file is archived by sha256 first (``archive/<sha[:2]>/<sha>.<ext>``). The list is reference data:
if any row is wrong, nothing is loaded and every error is reported (file, row, column), in Chinese
and English. Loading the same file again when it is already the latest load is a no-op.

Columns (Chinese headers, or the ASCII keys): 项目编号, 项目名称, 所属领域 (label or code), 责任单位
(name or code), 所在地区 (name or code; 全省 for the province), 总投资（万元） (or 亿元 / 元 in
the header), optional 开工年份, 完工年份.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from dataclasses import asdict, dataclass
from pathlib import Path

from ingestion.projects import constants

__all__ = ["LoadResult", "load_projects", "read_grid"]


@dataclass(frozen=True)
class LoadResult:
    file_id: str
    original_name: str
    archive_path: str
    rows_loaded: int
    rows_new: int
    rows_replaced: int
    unchanged: bool

    def as_json(self) -> dict:
        return asdict(self)


def read_grid(data: bytes, name: str, settings) -> list[list[object]]:
    """The list's cells, from .xlsx (calamine, after the zip-bomb guard) or .csv."""
    from ingestion.common import files
    from ingestion.common.reasons import Quarantine
    from newinfra.errors import UserInputError

    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    try:
        kind = files.sniff(data, ext)
        if kind == "csv":
            import csv

            text, _ = files.decode_csv(data)
            return [list(r) for r in csv.reader(io.StringIO(text, newline=""), strict=True)]
        files.inspect_zip(data, settings.max_xlsx_uncompressed_bytes, settings.max_xlsx_ratio)
        from python_calamine import CalamineWorkbook

        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = constants.SHEET_NAME if constants.SHEET_NAME in wb.sheet_names else wb.sheet_names[0]
        return wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    except Quarantine as q:
        raise UserInputError(f"{name}：{q.reason.zh}", f"{name}: {q.reason.en}") from q
    except UserInputError:
        raise
    except Exception as exc:  # a damaged file: the office's mistake, not a platform failure
        raise UserInputError(
            f"{name}：无法读取文件（{exc}）", f"{name}: cannot read the file ({exc})"
        ) from exc


def load_projects(settings, path: str | Path, now: dt.datetime | None = None) -> LoadResult:
    from ingestion.common.files import archive_relpath
    from ingestion.projects.rows import parse_rows
    from newinfra import db
    from newinfra.atomic import write_new
    from newinfra.errors import UserInputError
    from newinfra.plan import load_plan

    path = Path(path)
    if not path.is_file():
        raise UserInputError(f"文件不存在：{path}", f"no such file: {path}")
    if path.stat().st_size > settings.max_upload_bytes:
        raise UserInputError(f"{path.name}：文件过大", f"{path.name}: file too large")
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    archive_rel = archive_relpath(sha, path.name)
    write_new(settings.home / archive_rel, data)
    grid = read_grid(data, path.name, settings)
    rows, errors = parse_rows(grid, load_plan())
    if errors:
        shown = errors[: constants.MAX_ERRORS_SHOWN]
        more = len(errors) - len(shown)
        zh = "\n".join(f"  第 {e.row_number} 行 {e.column}「{e.value}」：{e.message_zh}" for e in shown)
        en = "; ".join(f"row {e.row_number} {e.column} '{e.value}': {e.message_en}" for e in shown)
        tail_zh = f"\n  ……另有 {more} 处" if more else ""
        raise UserInputError(
            f"重大项目库 {path.name} 有 {len(errors)} 处错误，未加载：\n{zh}{tail_zh}",
            f"project library {path.name} has {len(errors)} error(s), nothing loaded: {en}",
        )
    if not rows:
        raise UserInputError(f"重大项目库 {path.name} 没有数据行", f"project library {path.name} has no rows")
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with db.writer(settings) as con:
        db.ensure_schema(con)
        latest = con.execute(
            "select file_id from raw.project_registry_loads order by loaded_at desc, file_id limit 1"
        ).fetchone()
        if latest is not None and latest[0] == sha:
            (n,) = con.execute(
                "select rows_loaded from raw.project_registry_loads where file_id = ?", [sha]
            ).fetchone()
            return LoadResult(sha, path.name, archive_rel, n, 0, 0, True)
        import pandas as pd

        frame = pd.DataFrame([asdict(r) for r in rows])
        frame["source_file_id"] = sha
        frame["loaded_at"] = now
        con.execute("begin transaction")
        try:
            con.register("_registry", frame)
            (replaced,) = con.execute(
                "select count(*) from raw.project_registry where project_code in (select project_code from _registry)"
            ).fetchone()
            con.execute(
                "delete from raw.project_registry where project_code in (select project_code from _registry)"
            )
            con.execute(
                """
                insert into raw.project_registry (
                    project_code, project_name, sector, department_code, prefecture_code,
                    total_investment_yuan, start_year, end_year, source_file_id, loaded_at
                )
                select
                    project_code, project_name, sector, department_code, prefecture_code,
                    total_investment_yuan, start_year, end_year, source_file_id, loaded_at
                from _registry
                """
            )
            con.unregister("_registry")
            con.execute(
                """
                insert or replace into raw.project_registry_loads
                    (file_id, original_name, archive_path, loaded_at, rows_loaded, rows_new, rows_replaced)
                values (?, ?, ?, ?, ?, ?, ?)
                """,
                [sha, path.name, archive_rel, now, len(rows), len(rows) - replaced, replaced],
            )
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    return LoadResult(sha, path.name, archive_rel, len(rows), len(rows) - replaced, replaced, False)
