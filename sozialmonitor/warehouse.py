"""Connections to the platform's DuckDB files, each opened the way its role allows."""

from __future__ import annotations

from pathlib import Path

import duckdb

from sozialmonitor.settings import DataPaths


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
