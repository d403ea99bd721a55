"""Reader for Bundesagentur für Arbeit workbooks (.xlsx): SGB II and Arbeitslose by Gemeinde.

A BA workbook has a title block (with the reporting month, "Berichtsmonat: Dezember 2023"), a
header of several rows (group labels over column labels, often merged cells), data rows, then
footnotes. The layout changes between years: each known layout is declared below by its header
labels, and the reader takes the layout whose labels the workbook carries; a workbook that matches
none is an error, never a guess. `*` marks a value the BA suppressed (small numbers), `-` nothing.
"""

from __future__ import annotations

import calendar
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter

from ingest import limits_in_effect
from ingest.archive import verify_archive
from ingest.errors import LayoutError, ValueFormatError
from ingest.limits import Limits

MONTH_NAMES = (
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
)
MONTHS = {name: number for number, name in enumerate(MONTH_NAMES, start=1)}
BERICHTSMONAT = re.compile(r"Berichtsmonat:?\s+(\w+)\s+(\d{4})")
KEY_AND_NAME = re.compile(r"^(\d{2}(?:\d{3}|\d{6})?)\s+(.+)$")
FOOTNOTE = re.compile(r"^(©|\*\)|Quelle|Hinweis|Fußnote|1\))")


@dataclass(frozen=True)
class BaLayout:
    """A workbook layout: the header's labels per column (group label, column label) and which
    column holds the area and each measure of the shared vocabulary."""

    name: str
    header: tuple[tuple[str, str], ...]
    key_column: int  # 0-based
    name_column: int | None  # None: key and name share one cell ("05913000 Dortmund, Stadt")
    measures: dict[str, int]


LAYOUTS = (
    BaLayout(
        name="ba_gemeinden_2019",
        header=(
            ("Regionalschlüssel", ""),
            ("Gemeinde", ""),
            ("Bedarfsgemeinschaften", "insgesamt"),
            ("Regelleistungsberechtigte", "insgesamt"),
            ("Regelleistungsberechtigte", "erwerbsfähige Leistungsberechtigte"),
            ("Regelleistungsberechtigte", "nicht erwerbsfähige Leistungsberechtigte unter 15 Jahren"),
            ("Arbeitslose", "SGB II"),
            ("Arbeitslose", "SGB III"),
            ("Arbeitslose", "unter 25 Jahren"),
        ),
        key_column=0,
        name_column=1,
        measures={
            "sgb2_bedarfsgemeinschaften": 2,
            "sgb2_regelleistungsberechtigte": 3,
            "sgb2_elb": 4,
            "sgb2_nef_unter_15": 5,
            "arbeitslose_sgb2": 6,
            "arbeitslose_sgb3": 7,
            "arbeitslose_unter_25": 8,
        },
    ),
    BaLayout(
        name="ba_gemeinden_2021",
        header=(
            ("Gemeinde", ""),
            ("Arbeitslose", "insgesamt SGB III"),
            ("Arbeitslose", "insgesamt SGB II"),
            ("Arbeitslose", "darunter unter 25 Jahre"),
            ("Grundsicherung für Arbeitsuchende (SGB II)", "Bedarfsgemeinschaften"),
            ("Grundsicherung für Arbeitsuchende (SGB II)", "Regelleistungsberechtigte"),
            ("Grundsicherung für Arbeitsuchende (SGB II)", "davon erwerbsfähige Leistungsberechtigte"),
            ("Grundsicherung für Arbeitsuchende (SGB II)", "davon nicht erwerbsfähige Leistungsberechtigte"),
            ("Grundsicherung für Arbeitsuchende (SGB II)", "darunter nicht erwerbsfähige unter 15 Jahren"),
        ),
        key_column=0,
        name_column=None,
        measures={
            "arbeitslose_sgb3": 1,
            "arbeitslose_sgb2": 2,
            "arbeitslose_unter_25": 3,
            "sgb2_bedarfsgemeinschaften": 4,
            "sgb2_regelleistungsberechtigte": 5,
            "sgb2_elb": 6,
            "sgb2_nef_unter_15": 8,
        },
    ),
)


@dataclass(frozen=True)
class BaRow:
    line: int  # the worksheet row
    column: int  # the worksheet column, 1-based
    berichtsmonat: date
    area_key: str
    area_name: str
    measure: str
    anzahl: int | None
    status: str


def _text(value: object) -> str:
    return " ".join(str(value).split()) if value is not None else ""


class BaWorkbook:
    def __init__(self, path: Path, limits: Limits | None = None):
        self.path = path
        # what reading may cost (ingest/limits.py): those of the ingest in progress unless given
        self.limits = limits or limits_in_effect.active()
        self.layout: BaLayout | None = None  # known once the header is read
        self._header_line = 0

    def rows(self) -> Iterator[BaRow]:
        # An .xlsx is a ZIP that openpyxl inflates beyond our reach: prove it harmless first. A file
        # that is no ZIP at all is openpyxl's to reject, in its words, below.
        if zipfile.is_zipfile(self.path):
            verify_archive(self.path, self.limits)
        try:
            workbook = openpyxl.load_workbook(self.path, read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises several kinds for a file that is no xlsx
            raise LayoutError(self.path.name, f"not a readable .xlsx workbook: {error}") from error
        try:
            sheet = workbook.worksheets[0]
            grid = sheet.iter_rows(values_only=True)
            month, header_row = self._title_block(grid)
            layout, labels = self._layout(grid, header_row)
            self.layout = layout
            yield from self._data(grid, layout, labels, month, self._header_line + 2)
        finally:
            workbook.close()

    def _title_block(self, grid: Iterator[tuple]) -> tuple[date, list[object]]:
        month = None
        for number, cells in enumerate(grid, start=1):
            texts = [_text(cell) for cell in cells]
            for text in texts:
                if match := BERICHTSMONAT.search(text):
                    if match.group(1) not in MONTHS:
                        raise LayoutError(self.path.name, f"unknown month '{match.group(1)}'", row=number)
                    year, month_number = int(match.group(2)), MONTHS[match.group(1)]
                    month = date(year, month_number, calendar.monthrange(year, month_number)[1])
            if texts and texts[0] in {layout.header[0][0] for layout in LAYOUTS}:
                if month is None:
                    raise LayoutError(self.path.name, "no 'Berichtsmonat: <Monat> <Jahr>' above the header")
                self._header_line = number
                return month, list(cells)
        raise LayoutError(
            self.path.name, "no header row (first cell 'Regionalschlüssel' or 'Gemeinde') found"
        )

    def _layout(self, grid: Iterator[tuple], group_row: list[object]) -> tuple[BaLayout, list[str]]:
        column_row = list(next(grid, None) or ())
        column_row += [None] * (len(group_row) - len(column_row))
        header: list[tuple[str, str]] = []
        for group_cell, column_cell in zip(group_row, column_row, strict=False):
            label = _text(column_cell)
            # a merged group cell is empty right of its first column: its sub-columns inherit it
            group = _text(group_cell) or (header[-1][0] if label and header else "")
            header.append((group, label))
        while header and header[-1] == ("", ""):
            header.pop()
        for layout in LAYOUTS:
            if tuple(header) == layout.header:
                return layout, [" / ".join(part for part in pair if part) for pair in layout.header]
        raise LayoutError(
            self.path.name,
            f"header {header} matches no known BA layout ({', '.join(layout.name for layout in LAYOUTS)})",
            row=self._header_line,
        )

    def _data(
        self, grid: Iterator[tuple], layout: BaLayout, labels: list[str], month: date, first: int
    ) -> Iterator[BaRow]:
        seen = False
        for number, cells in enumerate(grid, start=first):
            first_text = _text(cells[0]) if cells else ""
            if not first_text or FOOTNOTE.match(first_text):
                if seen:
                    return
                continue  # blank rows between header and data
            key, name = self._area(cells, layout, number)
            seen = True
            for measure, position in layout.measures.items():
                anzahl, status = self._count(
                    cells[position] if position < len(cells) else None, number, position, labels
                )
                yield BaRow(number, position + 1, month, key, name, measure, anzahl, status)
        if not seen:
            raise LayoutError(self.path.name, "the workbook has no data rows")

    def _area(self, cells: tuple, layout: BaLayout, number: int) -> tuple[str, str]:
        raw = cells[layout.key_column]
        if layout.name_column is not None:
            key = f"{raw:08d}" if isinstance(raw, int) else _text(raw)
            return key, _text(cells[layout.name_column])
        match = KEY_AND_NAME.match(_text(raw))
        if not match:
            raise LayoutError(
                self.path.name,
                f"'{_text(raw)}' is not '<Schlüssel> <Name>'",
                row=number,
                column="A (Gemeinde)",
            )
        return match.group(1), match.group(2)

    @staticmethod
    def _column(position: int, labels: list[str]) -> str:
        return f"{get_column_letter(position + 1)} ({labels[position]})"

    def _count(self, value: object, number: int, position: int, labels: list[str]) -> tuple[int | None, str]:
        if isinstance(value, int) and value >= 0:
            return value, "ok"
        text = _text(value)
        if text == "*":
            return None, "suppressed"
        if text == "-":
            return 0, "nil"
        if text.isdigit():
            return int(text), "ok"
        raise ValueFormatError(
            self.path.name,
            f"'{text}' is neither a count nor '*' or '-'",
            row=number,
            column=self._column(position, labels),
        )
