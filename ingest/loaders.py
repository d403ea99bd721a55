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
from ingest.city_mapping import CityMapping, load_city_mapping
from ingest.encoding import detect_text_encoding
from ingest.errors import SourceProblem, UnknownAreaError
from ingest.geography import AreaDecision, RuhrGeography
from ingest.lieferanten import lieferant
from ingest.raw_store import PROVENANCE_DDL
from ingest.registry import Source
from ingest.staging import StagedFiles
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
    # findings about a loaded file that do not stop it (e.g. a Gemeinde of the previous delivery missing)
    warnings: tuple[SourceProblem, ...] = ()


class FamilyLoader(Protocol):
    # tables a loader writes beside the source's raw table (a city's area list beside its counts)
    COMPANION_TABLES: tuple[str, ...]

    def prepare(self, con: duckdb.DuckDBPyConnection, source: Source) -> None:
        """Create the raw table(s) if needed."""

    def load(self, staged: StagedFiles, source: Source, path: Path, provenance: Provenance) -> LoadStats:
        """Insert the file's rows into `staged.table` (the raw table, in the transaction the run commits
        once the file is accepted) and judge them; raise a `SourceError` for what is wrong."""


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
    """Keeps the Ruhr's areas and the reference areas, counts the official keys outside the Ruhr it
    skips, and rejects a key that is no official German key (a typo, a shifted or invented key, a key
    below a Ruhr Kreis the geography does not list): such a row must not vanish as "outside the Ruhr".
    A key outside NRW that the directory does not list is skipped and reported in `warnings`."""

    def __init__(self, geography: RuhrGeography, file: str, key_column: str):
        self.geography, self.file, self.key_column = geography, file, key_column
        self.skipped_keys: set[str] = set()
        self.skipped_rows: set[int] = set()
        self.warnings: dict[str, SourceProblem] = {}

    def reject_unofficial(self, key: str, name: str, row: int) -> AreaDecision:
        """The key's decision; a key that is no official German key stops the file here."""
        decision = self.geography.decide(key)
        if decision is AreaDecision.NOT_OFFICIAL:
            raise UnknownAreaError(
                self.file,
                f"area key {self.geography.not_official_reason(key)} (delivered as '{name}')",
                row=row,
                column=self.key_column,
            )
        return decision

    def keep(self, key: str, name: str, row: int) -> bool:
        decision = self.reject_unofficial(key, name, row)
        if decision is AreaDecision.UNLISTED and key not in self.warnings:
            self.warnings[key] = SourceProblem(
                self.file,
                "unlisted_key",
                f"'{key}' ({name}) is not in the official key directory (ingest/reference/); skipped as "
                "outside the Ruhr",
                row=row,
                column=self.key_column,
            )
        if decision in (AreaDecision.SKIP, AreaDecision.UNLISTED):
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


class CityCsvLoader:
    """A city's small-area CSV through its YAML mapping: one raw row per area, date and measure, in one
    table shared by all cities; the city's area list goes beside it, refreshed from the mapping."""

    AREAS_TABLE = "stadt_kleinraum_gebiete"
    COMPANION_TABLES = (AREAS_TABLE,)

    def __init__(self) -> None:
        # a city's mapping, read once a run (parsing the YAML took 15 ms, as long as loading a file)
        self._mappings: dict[str, CityMapping] = {}

    def _mapping(self, source: Source) -> CityMapping:
        if source.id not in self._mappings:
            self._mappings[source.id] = load_city_mapping(Path(source.mapping))
        return self._mappings[source.id]

    def prepare(self, con: duckdb.DuckDBPyConnection, source: Source) -> None:
        mapping = self._mapping(source)
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
                [source.id, mapping.ags, level, code, name]
                for level, _, areas in mapping.levels
                for code, name in areas.items()
            ],
        )

    def load(self, staged: StagedFiles, source: Source, path: Path, provenance: Provenance) -> LoadStats:
        mapping = self._mapping(source)
        reader = CityCsvFile(path, mapping)
        rows = list(reader.rows())  # a city file is small: validate it whole, then insert
        columns = columns_of(rows, CityRow, ags=mapping.ags, area_level=reader.level)
        loaded = insert_rows(staged.con, staged.table, provenance, columns)
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

    def load(self, staged: StagedFiles, source: Source, path: Path, provenance: Provenance) -> LoadStats:
        workbook = BaWorkbook(path)
        kept: list[BaRow] = []
        areas = AreaFilter(self.geography, path.name, "A (Gemeinde)")
        for row in workbook.rows():  # a workbook holds one month of one Land: small enough to validate whole
            if not areas.keep(row.area_key, row.area_name, row.line):
                continue
            kept.append(row)
        columns = columns_of(kept, BaRow, layout=workbook.layout.name if workbook.layout else "")
        loaded = insert_rows(staged.con, staged.table, provenance, columns)
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

    def load(self, staged: StagedFiles, source: Source, path: Path, provenance: Provenance) -> LoadStats:
        body = lieferant(source.lieferant) if source.lieferant else None
        rows = list(SubmissionFile(path, self.geography, body).rows())  # one office's year: validate first
        # the count is the template's last column
        columns = columns_of(rows, SubmissionRow, column_number=len(template().columns))
        loaded = insert_rows(staged.con, staged.table, provenance, columns)
        encoding = None if path.suffix.lower() == ".xlsx" else detect_text_encoding(path)
        return LoadStats(loaded, 0, 0, tuple(sorted({row.stichtag for row in rows})), encoding)
