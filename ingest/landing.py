"""Ingest everything that has landed for one source into the raw store."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from ingest.errors import UnknownAreaError
from ingest.genesis import DatencsvFile, DatencsvLayout, DatencsvRow
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


class _CellInserter:
    """Collects kept source rows column by column and inserts them into the raw table one cell per row
    (the unpivot runs inside DuckDB, not in Python), every BATCH_ROWS rows."""

    def __init__(
        self, con: duckdb.DuckDBPyConnection, source_id: str, layout: DatencsvLayout, provenance: list
    ) -> None:
        self.con, self.source_id, self.layout, self.provenance = con, source_id, layout, provenance
        self.label_names = [name for name, _ in layout.row_labels]
        names = ("row_number", "stichtag", "area_key", "area_name", *self.label_names, "werte", "status")
        self.columns: dict[str, list] = {name: [] for name in names}
        self.rows_loaded = 0

    def add(self, row: DatencsvRow) -> None:
        columns = self.columns
        columns["row_number"].append(row.line)
        columns["stichtag"].append(row.stichtag)
        columns["area_key"].append(row.area_key)
        columns["area_name"].append(row.area_name)
        for name, value in zip(self.label_names, row.labels, strict=True):
            columns[name].append(value)
        columns["werte"].append(row.values)
        columns["status"].append(row.statuses)
        if len(columns["row_number"]) >= BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        layout, rows = self.layout, len(self.columns["row_number"])
        if not rows:
            return
        self.con.register("batch", pa.table(self.columns))
        dims = ", ".join(f"list_extract(?::varchar[], i) as {name}" for name in layout.column_dimensions)
        self.con.execute(
            f"""insert into {self.source_id} by name
                select ? as source_id, ? as file_name, ? as file_sha256, row_number,
                       {layout.n_label_fields} + i as column_number, ? as loaded_at,
                       stichtag, area_key, area_name, {", ".join(self.label_names)}, {dims},
                       werte[i] as anzahl, status[i] as status
                from batch, range(1, {layout.n_values + 1}) as r(i)""",
            [*self.provenance, *(list(header) for header in layout.column_headers)],
        )
        self.con.unregister("batch")
        self.rows_loaded += rows * layout.n_values
        for values in self.columns.values():
            values.clear()


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
    inserter = _CellInserter(con, source.id, layout, [source.id, path.name, sha, loaded_at])
    skipped_keys: Counter[str] = Counter()
    stichtage: set[date] = set()
    with RawStore.replacing_file(con, source.id, previous):
        for row in export.rows():
            decision = geography.decide(row.area_key)
            if decision is AreaDecision.SKIP:
                skipped_keys[row.area_key] += 1
                continue
            if decision is AreaDecision.UNKNOWN_RUHR_KEY:
                raise UnknownAreaError(
                    path.name,
                    f"area key '{row.area_key}' ({row.area_name}) lies in a Ruhr Kreis "
                    "but is not in the geography seed",
                    row=row.line,
                    column="2 (Schlüssel)",
                )
            inserter.add(row)
            stichtage.add(row.stichtag)
        inserter.flush()
        skipped_rows = sum(skipped_keys.values())
        logged = LoggedFile(path.name, sha, inserter.rows_loaded, skipped_rows, loaded_at)
        RawStore.log_file(con, source.id, logged, export.encoding)
    return FileLoad(
        path.name,
        sha,
        unchanged=False,
        rows_loaded=inserter.rows_loaded,
        source_rows_skipped=skipped_rows,
        skipped_areas=len(skipped_keys),
        stichtage=tuple(sorted(stichtage)),
        encoding=export.encoding,
    )
