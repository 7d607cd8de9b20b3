"""The major-project library loader: xlsx/csv in, raw.project_registry out, replace by project_code."""

from __future__ import annotations

import sys

import openpyxl
import pytest

from newinfra.settings import PROJECT_ROOT

if str(PROJECT_ROOT) not in sys.path:  # tests/ingestion would shadow the ingestion package
    sys.path.insert(0, str(PROJECT_ROOT))

from ingestion.projects import load_projects  # noqa: E402
from ingestion.projects.rows import parse_rows  # noqa: E402
from newinfra.errors import UserInputError  # noqa: E402
from newinfra.plan import load_plan  # noqa: E402
from pipeline.cli import main  # noqa: E402

HEADER = [
    "项目编号",
    "项目名称",
    "所属领域",
    "责任单位",
    "所在地区",
    "总投资（万元）",
    "开工年份",
    "完工年份",
]


def registry(settings):
    import duckdb

    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        return con.execute(
            "select project_code, project_name, sector, department_code, prefecture_code, total_investment_yuan, "
            "start_year, end_year from raw.project_registry order by 1"
        ).fetchall()
    finally:
        con.close()


def write_xlsx(path, rows, header=HEADER, title=True):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "重大项目库"
    if title:
        ws.append(["贵州省新型基础设施重大项目库"])
        ws.append(["金额单位：万元"])
    ws.append(header)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def test_load_xlsx_then_replace_by_code(settings, tmp_path):
    first = write_xlsx(
        tmp_path / "库1.xlsx",
        [
            ["xj-001", "贵安数据中心二期", "算力", "省大数据局", "贵安新区", 150000, 2022, 2024],
            ["XJ-002", "5G 覆盖工程", "broadband", "CA", "全省", "80,000", 2022, None],
        ],
    )
    result = load_projects(settings, first)
    assert (result.rows_loaded, result.rows_new, result.rows_replaced, result.unchanged) == (2, 2, 0, False)
    assert registry(settings) == [
        ("XJ-001", "贵安数据中心二期", "compute", "BDB", "GA", 1.5e9, 2022, 2024),
        ("XJ-002", "5G 覆盖工程", "broadband", "CA", "GZ", 8.0e8, 2022, None),
    ]
    assert (settings.home / result.archive_path).read_bytes() == first.read_bytes()
    assert load_projects(settings, first).unchanged  # the same list again: a no-op
    second = tmp_path / "库2.csv"
    second.write_text(
        "项目编号,项目名称,所属领域,责任单位,所在地区,总投资（亿元）\nXJ-002,5G 覆盖工程（调整）,宽带网络,省通信管理局,贵阳市,9\n",
        encoding="gb18030",
    )
    result = load_projects(settings, second)
    assert (result.rows_new, result.rows_replaced) == (0, 1)
    rows = registry(settings)
    assert rows[0][0] == "XJ-001"  # not named in the new list: stays
    assert rows[1] == ("XJ-002", "5G 覆盖工程（调整）", "broadband", "CA", "GY", 9e8, None, None)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (["", "名称", "算力", "CA", "GY", 1], "项目编号为空"),
        (["X1", "", "算力", "CA", "GY", 1], "项目名称为空"),
        (["X1", "名称", "火箭", "CA", "GY", 1], "所属领域无法识别"),
        (["X1", "名称", "算力", "省火星局", "GY", 1], "责任单位无法识别"),
        (["X1", "名称", "算力", "CA", "火星", 1], "所在地区无法识别"),
        (["X1", "名称", "算力", "CA", "GY", "约1亿"], "总投资不是非负数字"),
        (["X1", "名称", "算力", "CA", "GY", -1], "总投资不是非负数字"),
        (["X1", "名称", "算力", "CA", "GY", 1, "明年"], "年份无效"),
    ],
)
def test_row_errors(row, message):
    rows, errors = parse_rows([HEADER, row], load_plan())
    assert rows == [] and len(errors) == 1 and errors[0].message_zh == message
    assert errors[0].row_number == 2 and errors[0].message_en


def test_duplicate_codes_and_missing_header():
    plan = load_plan()
    ok = ["X1", "名称", "算力", "CA", "GY", 1]
    _, errors = parse_rows([HEADER, ok, ok], plan)
    assert [e.row_number for e in errors] == [3] and "重复" in errors[0].message_zh
    _, errors = parse_rows([["名称", "金额"], ["a", 1]], plan)
    assert "表头" in errors[0].message_zh


def test_a_wrong_list_loads_nothing_and_says_where(settings, tmp_path, capsys):
    load_projects(
        settings, write_xlsx(tmp_path / "ok.xlsx", [["X1", "名称", "算力", "CA", "GY", 1, None, None]])
    )
    bad = write_xlsx(
        tmp_path / "bad.xlsx",
        [["X2", "名称", "算力", "CA", "GY", 1], ["X3", "名称", "算力", "CA", "火星", 1]],
    )
    with pytest.raises(UserInputError) as err:
        load_projects(settings, bad)
    assert "第 5 行" in err.value.message_zh and "E 所在地区" in err.value.message_zh
    assert [r[0] for r in registry(settings)] == ["X1"]
    assert main(["load-projects", str(bad)]) == 2
    assert "未加载" in capsys.readouterr().err


def test_cli_json(settings, tmp_path, capsys):
    path = write_xlsx(tmp_path / "l.xlsx", [["X1", "名称", "算力", "CA", "GY", 1, None, None]], title=False)
    assert main(["load-projects", str(path), "--json"]) == 0
    out = capsys.readouterr().out
    assert '"rows_loaded": 1' in out
