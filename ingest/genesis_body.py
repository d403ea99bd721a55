"""The data rows of a GENESIS datencsv export read column by column, for a file that keeps every rule.

Why: read row by row (`DatencsvFile.rows`), a data row cost about 30 µs in Python: splitting it, judging
its kind, parsing its cells, collecting its area and adding up the area's sums. At x100 the 1,000 files of
12411-03-03-4 (880,000 data rows) took 33 s of CPU under cProfile, 28 s of it in the reader. Here the
head is read as before (`DatencsvFile.head`, which also reads the value columns); the body, the lines
between the first data row and the footer line, is split by pyarrow's CSV reader with every field a
string, and the rules are checked over whole columns: each distinct Stichtag, key, name and label is
judged once per file by the reader's own functions, the cells are matched as counts or GENESIS symbols
at once, and every sum of every area (and of the hierarchy) is added with numpy. Measured on the x100
sample (CPU of `ingest_source`, no profiler, load ~4 on 2 cores): 12411-03-03-4 19.3 s before, 8.7 s
now; 12411-02-03-5 8.4 s, 7.6 s; 22151 3.5 s, 2.9 s. What is left per file is mostly DuckDB appending
the kept cells (about 1.1 µs a raw row, however many rows an insert holds).

Why pyarrow and not DuckDB's `read_csv`: per file of 12411-03-03-4 at x100 (880 rows), `read_csv` took
2.6 ms of CPU, pyarrow 0.9 ms and the csv module 1.1 ms: a file is too small for DuckDB's scan to pay.

This path only decides that a file is clean. Where anything does not hold (a cell neither a count nor a
symbol, a line of another shape, a quote, a blank line, an area incomplete, twice or interrupted, a
total its parts do not add up to, a key no office issued, a file larger than `limits.max_line_bytes`),
`read_body` returns None and the file is read row by row, which finds and words the first finding as it
always did: the reports come from one place. A small file is read row by row too (`MIN_BYTES`).
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property, lru_cache
from typing import TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from ingest import limits_in_effect
from ingest.errors import SourceError
from ingest.genesis import AREA_KEY, FOOTER_MARK, DatencsvFile
from ingest.genesis_format import SPECIAL_SYMBOLS, STATUS_OK, DatencsvLayout, DatencsvRow, Dimension
from ingest.genesis_sums import Labels, Sums, block_sums
from ingest.limits import BoundedLines

T = TypeVar("T")
FOOTER_LINE = b"\n" + FOOTER_MARK.encode()
WHOLE_NUMBER = r"^-?[0-9]+$"  # ASCII digits only: anything else is judged row by row
# Below this size a file is read row by row: the column-wise reading costs about 0.9 ms a file whatever its
# size (CPU, x100 sample, 300 files each: 22811-01-01-4 at 4 KB 1.0 ms against 0.7 ms row by row,
# 22121-01-03-4 at 5 KB 1.2 against 0.7, 22151-01-01-4 at 14 KB 1.4 against 2.0, 12411-03-03-4 at 98 KB
# 2.6 against 10.3)
MIN_BYTES = 8 * 1024
NO_VALUE = [symbol for symbol, (_, value) in SPECIAL_SYMBOLS.items() if value is None]


class RowByRow(Exception):
    """Something the column-wise reading does not judge (or a file too small for it to pay): the file is
    read row by row."""


@dataclass
class DatencsvBody:
    """A clean file's data rows, column by column: row i is the file's line `first_line + i`; its
    Stichtag, key, name and row labels are codes into the distinct values; `values` holds the counts
    (0 for a symbol), `symbols` the cell's text where a cell is a symbol (None: no symbol in the file)."""

    export: DatencsvFile
    first_line: int
    stichtage: list[date]
    stichtag_codes: np.ndarray
    keys: list[str]
    key_codes: np.ndarray
    names: list[str]
    name_codes: np.ndarray
    labels: list[tuple[list[str], np.ndarray]]  # per row dimension: its labels and each row's code
    values: np.ndarray  # rows x value columns
    symbols: np.ndarray | None  # rows x value columns, object: a symbol's text or None
    missing: np.ndarray | None  # rows x value columns: a symbol without a value (unknown, secret, later)

    def column(self, values: Sequence[T], codes: np.ndarray, rows: np.ndarray) -> list[T]:
        return [values[code] for code in codes[rows].tolist()]

    def cells(self, rows: np.ndarray) -> tuple[list[list[int | None]], list[tuple[str, ...]]]:
        """Values and statuses of the given rows, as the row-by-row reader gives them."""
        values = self.values[rows].tolist()
        all_ok = (STATUS_OK,) * self.values.shape[1]
        if self.symbols is None:
            return values, [all_ok] * len(values)
        statuses: list[tuple[str, ...]] = []
        for row, symbols in zip(values, self.symbols[rows].tolist(), strict=True):
            if not any(symbols):
                statuses.append(all_ok)
                continue
            for index, symbol in enumerate(symbols):
                if symbol is not None:
                    row[index] = SPECIAL_SYMBOLS[symbol][1]
            statuses.append(tuple(STATUS_OK if s is None else SPECIAL_SYMBOLS[s][0] for s in symbols))
        return values, statuses

    @cached_property
    def first_rows(self) -> list[DatencsvRow]:
        """The first row of each key, in file order."""
        _, first = np.unique(self.key_codes, return_index=True)
        return self.rows_at(np.sort(first))

    def rows_at(self, rows: np.ndarray) -> list[DatencsvRow]:
        """The given rows as the row-by-row reader gives them (built together: one at a time took 5 µs a
        row)."""
        return [
            DatencsvRow(line, stichtag, key, name, labels, tuple(cells), statuses)
            for line, stichtag, key, name, labels, cells, statuses in zip(*self.fields(rows), strict=True)
        ]

    def fields(self, rows: np.ndarray) -> tuple[list, ...]:
        """The given rows field by field, in the order of `DatencsvRow`'s fields (values as lists)."""
        values, statuses = self.cells(rows)
        return (
            (self.first_line + rows).tolist(),
            self.column(self.stichtage, self.stichtag_codes, rows),
            self.column(self.keys, self.key_codes, rows),
            self.column(self.names, self.name_codes, rows),
            self.labels_of(rows),
            values,
            statuses,
        )

    def labels_of(self, rows: np.ndarray) -> list[tuple[str, ...]]:
        labels = [self.column(names, codes, rows) for names, codes in self.labels]
        return list(zip(*labels, strict=True)) if labels else [()] * len(rows)


def read_body(export: DatencsvFile) -> DatencsvBody | None:
    """The file's data rows column by column if the reader would find nothing wrong, else None (then
    `export.rows()` reads the file and reports)."""
    try:
        body = _read(export)
        _check_areas(body)
        for row in body.first_rows:
            export.check_key(row)
    except (RowByRow, SourceError, pa.ArrowInvalid):
        return None
    return body


def _codes(column: pa.ChunkedArray, clean: Callable[[str], T]) -> tuple[np.ndarray, list[T]]:
    """Each row's code into the distinct cleaned values (each distinct text cleaned once). Dictionary
    encoding, not `index_in`: 10 against 360 µs for a column of 41 rows (`index_in` hashes its value
    set anew each call)."""
    encoded = column.combine_chunks().dictionary_encode()
    values: list[T] = []
    index: dict[T, int] = {}
    remap = []
    for text in encoded.dictionary.to_pylist():
        value = clean(text)
        remap.append(index.setdefault(value, len(values)))
        if remap[-1] == len(values):
            values.append(value)
    return np.asarray(remap, dtype=np.int64)[encoded.indices.to_numpy()], values


def _key(text: str) -> str:
    key = text.strip()
    if not AREA_KEY.match(key):
        raise RowByRow
    return key


def _stichtag(export: DatencsvFile, line: int) -> Callable[[str], date]:
    def clean(text: str) -> date:
        stichtag = export.stichtag_of(text.strip())
        if stichtag is None:
            raise RowByRow
        export.check_stichtag(stichtag, line)
        return stichtag

    return clean


def _body_table(export: DatencsvFile) -> tuple[pa.Table, int, date | None]:
    """The body's fields as strings, the line of its first row, the Stichtag above it (if any)."""
    limits = limits_in_effect.active()
    data = export.path.read_bytes()
    if not MIN_BYTES <= len(data) <= limits.max_line_bytes:
        raise RowByRow  # no line can be too long; a longer file is read row by row, line by line
    handle = BoundedLines(io.BytesIO(data), export.path.name, export.encoding, limits)
    lines = enumerate(csv.reader(handle, delimiter=";"), start=1)
    (first_line, _), stichtag = export.head(lines)
    start = 0
    for _ in range(handle.number - 1):
        start = data.index(b"\n", start) + 1
    end = data.find(FOOTER_LINE, start)
    if end < 0:
        raise RowByRow
    body = data[start : end + 1]
    if b'"' in body or body.count(b"\r") != body.count(b"\r\n"):
        raise RowByRow  # quoted or old-Mac lines: the csv module's reading decides
    footer = csv.reader(io.StringIO(data[end + 1 :].decode(export.encoding)), delimiter=";")
    next(footer)
    export.footer(enumerate(footer))
    if export.encoding == "latin-1":
        body = body.decode("latin-1").encode()
    names = [f"f{index}" for index in range(body[: body.index(b"\n")].count(b";") + 1)]
    table = pa_csv.read_csv(
        pa.BufferReader(body),
        read_options=pa_csv.ReadOptions(column_names=names, use_threads=False),
        parse_options=pa_csv.ParseOptions(delimiter=";", quote_char=False, ignore_empty_lines=False),
        convert_options=pa_csv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False
        ),
    )
    return table, first_line, stichtag


def _read(export: DatencsvFile) -> DatencsvBody:
    layout = export.layout
    table, first_line, block_stichtag = _body_table(export)
    n_fields = layout.n_label_fields + len(export.columns)
    if table.num_columns < n_fields:
        raise RowByRow
    for extra in table.columns[n_fields:]:
        if not pc.all(pc.equal(extra, "")).as_py():
            raise RowByRow  # trailing separators only
    if layout.stichtag_in == "row":
        stichtag_codes, stichtage = _codes(table.column(0), _stichtag(export, first_line))
    elif block_stichtag is None:
        raise RowByRow
    else:
        stichtag_codes, stichtage = np.zeros(table.num_rows, dtype=np.int64), [block_stichtag]
    key_codes, keys = _codes(table.column(layout.key_field), _key)
    name_codes, names = _codes(table.column(layout.key_field + 1), str.strip)
    labels = [
        _codes(table.column(layout.key_field + 2 + offset), lambda text, o=offset: export.label(o, text, 0))
        for offset in range(len(layout.row_dimensions))
    ]
    cells = pa.concat_arrays(
        [column.combine_chunks() for column in table.columns[layout.n_label_fields : n_fields]]
    )
    counts = pc.match_substring_regex(cells, WHOLE_NUMBER)
    symbols = missing = None
    if not pc.all(counts).as_py():
        if not pc.all(pc.or_(counts, pc.is_in(cells, value_set=pa.array(list(SPECIAL_SYMBOLS))))).as_py():
            raise RowByRow
        symbols = pc.if_else(counts, pa.scalar(None, pa.string()), cells).to_numpy(zero_copy_only=False)
        symbols = symbols.reshape(len(export.columns), -1).T
        missing = pc.is_in(cells, value_set=pa.array(NO_VALUE)).to_numpy(zero_copy_only=False)
        missing = missing.reshape(len(export.columns), -1).T
        cells = pc.if_else(counts, cells, "0")
    values = pc.cast(cells, pa.int64()).to_numpy().reshape(len(export.columns), -1).T
    return DatencsvBody(
        export,
        first_line,
        stichtage,
        stichtag_codes,
        keys,
        key_codes,
        names,
        name_codes,
        [(values_, codes) for codes, values_ in labels],
        values,
        symbols,
        missing,
    )


@lru_cache(maxsize=64)
def _canonical_sums(
    layout: DatencsvLayout, columns: tuple[Labels, ...]
) -> tuple[tuple[Dimension, Sums], ...]:
    """The sums of an area whose rows are in the canonical order (the product of the row labels)."""
    order = tuple(itertools.product(*(dimension.labels for dimension in layout.row_dimensions)))
    return block_sums(layout, columns, order)


def _check_areas(body: DatencsvBody) -> None:
    """Every area complete, once and together; every sum within the rounding (else RowByRow)."""
    export, layout = body.export, body.export.layout
    dimensions = layout.row_dimensions
    n_rows, n_columns = body.values.shape
    size = len(layout.row_label_sets)
    code = np.zeros(n_rows, dtype=np.int64)
    for dimension, (labels, codes) in zip(dimensions, body.labels, strict=True):
        positions = np.asarray([dimension.labels.index(label) for label in labels], dtype=np.int64)
        code = code * len(dimension.labels) + positions[codes]
    area = body.stichtag_codes * len(body.keys) + body.key_codes
    starts = np.flatnonzero(np.r_[True, area[1:] != area[:-1]])
    if n_rows % size or not np.array_equal(starts, np.arange(0, n_rows, size)):
        raise RowByRow  # an area incomplete, interrupted or with rows of another
    if np.unique(area).size != len(starts):
        raise RowByRow  # an area twice
    order = np.argsort(code.reshape(-1, size), axis=1, kind="stable")
    if not (np.take_along_axis(code.reshape(-1, size), order, axis=1) == np.arange(size)).all():
        raise RowByRow  # a row label twice within an area
    rows = (order + starts[:, None]).ravel()
    values = body.values[rows].reshape(len(starts), size * n_columns)
    missing = np.zeros_like(values, dtype=bool)
    if body.missing is not None:
        missing = body.missing[rows].reshape(values.shape)
    rounding = np.asarray([export.rounding(stichtag) for stichtag in body.stichtage], dtype=float) / 2
    base = rounding[body.stichtag_codes[starts]]
    for dimension, sums in _canonical_sums(layout, export.columns):
        if not sums.totals:
            continue
        parts = np.asarray(sums.parts)
        added = values[:, parts].sum(axis=1)
        skip = missing[:, sums.totals] | missing[:, parts].any(axis=1)
        tolerance = (base * (len(dimension.parts) + 1))[:, None]
        difference = added - values[:, sums.totals]
        broken = difference > tolerance
        if not sums.remainder:
            broken |= difference < -tolerance
        if (broken & ~skip).any():
            raise RowByRow
    block = {
        (int(body.stichtag_codes[start]), int(body.key_codes[start])): index
        for index, start in enumerate(starts.tolist())
    }
    key_code = {key: code for code, key in enumerate(body.keys)}
    for stichtag, (parent, children) in itertools.product(
        range(len(body.stichtage)), export.hierarchy.items()
    ):
        whole = block.get((stichtag, key_code.get(parent, -1)))
        parts = [block.get((stichtag, key_code.get(child, -1))) for child in children]
        if whole is None or not parts or None in parts:
            continue
        added = values[parts].sum(axis=0)
        skip = missing[whole] | missing[parts].any(axis=0)
        tolerance = base[whole] * (len(parts) + 1)
        if ((np.abs(added - values[whole]) > tolerance) & ~skip).any():
            raise RowByRow
