"""Loaders of the GENESIS families: the datencsv exports (one raw row per published cell, read against
the table's layout) and the flat files (one raw row per value).

Besides the readers' rules, what only the platform can judge: every key official, a kept key beside its
official name, the table's depth (a Kreis table does not carry the Ruhr's Gemeinden), and the Ruhr's
areas of the previous delivery still there.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from functools import cached_property
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from ingest.errors import AreaNameError, DescriptionError, DuplicateKeyError, SourceProblem, TotalsError
from ingest.genesis import DatencsvFile, table_code
from ingest.genesis_body import DatencsvBody, read_body
from ingest.genesis_ffcsv import FfcsvFile, FfcsvRow
from ingest.genesis_format import NUMERIC_STATUSES, DatencsvLayout, DatencsvRow, parse_stichtag
from ingest.geography import AreaDecision, RuhrGeography, names_agree
from ingest.layouts import layout as layout_named
from ingest.loaders import (
    BATCH_ROWS,
    AreaFilter,
    LoadStats,
    Provenance,
    RawTableLoader,
    columns_of,
    insert_rows,
)
from ingest.raw_store import PROVENANCE_DDL
from ingest.registry import Source, load_registry
from ingest.staging import StagedFiles


class _CellInserter:
    """Collects kept datencsv rows and inserts them into the raw table one cell per row (the unpivot
    runs inside DuckDB, not in Python), every BATCH_ROWS rows; the file's last rows go to
    `StagedFiles.insert_later`, which inserts them with those of the next files of the same labels. The
    labels of each value column come from the file's own header (`DatencsvFile.columns`), whatever their
    order. Notes the Stichtage and the areas (key and name as delivered) it inserted, for the load's
    statistics and the next delivery.

    Rows are kept whole and turned into columns once per batch, in C: appending each field of each row
    to its list took 4.9 µs a kept row of 12411-03-03-4, this 2.0 µs (Arrow batch included). A file read
    column by column (`add_body`) hands its kept rows over as those columns, never as rows."""

    def __init__(self, staged: StagedFiles, export: DatencsvFile, provenance: Provenance):
        self.staged, self.export, self.provenance = staged, export, provenance
        layout = export.layout
        self.row_names = [dimension.name for dimension in layout.row_dimensions]
        self.ages = next((d for d in layout.dimensions if d.ages), None)
        self.rows: list[DatencsvRow] = []
        # the batch of `add_body` not yet inserted, field by field as `DatencsvRow` has them
        self.body_fields: tuple[Sequence, ...] | None = None
        self.rows_loaded = 0
        self.stichtage: set[date] = set()
        self.areas: set[tuple[str, str]] = set()

    def add(self, row: DatencsvRow) -> None:
        self.rows.append(row)
        if len(self.rows) >= BATCH_ROWS:
            batch = pa.table(self._columns())  # noqa: F841 (read by name in the SQL)
            self.staged.con.execute(*self._statement)

    def add_body(self, body: DatencsvBody, rows: np.ndarray) -> None:
        """The given rows of a file read column by column: inserted in batches of BATCH_ROWS, the last
        one handed to the staging by `finish`."""
        for start in range(0, len(rows), BATCH_ROWS):
            chunk = rows[start : start + BATCH_ROWS]
            self.body_fields = body.fields(chunk)
            if start + BATCH_ROWS < len(rows):
                batch = pa.table(self._columns())  # noqa: F841 (read by name in the SQL)
                self.staged.con.execute(*self._statement)

    def _columns(self) -> dict[str, Sequence]:
        """The batch column by column, with the file's provenance on every row; a row dimension of age
        groups gives the bounds of each row. Counts the cells and empties the batch."""
        fields = self.body_fields or tuple(zip(*self.rows, strict=True))
        lines, stichtage, keys, names, labels, values, statuses = fields
        self.rows.clear()
        self.body_fields = None
        self.stichtage.update(stichtage)
        self.areas.update(zip(keys, names, strict=True))
        rows = len(lines)
        self.rows_loaded += rows * len(self.export.columns)
        source_id, file_name, sha, loaded_at = self.provenance.values()
        columns: dict[str, Sequence] = {
            "source_id": [source_id] * rows,
            "file_name": [file_name] * rows,
            "file_sha256": [sha] * rows,
            "loaded_at": [loaded_at] * rows,
            "row_number": lines,
            "stichtag": stichtage,
            "area_key": keys,
            "area_name": names,
            **{name: [row[index] for row in labels] for index, name in enumerate(self.row_names)},
        }
        if self.ages is not None and self.ages.name in self.row_names:
            bounds = {label: self.ages.bounds(label) for label in set(columns[self.ages.name])}
            columns["row_von"] = [bounds[label][0] for label in columns[self.ages.name]]
            columns["row_bis"] = [bounds[label][1] for label in columns[self.ages.name]]
        else:
            columns["row_von"] = columns["row_bis"] = [None] * rows
        return {**columns, "werte": values, "status": statuses}

    @cached_property
    def _statement(self) -> tuple[str, list[object]]:
        """The insert of a batch (known once the file's header is read), one raw row per cell: `unnest`
        of each row's value and status lists beside the lists of the file's column labels (parameters,
        the same for every row), so that DuckDB zips them without a join. The batch is read by DuckDB's
        scan of the Arrow table `batch`, a local variable of the caller.

        Why: per file of 12411-02-03-5 at x100 (59 kept rows x 54 cells; CPU time, 1,000 files in one
        transaction) the cross product with `range` and `list_extract` took 7.3 ms, `unnest` 6.6 ms;
        `register` and `unregister` of the batch 0.6 ms of it, the scan of the local table 0.2 ms. About
        4 ms of it is DuckDB appending 3,186 rows to the table, whatever the statement."""
        layout, file_columns = self.export.layout, self.export.columns
        column_names = [dimension.name for dimension in layout.column_dimensions]
        per_column = [[column[i] for column in file_columns] for i in range(len(column_names))]
        dims = ", ".join(f"unnest(?::varchar[]) as {name}" for name in column_names)
        if self.ages is not None and self.ages.name in column_names:
            position = column_names.index(self.ages.name)
            bounds = [self.ages.bounds(column[position]) for column in file_columns]
            ages = "unnest(?::integer[]) as alter_von, unnest(?::integer[]) as alter_bis"
            age_parameters = [[von for von, _ in bounds], [bis for _, bis in bounds]]
        else:
            ages = "row_von as alter_von, row_bis as alter_bis"
            age_parameters = []
        row_dims = "".join(f"{name}, " for name in self.row_names)
        first = layout.n_label_fields + 1
        sql = f"""insert into {self.staged.table} by name
                select source_id, file_name, file_sha256, row_number,
                       unnest(range({first}, {first + len(file_columns)})) as column_number,
                       loaded_at, ? as table_code, stichtag, area_key, area_name, {row_dims}{dims},
                       {ages}, unnest(werte) as anzahl, unnest(status) as status
                from batch"""
        return sql, [layout.table_code, *per_column, *age_parameters]

    def finish(self) -> None:
        """Hand the file's last rows to the staging, which inserts them with those of the next files."""
        if self.rows or self.body_fields is not None:
            columns = self._columns()
            cells = len(columns["row_number"]) * len(self.export.columns)
            self.staged.insert_later(*self._statement, self.provenance.file_name, columns, cells)


class DatencsvLoader:
    """GENESIS "datencsv" exports: one raw row per published cell, Ruhr and reference areas only.

    Besides the reader's rules (layout, totals, complete areas): every key must be official, a kept key
    must carry its official name, a table at Kreis depth must not carry the Ruhr's Gemeinden, and areas
    of the Ruhr missing from the file, or present in the previous delivery and missing now, are reported
    as warnings.

    The areas of the file loaded last are remembered (by name and sha256), since that file is the next
    one's previous delivery when a folder is loaded in order: reading them back scans the source's whole
    raw table (2.6 ms a file against the 336,600 cells of 12411-03-03-4 in the x10 sample, and growing
    with the table). Another previous delivery is read from the raw table, committed or not
    (`StagedFiles.areas_of`).
    """

    def __init__(self, geography: RuhrGeography):
        self.geography = geography
        self._last_loaded: tuple[tuple[str, str, str], set[tuple[str, str]]] | None = None

    def prepare(self, con: duckdb.DuckDBPyConnection, source: Source) -> None:
        layouts = [layout_named(code) for code in source.layouts]
        names = {tuple(dimension.name for dimension in layout.dimensions) for layout in layouts}
        if len(names) != 1:
            raise ValueError(f"source '{source.id}': its tables {source.layouts} differ in their dimensions")
        dimensions = ",".join(f"\n    {name} varchar not null" for name in sorted(names.pop()))
        con.execute(f"""
create table if not exists {source.table} ({PROVENANCE_DDL},
    table_code varchar not null,
    stichtag date not null,
    area_key varchar not null,
    area_name varchar not null,{dimensions},
    alter_von integer,
    alter_bis integer,
    anzahl bigint,
    status varchar not null
)""")

    def load(self, staged: StagedFiles, source: Source, path: Path, provenance: Provenance) -> LoadStats:
        layout = self._layout(source, path)
        areas = AreaFilter(self.geography, path.name, f"{layout.key_field + 1} (Schlüssel)")
        export = DatencsvFile(
            path,
            layout,
            rounding=source.rounding_base,
            hierarchy=self.geography.hierarchy(layout.adds_up),
            loaded=lambda key: self.geography.decide(key) is AreaDecision.KEEP,
            check_key=lambda row: areas.reject_unofficial(row.area_key, row.area_name, row.line),
        )
        inserter = _CellInserter(staged, export, provenance)
        kept: dict[str, str] = {}
        if (body := read_body(export)) is not None:
            self._keep_body(body, areas, inserter, kept)
        else:
            for row in export.rows():
                if not areas.keep(row.area_key, row.area_name, row.line):
                    continue
                if row.area_key not in kept:
                    self._check_area(path, layout, row)
                    kept[row.area_key] = row.area_name
                inserter.add(row)
        warnings = (
            *export.warnings,
            *areas.warnings.values(),
            *self._missing_areas(path, layout, kept),
            *self._missing_since_previous(staged, source, path, kept),
        )
        inserter.finish()  # last: reading the previous delivery inserts the buffered files first
        self._last_loaded = ((source.id, path.name, provenance.file_sha256), inserter.areas)
        return LoadStats(
            inserter.rows_loaded,
            len(areas.skipped_rows),
            len(areas.skipped_keys),
            tuple(sorted(inserter.stichtage)),
            export.encoding,
            warnings,
        )

    def _keep_body(
        self, body: DatencsvBody, areas: AreaFilter, inserter: _CellInserter, kept: dict[str, str]
    ) -> None:
        """The row-by-row loop above, key by key for a file read column by column (which the reader
        found clean): a key's rows share its decision, and its first row is the one judged."""
        kept_codes = []
        for row in body.first_rows:
            if areas.keep(row.area_key, row.area_name, row.line):
                self._check_area(body.export.path, body.export.layout, row)
                kept[row.area_key] = row.area_name
                kept_codes.append(body.key_codes[row.line - body.first_line])
        is_kept = np.isin(body.key_codes, kept_codes)
        areas.skipped_rows.update((body.first_line + np.flatnonzero(~is_kept)).tolist())
        inserter.add_body(body, np.flatnonzero(is_kept))

    @staticmethod
    def _layout(source: Source, path: Path) -> DatencsvLayout:
        """The layout of the table the file says it is, if this landing folder takes that table; a file of
        another table is rejected with the folder it belongs in."""
        code = table_code(path)
        if code is None or code in source.layouts:
            return layout_named(code or source.layouts[0])  # no table line: the reader says what is wrong
        owner = load_registry().source_of_table(code)
        where = (
            f"; it belongs in landing/{owner.id}/"
            if owner is not None
            else ", which the platform does not read"
        )
        raise DescriptionError(
            path.name,
            f"this is table {code}; landing/{source.id}/ takes table {' or '.join(source.layouts)}{where}",
            row=1,
        )

    def _check_area(self, path: Path, layout: DatencsvLayout, row: DatencsvRow) -> None:
        geography, column = self.geography, f"{layout.key_field + 1} (Schlüssel)"
        if layout.regionale_tiefe == "Kreise" and row.area_key in geography.gemeinde_keys:
            raise DescriptionError(
                path.name,
                f"table {layout.table_code} is at Kreis depth, but this row carries the Gemeinde "
                f"{row.area_key} ({row.area_name}): a Gemeinde table belongs in another landing folder",
                row=row.line,
                column=column,
            )
        check_official_name(
            geography, path, row.area_key, row.area_name, row.line, f"{layout.key_field + 2} (Name)"
        )

    def _missing_areas(self, path: Path, layout: DatencsvLayout, kept: dict[str, str]) -> list[SourceProblem]:
        expected = self.geography.expected_keys(layout.regionale_tiefe)
        return [
            SourceProblem(
                path.name,
                "area_missing",
                f"{key} ({self.geography.official_name(key)}) is not in this file of table "
                f"{layout.table_code}",
            )
            for key in sorted(expected - set(kept))
        ]

    def _missing_since_previous(
        self, staged: StagedFiles, source: Source, path: Path, kept: dict[str, str]
    ) -> list[SourceProblem]:
        previous = staged.previous_delivery(path.name)
        if previous is None:
            return []
        identity = (source.id, previous.file_name, previous.file_sha256)
        if self._last_loaded is not None and self._last_loaded[0] == identity:
            before = self._last_loaded[1]  # the same rows as staged or stored for that file and sha256
        else:
            before = staged.areas_of(previous)
        return [
            SourceProblem(
                path.name,
                "area_missing_since_previous",
                f"{key} ({name}) was in the previous delivery {previous.file_name} and is missing now",
            )
            for key, name in sorted(before)
            if key not in kept
        ]


class FfcsvLoader(RawTableLoader):
    """GENESIS flat-file CSV (ffcsv, also zipped): one raw row per value, Ruhr and reference areas only.

    The content rules of the loaded areas: no value twice, the official name beside each key, the
    statistic the registry names (`statistic`), and for the variables it declares `additive` the total
    (empty attribute code) equal to the sum of its parts within the source's rounding. A flat file is
    unsorted, so these are judged once the file is read, over the loaded areas' cells.
    """

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

    def load(self, staged: StagedFiles, source: Source, path: Path, provenance: Provenance) -> LoadStats:
        export = FfcsvFile(path)
        rows: list[FfcsvRow] = []
        areas = AreaFilter(self.geography, path.name, "variable_attribute_code")
        cells: dict[tuple, FfcsvRow] = {}
        loaded = 0

        def flush() -> int:
            if not rows:
                return 0
            columns = columns_of(rows, FfcsvRow)
            columns["merkmale"] = pa.array(
                [list(row.merkmale.items()) for row in rows], type=pa.map_(pa.string(), pa.string())
            )
            rows.clear()
            return insert_rows(staged.con, staged.table, provenance, columns)

        for row in export.rows():
            if source.statistic and row.statistics_code != source.statistic:
                raise DescriptionError(
                    path.name,
                    f"this is statistic {row.statistics_code}; landing/{source.id}/ takes statistic "
                    f"{source.statistic}",
                    row=row.line,
                    column="statistics_code",
                )
            if not areas.keep(row.area_key, row.area_name, row.line):
                continue
            key = (row.time, row.area_key, tuple(sorted(row.merkmale.items())), row.value_variable_code)
            if (earlier := cells.get(key)) is not None:
                raise DuplicateKeyError(
                    path.name,
                    f"area {row.area_key} ({row.area_name}), {row.time}, {dict(key[2])} is delivered twice: "
                    f"rows {earlier.line} and {row.line}",
                    row=row.line,
                    column=str(row.column),
                )
            cells[key] = row
            check_official_name(
                self.geography, path, row.area_key, row.area_name, row.line, "variable_attribute_label"
            )
            rows.append(row)
            if len(rows) >= BATCH_ROWS:
                loaded += flush()
        loaded += flush()
        for variable in source.additive:
            self._check_sums(path, source, cells, variable)
        skipped = (len(areas.skipped_rows), len(areas.skipped_keys))
        return LoadStats(loaded, *skipped, (), "utf-8", tuple(areas.warnings.values()))

    @staticmethod
    def _check_sums(path: Path, source: Source, cells: dict[tuple, FfcsvRow], variable: str) -> None:
        """Each total of an additive variable (attribute code "") equals the sum of its parts."""
        parts: dict[tuple, list[FfcsvRow]] = defaultdict(list)
        for (time, area, merkmale, value_variable), row in cells.items():
            attributes = dict(merkmale)
            if attributes.get(variable):
                rest = tuple((code, attribute) for code, attribute in merkmale if code != variable)
                parts[(time, area, rest, value_variable)].append(row)
        for (time, area, rest, value_variable), members in parts.items():
            total = cells.get((time, area, tuple(sorted((*rest, (variable, "")))), value_variable))
            if total is None or any(row.status not in NUMERIC_STATUSES for row in (total, *members)):
                continue
            stichtag = parse_stichtag(time, (31, 12))
            tolerance = (source.rounding_base(stichtag) if stichtag else 0) / 2 * (len(members) + 1)
            added = sum(row.value or 0 for row in members)
            if abs(added - (total.value or 0)) > tolerance:
                raise TotalsError(
                    path.name,
                    f"area {area} ({total.area_name}), {time}: {variable} total is {total.value:g}, but its "
                    f"{len(members)} parts add up to {added:g}",
                    row=total.line,
                    column=str(total.column),
                )


def check_official_name(
    geography: RuhrGeography, path: Path, key: str, name: str, line: int, column: str
) -> None:
    """A kept key must stand beside its own name: a shifted key (05562032 'Oer-Erkenschwick') would put
    one municipality's figures under another's name."""
    official = geography.official_name(key)
    if official is not None and not names_agree(official, name):
        raise AreaNameError(
            path.name,
            f"key {key} is officially '{official}', but the file names it '{name}': key and name do not "
            "belong together",
            row=line,
            column=column,
        )
