"""Staging: the files of one source loaded in a run reach the raw store together, not one by one.

Each file's rows are inserted into the raw table inside one open transaction, and the accepted files
are committed together, with the deletion of the versions they replace and their rows of `ingest_log`.
A file that fails in its reader or a rule has its rows deleted again within the transaction; a file
whose insert DuckDB refuses aborts the transaction (DuckDB has no savepoints), so its batch is rolled
back and its other files load again (`lost`). The store never holds half a file, a changed file
replaces all rows of its previous version, and a crash leaves the store as it was before the files not
yet committed.

Why: a transaction per file cost more than reading the file. Measured on the x10 sample (967 files,
`ingest_source` under cProfile, 34 s in all): begin, delete and commit 5.8 s, the `ingest_log` row
4.3 s, looking the file up in the log 1.3 s, the previous delivery's log row 1.1 s; at x100 (5,998
GENESIS files, 366 s) 81 s, 43 s, 12 s and 19 s.

The transaction is committed every `STAGE_MAX_ROWS` raw rows (and at the end), so the uncommitted rows
stay bounded however many files a folder holds; each commit holds whole files.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from ingest.raw_store import LoggedFile

# raw rows inserted before they are committed: about 150 MB of a GENESIS table's cells
STAGE_MAX_ROWS = 500_000


@dataclass(frozen=True)
class _Pending:
    file: LoggedFile
    encoding: str | None


class StagedFiles:
    """The staging of one source's files on one connection: `con` and `table` (the raw table a loader
    inserts into, inside the open transaction), what `ingest_log` holds for the source, and the files
    inserted but not yet committed."""

    def __init__(self, con: duckdb.DuckDBPyConnection, source_id: str, table: str):
        self.con, self.source_id, self.table = con, source_id, table
        rows = con.execute(
            "select file_name, file_sha256, rows_loaded, source_rows_skipped, loaded_at from ingest_log "
            "where source_id = ?",
            [source_id],
        ).fetchall()
        self.held: dict[str, LoggedFile] = {row[0]: LoggedFile(*row) for row in rows}
        self.pending: dict[str, _Pending] = {}
        # files whose rows a failed insert rolled back, to be loaded again (see `file`)
        self.lost: list[str] = []
        self._pending_rows = 0
        self._open = False

    def logged(self, file_name: str) -> LoggedFile | None:
        """The version of the file the raw store holds (a file name is loaded at most once a run)."""
        return self.held.get(file_name)

    @contextmanager
    def file(self, file_name: str, sha: str) -> Iterator[None]:
        """Around a loader's inserts of one file: if anything goes wrong, none of its rows stay. An error
        of DuckDB's aborts the transaction: everything not yet committed is rolled back and `lost`."""
        if not self._open:
            self.con.begin()
            self._open = True
        try:
            yield
        except duckdb.Error:
            self._open = False
            self.con.rollback()
            self.lost = list(self.pending)
            self.pending.clear()
            self._pending_rows = 0
            raise
        except Exception:
            self.con.execute(
                f"delete from {self.table} where source_id = ? and file_name = ? and file_sha256 = ?",
                [self.source_id, file_name, sha],
            )
            raise

    def accept(self, file: LoggedFile, encoding: str | None) -> None:
        """The file's inserted rows are good: they are committed with the batch."""
        self.pending[file.file_name] = _Pending(file, encoding)
        self._pending_rows += file.rows_loaded
        if self._pending_rows >= STAGE_MAX_ROWS:
            self.commit()

    def previous_delivery(self, file_name: str) -> LoggedFile | None:
        """The file loaded last before this one, pending or committed (by load time, then name, as
        `ingest_log` would order them): the delivery a new file is compared with."""
        logged = {**self.held, **{name: pending.file for name, pending in self.pending.items()}}
        others = [file for name, file in logged.items() if name != file_name]
        return max(others, key=lambda file: (file.loaded_at, file.file_name), default=None)

    def areas_of(self, file: LoggedFile) -> set[tuple[str, str]]:
        """Area key and name of every row of that version of the file, pending or committed."""
        return set(
            self.con.execute(
                f"select distinct area_key, area_name from {self.table} "
                "where source_id = ? and file_name = ? and file_sha256 = ?",
                [self.source_id, file.file_name, file.file_sha256],
            ).fetchall()
        )

    def commit(self) -> None:
        """Commit the pending files: the rows of the versions they replace deleted, their `ingest_log`
        rows written, in the transaction that holds their rows."""
        if not self._open:
            return
        names = list(self.pending)
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
        con, self._open = self.con, False
        try:
            con.register("ingest_staged_log", log)
            if any(name in self.held for name in names):
                con.execute(
                    f"""delete from {self.table} raw using ingest_staged_log new
                        where raw.source_id = new.source_id and raw.file_name = new.file_name
                          and raw.file_sha256 <> new.file_sha256"""
                )
                con.execute(
                    "delete from ingest_log log using ingest_staged_log new "
                    "where log.source_id = new.source_id and log.file_name = new.file_name"
                )
            con.execute("insert into ingest_log by name select * from ingest_staged_log")
            con.unregister("ingest_staged_log")
            con.commit()
        except BaseException:
            con.rollback()
            raise
        self.held.update((name, self.pending[name].file) for name in names)
        self.pending.clear()
        self._pending_rows = 0
