"""Reader for the municipal submission template (`ingest/templates/kommunale_meldung.yml`).

Jugendämter and Gesundheitsämter deliver what no office publishes openly (Kita-Betreuung,
Schuleingangsuntersuchung) in one long template, as CSV or XLSX. The header is fixed and documented;
the reader checks every row against it: a known area (a Ruhr Gemeinde, or a small area of a city's
mapping as `<AGS>-<code>`), the Merkmal's reference date, a whole non-negative count, no key twice.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path

import openpyxl
import yaml

from ingest.city_mapping import load_city_mappings
from ingest.encoding import detect_text_encoding
from ingest.errors import (
    DuplicateKeyError,
    LayoutError,
    NegativeCountError,
    ReferenceDateError,
    UnknownAreaError,
    ValueFormatError,
)
from ingest.geography import AreaDecision, RuhrGeography
from ingest.lieferanten import Lieferant

TEMPLATE_PATH = Path(__file__).parent / "templates" / "kommunale_meldung.yml"


@dataclass(frozen=True)
class Template:
    columns: tuple[str, ...]
    merkmale: dict[str, str]
    reference_dates: dict[str, str]
    retired: dict[str, str]  # codes whose meaning changed, with what replaces them


@cache
def template() -> Template:
    spec = yaml.safe_load(TEMPLATE_PATH.read_text(encoding="utf-8"))
    return Template(
        tuple(spec["columns"]), spec["merkmale"], spec["reference_dates"], spec.get("retired", {})
    )


@cache
def small_areas() -> frozenset[str]:
    """`<AGS>-<code>` of every small area the city mappings list, on every level."""
    return frozenset(
        f"{mapping.ags}-{code}" for mapping in load_city_mappings() for code in mapping.all_areas
    )


@dataclass(frozen=True)
class SubmissionRow:
    line: int
    area_id: str
    stichtag: date
    merkmal: str
    anzahl: int | None
    status: str


class SubmissionFile:
    """One office's file. Given the delivering body, every area must lie in its territory: an office
    reports for its own Kreis or Stadt, so another's key is a mix-up, not data to keep."""

    def __init__(self, path: Path, geography: RuhrGeography, lieferant: Lieferant | None = None):
        self.path, self.geography, self.lieferant = path, geography, lieferant

    def _records(self) -> Iterator[tuple[int, list[str]]]:
        if self.path.suffix.lower() == ".xlsx":
            try:
                book = openpyxl.load_workbook(self.path, read_only=True, data_only=True)
            except Exception as error:  # openpyxl raises several kinds for a file that is no xlsx
                raise LayoutError(self.path.name, f"not a readable .xlsx workbook: {error}") from error
            try:
                for number, cells in enumerate(book.worksheets[0].iter_rows(values_only=True), start=1):
                    yield number, ["" if cell is None else _cell_text(cell) for cell in cells]
            finally:
                book.close()
            return
        with self.path.open(encoding=detect_text_encoding(self.path), newline="") as handle:
            yield from enumerate(csv.reader(handle, delimiter=";"), start=1)

    def rows(self) -> Iterator[SubmissionRow]:
        spec = template()
        records = self._records()
        first = next(records, None)
        if first is None:
            raise LayoutError(self.path.name, "empty file: no header row")
        header = [name.strip() for name in first[1]]
        while header and not header[-1]:
            header.pop()
        if tuple(header) != spec.columns:
            missing = [column for column in spec.columns if column not in header]
            raise LayoutError(
                self.path.name,
                f"the header must be {';'.join(spec.columns)}"
                + (f"; missing: {', '.join(missing)}" if missing else ""),
                row=1,
                column=missing[0] if missing else None,
            )
        keys: set[tuple[str, date, str]] = set()
        seen = False
        for line, fields in records:
            fields = [field.strip() for field in fields]
            while len(fields) > len(spec.columns) and not fields[-1]:
                fields.pop()  # spreadsheet programs pad rows with empty cells
            if not any(fields):
                continue
            if len(fields) != len(spec.columns):
                raise LayoutError(
                    self.path.name, f"expected {len(spec.columns)} fields, found {len(fields)}", row=line
                )
            area, _, when, merkmal, count = fields
            row = SubmissionRow(
                line,
                self._area(area, line),
                self._date(when, merkmal, line),
                merkmal,
                *self._count(count, line),
            )
            key = (row.area_id, row.stichtag, merkmal)
            if key in keys:
                raise DuplicateKeyError(
                    self.path.name,
                    f"{merkmal} for {area} at {when} delivered twice",
                    row=line,
                    column="Merkmal",
                )
            keys.add(key)
            seen = True
            yield row
        if not seen:
            raise LayoutError(self.path.name, "the file has no data rows")

    def _area(self, area: str, line: int) -> str:
        known = area in self.geography.gemeinde_keys or area in small_areas()
        if known and self.lieferant is not None and not self.lieferant.covers(area):
            raise UnknownAreaError(
                self.path.name,
                f"'{area}' lies outside {self.lieferant.name}, whose folder this file was delivered to",
                row=line,
                column="Gebietsschluessel",
            )
        if known:
            return area
        raise UnknownAreaError(self.path.name, self._unknown(area), row=line, column="Gebietsschluessel")

    def _unknown(self, area: str) -> str:
        """Why an area is refused: no official key at all, or an official key that is no Ruhr Gemeinde."""
        if "-" not in area and self.geography.decide(area) is AreaDecision.NOT_OFFICIAL:
            return self.geography.not_official_reason(area)
        return f"'{area}' is neither a Ruhr Gemeinde (AGS) nor a small area of a city mapping (<AGS>-<code>)"

    def _date(self, text: str, merkmal: str, line: int) -> date:
        spec = template()
        if merkmal in spec.retired:
            raise LayoutError(
                self.path.name,
                f"Merkmal '{merkmal}' is retired: it {spec.retired[merkmal]}",
                row=line,
                column="Merkmal",
            )
        if merkmal not in spec.merkmale:
            raise LayoutError(
                self.path.name,
                f"unknown Merkmal '{merkmal}'; known: {', '.join(spec.merkmale)}",
                row=line,
                column="Merkmal",
            )
        try:
            stichtag = datetime.strptime(text, "%d.%m.%Y").date()
        except ValueError as error:
            raise LayoutError(
                self.path.name, f"'{text}' is no date DD.MM.YYYY", row=line, column="Stichtag"
            ) from error
        if f"{stichtag:%m-%d}" != spec.reference_dates[merkmal]:
            day = spec.reference_dates[merkmal]
            raise ReferenceDateError(
                self.path.name,
                f"{merkmal} is counted on {day[3:]}.{day[:2]}., not on {text}",
                row=line,
                column="Stichtag",
            )
        return stichtag

    def _count(self, text: str, line: int) -> tuple[int | None, str]:
        if text == "":
            return None, "missing"
        if text == "*":
            return None, "suppressed"
        if text.isdigit():
            return int(text), "ok"
        if text.startswith("-") and text[1:].isdigit():
            raise NegativeCountError(self.path.name, f"negative count '{text}'", row=line, column="Anzahl")
        raise ValueFormatError(self.path.name, f"'{text}' is not a count", row=line, column="Anzahl")


def _cell_text(cell: object) -> str:
    """XLSX cells: dates as DD.MM.YYYY, whole floats as integers, everything else as written."""
    if isinstance(cell, datetime | date):
        return cell.strftime("%d.%m.%Y")
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell)
