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

A loader may also hand a file's last rows to `insert_later`: consecutive files whose rows go in with
the same statement (the same labels) are inserted together, once `BUFFER_CELLS` cells are buffered,
and before anything reads the raw table or commits. A file that fails drops its buffered rows. If
DuckDB refuses an insert of several files, the transaction is rolled back as above (`lost`) and, until
the next commit, every file is inserted on its own again, so that the file to blame is the one refused.
Why: parsing and planning the insert statement cost about 2 ms a file; 10 files of 12411-02-03-5 in one
statement cost 3.2-3.9 ms a file instead of 5.4 ms (CPU time, x100 sample).

The buffered insert runs in a thread of its own (`flush`) while this one reads the next files: DuckDB
releases the GIL while it appends, and reading is Python's work, so the two share the machine's two
cores. Whatever uses the connection next waits for it first (`con`), and a refusal comes out there.
Measured on fresh copies of the x100 landing files, the bench's platform ingest alternating with the
code before: 16.2 / 15.1 s before, 13.9 / 13.7 s after.
"""

from __future__ import annotations

import concurrent.futures
import heapq
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain

import duckdb
import pyarrow as pa

from ingest.raw_store import LoggedFile

# raw rows inserted before they are committed: about 150 MB of a GENESIS table's cells
STAGE_MAX_ROWS = 500_000
# raw rows (cells) buffered by `insert_later` before they are inserted together
BUFFER_CELLS = 100_000

# DuckDB errors that say the raw store itself is broken or cannot be written (disk full, a lock, a
# corrupt file, an interrupt), whichever file was being loaded: they fail the run instead of
# quarantining a file that is not to blame. Other DuckDB errors while a file's rows are inserted
# (a value that does not convert, a constraint) are that file's.
STORE_ERRORS: tuple[type[BaseException], ...] = (
    duckdb.IOException,
    duckdb.FatalException,
    duckdb.InternalException,
    duckdb.TransactionException,
    duckdb.ConnectionException,
    duckdb.PermissionException,
    duckdb.ResourceInUseException,
    duckdb.SerializationException,
    duckdb.InterruptException,
)


class BufferRefused(Exception):
    """DuckDB refused the insert of buffered files: the transaction is rolled back, its files are `lost`
    and load again, one insert each. No file is to blame yet, so none is quarantined."""


@dataclass(frozen=True)
class _Pending:
    file: LoggedFile
    encoding: str | None


@dataclass
class _Statement:
    """Buffered rows of consecutive files inserted by one statement, which reads them as `batch`."""

    sql: str
    parameters: list[object]
    # (file name, its columns, the cells they make)
    chunks: list[tuple[str, dict[str, Sequence], int]] = field(default_factory=list)


def _load_order(file: LoggedFile) -> tuple:
    return (file.loaded_at, file.file_name)


class StagedFiles:
    """The staging of one source's files on one connection: `con` and `table` (the raw table a loader
    inserts into, inside the open transaction), what `ingest_log` holds for the source, and the files
    inserted but not yet committed."""

    def __init__(self, con: duckdb.DuckDBPyConnection, source_id: str, table: str):
        self._con, self.source_id, self.table = con, source_id, table
        self._inserting: Future[None] | None = None  # the buffered insert DuckDB is running (`flush`)
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
        self._statements: dict[tuple[str, str], _Statement] = {}
        self._buffered_cells = 0
        self._one_by_one = False  # after a refused buffer, until the next commit
        # the two files loaded last, of the held and the pending ones (None: to be found again)
        self._latest: list[LoggedFile] | None = None

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """The connection, once the buffered insert in flight is done (one thread at a time uses it)."""
        self._settle()
        return self._con

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
        except BufferRefused:
            raise
        except duckdb.Error:
            self._abort()
            raise
        except Exception:
            self._drop(file_name)
            self.con.execute(
                f"delete from {self.table} where source_id = ? and file_name = ? and file_sha256 = ?",
                [self.source_id, file_name, sha],
            )
            raise

    def accept(self, file: LoggedFile, encoding: str | None) -> None:
        """The file's inserted rows are good: they are committed with the batch."""
        if (
            self._latest is not None
            and file.file_name not in self.held
            and file.file_name not in self.pending
        ):
            self._latest = heapq.nlargest(2, [*self._latest, file], key=_load_order)
        else:
            self._latest = None  # a version it replaces may be among them
        self.pending[file.file_name] = _Pending(file, encoding)
        self._pending_rows += file.rows_loaded
        if self._pending_rows >= STAGE_MAX_ROWS:
            self.commit()
        elif self._buffered_cells >= BUFFER_CELLS:
            try:
                self.flush()
            except BufferRefused:
                return  # the files are `lost`: they load again

    def insert_later(
        self, sql: str, parameters: list[object], file_name: str, columns: dict[str, Sequence], cells: int
    ) -> None:
        """Insert the file's rows (`columns`, read by `sql` as `batch`) together with those of the files
        before it that use the same statement and parameters: at the latest before anything reads the
        raw table or commits. `cells`: the raw rows they make."""
        if self._one_by_one:
            batch = pa.table(columns)  # noqa: F841 (read by name in the SQL)
            self.con.execute(sql, parameters)
            return
        key = (sql, repr(parameters))
        statement = self._statements.get(key)
        if statement is None:
            statement = self._statements[key] = _Statement(sql, parameters)
        statement.chunks.append((file_name, columns, cells))
        self._buffered_cells += cells

    def flush(self) -> None:
        """Start the insert of the buffered rows, one statement per kind, and return: DuckDB appends them
        in another thread (it releases the GIL) while this one reads the next files. Whatever uses the
        connection next waits for it (`con`, `_settle`); a refusal comes out there and rolls the
        transaction back."""
        self._settle()
        statements, self._statements, self._buffered_cells = self._statements, {}, 0
        inserts = [(each.sql, each.parameters, _batch(each)) for each in statements.values()]
        if inserts:
            self._inserting = _INSERTER.submit(_insert, self._con, inserts)

    def _settle(self) -> None:
        """Wait for the insert in flight: a refusal rolls the transaction back (`BufferRefused`)."""
        inserting, self._inserting = self._inserting, None
        if inserting is None:
            return
        try:
            inserting.result()
        except STORE_ERRORS:
            self._abort()
            raise
        except duckdb.Error as error:
            self._abort()
            self._one_by_one = True
            raise BufferRefused(str(error)) from error

    def wait(self) -> None:
        """Wait for the insert in flight whatever its outcome, before the connection is closed or the
        transaction left (after an error elsewhere, an interrupt)."""
        if self._inserting is not None:
            concurrent.futures.wait([self._inserting])

    def _drop(self, file_name: str) -> None:
        """Forget the buffered rows of a file that failed."""
        for key, statement in list(self._statements.items()):
            statement.chunks = [chunk for chunk in statement.chunks if chunk[0] != file_name]
            if not statement.chunks:
                del self._statements[key]
        self._buffered_cells = sum(cells for s in self._statements.values() for *_, cells in s.chunks)

    def _abort(self) -> None:
        """DuckDB aborted the transaction: everything not yet committed is rolled back and `lost`."""
        if self._open:
            self._open = False
            self._con.rollback()
        self.lost = list(self.pending)
        self.pending.clear()
        self._pending_rows = 0
        self._latest = None
        self._statements.clear()
        self._buffered_cells = 0

    def previous_delivery(self, file_name: str) -> LoggedFile | None:
        """The file loaded last before this one, pending or committed (by load time, then name, as
        `ingest_log` would order them): the delivery a new file is compared with. The two loaded last
        are kept from file to file (one of them is not this file): finding them among all files of the
        source for each file took 0.6 s at x100."""
        if self._latest is None:
            logged = {**self.held, **{name: pending.file for name, pending in self.pending.items()}}
            self._latest = heapq.nlargest(2, logged.values(), key=_load_order)
        return next((file for file in self._latest if file.file_name != file_name), None)

    def areas_of(self, file: LoggedFile) -> set[tuple[str, str]]:
        """Area key and name of every row of that version of the file, pending or committed."""
        self.flush()
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
        try:
            self.flush()
            self._settle()
        except BufferRefused:
            return  # the files are `lost`: they load again
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
        con, self._open = self._con, False
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
        self._one_by_one = False


def _batch(statement: _Statement) -> pa.Table:
    """The statement's buffered rows, file after file, as one table (read by its SQL as `batch`)."""
    chunks = [columns for _, columns, _ in statement.chunks]
    return pa.table({name: list(chain.from_iterable(c[name] for c in chunks)) for name in chunks[0]})


# the one thread that runs buffered inserts (`StagedFiles.flush`): a source's files load one at a time
_INSERTER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="raw-insert")


def _insert(con: duckdb.DuckDBPyConnection, inserts: list[tuple[str, list[object], pa.Table]]) -> None:
    for sql, parameters, batch in inserts:  # noqa: B007 (`batch` is read by name in the SQL)
        con.execute(sql, parameters)
