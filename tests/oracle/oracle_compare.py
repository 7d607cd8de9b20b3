"""Compare a published table with the oracle's figures, every row, column by column.

An oracle is a SELECT over the oracle's own tables (schema ``ref``), the raw tables and the seeds
(``wh.raw``, ``wh.plan``) that yields the table's key columns and the columns it recomputes, under the
published names. The published table is read from the analysts' copy (``pub``), the very file
analysts query. Rows present on one side only are mismatches too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

NUMERIC_TYPES = (
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "FLOAT",
    "DOUBLE",
    "REAL",
)


def is_numeric(data_type: str) -> bool:
    return data_type.upper().startswith(NUMERIC_TYPES) or data_type.upper().startswith("DECIMAL")


@dataclass(frozen=True)
class Oracle:
    table: str  # schema.table as published
    keys: tuple[str, ...]
    sql: str  # keys + recomputed columns, named as published
    columns: tuple[str, ...]  # the recomputed columns (the coverage meta test reads these)
    note: str = ""
    rel_tol: float = 1e-9
    where: str = ""  # restricts the published rows compared (a reason goes in note)
    extra: dict = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.table + (f"[{self.note}]" if self.note else "")


def column_types(con, table: str) -> dict[str, str]:
    schema, name = table.split(".")
    rows = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_catalog = 'pub' and table_schema = ? and table_name = ? order by ordinal_position",
        [schema, name],
    ).fetchall()
    return dict(rows)


def mismatches(con, oracle: Oracle, samples: int = 3) -> list[str]:
    """Every disagreement between the published table and the oracle, as readable lines."""
    types = column_types(con, oracle.table)
    assert types, f"{oracle.table} is not in the analysts' copy"
    missing = [c for c in (*oracle.keys, *oracle.columns) if c not in types]
    assert not missing, f"{oracle.table} has no column {missing}"
    keys = ", ".join(oracle.keys)
    published_cols = ", ".join(f'"{c}"' for c in (*oracle.keys, *oracle.columns))
    where = f"where {oracle.where}" if oracle.where else ""
    con.execute(
        f"create or replace temp view _pub as select {published_cols} from pub.{oracle.table} {where}"
    )
    con.execute(f"create or replace temp view _ora as select {published_cols} from ({oracle.sql})")
    problems: list[str] = []
    dup = con.execute(
        f"select count(*) from (select {keys} from _ora group by all having count(*) > 1)"
    ).fetchone()[0]
    if dup:
        problems.append(f"oracle: {dup} duplicate keys ({keys}) -- fix the oracle")
    on = " and ".join(f"p.{k} is not distinct from o.{k}" for k in oracle.keys)
    key_list = ", ".join(f"coalesce(p.{k}, o.{k})::varchar" for k in oracle.keys)
    con.execute(
        f"create or replace temp table _joined as select concat_ws(' | ', {key_list}) as row_key, "
        f"p.{oracle.keys[0]} is null as only_oracle, o.{oracle.keys[0]} is null as only_published, "
        + ", ".join(f'p."{c}" as "p_{c}", o."{c}" as "o_{c}"' for c in oracle.columns)
        + f" from _pub as p full outer join _ora as o on {on}"
    )
    for side, label in (("only_published", "published only"), ("only_oracle", "oracle only")):
        n, ex = con.execute(
            f"select count(*), list(row_key order by row_key)[1:{samples}] from _joined where {side}"
        ).fetchone()
        if n:
            problems.append(f"{n} rows {label}, e.g. {ex}")
    for c in oracle.columns:
        p, o = f'"p_{c}"', f'"o_{c}"'
        if is_numeric(types[c]):
            same = (
                f"(({p} is null and {o} is null) or ({p} is not null and {o} is not null and "
                f"({p} = {o} or abs({p}::double - {o}::double) <= {oracle.rel_tol} * greatest(1.0, abs({o}::double)))))"
            )
        else:
            same = f"({p}::varchar is not distinct from {o}::varchar)"
        n, ex = con.execute(
            f"select count(*), list(row_key || ': published ' || coalesce(\"p_{c}\"::varchar, 'null') "
            f"|| ', oracle ' || coalesce(\"o_{c}\"::varchar, 'null') order by row_key)[1:{samples}] "
            f"from _joined where not only_oracle and not only_published and not {same}"
        ).fetchone()
        if n:
            problems.append(f"{c}: {n} rows differ, e.g. {ex}")
    return problems
