"""Did platform and limit do the same work? Row counts of what each made, and a fingerprint of the rows.

The fingerprint of a table is `sum(hash(<columns>))` over its rows: equal multisets of rows give equal
sums. Left out: `loaded_at` (the time of loading) everywhere, and the ingest log's
`source_rows_skipped` (the limit does not count the rows outside the Ruhr). Doubles are rounded to 6
decimals first (a parallel sum may differ in the last bit between two runs of the same SQL).
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from bench.limit_warehouse import GATE_RESULT

NOT_COMPARED = {"loaded_at", "source_rows_skipped"}
Row = tuple[str, int, int, bool]


def _fingerprint(con: duckdb.DuckDBPyConnection, database: str, schema: str, table: str) -> tuple[int, int]:
    columns = con.execute(
        "select column_name, data_type from duckdb_columns() where database_name = ? and schema_name = ? "
        "and table_name = ? order by column_index",
        [database, schema, table],
    ).fetchall()
    items = [
        f'round("{name}", 6)' if kind in ("DOUBLE", "FLOAT") else f'"{name}"'
        for name, kind in columns
        if name not in NOT_COMPARED
    ]
    [(rows, digest)] = con.execute(
        f"select count(*), coalesce(sum(hash({', '.join(items)})), 0) from {database}.{schema}.{table}"
    ).fetchall()
    return rows, int(digest)


def _tables(platform: Path, limit: Path, schema: str, label: str) -> list[Row]:
    found = []
    with duckdb.connect() as con:
        con.execute(f"attach '{platform}' as platform (read_only)")
        con.execute(f"attach '{limit}' as limit_ (read_only)")
        tables = con.execute(
            "select table_name from duckdb_tables() where database_name = 'platform' and schema_name = ? "
            "order by all",
            [schema],
        ).fetchall()
        for (table,) in tables:
            rows, digest = _fingerprint(con, "platform", schema, table)
            limit_rows, limit_digest = _fingerprint(con, "limit_", schema, table)
            found.append((f"{label}{table}", rows, limit_rows, (rows, digest) == (limit_rows, limit_digest)))
    return found


def _gate(platform_outcomes: Path, limit_outcomes: Path) -> Row:
    platform = json.loads(platform_outcomes.read_text(encoding="utf-8"))
    limit = json.loads(limit_outcomes.read_text(encoding="utf-8"))
    checks = sorted({(suite, check) for suite, outcomes in platform.items() for check in outcomes})
    same = all(platform[suite][check] == limit.get(suite, {}).get(check) for suite, check in checks)
    total = sum(platform[suite][check] for suite, check in checks)
    limit_total = sum(sum(outcomes.values()) for outcomes in limit.values())
    return f"gate: failing rows over {len(checks)} checks", total, limit_total, same


def compare(folder: Path, platform_gate: Path) -> list[Row]:
    """Raw tables (platform's ingest against the ingest limit), marts (platform's dbt build against the
    dbt limit) and the gate's failing rows per check (GX against the SQL counts)."""
    warehouse = folder / "limit" / "warehouse"
    return [
        *_tables(folder / "platform" / "warehouse" / "raw.duckdb", folder / "limit" / "ingest" / "raw.duckdb",
                 "main", "raw."),
        *_tables(folder / "platform" / "warehouse" / "build.duckdb", warehouse / "build.duckdb", "marts",
                 "marts."),
        _gate(platform_gate, warehouse / GATE_RESULT),
    ]  # fmt: skip
