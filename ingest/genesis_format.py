"""What a GENESIS table looks like: cell symbols, label spellings, dimensions and a table's layout.

The facts here come from real exports (each layout in `ingest/layouts.py` cites its file) and, where the
issue reporter saw them in a real API answer, from issue 10; every spelling accepted is listed once, in
`LABEL_VARIANTS` and `AGE_LABELS`, with where it was seen.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Literal, NamedTuple

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
NUMERIC_STATUSES = frozenset({STATUS_OK, "nil"})

# Spellings of one label in real exports (casefolded) -> the canonical label.
LABEL_VARIANTS: dict[str, str] = {
    # API 2020 with language=en (issue 10; pystatis' recorded regionalstatistik ffcsv answers)
    "total": "Insgesamt",
    "ausländer(innen)": "Ausländer",  # web download 2017 (genesapi-data src/12411-03-03-4_00.csv, 22151-…)
    "ausländer/-innen": "Ausländer",  # API 2020 (issue 10)
    # Destatis' English labels (pystatis cassettes); regionalstatistik keeps these German (research notes)
    "male": "männlich",
    "female": "weiblich",
}
# Age groups: the real German labels and Destatis' English ones; bounds in years.
AGE_LABELS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^unter (\d+) jahren?$"), "under"),
    (re.compile(r"^(\d+) bis unter (\d+) jahren?$"), "band"),
    (re.compile(r"^(\d+) jahre und (?:mehr|älter)$"), "over"),
    (re.compile(r"^under (\d+) years$"), "under"),
    (re.compile(r"^(\d+) to under (\d+) years$"), "band"),
    (re.compile(r"^(\d+) years and (?:over|more|older)$"), "over"),
)
# Units as titles and header rows write them (`Anzahl` in 12411 and 22151; the others only to tell them
# apart).
UNIT_WORDS = {"anzahl": "Anzahl", "number": "Anzahl", "prozent": "Prozent", "%": "Prozent", "eur": "EUR"}
DATE_DE = re.compile(r"^(\d{2})\.(\d{2})\.(\d{4})$")
DATE_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
YEAR = re.compile(r"^(\d{4})$")
Bounds = tuple[int, int | None]
AddsUp = Literal["bund", "land", "kreis"]


def normalise_label(text: str) -> str:
    return " ".join(text.split())


def age_bounds(label: str) -> Bounds | None:
    """(from, to) in years of an age group label; `to` is None for '… Jahre und mehr'."""
    text = normalise_label(label).casefold()
    for pattern, kind in AGE_LABELS:
        if match := pattern.match(text):
            if kind == "under":
                return 0, int(match[1])
            if kind == "band":
                return int(match[1]), int(match[2])
            return int(match[1]), None
    return None


def parse_stichtag(text: str, day_month: tuple[int, int]) -> date | None:
    """A Stichtag as a web download (`31.12.2015`), the API (`2015-12-31`) or a table that gives only
    the Berichtsjahr (`2016` in 22151-01-02-4: the table's day and month of that year) writes it."""
    if match := DATE_DE.match(text):
        day, month, year = (int(part) for part in match.groups())
    elif match := DATE_ISO.match(text):
        year, month, day = (int(part) for part in match.groups())
    elif match := YEAR.match(text):
        year, (day, month) = int(match[1]), day_month
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


@dataclass(frozen=True)
class Dimension:
    """One classification of a table (Altersgruppe, Geschlecht, Nationalität): its parts and their total."""

    name: str  # column of the raw table
    title: str  # as a person names it in a report
    parts: tuple[str, ...]
    total: str = "Insgesamt"
    ages: bool = False  # the parts are age groups in years, recognised by their bounds in any spelling
    # the total may hold more than its parts: people in no listed part (22151 before 2020: sex not stated)
    remainder: bool = False

    @cached_property
    def labels(self) -> tuple[str, ...]:
        return (*self.parts, self.total)

    @cached_property
    def _by_bounds(self) -> dict[Bounds, str]:
        return {bounds: part for part in self.parts if (bounds := age_bounds(part)) is not None}

    def canonical(self, text: str) -> str | None:
        """The canonical label a delivered label stands for, or None if it is no label of this dimension."""
        label = normalise_label(text)
        label = LABEL_VARIANTS.get(label.casefold(), label)
        if label in self.labels:
            return label
        if self.ages and (bounds := age_bounds(label)) is not None:
            return self._by_bounds.get(bounds)
        return None

    def bounds(self, label: str) -> tuple[int | None, int | None]:
        """Age bounds of a canonical label; the total and non-numeric groups have none."""
        return (age_bounds(label) or (None, None)) if self.ages else (None, None)


@dataclass(frozen=True)
class DatencsvLayout:
    """One real GENESIS table: what its export must say about itself and how its cells are classified.

    Row dimensions are label columns between the area name and the values; column dimensions are told by
    the header rows and matched by content, so the order of the value columns may differ between exports.
    A table whose value columns are not the full product of its column dimensions (22151: the nationality
    only for the total) lists them in `columns`; a dimension a column does not name stands at its total.
    `adds_up` names the levels whose areas the table sums exactly (12411: Deutschland = its Länder, a Land
    = its Regierungsbezirke, a Kreis = its Gemeinden; 22151 counts Länder by provider and Kreise by
    residence, so only Deutschland = its Länder holds).
    """

    table_code: str
    title: str
    regionale_tiefe: Literal["Kreise", "Gemeinden"]
    stichtag: tuple[int, int]  # (day, month) every reference date of the table has
    stichtag_in: Literal["row", "block"]  # a column of each data row, or a line above a block of rows
    unit: str
    row_dimensions: tuple[Dimension, ...]
    column_dimensions: tuple[Dimension, ...]
    adds_up: frozenset[AddsUp]
    source: str  # the real file this layout was copied from
    columns: tuple[tuple[str, ...], ...] | None = None  # None: every combination of the column dimensions

    @cached_property
    def key_field(self) -> int:
        return 1 if self.stichtag_in == "row" else 0

    @cached_property
    def n_label_fields(self) -> int:
        return self.key_field + 2 + len(self.row_dimensions)

    @cached_property
    def dimensions(self) -> tuple[Dimension, ...]:
        return (*self.row_dimensions, *self.column_dimensions)

    @cached_property
    def row_label_sets(self) -> frozenset[tuple[str, ...]]:
        return frozenset(itertools.product(*(dimension.labels for dimension in self.row_dimensions)))

    @cached_property
    def column_label_sets(self) -> frozenset[tuple[str, ...]]:
        if self.columns is not None:
            return frozenset(self.columns)
        return frozenset(itertools.product(*(dimension.labels for dimension in self.column_dimensions)))

    @property
    def data_row(self) -> str:
        """The shape of a data row, for messages."""
        fields = ["Stichtag"] if self.stichtag_in == "row" else []
        fields += ["Schlüssel", "Name", *(dimension.title for dimension in self.row_dimensions)]
        return ";".join([*fields, f"<{len(self.column_label_sets)} Werte>"])

    @property
    def stichtag_text(self) -> str:
        return f"{self.stichtag[0]:02d}.{self.stichtag[1]:02d}."


class DatencsvRow(NamedTuple):
    """One data row of an export: an area at a Stichtag with its row labels (canonical) and its values.

    A named tuple, not a frozen dataclass: a file has one per data row, and a tuple is built in a third
    of the time (0.7 against 2.3 µs)."""

    line: int
    stichtag: date
    area_key: str
    area_name: str
    labels: tuple[str, ...]
    values: tuple[int | None, ...]
    statuses: tuple[str, ...]


@dataclass
class FileDescription:
    """What an export says about itself (line 1, title, header's unit, footer), as read."""

    table_code: str | None = None
    title: str = ""
    regionale_tiefe: str | None = None
    unit: str | None = None
    made_at: str | None = None  # footer: `Stand: …` / `created: …`
