"""The registry's series breaks as a table of the raw store, where the warehouse reads them.

A break is declared once, beside its source in `ingest/sources.yml` (or derived from the source's
`rounding`); dbt reads this table (`source('registry', 'series_breaks')`) so that no SQL repeats a date.
It is rewritten whole before every build: the registry, not the history, is the truth.
"""

from __future__ import annotations

import duckdb

from ingest.registry import Registry

TABLE = "series_breaks"


def write_series_breaks(con: duckdb.DuckDBPyConnection, registry: Registry) -> int:
    """Replace the table with the registry's breaks; returns how many there are."""
    rows = [
        (source.id, item.ab, item.aspect, item.before, item.after, item.note)
        for source in registry.sources
        for item in source.all_series_breaks()
    ]
    con.execute(
        f"create or replace table {TABLE} (source_id varchar not null, ab date not null, "
        "aspect varchar not null, before varchar not null, after varchar not null, note varchar not null)"
    )
    if rows:
        con.executemany(f"insert into {TABLE} values (?, ?, ?, ?, ?, ?)", rows)
    return len(rows)
