"""Family loaders: how one delivered file of a source family becomes rows of its raw table.

A loader knows its raw table's columns and streams one file into it; the landing module around it
does what every family shares (checksums, idempotency, transactions, quarantine).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path
from typing import Any, Protocol

import duckdb
import pyarrow as pa

from ingest.ba_xlsx import BaRow, BaWorkbook
from ingest.city_csv import CityCsvFile, CityRow
from ingest.city_mapping import load_city_mapping
from ingest.encoding import detect_text_encoding
from ingest.errors import UnknownAreaError
from ingest.genesis import DatencsvFile, DatencsvLayout, DatencsvRow
from ingest.genesis_ffcsv import FfcsvFile, FfcsvRow
from ingest.geography import AreaDecision, RuhrGeography
from ingest.layouts import layout as layout_named
from ingest.lieferanten import lieferant
from ingest.raw_store import PROVENANCE_DDL
from ingest.registry import Source
from ingest.submission import SubmissionFile, SubmissionRow, template

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
    # tables a loader writes beside the source's raw table (a city's area list beside its counts)
    COMPANION_TABLES: tuple[str, ...]

    def prepare(self, con: duckdb.DuckDBPyConnection, source: Source) -> None:
        """Create the raw table(s) if needed."""

    def load(
        self, con: duckdb.DuckDBPyConnection, source: Source, path: Path, provenance: Provenance
    ) -> LoadStats: ...


def insert_rows(
    con: duckdb.DuckDBPyConnection, table: str, provenance: Provenance, columns: dict[str, list | pa.Array]
) -> int:
    """Insert one batch of rows, given column by column, with the file's provenance on every row."""
    batch = pa.table(columns)
    con.register("batch", batch)
    con.execute(
        f"""insert into {table} by name
            select ? as source_id, ? as file_name, ? as file_sha256, ? as loaded_at, * from batch""",
        provenance.values(),
    )
    con.unregister("batch")
    return batch.num_rows


# Row attributes that the raw tables name after their provenance role.
PROVENANCE_NAMES = {"line": "row_number", "column": "column_number"}


def columns_of(rows: list[Any], row_type: type, **constants: object) -> dict[str, list]:
    """Column lists for `insert_rows` from reader rows (dataclasses): one column per field, plus
    constants repeated on every row."""
    columns = {
        PROVENANCE_NAMES.get(field.name, field.name): [getattr(row, field.name) for row in rows]
        for field in fields(row_type)
    }
    columns.update({name: [value] * len(rows) for name, value in constants.items()})
    return columns


class AreaFilter:
    """Keeps the Ruhr's areas and the reference areas, counts what it skips, and rejects a key below a
    Ruhr Kreis that the geography does not know (it must not vanish silently)."""

    def __init__(self, geography: RuhrGeography, file: str, key_column: str):
        self.geography, self.file, self.key_column = geography, file, key_column
        self.skipped_keys: set[str] = set()
        self.skipped_rows: set[int] = set()

    def keep(self, key: str, name: str, row: int) -> bool:
        decision = self.geography.decide(key)
        if decision is AreaDecision.UNKNOWN_RUHR_KEY:
            raise UnknownAreaError(
                self.file,
                f"area key '{key}' ({name}) lies in a Ruhr Kreis but is not in the geography seed",
                row=row,
                column=self.key_column,
            )
        if decision is AreaDecision.SKIP:
            self.skipped_keys.add(key)
            self.skipped_rows.add(row)
            return False
        return True


class RawTableLoader:
    """What the loaders share: the geography to filter by and a raw table whose columns, after the
    provenance columns, each loader declares in COLUMNS."""

    COLUMNS = ""
    COMPANION_TABLES: tuple[str, ...] = ()

    def __init__(self, geography: RuhrGeography):
        self.geography = geography

    def prepare(self, con: duckdb.DuckDBPyConnection, source: Source) -> None:
        con.execute(f"create table if not exists {source.table} ({PROVENANCE_DDL},{self.COLUMNS})")


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

    def prepare(self, con: duckdb.DuckDBPyConnection, source: Source) -> None:
        layout = layout_named(source.layout)
        labels = ",".join(f"\n    {name} varchar not null" for name, _ in layout.row_labels)
        dimensions = ",".join(f"\n    {name} varchar not null" for name in layout.column_dimensions)
        con.execute(f"""
create table if not exists {source.table} ({PROVENANCE_DDL},
    stichtag date not null,
    area_key varchar not null,
    area_name varchar not null,{labels},{dimensions},
    anzahl bigint,
    status varchar not null
)""")

    def load(
        self, con: duckdb.DuckDBPyConnection, source: Source, path: Path, provenance: Provenance
    ) -> LoadStats:
        export = DatencsvFile(path, layout_named(source.layout))
        inserter = _CellInserter(con, source.table, export.layout, provenance)
        areas = AreaFilter(self.geography, path.name, "2 (Schlüssel)")
        stichtage: set[date] = set()
        for row in export.rows():
            if not areas.keep(row.area_key, row.area_name, row.line):
                continue
            inserter.add(row)
            stichtage.add(row.stichtag)
        inserter.flush()
        return LoadStats(
            inserter.rows_loaded,
            len(areas.skipped_rows),
            len(areas.skipped_keys),
            tuple(sorted(stichtage)),
            export.encoding,
        )


class FfcsvLoader(RawTableLoader):
    """GENESIS flat-file CSV (ffcsv, also zipped): one raw row per value, Ruhr and reference areas only."""

    COLUMNS = """
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
"""

    def load(
        self, con: duckdb.DuckDBPyConnection, source: Source, path: Path, provenance: Provenance
    ) -> LoadStats:
        export = FfcsvFile(path)
        rows: list[FfcsvRow] = []
        areas = AreaFilter(self.geography, path.name, "variable_attribute_code")
        loaded = 0

        def flush() -> int:
            if not rows:
                return 0
            columns = columns_of(rows, FfcsvRow, column_number=export.value_column)
            columns["merkmale"] = pa.array(
                [list(row.merkmale.items()) for row in rows], type=pa.map_(pa.string(), pa.string())
            )
            rows.clear()
            return insert_rows(con, source.table, provenance, columns)

        for row in export.rows():
            if not areas.keep(row.area_key, row.area_name, row.line):
                continue
            rows.append(row)
            if len(rows) >= BATCH_ROWS:
                loaded += flush()
        loaded += flush()
        return LoadStats(loaded, len(areas.skipped_rows), len(areas.skipped_keys), (), "utf-8")


class CityCsvLoader:
    """A city's small-area CSV through its YAML mapping: one raw row per area, date and measure, in one
    table shared by all cities; the city's area list goes beside it, refreshed from the mapping."""

    AREAS_TABLE = "stadt_kleinraum_gebiete"
    COMPANION_TABLES = (AREAS_TABLE,)

    def prepare(self, con: duckdb.DuckDBPyConnection, source: Source) -> None:
        mapping = load_city_mapping(Path(source.mapping))
        con.execute(f"""
create table if not exists {source.table} ({PROVENANCE_DDL},
    ags varchar not null,
    stichtag date not null,
    area_level varchar not null,
    area_code varchar not null,
    measure varchar not null,
    anzahl bigint,
    status varchar not null
)""")
        con.execute(f"""create table if not exists {self.AREAS_TABLE} (
            source_id varchar not null, ags varchar not null, area_level varchar not null,
            area_code varchar not null, name varchar not null)""")
        con.execute(f"delete from {self.AREAS_TABLE} where source_id = ?", [source.id])
        con.executemany(
            f"insert into {self.AREAS_TABLE} values (?, ?, ?, ?, ?)",
            [
                [source.id, mapping.ags, mapping.area.level, code, name]
                for code, name in mapping.areas.items()
            ],
        )

    def load(
        self, con: duckdb.DuckDBPyConnection, source: Source, path: Path, provenance: Provenance
    ) -> LoadStats:
        mapping = load_city_mapping(Path(source.mapping))
        rows = list(CityCsvFile(path, mapping).rows())  # a city file is small: validate it whole, then insert
        columns = columns_of(rows, CityRow, ags=mapping.ags, area_level=mapping.area.level)
        loaded = insert_rows(con, source.table, provenance, columns)
        return LoadStats(loaded, 0, 0, tuple(sorted({row.stichtag for row in rows})), mapping.encoding)


class BaXlsxLoader(RawTableLoader):
    """Bundesagentur für Arbeit workbooks: one raw row per Gemeinde, reporting month and measure."""

    COLUMNS = """
    layout varchar not null,
    berichtsmonat date not null,
    area_key varchar not null,
    area_name varchar not null,
    measure varchar not null,
    anzahl bigint,
    status varchar not null
"""

    def load(
        self, con: duckdb.DuckDBPyConnection, source: Source, path: Path, provenance: Provenance
    ) -> LoadStats:
        workbook = BaWorkbook(path)
        kept: list[BaRow] = []
        areas = AreaFilter(self.geography, path.name, "A (Gemeinde)")
        for row in workbook.rows():  # a workbook holds one month of one Land: small enough to validate whole
            if not areas.keep(row.area_key, row.area_name, row.line):
                continue
            kept.append(row)
        columns = columns_of(kept, BaRow, layout=workbook.layout.name if workbook.layout else "")
        loaded = insert_rows(con, source.table, provenance, columns)
        months = tuple(sorted({row.berichtsmonat for row in kept}))
        return LoadStats(loaded, len(areas.skipped_rows), len(areas.skipped_keys), months, None)


class SubmissionLoader(RawTableLoader):
    """Municipal submissions (Kita-Betreuung, Schuleingangsuntersuchung) in the documented template."""

    COLUMNS = """
    area_id varchar not null,
    stichtag date not null,
    merkmal varchar not null,
    anzahl bigint,
    status varchar not null
"""

    def load(
        self, con: duckdb.DuckDBPyConnection, source: Source, path: Path, provenance: Provenance
    ) -> LoadStats:
        body = lieferant(source.lieferant) if source.lieferant else None
        rows = list(SubmissionFile(path, self.geography, body).rows())  # one office's year: validate first
        # the count is the template's last column
        columns = columns_of(rows, SubmissionRow, column_number=len(template().columns))
        loaded = insert_rows(con, source.table, provenance, columns)
        encoding = None if path.suffix.lower() == ".xlsx" else detect_text_encoding(path)
        return LoadStats(loaded, 0, 0, tuple(sorted({row.stichtag for row in rows})), encoding)
