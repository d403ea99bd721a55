"""Staging: the files of one source loaded in a run reach the raw store together, not one by one.

A file's rows go first to a temporary table with the raw table's columns and constraints, so that
whatever is wrong with the file (a reader's finding, a rule, a value its insert refuses) shows there
and its staged rows can be dropped without touching the raw store. The accepted files are then moved
into the raw table in one transaction, with the deletion of the versions they replace and their rows
of `ingest_log`: the store never holds half a file, a changed file replaces all rows of its previous
version, and a crash leaves the store as it was before the files not yet moved.

Why: a transaction per file cost more than reading the file. Measured on the x10 sample (967 files,
`ingest_source` under cProfile): begin, delete and commit 5.8 s, the `ingest_log` row 4.3 s, looking
the file up in the log 1.3 s, the previous delivery's log row 1.1 s, against 34 s in all.

The stage is moved every `STAGE_MAX_ROWS` raw rows (and at the end), so memory stays bounded however many
files a folder holds; each move is a transaction of whole files.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from ingest.raw_store import LoggedFile

STAGE_TABLE = "ingest_stage"
# raw rows staged before they are moved: about 150 MB of a GENESIS table's cells in DuckDB's memory
STAGE_MAX_ROWS = 500_000


@dataclass(frozen=True)
class _Pending:
    file: LoggedFile
    encoding: str | None


class StagedFiles:
    """The staging of one source's files on one connection: `con` and `table` (the temporary table a
    loader inserts into), what `ingest_log` holds for the source, and the files waiting to be moved."""

    def __init__(self, con: duckdb.DuckDBPyConnection, source_id: str, raw_table: str):
        self.con, self.source_id, self.raw_table = con, source_id, raw_table
        self.table = STAGE_TABLE
        columns = con.execute(
            "select column_name, data_type, is_nullable from duckdb_columns() "
            "where database_name = current_database() and schema_name = 'main' and table_name = ? "
            "order by column_index",
            [raw_table],
        ).fetchall()
        ddl = ", ".join(
            f'"{name}" {data_type}{"" if nullable else " not null"}' for name, data_type, nullable in columns
        )
        self._create = f"create or replace temporary table {self.table} ({ddl})"
        con.execute(self._create)
        rows = con.execute(
            "select file_name, file_sha256, rows_loaded, source_rows_skipped, loaded_at from ingest_log "
            "where source_id = ?",
            [source_id],
        ).fetchall()
        self.held: dict[str, LoggedFile] = {row[0]: LoggedFile(*row) for row in rows}
        self.pending: dict[str, _Pending] = {}
        self._pending_rows = 0

    def logged(self, file_name: str) -> LoggedFile | None:
        """The version of the file the raw store holds (a file name is loaded at most once a run)."""
        return self.held.get(file_name)

    @contextmanager
    def file(self, file_name: str) -> Iterator[None]:
        """Around a loader's inserts of one file: if anything goes wrong, none of its rows stay staged."""
        try:
            yield
        except Exception:
            self.con.execute(f"delete from {self.table} where file_name = ?", [file_name])
            raise

    def accept(self, file: LoggedFile, encoding: str | None) -> None:
        """The file's staged rows are good: they go to the raw store with the next move."""
        self.pending[file.file_name] = _Pending(file, encoding)
        self._pending_rows += file.rows_loaded
        if self._pending_rows >= STAGE_MAX_ROWS:
            self.move()

    def previous_delivery(self, file_name: str) -> LoggedFile | None:
        """The file loaded last before this one, staged or in the store (by load time, then name, as
        `ingest_log` would order them): the delivery a new file is compared with."""
        logged = {**self.held, **{name: pending.file for name, pending in self.pending.items()}}
        others = [file for name, file in logged.items() if name != file_name]
        return max(others, key=lambda file: (file.loaded_at, file.file_name), default=None)

    def areas_of(self, file_name: str) -> set[tuple[str, str]]:
        """Area key and name of every row of the file, staged or as the store holds it."""
        table = self.table if file_name in self.pending else self.raw_table
        return set(
            self.con.execute(
                f"select distinct area_key, area_name from {table} where source_id = ? and file_name = ?",
                [self.source_id, file_name],
            ).fetchall()
        )

    def move(self) -> None:
        """Move the staged files into the raw table in one transaction: the rows of the versions they
        replace deleted, their rows inserted, their `ingest_log` rows written."""
        if not self.pending:
            return
        names = list(self.pending)
        replaced = [name for name in names if name in self.held]
        log = pa.table(
            {
                "source_id": [self.source_id] * len(names),
                "file_name": names,
                "file_sha256": [self.pending[name].file.file_sha256 for name in names],
                "rows_loaded": [self.pending[name].file.rows_loaded for name in names],
                "source_rows_skipped": [self.pending[name].file.source_rows_skipped for name in names],
                "encoding": pa.array([self.pending[name].encoding for name in names], pa.string()),
                "loaded_at": [self.pending[name].file.loaded_at for name in names],
            }
        )
        con = self.con
        con.begin()
        try:
            if replaced:
                con.execute(
                    f"delete from {self.raw_table} where source_id = ? and list_contains(?, file_name)",
                    [self.source_id, replaced],
                )
                con.execute(
                    "delete from ingest_log where source_id = ? and list_contains(?, file_name)",
                    [self.source_id, replaced],
                )
            con.execute(f"insert into {self.raw_table} by name select * from {self.table}")
            con.register("ingest_stage_log", log)
            con.execute("insert into ingest_log by name select * from ingest_stage_log")
            con.unregister("ingest_stage_log")
            con.commit()
        except BaseException:
            con.rollback()
            raise
        con.execute(self._create)  # a new table, empty: deleting the rows would keep their memory
        self.held.update((name, self.pending[name].file) for name in names)
        self.pending.clear()
        self._pending_rows = 0
