"""Synthetic demo data (示例数据，非官方统计): deterministic, seeded, feeds `make demo` and the tests."""
