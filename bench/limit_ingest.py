"""The limit of ingest: DuckDB alone reading the GENESIS datencsv files into raw tables with the rows
the platform's raw store gets.

The datencsv files are the bulk (at x100 all but a few thousand of the raw cells). Per file, Python
reads only the head: the sha256 and the encoding (one pass over the bytes, in C), the table code in line
1, the lines before the first data row and the value columns' labels (the platform's own `ColumnMap`,
read once per distinct header). Files with the same table, encoding, header length and columns form a
group; each group is one `read_csv` over all its files, every field typed VARCHAR (a cell may be a
GENESIS symbol) with the header block skipped; DuckDB keeps the rows whose key is one the raw store
keeps (the Ruhr's Kreise and Gemeinden, Deutschland, NRW), which also cuts the footer (no footer line
holds such a key in the key field), unpivots the value columns into one row per cell, parses the
Stichtag (`31.12.2015`, `2015-12-31` or the Berichtsjahr `2016`), the counts and the symbols, and
inserts into the raw table the platform's own loader creates. Lines are numbered from the order
DuckDB scans them in (`row_number() over ()` keeps insertion order).

What the limit does not do, and the platform's reader does: check every total against its parts,
every key against the official directory, every name against its key, and reject duplicates. A file
with several Stichtag blocks (the Gemeinde table can have them; the samples have one per file) would get
the first block's Stichtag here: the bench compares the result with the platform's raw table.

The other families (BA workbooks, city CSVs, the Ämter's submissions) are a few thousand rows at every
scale: the limit loads them with the platform's own loaders (`ingest_source`), as it does the series
breaks (`prepare_raw_tables`).
"""

from __future__ import annotations

import csv
import hashlib
import json
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import groupby
from pathlib import Path

import duckdb
import pyarrow as pa

from expectations.sql import sql_literal
from ingest.genesis import AREA_KEY, TABLE_LINE
from ingest.genesis_columns import ColumnMap
from ingest.genesis_format import (
    LABEL_VARIANTS,
    SPECIAL_SYMBOLS,
    DatencsvLayout,
    Dimension,
    FileDescription,
    normalise_label,
    parse_stichtag,
)
from ingest.genesis_loaders import DatencsvLoader
from ingest.geography import RuhrGeography
from ingest.landing import ingest_source, landed_files, prepare_raw_tables
from ingest.layouts import layout as layout_named
from ingest.raw_store import RawStore
from ingest.registry import Source, load_registry

DATENCSV = "genesis_datencsv"
INGEST_RESULT = "bench-ingest.json"
HEAD_BYTES = 1 << 16


@dataclass(frozen=True)
class FileHead:
    """What the limit needs to know of one file before DuckDB reads it."""

    path: Path
    sha256: str
    encoding: str  # as read_csv names it
    layout: DatencsvLayout
    skip: int  # lines before the first data row
    columns: tuple[tuple[str, ...], ...]  # per value column, its column-dimension labels
    stichtag: date | None  # tables with the Stichtag above the block: the block's

    @property
    def group(self) -> tuple[str, str, int, tuple[tuple[str, ...], ...]]:
        return self.encoding, self.layout.table_code, self.skip, self.columns


def _kind(fields: list[str], layout: DatencsvLayout) -> str:
    cells = [cell.strip() for cell in fields]
    if not any(cells):
        return "blank"
    head, rest = cells[0], cells[1:]
    if parse_stichtag(head, layout.stichtag) is not None:
        if not any(rest):
            return "stichtag"
        if layout.stichtag_in == "row":
            return "data"
    if not head:
        return "header"
    if layout.stichtag_in == "block" and AREA_KEY.match(head) and any(rest[1:]):
        return "data"
    return "title"


_COLUMNS: dict[tuple, tuple[tuple[str, ...], ...]] = {}


def read_head(path: Path, source: Source) -> FileHead:
    data = path.read_bytes()
    try:
        data.decode("utf-8")
        encoding = "utf-8"
    except UnicodeDecodeError:
        encoding = "latin-1"
    lines = data[:HEAD_BYTES].decode(encoding, errors="ignore").lstrip("\ufeff").splitlines()
    reader = csv.reader(lines, delimiter=";")
    match = TABLE_LINE.match(next(reader)[0].strip())
    if match is None or match[1] not in source.layouts:
        raise ValueError(f"{path}: not a table of {source.id}")
    layout = layout_named(match[1])
    header: list[tuple[int, list[str]]] = []
    stichtag = None
    for fields in reader:
        kind = _kind(fields, layout)
        if kind == "header":
            header.append((reader.line_num, fields))
        elif kind == "stichtag":
            stichtag = parse_stichtag(fields[0].strip(), layout.stichtag)
        elif kind == "data":
            key = (layout.table_code, tuple(tuple(fields) for _, fields in header))
            if key not in _COLUMNS:
                columns = ColumnMap(layout, path.name, FileDescription(), header, reader.line_num)
                _COLUMNS[key] = columns.columns()
            sha = hashlib.sha256(data).hexdigest()
            return FileHead(path, sha, encoding, layout, reader.line_num - 1, _COLUMNS[key], stichtag)
    raise ValueError(f"{path}: no data row in the first {HEAD_BYTES} bytes")


def _array(values: list) -> str:
    return "[" + ", ".join(sql_literal(value) for value in values) + "]"


def _spellings(dimension: Dimension) -> list[tuple[str, str, str, int | None, int | None]]:
    """(dimension, spelling as lower(trim(field)) finds it, canonical label, age bounds) for every label
    and every variant spelling the platform knows (`LABEL_VARIANTS`)."""
    found = {}
    for label in dimension.labels:
        found[normalise_label(label).casefold()] = label
    for variant, label in LABEL_VARIANTS.items():
        if label in dimension.labels:
            found[variant] = label
    return [(dimension.name, spelling, label, *dimension.bounds(label)) for spelling, label in found.items()]


def _cell_sql() -> tuple[str, str]:
    """anzahl and status of a trimmed cell: a whole number, or a GENESIS symbol (`-` is zero)."""
    values = " ".join(f"when {sql_literal(s)} then {sql_literal(v)}" for s, (_, v) in SPECIAL_SYMBOLS.items())
    statuses = " ".join(
        f"when {sql_literal(s)} then {sql_literal(st)}" for s, (st, _) in SPECIAL_SYMBOLS.items()
    )
    anzahl = f"coalesce(try_cast(cell as bigint), case cell {values} end)"
    status = f"case when try_cast(cell as bigint) is not null then 'ok' else case cell {statuses} end end"
    return anzahl, status


def _stichtag_sql(layout: DatencsvLayout) -> str:
    if layout.stichtag_in == "block":
        return "files.stichtag"
    day, month = layout.stichtag
    text = "trim(c0)"
    return (
        f"coalesce(try_strptime({text}, '%d.%m.%Y'), try_strptime({text}, '%Y-%m-%d'), "
        f"try_strptime({text} || '-{month:02d}-{day:02d}', '%Y-%m-%d'))::date"
    )


def _dimensions_sql(head: FileHead) -> tuple[list[str], list[str]]:
    """The select items of the dimensions and age bounds, and the joins that canonicalise row labels."""
    layout, items, joins = head.layout, [], []
    ages = next((dimension for dimension in layout.dimensions if dimension.ages), None)
    age_items = ["null::integer as alter_von", "null::integer as alter_bis"]
    for offset, dimension in enumerate(layout.row_dimensions):
        alias, field = f"d{offset}", f"c{layout.key_field + 2 + offset}"
        joins.append(
            f"left join bench_labels as {alias} on {alias}.dimension = {sql_literal(dimension.name)} "
            f"and {alias}.spelling = lower(trim({field}))"
        )
        items.append(f"{alias}.label as {dimension.name}")
        if dimension is ages:
            age_items = [f"{alias}.von as alter_von", f"{alias}.bis as alter_bis"]
    for position, dimension in enumerate(layout.column_dimensions):
        items.append(f"{_array([column[position] for column in head.columns])}[cells.i] as {dimension.name}")
        if dimension is ages:
            bounds = [dimension.bounds(column[position]) for column in head.columns]
            age_items = [
                f"({_array([von for von, _ in bounds])}::integer[])[cells.i] as alter_von",
                f"({_array([bis for _, bis in bounds])}::integer[])[cells.i] as alter_bis",
            ]
    return items + age_items, joins


def group_sql(source: Source, heads: list[FileHead]) -> str:
    """One insert of every cell of a group of files (same table, encoding, header, columns)."""
    head = heads[0]
    layout, n_values = head.layout, len(head.columns)
    n_fields = layout.n_label_fields + n_values
    key = layout.key_field
    types = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(n_fields)) + "}"
    files = _array([str(item.path) for item in heads])
    values = ", ".join(f"c{layout.n_label_fields + j}" for j in range(n_values))
    dimensions, joins = _dimensions_sql(head)
    anzahl, status = _cell_sql()
    return f"""
insert into {source.table} by name
with scanned as (
    select filename, row_number() over () as scan_row, * exclude (filename)
    from read_csv({files}, header = false, skip = {head.skip}, delim = ';', quote = '', escape = '',
                  columns = {types}, null_padding = true, filename = true, auto_detect = false,
                  strict_mode = false, encoding = '{head.encoding}')
),
lines as (
    select *, scan_row - min(scan_row) over (partition by filename) + {head.skip + 1} as line
    from scanned
),
kept as (
    select * from lines where trim(c{key}) in (select area_key from bench_keep)
),
cells as (
    select kept.*, r.i, trim([{values}][r.i]) as cell
    from kept cross join range(1, {n_values + 1}) as r(i)
)
select files.source_id, files.file_name, files.file_sha256, cells.line::integer as row_number,
       {layout.n_label_fields} + cells.i as column_number, files.loaded_at,
       {sql_literal(layout.table_code)} as table_code, {_stichtag_sql(layout)} as stichtag,
       trim(c{key}) as area_key, trim(c{key + 1}) as area_name,
       {", ".join(dimensions)},
       {anzahl} as anzahl, {status} as status
from cells join bench_files as files on files.path = cells.filename
{chr(10).join(joins)}
"""


def load_datencsv(
    con: duckdb.DuckDBPyConnection, source: Source, landing: Path, loader: DatencsvLoader
) -> None:
    """Every landed file of a datencsv source into its raw table and the ingest log, in one transaction."""
    loader.prepare(con, source)
    heads = [read_head(path, source) for path in landed_files(source, landing)]
    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    files = pa.table(
        {
            "path": [str(item.path) for item in heads],
            "source_id": [source.id] * len(heads),
            "file_name": [item.path.name for item in heads],
            "file_sha256": [item.sha256 for item in heads],
            "encoding": [item.encoding for item in heads],
            "stichtag": pa.array([item.stichtag for item in heads], pa.date32()),
            "loaded_at": pa.array([loaded_at] * len(heads), pa.timestamp("us")),
        }
    )
    con.register("bench_files", files)
    con.begin()
    ordered = sorted(heads, key=lambda item: (item.group, item.path))
    for _, group in groupby(ordered, key=lambda item: item.group):
        con.execute(group_sql(source, list(group)))
    con.execute(
        f"""insert or replace into ingest_log
            select files.source_id, files.file_name, files.file_sha256, coalesce(loaded.n, 0), 0,
                   files.encoding, files.loaded_at
            from bench_files as files left join (
                select file_name, count(*) as n from {source.table} where source_id = ? group by all
            ) as loaded using (file_name)""",
        [source.id],
    )
    con.commit()
    con.unregister("bench_files")


def _labels(sources: list[Source]) -> pa.Table:
    rows = {
        row[:2]: row
        for source in sources
        for code in source.layouts
        for dimension in layout_named(code).row_dimensions
        for row in _spellings(dimension)
    }
    names = ("dimension", "spelling", "label", "von", "bis")
    return pa.table({name: [row[i] for row in rows.values()] for i, name in enumerate(names)})


def run_limit_ingest(landing: Path, raw_db: Path, quarantine: Path) -> None:
    """Executed in the child process: every landed file into a new raw store at `raw_db`; the seconds
    of the DuckDB part and of the platform's loaders go to `bench-ingest.json` beside it."""
    started = time.perf_counter()
    registry, geography = load_registry(), RuhrGeography.from_seeds()
    store = RawStore(raw_db)
    datencsv = [source for source in registry.sources if source.family == DATENCSV]
    keep = sorted(geography.kreis_keys | geography.gemeinde_keys | geography.reference_keys)
    with store.connect() as con:
        con.register("bench_keep", pa.table({"area_key": keep}))
        con.register("bench_labels", _labels(datencsv))
        loader = DatencsvLoader(geography)
        for source in datencsv:
            load_datencsv(con, source, landing, loader)
    duckdb_done = time.perf_counter()
    for source in registry.sources:
        if source.family != DATENCSV:
            ingest_source(source, landing, store, geography, quarantine)
    prepare_raw_tables(store, geography)
    seconds = {"datencsv": duckdb_done - started, "platform_loaders": time.perf_counter() - duckdb_done}
    (raw_db.parent / INGEST_RESULT).write_text(json.dumps(seconds), encoding="utf-8")
