"""Dagster's SQLite event log, with its connections kept open and its commits not flushed one by one.

Every event of a run (a refresh writes about 900: 192 planned before it starts, then step, output,
materialization and check events) is a row in the run's own SQLite file, and an asset or check event
a second row in the index file. Dagster's `SqliteEventLogStorage` builds a new SQLAlchemy engine,
opens the file and disposes of both for every write, and commits each write with an fsync of the
write-ahead log: on the project's machine about 20 ms an event, under load 40, a tenth of the
bundled refresh. This storage is the same tables in the same files (the UI and `dagster` read them
as before); it keeps an engine per file (the index and the few newest runs) and writes with SQLite's
`synchronous=NORMAL`, which in WAL mode syncs at checkpoints instead of at each commit: a crash of
the process loses nothing, a power cut may lose the last events of the run that was writing, never
the file's consistency (https://www.sqlite.org/pragma.html#pragma_synchronous). What Dagster asks of
the schema again and again (a table there, a column of the asset index there, a run file at the head
revision) is asked once per process: schemas are only ever migrated forward.
`DataPaths.prepare` names it in the data directory's dagster.yaml.
"""

from __future__ import annotations

import os
import tempfile
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as db
from dagster._core.storage.event_log.sqlite import sqlite_event_log
from dagster._core.storage.event_log.sqlite.sqlite_event_log import INDEX_SHARD_NAME
from dagster._core.storage.sqlite import create_db_conn_string
from dagster._serdes import ConfigurableClassData
from sqlalchemy.engine import Connection, Engine

# The shards one process writes at a time: the index and the run in progress; a reader such as the
# UI cycles through more, each opened again when it left the cache.
OPEN_SHARDS = 8


class SqliteEventLogStorage(sqlite_event_log.SqliteEventLogStorage):
    """Dagster's run-sharded SQLite event log with kept connections and WAL commits without fsync."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None) -> None:
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._tables: set[str] = set()
        self._asset_key_columns: set[str] = set()
        self._empty: bytes | None = None
        super().__init__(base_dir, inst_data)

    @classmethod
    def from_config_value(
        cls, inst_data: ConfigurableClassData | None, config_value: Any
    ) -> SqliteEventLogStorage:
        # the parent's names its own class: this one must say that it builds itself
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> Engine:
        engine = self._engines.pop(shard, None)
        if engine is None:
            engine = db.create_engine(
                create_db_conn_string(self._base_dir, shard),
                # one connection, reused by whichever thread holds the storage's lock
                poolclass=db.pool.StaticPool,
                connect_args={
                    "timeout": sqlite_event_log.SQLITE_BUSY_TIMEOUT_SECONDS,
                    "check_same_thread": False,
                },
            )
            db.event.listen(engine, "connect", _relaxed_sync)
            while len(self._engines) >= OPEN_SHARDS:
                self._engines.popitem(last=False)[1].dispose()
        self._engines[shard] = engine
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                path = Path(self.path_for_shard(shard))
                if shard != INDEX_SHARD_NAME and not path.exists():
                    _write_atomically(path, self._empty_shard())  # at the schema's head: `_initdb` made it
                else:
                    self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def _empty_shard(self) -> bytes:
        """A new run's file as Dagster creates it (its tables, indexes, migration stamp, WAL mode),
        made once per process in a scratch folder: creating the schema in each run's file took
        0.2-0.35 s of every run (21 runs on the bundled sample), copying it takes a millisecond."""
        if self._empty is None:
            with tempfile.TemporaryDirectory() as folder:
                engine = db.create_engine(create_db_conn_string(folder, "empty"), poolclass=db.pool.NullPool)
                self._initdb(engine)
                engine.dispose()  # the last connection closed: SQLite has written the WAL into the file
                self._empty = Path(folder, "empty.db").read_bytes()
        return self._empty

    def has_table(self, table_name: str) -> bool:
        """Dagster asks before many writes whether the index has a table of a newer schema, each time
        on a new engine (315 times in the x100 one-file night); a table, once there, stays."""
        if table_name not in self._tables:
            if not super().has_table(table_name):
                return False
            self._tables.add(table_name)
        return True

    def _has_asset_key_col_on_connection(self, conn: Connection, column_name: str) -> bool:
        """Dagster asks before every asset event whether the index's asset table has a column of a
        newer schema, reading all its columns each time (0.7 s of the x100 first night, 2 cores); a
        column, once there, stays."""
        if column_name not in self._asset_key_columns:
            if not super()._has_asset_key_col_on_connection(conn, column_name):
                return False
            self._asset_key_columns.add(column_name)
        return True

    def dispose(self) -> None:
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()
        super().dispose()


def _write_atomically(path: Path, content: bytes) -> None:
    """Under a name Dagster's listing of runs (`*.db`) does not match until it is complete."""
    partial = path.with_name(path.name + ".new")
    partial.write_bytes(content)
    os.replace(partial, path)


def _relaxed_sync(connection: Any, _record: Any) -> None:
    connection.execute("PRAGMA synchronous=NORMAL")
