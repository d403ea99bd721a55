"""Reader for a city's small-area CSV, driven by its YAML mapping (`ingest/city_mapping.py`).

Yields one row per area, reference date and measure in the shared vocabulary. It never guesses: a
column the mapping names but the file lacks (renamed, missing), an area code the city's mapping does
not list, a date that is not the mapping's reference date, text or a negative number in a count, a
key delivered twice, an empty or truncated file are errors that name file, row and column.

Which of the city's levels a file holds, its header says: the level whose area column it has. A file
with the columns of several levels (a Stadtteil table that names each Stadtteil's Stadtbezirk, too)
holds the finest of them, the one the mapping lists last.
"""

from __future__ import annotations

import calendar
import csv
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from ingest.city_mapping import CityMapping
from ingest.errors import (
    DuplicateKeyError,
    EncodingError,
    LayoutError,
    NegativeCountError,
    ReferenceDateError,
    UnknownAreaError,
    ValueFormatError,
)

WHOLE = re.compile(r"^\d+$")


@dataclass(frozen=True)
class CityRow:
    line: int
    column: int
    stichtag: date
    area_code: str
    measure: str
    anzahl: int | None
    status: str


class CityCsvFile:
    def __init__(self, path: Path, mapping: CityMapping):
        self.path, self.mapping = path, mapping
        self.names: list[str] = []  # the header, once read
        # the small-area level the file holds, its area column and its areas, once the header is read
        self.level: str | None = None
        self.area_column = mapping.area.column
        self.areas: dict[str, str] = {}
        self.measure_of = {column: measure for measure, column in mapping.measures.items()}

    def _column(self, header: dict[str, int], name: str, line: int) -> int:
        if name not in header:
            raise LayoutError(
                self.path.name,
                f"column '{name}' of the {self.mapping.city} mapping is missing",
                row=line,
                column=name,
            )
        return header[name]

    def _level_column(self, header: dict[str, int], line: int) -> int:
        """The position of the area column, after choosing the level it names (see the module)."""
        present = [(level, column, areas) for level, column, areas in self.mapping.levels if column in header]
        if not present and not self.mapping.further_levels:
            return self._column(header, self.mapping.area.column, line)
        if not present:
            columns = ", ".join(f"'{column}' ({level})" for level, column, _ in self.mapping.levels)
            raise LayoutError(
                self.path.name,
                f"none of the area columns of the {self.mapping.city} mapping is there: {columns}",
                row=line,
                column=self.mapping.area.column,
            )
        self.level, self.area_column, self.areas = present[-1]
        return header[self.area_column]

    def rows(self) -> Iterator[CityRow]:
        mapping = self.mapping
        with self.path.open(encoding=mapping.encoding, newline="") as handle:
            lines = enumerate(csv.reader(handle, delimiter=mapping.separator), start=1)
            try:
                for _ in itertools.islice(lines, mapping.skip_rows):
                    pass
                first = next(lines, None)
                if first is None:
                    raise LayoutError(self.path.name, "empty file: no header row")
                header_line, names = first
                self.names = [name.strip() for name in names]
                header = {name.strip(): position for position, name in enumerate(names)}
                area = self._level_column(header, header_line)
                when = self._column(header, mapping.reference_date.column, header_line)
                if mapping.long is None:
                    value_columns = {
                        self._column(header, column, header_line): measure
                        for column, measure in self.measure_of.items()
                    }
                    yield from self._wide(lines, len(names), area, when, value_columns)
                else:
                    measure = self._column(header, mapping.long.measure_column, header_line)
                    value = self._column(header, mapping.long.value_column, header_line)
                    yield from self._long(lines, len(names), area, when, measure, value)
            except UnicodeDecodeError as error:
                raise EncodingError(
                    self.path.name, f"not {mapping.encoding} as the mapping says: {error.reason}"
                ) from error

    def _records(self, lines: Iterator[tuple[int, list[str]]], width: int) -> Iterator[tuple[int, list[str]]]:
        seen_data = False
        for line, fields in lines:
            if not any(field.strip() for field in fields):
                continue
            if len(fields) != width:
                raise LayoutError(
                    self.path.name, f"expected {width} fields, found {len(fields)} (truncated?)", row=line
                )
            seen_data = True
            yield line, fields
        if not seen_data:
            raise LayoutError(self.path.name, "the file has no data rows")

    def _wide(
        self, lines, width: int, area: int, when: int, value_columns: dict[int, str]
    ) -> Iterator[CityRow]:
        keys: set[tuple[str, date]] = set()
        for line, fields in self._records(lines, width):
            code, stichtag = self._area(fields, area, line), self._date(fields, when, line)
            if (code, stichtag) in keys:
                raise DuplicateKeyError(
                    self.path.name,
                    f"area {code} at {stichtag:%d.%m.%Y} delivered twice",
                    row=line,
                    column=self.area_column,
                )
            keys.add((code, stichtag))
            for position, measure in value_columns.items():
                anzahl, status = self._count(fields[position], line, position)
                yield CityRow(line, position + 1, stichtag, code, measure, anzahl, status)

    def _long(self, lines, width: int, area: int, when: int, measure: int, value: int) -> Iterator[CityRow]:
        keys: set[tuple[str, date, str]] = set()
        for line, fields in self._records(lines, width):
            code, stichtag = self._area(fields, area, line), self._date(fields, when, line)
            label = fields[measure].strip()
            if label not in self.measure_of:
                continue  # the city publishes more than the shared vocabulary needs
            key = (code, stichtag, self.measure_of[label])
            if key in keys:
                raise DuplicateKeyError(
                    self.path.name,
                    f"{label} for area {code} at {stichtag:%d.%m.%Y} delivered twice",
                    row=line,
                    column=self.mapping.long.measure_column,
                )
            keys.add(key)
            anzahl, status = self._count(fields[value], line, value)
            yield CityRow(line, value + 1, stichtag, code, key[2], anzahl, status)

    def _area(self, fields: list[str], position: int, line: int) -> str:
        code = fields[position].strip()
        if code not in self.areas:
            raise UnknownAreaError(
                self.path.name,
                f"area code '{code}' is not among the {self.mapping.city} areas ({self.level}) of its "
                "mapping",
                row=line,
                column=self.area_column,
            )
        return code

    def _date(self, fields: list[str], position: int, line: int) -> date:
        rule, text = self.mapping.reference_date, fields[position].strip()
        try:
            parsed = datetime.strptime(text, rule.format).date()
        except ValueError as error:
            raise LayoutError(
                self.path.name,
                f"'{text}' does not match the date format {rule.format}",
                row=line,
                column=rule.column,
            ) from error
        if "%d" not in rule.format:  # a month or a year stands for its last day
            month = parsed.month if "%m" in rule.format else 12
            parsed = date(parsed.year, month, calendar.monthrange(parsed.year, month)[1])
        if rule.must_be and f"{parsed:%m-%d}" != rule.must_be:
            raise ReferenceDateError(
                self.path.name,
                f"reference date {parsed:%d.%m.%Y} is not the "
                f"{rule.must_be[3:]}.{rule.must_be[:2]}. the mapping requires",
                row=line,
                column=rule.column,
            )
        return parsed

    def _count(self, cell: str, line: int, position: int) -> tuple[int | None, str]:
        text = cell.strip()
        if text in self.mapping.suppressed:
            return None, "suppressed"
        digits = text.replace(self.mapping.thousands, "") if self.mapping.thousands else text
        if WHOLE.match(digits):
            return int(digits), "ok"
        column = f"{position + 1} ({self.names[position]})"
        if digits.startswith("-") and WHOLE.match(digits[1:]):
            raise NegativeCountError(self.path.name, f"negative count '{text}'", row=line, column=column)
        raise ValueFormatError(self.path.name, f"'{text}' is not a count", row=line, column=column)
