"""`make demo`: set up and run the monthly cycle on the bundled demo data, then print where things are.

The cycle grows as the parts land; each step below says what it ran.
"""

from __future__ import annotations

import sys

from newinfra.errors import NewinfraError
from newinfra.home import init_home
from newinfra.settings import Settings


def main() -> int:
    settings = Settings.from_env()
    try:
        result = init_home(settings)
    except NewinfraError as exc:
        print(f"错误：{exc.message_zh}\nError: {exc.message_en}", file=sys.stderr)
        return exc.exit_code
    print("== newinfra 演示 / demo ==")
    print(f"1. 初始化 / init: {result.home}")
    for table, n in result.seed_tables.items():
        print(f"   plan.{table}: {n} 行")
    print("（目前只包含初始化与规划种子数据；采集、dbt、质量检查与导出将随各部分上线接入）")
    print("(so far: init + the plan's seeds; ingest, dbt, checks and export join as they land)")
    print(f"仓库 / warehouse: {settings.warehouse}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
