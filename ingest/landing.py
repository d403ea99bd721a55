"""Ingest everything that has landed for one source into the raw store."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from ingest.errors import UnknownAreaError
from ingest.genesis import DatencsvFile, DatencsvLayout
from ingest.geography import AreaDecision, RuhrGeography
from ingest.layouts import layout as layout_named
from ingest.raw_store import PROVENANCE_DDL, LoggedFile, RawStore, file_sha256
from ingest.registry import Source

BATCH_ROWS = 50_000


@dataclass(frozen=True)
class FileLoad:
    file_name: str
    file_sha256: str
    unchanged: bool
    rows_loaded: int
    source_rows_skipped: int
    skipped_areas: int = 0
    stichtage: tuple[date, ...] = ()
    encoding: str | None = None


@dataclass
class SourceLoad:
    source_id: str
    files: list[FileLoad] = field(default_factory=list)

    @property
    def rows_loaded(self) -> int:
        return sum(file.rows_loaded for file in self.files if not file.unchanged)

    @property
    def source_rows_skipped(self) -> int:
        return sum(file.source_rows_skipped for file in self.files if not file.unchanged)


def landed_files(source: Source, landing_dir: Path) -> list[Path]:
    return sorted(path for path in (landing_dir / source.id).glob(source.file_pattern) if path.is_file())


def ingest_source(source: Source, landing_dir: Path, store: RawStore, geography: RuhrGeography) -> SourceLoad:
    """Load every landed file of the source; the first bad file raises a `SourceError`."""
    result = SourceLoad(source.id)
    layout = layout_named(source.layout)
    with store.connect() as con:
        con.execute(_raw_table_ddl(source.id, layout))
        for path in landed_files(source, landing_dir):
            result.files.append(_load_datencsv(con, source, path, layout, geography))
    return result


def _raw_table_ddl(table: str, layout: DatencsvLayout) -> str:
    labels = ",".join(f"\n    {name} varchar not null" for name, _ in layout.row_labels)
    dimensions = ",".join(f"\n    {name} varchar not null" for name in layout.column_dimensions)
    return f"""
create table if not exists {table} ({PROVENANCE_DDL},
    stichtag date not null,
    area_key varchar not null,
    area_name varchar not null,{labels},{dimensions},
    anzahl bigint,
    status varchar not null
)"""


def _load_datencsv(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    path: Path,
    layout: DatencsvLayout,
    geography: RuhrGeography,
) -> FileLoad:
    sha = file_sha256(path)
    previous = RawStore.logged(con, source.id, path.name)
    if previous is not None and previous.file_sha256 == sha:
        return FileLoad(path.name, sha, True, previous.rows_loaded, previous.source_rows_skipped)

    export = DatencsvFile(path, layout)
    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    label_names = [name for name, _ in layout.row_labels]
    columns: dict[str, list] = {
        name: []
        for name in ("row_number", "stichtag", "area_key", "area_name", *label_names, "werte", "status")
    }
    skipped_rows = 0
    skipped_keys: set[str] = set()
    stichtage: Counter[date] = Counter()
    rows_loaded = 0

    def flush() -> None:
        nonlocal rows_loaded
        if not columns["row_number"]:
            return
        con.register("batch", pa.table(columns))
        dims = ", ".join(f"list_extract(?::varchar[], i) as {name}" for name in layout.column_dimensions)
        con.execute(
            f"""insert into {source.id} by name
                select ? as source_id, ? as file_name, ? as file_sha256, row_number,
                       {layout.n_label_fields} + i as column_number, ? as loaded_at,
                       stichtag, area_key, area_name, {", ".join(label_names)}, {dims},
                       werte[i] as anzahl, status[i] as status
                from batch, range(1, {layout.n_values + 1}) as r(i)""",
            [source.id, path.name, sha, loaded_at, *(list(header) for header in layout.column_headers)],
        )
        con.unregister("batch")
        rows_loaded += len(columns["row_number"]) * layout.n_values
        for values in columns.values():
            values.clear()

    with RawStore.replacing_file(con, source.id, source.id, previous):
        for row in export.rows():
            decision = geography.decide(row.area_key)
            if decision is AreaDecision.SKIP:
                skipped_rows += 1
                skipped_keys.add(row.area_key)
                continue
            if decision is AreaDecision.UNKNOWN_RUHR_KEY:
                raise UnknownAreaError(
                    path.name,
                    f"area key '{row.area_key}' ({row.area_name}) lies in a Ruhr Kreis "
                    "but is not in the geography seed",
                    row=row.line,
                    column="2 (Schlüssel)",
                )
            columns["row_number"].append(row.line)
            columns["stichtag"].append(row.stichtag)
            columns["area_key"].append(row.area_key)
            columns["area_name"].append(row.area_name)
            for name, value in zip(label_names, row.labels, strict=True):
                columns[name].append(value)
            columns["werte"].append(row.values)
            columns["status"].append(row.statuses)
            stichtage[row.stichtag] += 1
            if len(columns["row_number"]) >= BATCH_ROWS:
                flush()
        flush()
        logged = LoggedFile(path.name, sha, rows_loaded, skipped_rows, loaded_at)
        RawStore.log_file(con, source.id, logged, export.encoding)
    return FileLoad(
        path.name,
        sha,
        False,
        rows_loaded,
        skipped_rows,
        len(skipped_keys),
        tuple(sorted(stichtage)),
        export.encoding,
    )
