"""The raw store: `raw.duckdb`, written only by ingestion, one table per source.

Every row keeps its provenance (source id, file name, file sha256, row and column in the file,
loaded_at). A per-file load log makes ingestion idempotent: an unchanged file is skipped, a changed
file replaces all rows of its previous version, inside one transaction (its batch's,
`ingest/staging.py`), so a file that fails halfway leaves the store as it was.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

LOG_DDL = """
create table if not exists ingest_log (
    source_id varchar not null,
    file_name varchar not null,
    file_sha256 varchar not null,
    rows_loaded bigint not null,
    source_rows_skipped bigint not null,
    encoding varchar,
    loaded_at timestamp not null,
    primary key (source_id, file_name)
)
"""

PROVENANCE_DDL = """
    source_id varchar not null,
    file_name varchar not null,
    file_sha256 varchar not null,
    row_number integer not null,
    column_number integer not null,
    loaded_at timestamp not null
"""


# A file whose status last changed this close to its hashing may change again within the same tick of
# the file system's clock without its status showing it (git's "racy clean" case): not remembered.
RACY_NS = 2_000_000_000

# path → (its status when hashed, sha256): what this process already read (see `file_sha256`).
_hashed: dict[Path, tuple[tuple[int, ...], str]] = {}


def _status(status: os.stat_result) -> tuple[int, ...]:
    """What changes whenever a file's content can have changed: device and inode (a file replaced by a
    rename), size and mtime, and ctime, which every write, rename onto it and `utime` sets to the clock
    and which no caller can set back (a file rewritten with the same size and its old mtime restored)."""
    return (status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns)


def file_sha256(path: Path) -> str:
    """The file's sha256, read at most once per process while its status stays as it was.

    A night asks for every landed file's checksum up to three times (the quiet-night check, the
    delivery runs that are due, the ingest that compares it with the log): 12,694 reads of the
    landed files at ×100 in one process. The remembered checksum is used only while `_status` is
    unchanged and if the file's status had last changed more than `RACY_NS` before it was read, so
    a file written in the same clock tick as its reading is read again."""
    started, before = time.time_ns(), _status(path.stat())
    known = _hashed.get(path)
    if known is not None and known[0] == before:
        return known[1]
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
        after = _status(os.fstat(handle.fileno()))  # the file read, even if renamed over since
    sha = digest.hexdigest()
    if after == before and max(before[3], before[4]) < started - RACY_NS:
        _hashed[path] = (before, sha)
    return sha


@dataclass(frozen=True)
class LoggedFile:
    file_name: str
    file_sha256: str
    rows_loaded: int
    source_rows_skipped: int
    loaded_at: datetime


class RawStore:
    def __init__(self, path: Path, config: Mapping[str, str] | None = None):
        """`config`: DuckDB settings for the writing connection (memory_limit, threads)."""
        self.path = path
        self.config = dict(config or {})

    def held_files(self) -> dict[str, dict[str, str]]:
        """source id → file name → sha256 of every file the store holds; empty before the first ingest.

        Opens the store read-only, which DuckDB refuses while a run writes it (one writer and no reader
        beside it): `duckdb.IOException` then, for the caller to decide."""
        if not self.path.exists():
            return {}
        with duckdb.connect(str(self.path), read_only=True) as con:
            exists = con.execute(
                "select count(*) from duckdb_tables() where table_name = 'ingest_log'"
            ).fetchone()[0]
            rows = (
                con.execute("select source_id, file_name, file_sha256 from ingest_log").fetchall()
                if exists
                else []
            )
        held: dict[str, dict[str, str]] = {}
        for source_id, file_name, sha in rows:
            held.setdefault(source_id, {})[file_name] = sha
        return held

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(self.path), config=self.config)
        try:
            con.execute(LOG_DDL)
            yield con
        finally:
            con.close()

    @staticmethod
    def files_logged(con: duckdb.DuckDBPyConnection, source_id: str) -> int:
        return con.execute("select count(*) from ingest_log where source_id = ?", [source_id]).fetchone()[0]
