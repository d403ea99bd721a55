"""Reader for GENESIS "datencsv" exports (regionalstatistik.de, the Regionaldatenbank Deutschland of the
statistical offices; IT.NRW's Landesdatenbank writes the same format).

The format, as real files show it (each table's layout in `ingest/layouts.py` cites the file it was
copied from):

- line 1 names the table: `GENESIS-Tabelle: 12411-03-03-4` in a web download, `Tabelle: 12411-03-03-4`
  in an answer of the GENESIS REST API 2020 (`format=datencsv`, issue 10);
- title lines, one text cell each and wrapped mid-phrase (`… regionale Tiefe: Kreise` / `und krfr.
  Städte`), stating the regional depth and the unit (`Bevölkerungsstand (Anzahl)`);
- header rows naming the value columns: labels of one or more dimensions (22151 mixes the place of
  provision and the nationality in one row), caption rows (`Altersgruppen (unter 3 bis 75 u.m.)`,
  `Empfänger von Grundsicherung`) and a row of units (`Anzahl`); a cell left empty either repeats the
  label on its left (a merged cell) or leaves its dimension at the total (22151's nationality columns);
- data rows `Stichtag;Schlüssel;Name;<row labels>;<values>` (the Stichtag `31.12.2015` in a web download,
  `2024-12-31` from the API, the year `2016` in 22151-01-02-4) or, in tables with the Stichtag above the
  columns (12411-02-03-5), `Schlüssel;Name;<values>` below a line holding only the Stichtag; names are
  indented by level;
- a footer after a line of underscores: quoted notes over several lines, the licence, and when the table
  was made (`Stand: 10.10.2017 / 16:36:03`, or `created: 2024-09-03 / 09:25:17`).

Tolerant of the format, strict about the content: the file must be the table its landing folder takes
(code, regional depth, unit, reference date); the content rules are in `ingest/genesis_integrity.py`. A
file that breaks a rule is rejected with the first line that did not fit and what was expected there.
The reader streams: it holds one area's rows at a time, plus the few areas a hierarchy check needs.
The header rows' value columns are read apart, in `ingest/genesis_columns.py`.

Most of a file is data rows, so what a data row costs is kept small: the Stichtag and the row labels
repeat on every row and are read once per file, and the counts of a row of plain digits are converted
in one go; any other row's cells are judged one by one, as before. Measured on the 100 files of
12411-03-03-4 in the x10 sample (88,000 data rows): rows without the content rules 1.3 s before, 0.6 s
now (csv splitting alone: 0.12 s).
"""

from __future__ import annotations

import csv
import itertools
import re
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from pathlib import Path

from ingest import limits_in_effect
from ingest.encoding import detect_text_encoding
from ingest.errors import (
    DescriptionError,
    LayoutError,
    ReferenceDateError,
    SourceError,
    SourceProblem,
    ValueFormatError,
)
from ingest.genesis_columns import ColumnMap
from ingest.genesis_format import (
    SPECIAL_SYMBOLS,
    STATUS_OK,
    UNIT_WORDS,
    DatencsvLayout,
    DatencsvRow,
    FileDescription,
    parse_stichtag,
)
from ingest.genesis_integrity import Integrity
from ingest.limits import BoundedLines

FOOTER_MARK = "__________"
TABLE_LINE = re.compile(r"^(?:GENESIS-Tabelle|Tabelle|Table)\s*:\s*(\S+)")
AREA_KEY = re.compile(r"^(?:DG|\d{2,12})$")
WHOLE_NUMBER = re.compile(r"^-?\d+$")
MADE_AT = re.compile(r"^(?:Stand|created)\s*:\s*(.+)$", re.IGNORECASE)
REGIONAL_DEPTH = re.compile(r"regionale Tiefe:\s*(.+?)(?:\s+-\s+|$)", re.IGNORECASE)
# `Bevölkerungsstand (Anzahl)`: what is counted, in what unit (spelt as in UNIT_WORDS)
VALUE_LINE = re.compile(r"^[^()]+?\s*\(([^()]+)\)$")
# header rows (with their line numbers) already read -> their value columns and the unit they state
KNOWN_HEADERS: dict[tuple, tuple[tuple[tuple[str, ...], ...], str | None]] = {}
MAX_KNOWN_HEADERS = 256


def table_code(path: Path) -> str | None:
    """The table a file says it is (line 1), or None if line 1 names none: to pick the layout."""
    with path.open("rb") as raw:
        first = raw.readline(200).decode(detect_text_encoding(path), errors="replace").lstrip("\ufeff")
    match = TABLE_LINE.match(first.split(";", 1)[0].strip())
    return match[1] if match else None


class DatencsvFile:
    """One export, opened against the layout its landing folder expects. Iterate `rows()` once.

    `rounding(stichtag)` is the source's rounding base at that date (0: exact counts; 5: every cell a
    multiple of 5), which widens the tolerance of every sum. `hierarchy` names areas whose rows must add
    up to another area's (parent key -> child keys); a parent is checked where it and all its children are
    in the file. `loaded(key)` tells whether an area is loaded: a content rule broken by another area
    (a total that does not add up in Baden-Württemberg) is a warning in `warnings`, not an error.
    `check_key(row)` judges a row's key before the content rules see it (raising for a key that is no
    official key), so that a wrong key is reported as such, not as the area it interrupts.
    """

    def __init__(
        self,
        path: Path,
        layout: DatencsvLayout,
        *,
        rounding: Callable[[date], int] = lambda _: 0,
        hierarchy: Mapping[str, tuple[str, ...]] | None = None,
        loaded: Callable[[str], bool] = lambda _: True,
        check_key: Callable[[DatencsvRow], None] = lambda _: None,
    ):
        self.path = path
        self.layout = layout
        self.rounding = rounding
        self.hierarchy = hierarchy or {}
        self.loaded = loaded
        self.check_key = check_key
        self.warnings: list[SourceProblem] = []
        self.encoding = detect_text_encoding(path)
        self.description = FileDescription()
        self.columns: tuple[tuple[str, ...], ...] = ()  # per value column: its column-dimension labels
        self._dates: dict[str, date | None] = {}  # text -> Stichtag (or None): rows repeat their date
        # per row dimension: delivered text -> canonical label, for the labels seen so far
        self._labels: list[dict[str, str]] = [{} for _ in layout.row_dimensions]
        self._all_ok: tuple[str, ...] = ()  # the statuses of a row of plain counts, once columns are known

    def _fail(
        self, error: type[SourceError], message: str, row: int | None = None, column: str | None = None
    ) -> SourceError:
        return error(self.path.name, message, row=row, column=column)

    def rows(self) -> Iterator[DatencsvRow]:
        with self.path.open("rb") as raw:
            handle = BoundedLines(raw, self.path.name, self.encoding, limits_in_effect.active())
            lines = enumerate(csv.reader(handle, delimiter=";"), start=1)
            first, stichtag = self.head(lines)
            yield from self._data(itertools.chain([first], lines), stichtag)

    def head(self, lines: Iterator[tuple[int, list[str]]]) -> tuple[tuple[int, list[str]], date | None]:
        """Read the lines before the data: the table line, the title and the header rows (which give
        `columns`). Returns the first data row and the Stichtag of a table that gives it above the block."""
        self._table_line(next(lines, None))
        title: list[tuple[int, str]] = []
        header: list[tuple[int, list[str]]] = []
        stichtag: date | None = None
        for line, fields in lines:
            kind = self._kind(fields)
            if kind == "blank":
                continue
            if kind == "footer":
                raise self._fail(
                    LayoutError,
                    f"the table has no data rows: the footer '{FOOTER_MARK}' follows the header; "
                    f"expected data rows '{self.layout.data_row}'",
                    row=line,
                )
            if kind == "stichtag":
                stichtag = self._block_stichtag(fields, line)
            elif kind == "header":
                header.append((line, fields))
            elif kind == "data":
                self._check_title(title)
                self.columns = self._columns(header, line)
                self._all_ok = (STATUS_OK,) * len(self.columns)
                return (line, fields), stichtag
            elif header:
                raise self._fail(
                    LayoutError,
                    f"expected a header row or a data row '{self.layout.data_row}' after the header "
                    f"rows, found '{excerpt(fields)}'",
                    row=line,
                )
            else:
                title.append((line, fields[0].strip()))
        raise self._fail(
            LayoutError,
            f"the file ends before any data row '{self.layout.data_row}': empty or truncated file "
            "(and no GENESIS footer)",
        )

    # --- the head ------------------------------------------------------------------------------------

    def _columns(self, header: list[tuple[int, list[str]]], line: int) -> tuple[tuple[str, ...], ...]:
        """The value columns the header rows name, read once per distinct header (and its lines): the
        files of a table share theirs. Opening a file up to its first data row took 0.84-1.05 ms with the
        header read, 0.25 ms with it remembered (12411-02-03-5, 54 columns; 0.36-0.53 against 0.29 ms for
        12411-03-03-4's 9 columns; CPU, 200 files of the x100 sample)."""
        key = (self.layout, tuple((number, tuple(fields)) for number, fields in header), line)
        if (known := KNOWN_HEADERS.get(key)) is None:
            description = FileDescription()
            columns = ColumnMap(self.layout, self.path.name, description, header, line).columns()
            if len(KNOWN_HEADERS) >= MAX_KNOWN_HEADERS:
                KNOWN_HEADERS.clear()
            known = KNOWN_HEADERS[key] = (columns, description.unit)
        columns, unit = known
        if unit is not None:
            self.description.unit = unit  # the header's row of units
        return columns

    def _table_line(self, first: tuple[int, list[str]] | None) -> None:
        expected = f"'GENESIS-Tabelle: {self.layout.table_code}' or 'Tabelle: {self.layout.table_code}'"
        if first is None or not first[1]:
            raise self._fail(LayoutError, f"empty file: no data rows; line 1 should be {expected}", row=1)
        match = TABLE_LINE.match(first[1][0].strip())
        if match is None:
            raise self._fail(
                LayoutError, f"line 1 should name the table, {expected}; found '{excerpt(first[1])}'", row=1
            )
        self.description.table_code = match[1]
        if match[1] != self.layout.table_code:
            raise self._fail(
                DescriptionError,
                f"this is table {match[1]}, where table {self.layout.table_code} was expected",
                row=1,
            )

    def stichtag_of(self, text: str) -> date | None:
        """The Stichtag a stripped cell gives, or None. A date (`31.12.2015`, `2015-12-31`) has 10
        characters and a year 4, so a key or a name is told apart without a pattern; each text is parsed
        once per file."""
        if len(text) not in (4, 10):
            return None
        if text not in self._dates:
            self._dates[text] = parse_stichtag(text, self.layout.stichtag)
        return self._dates[text]

    def _kind(self, fields: list[str]) -> str:
        head = fields[0].strip() if fields else ""
        if not head and not any(cell.strip() for cell in fields):
            return "blank"
        if head.startswith(FOOTER_MARK):
            return "footer"
        if self.stichtag_of(head) is not None:
            if not any(cell.strip() for cell in fields[1:]):
                return "stichtag"
            if self.layout.stichtag_in == "row":
                return "data"
        if not head:
            return "header"
        if self.layout.stichtag_in == "block" and any(cell.strip() for cell in fields[2:]):
            return "data"  # a key, a name and values (a title line has one text cell)
        return "title"

    def _block_stichtag(self, fields: list[str], line: int) -> date:
        if self.layout.stichtag_in == "row":
            raise self._fail(
                LayoutError,
                f"a line with only a date; table {self.layout.table_code} carries the Stichtag in every "
                f"data row '{self.layout.data_row}'",
                row=line,
            )
        stichtag = self.stichtag_of(fields[0].strip())
        assert stichtag is not None  # _kind says "stichtag" only for a date
        self.check_stichtag(stichtag, line)
        return stichtag

    def _check_title(self, title: list[tuple[int, str]]) -> None:
        """The title's regional depth and unit must be the layout's, where the title states them (a
        wrapped title is read as one text: `… regionale Tiefe: Kreise` / `und krfr. Städte`)."""
        layout = self.layout
        self.description.title = " ".join(part for _, part in title)
        for index, (line, part) in enumerate(title):
            if (depth := REGIONAL_DEPTH.search(part)) is None:
                continue
            stated = depth[1]
            for _, following in title[index + 1 :]:
                if not following[:1].islower():
                    break
                stated += " " + following  # a wrapped title: `… regionale Tiefe: Kreise` / `und krfr. Städte`
            self.description.regionale_tiefe = stated
            if not stated.casefold().startswith(layout.regionale_tiefe.casefold()):
                raise self._fail(
                    DescriptionError,
                    f"the title states 'regionale Tiefe: {stated}'; table {layout.table_code} is expected at "
                    f"the depth '{layout.regionale_tiefe}'",
                    row=line,
                )
            break
        for line, part in title:
            if (value := VALUE_LINE.match(part)) and (unit := UNIT_WORDS.get(value[1].strip().casefold())):
                self.description.unit = unit
                if unit != layout.unit:
                    raise self._fail(
                        DescriptionError,
                        f"the title gives the unit '{unit}' ('{part}'); table {layout.table_code} counts "
                        f"'{layout.unit}'",
                        row=line,
                    )

    # --- the data ------------------------------------------------------------------------------------

    def _data(self, lines: Iterator[tuple[int, list[str]]], stichtag: date | None) -> Iterator[DatencsvRow]:
        layout = self.layout
        integrity = Integrity(
            self.path.name, layout, self.columns, self.rounding, self.hierarchy, self.loaded
        )
        for line, fields in lines:
            kind = self._kind(fields)
            if kind == "blank":
                continue
            if kind == "footer":
                integrity.close()
                self.warnings = integrity.warnings
                self.footer(lines)
                return
            if kind == "stichtag" and layout.stichtag_in == "block":
                stichtag = self._block_stichtag(fields, line)
                continue
            if kind == "header" and layout.stichtag_in == "block":
                continue  # a block's repeated header rows (the columns were read from the first)
            if kind != "data":
                raise self._fail(
                    LayoutError,
                    f"expected a data row '{layout.data_row}' or the footer '{FOOTER_MARK}', "
                    f"found '{excerpt(fields)}'",
                    row=line,
                )
            row = self._parse_row(line, fields, stichtag)
            self.check_key(row)
            integrity.accept(row)
            yield row
        raise self._fail(
            LayoutError, f"the file ends without the GENESIS footer line '{FOOTER_MARK}': truncated?"
        )

    def _parse_row(self, line: int, fields: list[str], block_stichtag: date | None) -> DatencsvRow:
        layout = self.layout
        n_fields = layout.n_label_fields + len(self.columns)
        while len(fields) > n_fields and not fields[-1].strip():
            fields = fields[:-1]  # trailing separators
        if len(fields) != n_fields:
            raise self._fail(
                LayoutError, f"expected {n_fields} fields '{layout.data_row}', found {len(fields)}", row=line
            )
        if layout.stichtag_in == "row":
            stichtag = self.stichtag_of(fields[0].strip())
            if stichtag is None:
                raise self._fail(
                    LayoutError,
                    f"'{fields[0].strip()[:20]}' is no Stichtag (dd.mm.yyyy, yyyy-mm-dd or the year)",
                    row=line,
                    column="1 (Stichtag)",
                )
            self.check_stichtag(stichtag, line)
        elif block_stichtag is None:
            raise self._fail(LayoutError, "a data row before the line that gives its Stichtag", row=line)
        else:
            stichtag = block_stichtag
        area_key = fields[layout.key_field].strip()
        if not AREA_KEY.match(area_key):
            raise self._fail(
                LayoutError,
                f"'{area_key[:20]}' is no GENESIS area key (DG, or 2 to 12 digits)",
                row=line,
                column=f"{layout.key_field + 1} (Schlüssel)",
            )
        labels = tuple(
            self.label(offset, fields[layout.key_field + 2 + offset], line)
            for offset in range(len(layout.row_dimensions))
        )
        cells = fields[layout.n_label_fields :]
        if all(cells) and "".join(cells).isdecimal():  # plain counts: what WHOLE_NUMBER takes, unstripped
            values, statuses = tuple(map(int, cells)), self._all_ok
        else:
            values, statuses = self._cells(cells, line)
        name = fields[layout.key_field + 1].strip()
        return DatencsvRow(line, stichtag, area_key, name, labels, values, statuses)

    def label(self, offset: int, text: str, line: int) -> str:
        """The canonical label of a row dimension's cell (read once per spelling and file)."""
        known = self._labels[offset]
        if text in known:
            return known[text]
        layout = self.layout
        dimension, position = layout.row_dimensions[offset], layout.key_field + 2 + offset
        label = dimension.canonical(text)
        if label is None:
            raise self._fail(
                LayoutError,
                f"unknown {dimension.title} '{text.strip()[:40]}' (table {layout.table_code} "
                f"has: {', '.join(dimension.labels)})",
                row=line,
                column=f"{position + 1} ({dimension.name})",
            )
        known[text] = label
        return label

    def _cells(self, cells: list[str], line: int) -> tuple[tuple[int | None, ...], tuple[str, ...]]:
        """Values and statuses of a row's cells one by one: counts, GENESIS symbols, or an error naming the
        first cell that is neither."""
        values: list[int | None] = []
        statuses: list[str] = []
        for index, cell in enumerate(cells):
            text = cell.strip()
            if WHOLE_NUMBER.match(text):
                values.append(int(text))
                statuses.append(STATUS_OK)
            elif text in SPECIAL_SYMBOLS:
                status, value = SPECIAL_SYMBOLS[text]
                values.append(value)
                statuses.append(status)
            else:
                raise self._fail(
                    ValueFormatError,
                    f"'{text[:40]}' is neither a whole count nor a GENESIS symbol "
                    f"({' '.join(SPECIAL_SYMBOLS)})",
                    row=line,
                    column=self.column_name(index),
                )
        return tuple(values), tuple(statuses)

    def check_stichtag(self, stichtag: date, line: int) -> None:
        if (stichtag.day, stichtag.month) != self.layout.stichtag:
            raise self._fail(
                ReferenceDateError,
                f"Stichtag {stichtag:%d.%m.%Y}: table {self.layout.table_code} is published for the "
                f"{self.layout.stichtag_text} of each year",
                row=line,
                column="1 (Stichtag)",
            )

    def column_name(self, value_index: int) -> str:
        """A value column for messages: its number in the file and its labels."""
        labels = " / ".join(self.columns[value_index]) if self.columns else "?"
        return f"{self.layout.n_label_fields + value_index + 1} ({labels})"

    def footer(self, lines: Iterator[tuple[int, list[str]]]) -> None:
        for _, fields in lines:
            if fields and (made := MADE_AT.match(fields[0].strip())):
                self.description.made_at = made[1].strip()


def excerpt(fields: list[str]) -> str:
    text = ";".join(fields).rstrip(";")
    return text if len(text) <= 80 else text[:77] + "…"
