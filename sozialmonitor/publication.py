"""Write–audit–publish: the audited marts go into a new DuckDB file that replaces the published one.

dbt builds into `warehouse/build.duckdb`; the gate audits that file; only then are the marts copied
into a fresh file beside the published one, which `os.replace` swaps in atomically. A reader that
has the old file open keeps reading it; a failed run never gets here, so the published file stays
byte-identical. The file carries its own record (schema `meta`): which run published it, when,
from which source files, with which check results, so that data and record cannot drift apart.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from sozialmonitor.settings import DataPaths
from sozialmonitor.warehouse import connect_published

PUBLISHED_SCHEMAS = ("marts",)


@dataclass(frozen=True)
class CheckRecord:
    asset: str
    check_name: str
    passed: bool
    severity: str


@dataclass(frozen=True)
class PublicationRecord:
    path: Path
    run_id: str
    published_at: datetime
    tables: dict[str, int]
    checks: list[CheckRecord]
    source_files: list[tuple[str, str, str]]

    @property
    def checks_passed(self) -> int:
        return sum(check.passed for check in self.checks)

    @property
    def checks_failed(self) -> int:
        return len(self.checks) - self.checks_passed


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _literal(text: str) -> str:
    """COMMENT ON takes no parameters: quote the text as an SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def _copy_marts(con: duckdb.DuckDBPyConnection) -> list[str]:
    schemas = ", ".join(f"'{schema}'" for schema in PUBLISHED_SCHEMAS)
    tables = con.execute(
        f"select schema_name, table_name, comment from duckdb_tables() "
        f"where database_name = 'build' and schema_name in ({schemas}) order by all"
    ).fetchall()
    for schema, table, comment in tables:
        con.execute(f"create schema if not exists {schema}")
        con.execute(f"create table {schema}.{table} as from build.{schema}.{table}")
        if comment:
            con.execute(f"comment on table {schema}.{table} is {_literal(comment)}")
    columns = con.execute(
        f"select schema_name, table_name, column_name, comment from duckdb_columns() "
        f"where database_name = 'build' and schema_name in ({schemas}) and comment is not null"
    ).fetchall()
    for schema, table, column, comment in columns:
        if (schema, table) in {(s, t) for s, t, _ in tables}:
            con.execute(f'comment on column {schema}.{table}."{column}" is {_literal(comment)}')
    return [f"{schema}.{table}" for schema, table, _ in tables]


def publish(paths: DataPaths, run_id: str, checks: list[CheckRecord]) -> PublicationRecord:
    target = paths.published_db
    staging = target.with_name(f".{target.name}.{run_id}.tmp")
    staging.unlink(missing_ok=True)
    published_at = datetime.now(UTC).replace(tzinfo=None)
    try:
        with duckdb.connect(str(staging)) as con:
            con.execute(f"attach '{paths.build_db}' as build (read_only)")
            con.execute(f"attach '{paths.raw_db}' as raw (read_only)")
            _copy_marts(con)
            con.execute("create schema meta")
            con.execute(
                "create table meta.publication as select ?::varchar as run_id, ?::timestamp as published_at",
                [run_id, published_at],
            )
            con.execute(
                "create table meta.source_files as select source_id, file_name, file_sha256, loaded_at "
                "from raw.ingest_log order by all"
            )
            con.execute(
                "create table meta.checks "
                "(asset varchar, check_name varchar, passed boolean, severity varchar)"
            )
            if checks:
                con.executemany(
                    "insert into meta.checks values (?, ?, ?, ?)",
                    [[check.asset, check.check_name, check.passed, check.severity] for check in checks],
                )
            con.execute("detach build")
            con.execute("detach raw")
            con.execute("checkpoint")
        _fsync(staging)
        os.replace(staging, target)
        _fsync(target.parent)
    finally:
        staging.unlink(missing_ok=True)
    return read_publication(target)


def read_publication(path: Path) -> PublicationRecord:
    with connect_published(path) as con:
        run_id, published_at = con.execute("select run_id, published_at from meta.publication").fetchone()
        tables = {
            f"{schema}.{table}": con.execute(f"select count(*) from {schema}.{table}").fetchone()[0]
            for schema, table in con.execute(
                "select schema_name, table_name from duckdb_tables() where schema_name <> 'meta' order by all"
            ).fetchall()
        }
        checks = [
            CheckRecord(*row) for row in con.execute("select * from meta.checks order by all").fetchall()
        ]
        sources = con.execute("select source_id, file_name, file_sha256 from meta.source_files").fetchall()
    return PublicationRecord(path, run_id, published_at, tables, checks, sources)
