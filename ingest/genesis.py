"""Reader for GENESIS "datencsv" exports (regionalstatistik.de, IT.NRW Landesdatenbank).

The layout: a block of title lines, header rows that label the value columns (the first of them
often only names a group once, like merged cells), data rows `Stichtag;Schlüssel;Name;<row labels>;
<values>`, and a footer that starts with a line of underscores. Cells hold numbers or the special
symbols of the GENESIS "Zeichenerklärung", which are kept as a typed status, never as a number.

The reader streams: it holds one line at a time, so a file of millions of rows costs no memory.
"""

from __future__ import annotations

import csv
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path

from ingest.encoding import detect_text_encoding
from ingest.errors import LayoutError, ValueFormatError

FOOTER_MARK = "__________"
STICHTAG = re.compile(r"^(\d{2})\.(\d{2})\.(\d{4})$")
WHOLE_NUMBER = re.compile(r"^-?\d+$")

# GENESIS Zeichenerklärung: symbol -> (status, value). Only "-" (nothing there, exactly zero) has a value.
SPECIAL_SYMBOLS: dict[str, tuple[str, int | None]] = {
    "-": ("nil", 0),
    ".": ("unknown", None),
    "x": ("blocked", None),
    "...": ("later", None),
    "/": ("unreliable", None),
}
STATUS_OK = "ok"
STATUSES = (STATUS_OK, *(status for status, _ in SPECIAL_SYMBOLS.values()))


@dataclass(frozen=True)
class DatencsvLayout:
    """What one GENESIS table's export must look like, column by column.

    `row_labels` names the label columns between the area name and the values (e.g. Altersgruppe)
    with the values each may take; `column_headers` lists, per header row from top to bottom, the
    label each value column must carry once empty cells are filled from the left, and
    `column_dimensions` names what each header row tells (e.g. Nationalität, Geschlecht).
    """

    table_code: str
    row_labels: tuple[tuple[str, frozenset[str]], ...]
    column_dimensions: tuple[str, ...]
    column_headers: tuple[tuple[str, ...], ...]

    @cached_property
    def n_label_fields(self) -> int:
        return 3 + len(self.row_labels)

    @cached_property
    def n_values(self) -> int:
        return len(self.column_headers[0])

    def column_name(self, value_index: int) -> str:
        """Human name of a value column for error messages: its number in the file and its labels."""
        labels = " / ".join(header[value_index] for header in self.column_headers)
        return f"{self.n_label_fields + value_index + 1} ({labels})"


@dataclass(frozen=True)
class DatencsvRow:
    line: int
    stichtag: date
    area_key: str
    area_name: str
    labels: tuple[str, ...]
    values: tuple[int | None, ...]
    statuses: tuple[str, ...]


class DatencsvFile:
    """One export, opened against the layout it must have. Iterate `rows()` once to stream it."""

    def __init__(self, path: Path, layout: DatencsvLayout):
        self.path = path
        self.layout = layout
        self.encoding = detect_text_encoding(path)

    def _fail(
        self,
        error: type[LayoutError | ValueFormatError],
        message: str,
        row: int | None = None,
        column: str | None = None,
    ) -> LayoutError | ValueFormatError:
        return error(self.path.name, message, row=row, column=column)

    def rows(self) -> Iterator[DatencsvRow]:
        with self.path.open(encoding=self.encoding, newline="") as handle:
            lines = enumerate(csv.reader(handle, delimiter=";"), start=1)
            header_block: list[tuple[int, list[str]]] = []
            first: tuple[int, list[str]] | None = None
            for line, fields in lines:
                head = fields[0].strip() if fields else ""
                if STICHTAG.match(head):
                    first = (line, fields)
                    break
                if head.startswith(FOOTER_MARK):
                    raise self._fail(LayoutError, "the table has no data rows", row=line)
                header_block.append((line, fields))
            if first is None:
                raise self._fail(LayoutError, "no data rows and no GENESIS footer: empty or truncated file")
            self._check_header(header_block, first[0])
            footer_seen = False
            dates: dict[str, date] = {}
            for line, fields in itertools.chain([first], lines):
                head = fields[0].strip() if fields else ""
                if head.startswith(FOOTER_MARK):
                    footer_seen = True
                    break
                yield self._parse_row(line, fields, dates)
            if not footer_seen:
                raise self._fail(
                    LayoutError, f"file ends without the GENESIS footer line '{FOOTER_MARK}': truncated?"
                )

    def _check_header(self, block: list[tuple[int, list[str]]], first_data_line: int) -> None:
        layout = self.layout
        wanted = len(layout.column_headers)
        if len(block) < wanted:
            raise self._fail(
                LayoutError, f"expected {wanted} header rows above the data", row=first_data_line
            )
        for (line, fields), expected in zip(block[-wanted:], layout.column_headers, strict=True):
            labels = [field.strip() for field in fields[layout.n_label_fields :]]
            while len(labels) > len(expected) and not labels[-1]:
                labels.pop()  # exports pad lines with trailing separators
            filled = list(itertools.accumulate(labels, lambda left, label: label or left))
            if len(filled) != len(expected):
                raise self._fail(
                    LayoutError,
                    f"header row has {len(filled)} value columns, "
                    f"layout {layout.table_code} has {len(expected)}",
                    row=line,
                )
            for index, (got, want) in enumerate(zip(filled, expected, strict=True)):
                if got != want:
                    raise self._fail(
                        LayoutError,
                        f"header label '{got}' where layout {layout.table_code} has '{want}'",
                        row=line,
                        column=str(layout.n_label_fields + index + 1),
                    )

    def _parse_row(self, line: int, fields: list[str], dates: dict[str, date]) -> DatencsvRow:
        layout = self.layout
        n_fields = layout.n_label_fields + layout.n_values
        if len(fields) != n_fields:
            raise self._fail(LayoutError, f"expected {n_fields} fields, found {len(fields)}", row=line)
        raw_date = fields[0].strip()
        stichtag = dates.get(raw_date)
        if stichtag is None:
            match = STICHTAG.match(raw_date)
            try:
                day, month, year = match.groups()  # type: ignore[union-attr]
                stichtag = dates[raw_date] = date(int(year), int(month), int(day))
            except (AttributeError, ValueError) as error:
                raise self._fail(
                    LayoutError, f"'{raw_date}' is no Stichtag (dd.mm.yyyy)", row=line, column="1 (Stichtag)"
                ) from error
        area_key = fields[1].strip()
        if not area_key:
            raise self._fail(LayoutError, "the area key is empty", row=line, column="2 (Schlüssel)")
        labels = tuple(field.strip() for field in fields[3 : layout.n_label_fields])
        for offset, (label, (name, allowed)) in enumerate(zip(labels, layout.row_labels, strict=True)):
            if label not in allowed:
                raise self._fail(
                    LayoutError, f"unknown {name} '{label}'", row=line, column=f"{4 + offset} ({name})"
                )
        values: list[int | None] = []
        statuses: list[str] = []
        for index, cell in enumerate(fields[layout.n_label_fields :]):
            text = cell.strip()
            if (text.isascii() and text.isdigit()) or WHOLE_NUMBER.match(text):
                values.append(int(text))
                statuses.append(STATUS_OK)
            elif text in SPECIAL_SYMBOLS:
                status, value = SPECIAL_SYMBOLS[text]
                values.append(value)
                statuses.append(status)
            else:
                raise self._fail(
                    ValueFormatError,
                    f"'{text}' is neither a whole count nor a GENESIS symbol ({' '.join(SPECIAL_SYMBOLS)})",
                    row=line,
                    column=layout.column_name(index),
                )
        return DatencsvRow(
            line, stichtag, area_key, fields[2].strip(), labels, tuple(values), tuple(statuses)
        )
