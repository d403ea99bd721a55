"""Connections to the platform's DuckDB files, each opened the way its role allows."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import duckdb

from sozialmonitor.settings import DBT_PROJECT_DIR, DataPaths

# Where the build records the definitions its tables were computed by (definitions_fingerprint).
BUILT_WITH_TABLE = "main.built_with"


class NotPublishedError(RuntimeError):
    pass


def connect_build(paths: DataPaths) -> duckdb.DuckDBPyConnection:
    """The build warehouse read-only, with the raw store attached as dbt sees it (staging views read it)."""
    con = duckdb.connect(str(paths.build_db), read_only=True, config=paths.duckdb_config)
    con.execute(f"attach '{paths.raw_db}' as raw (read_only)")
    return con


def connect_published(path: Path) -> duckdb.DuckDBPyConnection:
    """The published warehouse, read-only: analysts' queries cannot change it."""
    if not path.exists():
        raise NotPublishedError(f"nothing published yet at {path}: run `sozialmonitor refresh` first")
    return duckdb.connect(str(path), read_only=True)


def definitions_fingerprint() -> str:
    """A fingerprint of what the build's tables are computed by besides the raw data: every file of the
    dbt project (models, macros, seeds, tests, settings) and the DuckDB version. The models built
    incrementally by delivery (dbt_project/macros/incremental_by_delivery.sql) recompute only the periods
    whose deliveries changed; a changed definition changes every period, so it takes a full build."""
    digest = hashlib.sha256(duckdb.__version__.encode() + b"\n")
    add_files(digest, [DBT_PROJECT_DIR], DBT_PROJECT_DIR)
    return digest.hexdigest()


def add_files(digest: Any, roots: Iterable[Path], base: Path) -> None:
    """Feed `digest` every file under `roots` (a root may be a file), sorted, each as its path relative
    to `base` and its bytes: what the definitions fingerprints (this module's, the publication's inputs)
    are made of, so that a renamed, added or removed file changes them as an edited one does."""
    for root in roots:
        for path in sorted([root] if root.is_file() else root.rglob("*")):
            if path.is_file():
                digest.update(str(path.relative_to(base)).encode() + b"\0" + path.read_bytes())


def built_with(paths: DataPaths) -> str | None:
    """The definitions fingerprint of the last complete build into the build warehouse, if any."""
    if not paths.build_db.exists():
        return None
    with duckdb.connect(str(paths.build_db), read_only=True) as con:
        recorded = con.execute(
            "select count(*) from duckdb_tables() where schema_name = 'main' and table_name = 'built_with'"
        ).fetchone()[0]
        return con.execute(f"select fingerprint from {BUILT_WITH_TABLE}").fetchone()[0] if recorded else None


def record_built_with(paths: DataPaths, fingerprint: str | None) -> None:
    """After a complete build: its tables follow from the raw store by these definitions (None: by no
    known ones, before a full build). Written only after the build, so that a build that failed or
    stopped halfway after a change of definitions is followed by another full one."""
    with duckdb.connect(str(paths.build_db), config=paths.duckdb_config) as con:
        con.execute(
            f"create or replace table {BUILT_WITH_TABLE} as select ?::varchar as fingerprint", [fingerprint]
        )
