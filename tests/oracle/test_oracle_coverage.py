"""Every published numeric column has an oracle (oracles.ORACLES) or an explicit, reasoned exemption
(EXEMPT) or a recorded disagreement with the method's spec (KNOWN_DISAGREEMENTS, each with the rows and
figures in its reason): a new published figure without one of these fails here."""

from __future__ import annotations

import pytest
from oracle_compare import is_numeric
from oracles import EXEMPT, EXEMPT_SCHEMAS, KNOWN_DISAGREEMENTS, ORACLES

pytestmark = pytest.mark.slow


def published_numeric_columns(con) -> set[str]:
    rows = con.execute(
        """
        select t.table_schema || '.' || t.table_name || '.' || c.column_name, c.data_type
        from pub.meta.published_tables as t
        join information_schema.columns as c
            on c.table_catalog = 'pub' and c.table_schema = t.table_schema and c.table_name = t.table_name
        """
    ).fetchall()
    return {name for name, data_type in rows if is_numeric(data_type)}


def con_columns(con) -> list[tuple[str, str, str]]:
    return con.execute(
        "select table_schema, table_name, column_name from information_schema.columns where table_catalog = 'pub'"
    ).fetchall()


def covered() -> set[str]:
    """Columns recomputed, and key columns (matched exactly, row by row)."""
    return {f"{o.table}.{c}" for o in ORACLES for c in (*o.keys, *o.columns)}


def test_every_published_numeric_column_has_an_oracle_or_a_reason(oracle_con):
    published = published_numeric_columns(oracle_con)
    assert len(published) > 300  # the copy was read, not an empty list
    exempt = set(EXEMPT) | set(KNOWN_DISAGREEMENTS)
    unexplained = sorted(c for c in published - covered() - exempt if c.split(".")[0] not in EXEMPT_SCHEMAS)
    assert unexplained == [], f"published numeric columns with no oracle and no exemption: {unexplained}"


def test_exemptions_give_a_reason_and_name_published_columns(oracle_con):
    published = published_numeric_columns(oracle_con)
    for name, reason in {**EXEMPT, **KNOWN_DISAGREEMENTS}.items():
        assert len(reason) > 20, f"{name}: a reason, not a word"
    every_column = {f"{s}.{t}.{c}" for s, t, c in con_columns(oracle_con)}
    for name in KNOWN_DISAGREEMENTS:
        assert name in every_column, f"{name} is a known disagreement but not published (stale entry)"
    for name in EXEMPT:
        assert name in published, f"{name} is exempted but not published (stale entry)"
    assert not (set(EXEMPT) & covered()), "a column both exempted and covered"
    assert not (set(KNOWN_DISAGREEMENTS) & covered()), "a disagreement is not compared"


def test_counts_for_the_report(oracle_con):
    """Not a check: prints what the oracle covers (pytest -s shows it)."""
    published = published_numeric_columns(oracle_con)
    print(
        f"published numeric columns {len(published)}; oracle {len(published & covered())}; "
        f"exempt {len(published & set(EXEMPT))}; known disagreements {len(published & set(KNOWN_DISAGREEMENTS))}; "
        f"seed schemas {sum(c.split('.')[0] in EXEMPT_SCHEMAS for c in published)}"
    )
