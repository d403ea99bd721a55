"""Family loaders: how one delivered file of a source family becomes rows of its raw table.

A loader knows its raw table's columns and streams one file into it; the landing module around it
does what every family shares (checksums, idempotency, transactions, quarantine).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import astuple, dataclass
from datetime import date
from pathlib import Path
from typing import Protocol

import duckdb
import pyarrow as pa

from ingest.errors import UnknownAreaError
from ingest.genesis import DatencsvFile, DatencsvLayout, DatencsvRow
from ingest.genesis_ffcsv import FfcsvFile
from ingest.geography import AreaDecision, RuhrGeography
from ingest.layouts import layout as layout_named
from ingest.raw_store import PROVENANCE_DDL
from ingest.registry import Source

BATCH_ROWS = 50_000


@dataclass(frozen=True)
class Provenance:
    source_id: str
    file_name: str
    file_sha256: str
    loaded_at: object

    def values(self) -> list[object]:
        return [self.source_id, self.file_name, self.file_sha256, self.loaded_at]


@dataclass(frozen=True)
class LoadStats:
    rows_loaded: int
    source_rows_skipped: int
    skipped_areas: int
    stichtage: tuple[date, ...]
    encoding: str | None


class FamilyLoader(Protocol):
    def ddl(self, source: Source) -> str: ...

    def load(
        self, con: duckdb.DuckDBPyConnection, source: Source, path: Path, provenance: Provenance
    ) -> LoadStats: ...


def unknown_area(file: str, key: str, name: str, row: int, column: str) -> UnknownAreaError:
    return UnknownAreaError(
        file,
        f"area key '{key}' ({name}) lies in a Ruhr Kreis but is not in the geography seed",
        row=row,
        column=column,
    )


class _CellInserter:
    """Collects kept datencsv rows column by column and inserts them into the raw table one cell per
    row (the unpivot runs inside DuckDB, not in Python), every BATCH_ROWS rows."""

    def __init__(
        self, con: duckdb.DuckDBPyConnection, table: str, layout: DatencsvLayout, provenance: Provenance
    ):
        self.con, self.table, self.layout, self.provenance = con, table, layout, provenance
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
            f"""insert into {self.table} by name
                select ? as source_id, ? as file_name, ? as file_sha256, row_number,
                       {layout.n_label_fields} + i as column_number, ? as loaded_at,
                       stichtag, area_key, area_name, {", ".join(self.label_names)}, {dims},
                       werte[i] as anzahl, status[i] as status
                from batch, range(1, {layout.n_values + 1}) as r(i)""",
            [*self.provenance.values(), *(list(header) for header in layout.column_headers)],
        )
        self.con.unregister("batch")
        self.rows_loaded += rows * layout.n_values
        for values in self.columns.values():
            values.clear()


class DatencsvLoader:
    """GENESIS "datencsv" exports: one raw row per published cell, Ruhr and reference areas only."""

    def __init__(self, geography: RuhrGeography):
        self.geography = geography

    def ddl(self, source: Source) -> str:
        layout = layout_named(source.layout)
        labels = ",".join(f"\n    {name} varchar not null" for name, _ in layout.row_labels)
        dimensions = ",".join(f"\n    {name} varchar not null" for name in layout.column_dimensions)
        return f"""
create table if not exists {source.id} ({PROVENANCE_DDL},
    stichtag date not null,
    area_key varchar not null,
    area_name varchar not null,{labels},{dimensions},
    anzahl bigint,
    status varchar not null
)"""

    def load(
        self, con: duckdb.DuckDBPyConnection, source: Source, path: Path, provenance: Provenance
    ) -> LoadStats:
        export = DatencsvFile(path, layout_named(source.layout))
        inserter = _CellInserter(con, source.id, export.layout, provenance)
        skipped: Counter[str] = Counter()
        stichtage: set[date] = set()
        for row in export.rows():
            decision = self.geography.decide(row.area_key)
            if decision is AreaDecision.SKIP:
                skipped[row.area_key] += 1
                continue
            if decision is AreaDecision.UNKNOWN_RUHR_KEY:
                raise unknown_area(path.name, row.area_key, row.area_name, row.line, "2 (Schlüssel)")
            inserter.add(row)
            stichtage.add(row.stichtag)
        inserter.flush()
        return LoadStats(
            inserter.rows_loaded,
            sum(skipped.values()),
            len(skipped),
            tuple(sorted(stichtage)),
            export.encoding,
        )


class FfcsvLoader:
    """GENESIS flat-file CSV (ffcsv, also zipped): one raw row per value, Ruhr and reference areas only."""

    COLUMNS = (
        "row_number",
        "statistics_code",
        "time",
        "area_variable",
        "area_key",
        "area_name",
        "merkmale",
        "value",
        "status",
        "value_unit",
        "value_variable_code",
        "value_q",
    )

    def __init__(self, geography: RuhrGeography):
        self.geography = geography

    def ddl(self, source: Source) -> str:
        return f"""
create table if not exists {source.id} ({PROVENANCE_DDL},
    statistics_code varchar not null,
    time varchar not null,
    area_variable varchar not null,
    area_key varchar not null,
    area_name varchar,
    merkmale map(varchar, varchar),
    value double,
    status varchar not null,
    value_unit varchar,
    value_variable_code varchar,
    value_q varchar
)"""

    def load(
        self, con: duckdb.DuckDBPyConnection, source: Source, path: Path, provenance: Provenance
    ) -> LoadStats:
        export = FfcsvFile(path)
        columns: dict[str, list] = {name: [] for name in self.COLUMNS}
        skipped: Counter[str] = Counter()
        loaded = 0

        def flush() -> None:
            nonlocal loaded
            if columns["row_number"]:
                batch = pa.table(
                    {
                        **columns,
                        "merkmale": pa.array(
                            [list(item.items()) for item in columns["merkmale"]],
                            type=pa.map_(pa.string(), pa.string()),
                        ),
                    }
                )
                con.register("batch", batch)
                con.execute(
                    f"""insert into {source.id} by name
                        select ? as source_id, ? as file_name, ? as file_sha256, ? as loaded_at,
                               ? as column_number, * from batch""",
                    [*provenance.values(), export.value_column],
                )
                con.unregister("batch")
                loaded += len(columns["row_number"])
            for values in columns.values():
                values.clear()

        for row in export.rows():
            decision = self.geography.decide(row.area_key)
            if decision is AreaDecision.SKIP:
                skipped[row.area_key] += 1
                continue
            if decision is AreaDecision.UNKNOWN_RUHR_KEY:
                raise unknown_area(
                    path.name, row.area_key, row.area_name, row.line, "variable_attribute_code"
                )
            for name, value in zip(self.COLUMNS, (row.line, *astuple(row)[1:]), strict=True):
                columns[name].append(value)
            if len(columns["row_number"]) >= BATCH_ROWS:
                flush()
        flush()
        return LoadStats(loaded, sum(skipped.values()), len(skipped), (), "utf-8")
