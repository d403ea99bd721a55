"""Reader for the GENESIS flat-file CSV ("ffcsv") of GENESIS-Online and regionalstatistik.de.

One row per value, in the variants real answers come in (research notes with recorded answers of
regionalstatistik.de in CorrelAid/pystatis, `tests/cassettes/`; fixtures in tests/fixtures/genesis/):

- since 2025 (service version 5, zipped, one `<table>_<timestamp>_<lang>_flat.csv` per ZIP, UTF-8 with
  BOM, ISO dates): `statistics_code;statistics_label;time_code;time_label;time;1_variable_code;
  1_variable_label;1_variable_attribute_code;1_variable_attribute_label;2_…;value;value_unit;
  value_variable_code;value_variable_label[;value_q]`;
- until 2024 (version 4, plain text): German names (`Statistik_Code`, `Zeit`, `1_Merkmal_Code`,
  `1_Auspraegung_Code`, …) and one column per value variable named `<code>__<label>__<unit>` (a quality
  column `…__q` beside it), dates as `31.12.2023`; with `language=en` the same with the variable columns
  misnamed (`1_variable_code;1_variable_label;1_variable_code;1_variable_code`), read by position.

Semicolons, decimal comma (`.` between thousands), totals as an empty attribute code (`;;Insgesamt;`,
`;;Total;`). Cells may hold the GENESIS special symbols instead of a number; they become a typed status.
The regional variable (Bund, Land, Regierungsbezirk, Kreis, Gemeinde) gives the area; every other
variable is kept as a code pair in `merkmale` (a total with the code ""), so one raw table serves every
ffcsv table.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ingest import limits_in_effect
from ingest.archive import open_archive, open_member
from ingest.errors import EncodingError, LayoutError, LineTooLongError, ValueFormatError
from ingest.genesis_format import SPECIAL_SYMBOLS, STATUS_OK
from ingest.limits import BoundedLines, Limits

# GENESIS codes of the regional variables, from the whole country down to the Gemeinde.
REGIONAL_VARIABLES = frozenset({"DINSG", "DLAND", "REGBEZ", "KREISE", "GEMEIN"})
DECIMAL = re.compile(r"^-?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$")
TIME = re.compile(r"^(\d{4}-\d{2}-\d{2}|\d{2}\.\d{2}\.\d{4}|\d{4})$")
# the fixed columns, by their names in version 5 and in version 4
FIXED = {
    "statistics_code": "statistics_code",
    "statistics_label": "statistics_label",
    "time_code": "time_code",
    "time_label": "time_label",
    "time": "time",
    "value": "value",
    "value_unit": "value_unit",
    "value_variable_code": "value_variable_code",
    "value_variable_label": "value_variable_label",
    "value_q": "value_q",
    "Statistik_Code": "statistics_code",
    "Statistik_Label": "statistics_label",
    "Zeit_Code": "time_code",
    "Zeit_Label": "time_label",
    "Zeit": "time",
}
# a variable's four columns, in this order whatever the header calls them
VARIABLE_PARTS = ("variable_code", "variable_label", "variable_attribute_code", "variable_attribute_label")
VARIABLE_COLUMN = re.compile(r"^(\d+)_(?:variable|Merkmal|Auspraegung)_")
WIDE_VALUE = re.compile(r"^([A-Za-z0-9]+)__(.+)__(.+)$")  # version 4: `BEVSTD__Bevoelkerungsstand__Anzahl`


@dataclass(frozen=True)
class FfcsvRow:
    line: int
    column: int  # 1-based, the column of the value
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
class _Value:
    """Where a value stands: `value` with its unit and variable in columns (version 5), or a column of
    its own per value variable (version 4)."""

    position: int
    variable: str | None  # version 4: from the column name
    unit: str | None
    quality: int | None  # the position of its quality column


@dataclass(frozen=True)
class _Header:
    index: dict[str, int]
    variables: list[list[int]]  # per variable: the positions of code, label, attribute code, label
    values: list[_Value]
    width: int


def parse_decimal(text: str) -> float:
    """German number as GENESIS writes it: decimal comma, optional '.' between groups of thousands."""
    return float(text.replace(".", "").replace(",", "."))


class FfcsvFile:
    def __init__(self, path: Path, limits: Limits | None = None):
        self.path = path
        # what reading may cost (ingest/limits.py): those of the ingest in progress unless given
        self.limits = limits or limits_in_effect.active()
        self.value_column: int | None = None  # 1-based, known once the header is read

    @contextmanager
    def _text(self) -> Iterator[BoundedLines]:
        """The file's lines, each read with a byte bound; a ZIP's member only after the archive passed
        its checks, and inflated through the guard (ingest/archive.py)."""
        if self.path.suffix.lower() != ".zip":
            with self.path.open("rb") as raw:
                yield BoundedLines(raw, self.path.name, "utf-8-sig", self.limits)
            return
        with open_archive(self.path, self.limits) as archive:
            members = [info for info in archive.infolist() if info.filename.lower().endswith(".csv")]
            if len(members) != 1:
                raise LayoutError(
                    self.path.name,
                    f"a GENESIS ffcsv ZIP holds one CSV file, found {[info.filename for info in members]}",
                )
            with open_member(archive, members[0], self.path.name) as raw:
                yield BoundedLines(raw, self.path.name, "utf-8-sig", self.limits)

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
                    yield from self._parse(line, fields, columns)
            except UnicodeDecodeError as error:
                raise EncodingError(
                    name, f"not UTF-8 as the ffcsv format requires: {error.reason}", row=handle.number
                ) from error
            except csv.Error as error:
                # a quoted field running over many lines; csv's field limit is the configured line bound
                if "field limit" in str(error):
                    raise LineTooLongError(
                        name,
                        f"Ein Feld in Zeile {handle.number} ist länger als {csv.field_size_limit()} Zeichen "
                        "(limits.max_line_bytes); so lange Felder hat keine echte Lieferung.",
                        row=handle.number,
                    ) from error
                raise LayoutError(name, f"not readable as CSV: {error}", row=handle.number) from error
        if not seen_data:
            raise LayoutError(name, "the table has no data rows")

    def _header(self, header: list[str]) -> _Header:
        name = self.path.name
        index: dict[str, int] = {}
        groups: dict[int, list[int]] = {}
        values: list[_Value] = []
        for position, column in enumerate(header):
            column = column.strip()
            if column in FIXED:
                index[FIXED[column]] = position
            elif match := VARIABLE_COLUMN.match(column):
                groups.setdefault(int(match[1]), []).append(position)
            elif column.endswith("__q") and values and values[-1].quality is None:
                values[-1] = _Value(values[-1].position, values[-1].variable, values[-1].unit, position)
            elif match := WIDE_VALUE.match(column):
                values.append(_Value(position, match[1], match[3], None))
            else:
                raise LayoutError(
                    name,
                    f"column '{column[:40]}' is no column of a GENESIS flat file",
                    row=1,
                    column=str(position + 1),
                )
        if "value" in index:
            values = [_Value(index["value"], None, None, index.get("value_q"))]
        for column in ("statistics_code", "time"):
            if column not in index:
                raise LayoutError(name, f"required column '{column}' is missing", row=1, column=column)
        if not values:
            raise LayoutError(name, "no value column ('value', or '<code>__<label>__<unit>')", row=1)
        for number, positions in groups.items():
            if len(positions) != len(VARIABLE_PARTS):
                raise LayoutError(
                    name,
                    f"variable {number} has {len(positions)} columns; a GENESIS flat file gives each "
                    f"variable {len(VARIABLE_PARTS)} ({', '.join(VARIABLE_PARTS)})",
                    row=1,
                    column=str(positions[0] + 1),
                )
        self.value_column = values[0].position + 1
        return _Header(index, [groups[number] for number in sorted(groups)], values, len(header))

    def _parse(self, line: int, fields: list[str], header: _Header) -> Iterator[FfcsvRow]:
        index = header.index
        if len(fields) != header.width:
            raise LayoutError(
                self.path.name, f"expected {header.width} fields, found {len(fields)}", row=line
            )

        def cell(column: str) -> str:
            return fields[index[column]].strip() if column in index else ""

        area: tuple[str, str, str] | None = None
        merkmale = {}
        for code_at, _, attribute_at, label_at in header.variables:
            code, attribute = fields[code_at].strip(), fields[attribute_at].strip()
            if code in REGIONAL_VARIABLES:
                area = (code, attribute, fields[label_at].strip())
            elif code:
                merkmale[code] = attribute
        if area is None or not area[1]:
            raise LayoutError(
                self.path.name, "no regional variable (DINSG, DLAND, KREISE, GEMEIN …) in this row", row=line
            )
        time = cell("time")
        if not TIME.match(time):
            raise ValueFormatError(
                self.path.name,
                f"'{time[:20]}' is no time of a GENESIS table (a date or a year)",
                row=line,
                column=f"{index['time'] + 1} (time)",
            )
        for value in header.values:
            text = fields[value.position].strip()
            if text in SPECIAL_SYMBOLS:
                status, number = SPECIAL_SYMBOLS[text]
            elif DECIMAL.match(text):
                status, number = STATUS_OK, parse_decimal(text)
            else:
                raise ValueFormatError(
                    self.path.name,
                    f"'{text[:40]}' is neither a number nor a GENESIS symbol ({' '.join(SPECIAL_SYMBOLS)})",
                    row=line,
                    column=f"{value.position + 1} (value)",
                )
            quality = fields[value.quality].strip() if value.quality is not None else cell("value_q")
            yield FfcsvRow(
                line,
                value.position + 1,
                cell("statistics_code"),
                time,
                area[0],
                area[1],
                area[2],
                merkmale,
                number,
                status,
                value.unit or cell("value_unit") or None,
                value.variable or cell("value_variable_code") or None,
                quality or None,
            )
