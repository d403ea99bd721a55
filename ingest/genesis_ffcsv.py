"""Reader for the GENESIS flat-file CSV ("ffcsv", GENESIS-Online and regionalstatistik.de since 2024).

One row per value: `statistics_code`, `time`, numbered variable column groups (`1_variable_code`,
`1_variable_label`, `1_variable_attribute_code`, `1_variable_attribute_label`, `2_…`), `value`,
`value_unit`, `value_variable_code`, `value_variable_label`, `value_q`. UTF-8, semicolons, decimal
comma, often delivered as a ZIP holding one `*_flat.csv`. Cells of `value` may hold the GENESIS
special symbols instead of a number; they become a typed status, as in the datencsv reader.

The regional variable (Bund, Land, Regierungsbezirk, Kreis, Gemeinde) gives the area; every other
variable is kept as a code pair in `merkmale`, so one raw table serves every ffcsv table.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from ingest.errors import EncodingError, LayoutError, ValueFormatError
from ingest.genesis import SPECIAL_SYMBOLS, STATUS_OK

REQUIRED_COLUMNS = ("statistics_code", "time", "value")
OPTIONAL_COLUMNS = ("value_unit", "value_variable_code", "value_q")
# GENESIS codes of the regional variables, from the whole country down to the Gemeinde.
REGIONAL_VARIABLES = frozenset({"DINSG", "DLAND", "REGBEZ", "KREISE", "GEMEIN"})
VARIABLE_COLUMN = re.compile(r"^(\d+)_variable_code$")
DECIMAL = re.compile(r"^-?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$")


@dataclass(frozen=True)
class FfcsvRow:
    line: int
    statistics_code: str
    time: str
    area_variable: str
    area_key: str
    area_name: str
    merkmale: dict[str, str]
    value: float | None
    status: str
    value_unit: str | None
    value_variable_code: str | None
    value_q: str | None


@dataclass(frozen=True)
class _Header:
    index: dict[str, int]
    variables: list[int]
    width: int


def parse_decimal(text: str) -> float:
    """German number as GENESIS writes it: decimal comma, optional '.' between groups of thousands."""
    return float(text.replace(".", "").replace(",", "."))


class FfcsvFile:
    def __init__(self, path: Path):
        self.path = path
        self.value_column: int | None = None  # 1-based, known once the header is read

    @contextmanager
    def _text(self) -> Iterator[IO[str]]:
        if self.path.suffix.lower() != ".zip":
            with self.path.open(encoding="utf-8-sig", newline="") as handle:
                yield handle
            return
        try:
            archive = zipfile.ZipFile(self.path)
        except zipfile.BadZipFile as error:
            raise LayoutError(self.path.name, f"not a readable ZIP archive: {error}") from error
        with archive:
            members = [name for name in archive.namelist() if name.lower().endswith(".csv")]
            if len(members) != 1:
                raise LayoutError(self.path.name, f"a GENESIS ffcsv ZIP holds one CSV file, found {members}")
            with archive.open(members[0]) as raw:
                yield io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")

    def rows(self) -> Iterator[FfcsvRow]:
        name = self.path.name
        with self._text() as handle:
            lines = csv.reader(handle, delimiter=";")
            try:
                header = next(lines, None)
                if header is None:
                    raise LayoutError(name, "empty file: no header row", row=1)
                columns = self._header(header)
                seen_data = False
                for line, fields in enumerate(lines, start=2):
                    if not any(field.strip() for field in fields):
                        continue
                    seen_data = True
                    yield self._parse(line, fields, columns)
            except UnicodeDecodeError as error:
                raise EncodingError(
                    name, f"not UTF-8 as the ffcsv format requires: {error.reason}"
                ) from error
        if not seen_data:
            raise LayoutError(name, "the table has no data rows")

    def _header(self, header: list[str]) -> _Header:
        index = {column.strip(): position for position, column in enumerate(header)}
        for column in REQUIRED_COLUMNS:
            if column not in index:
                raise LayoutError(
                    self.path.name, f"required column '{column}' is missing", row=1, column=column
                )
        variables = sorted(
            int(match.group(1)) for column in index if (match := VARIABLE_COLUMN.match(column))
        )
        for number in variables:
            for part in ("variable_code", "variable_attribute_code", "variable_attribute_label"):
                if f"{number}_{part}" not in index:
                    raise LayoutError(
                        self.path.name,
                        f"column '{number}_{part}' is missing",
                        row=1,
                        column=f"{number}_{part}",
                    )
        self.value_column = index["value"] + 1
        return _Header(index, variables, len(header))

    def _parse(self, line: int, fields: list[str], header: _Header) -> FfcsvRow:
        index = header.index
        if len(fields) != header.width:
            raise LayoutError(
                self.path.name, f"expected {header.width} fields, found {len(fields)}", row=line
            )

        def cell(column: str) -> str:
            return fields[index[column]].strip() if column in index else ""

        area: tuple[str, str, str] | None = None
        merkmale = {}
        for number in header.variables:
            code = cell(f"{number}_variable_code")
            attribute = cell(f"{number}_variable_attribute_code")
            if code in REGIONAL_VARIABLES:
                area = (code, attribute, cell(f"{number}_variable_attribute_label"))
            elif code:
                merkmale[code] = attribute
        if area is None or not area[1]:
            raise LayoutError(
                self.path.name, "no regional variable (DINSG, DLAND, KREISE, GEMEIN …) in this row", row=line
            )
        text = cell("value")
        if text in SPECIAL_SYMBOLS:
            status, value = SPECIAL_SYMBOLS[text]
            number: float | None = value
        elif DECIMAL.match(text):
            status, number = STATUS_OK, parse_decimal(text)
        else:
            raise ValueFormatError(
                self.path.name,
                f"'{text}' is neither a number nor a GENESIS symbol ({' '.join(SPECIAL_SYMBOLS)})",
                row=line,
                column=f"{index['value'] + 1} (value)",
            )
        return FfcsvRow(
            line,
            cell("statistics_code"),
            cell("time"),
            area[0],
            area[1],
            area[2],
            merkmale,
            number,
            status,
            cell("value_unit") or None,
            cell("value_variable_code") or None,
            cell("value_q") or None,
        )
