"""The value columns of a GENESIS datencsv export, read from its header rows.

Apart from the reader (`ingest/genesis.py`) because the header is a puzzle of its own: labels of several
dimensions in one row, captions, a row of units and empty cells that mean two different things; what it
yields is one tuple of labels per value column, checked against the table's layout.
"""

from __future__ import annotations

from collections.abc import Sequence

from ingest.errors import DescriptionError, LayoutError, SourceError
from ingest.genesis_format import UNIT_WORDS, DatencsvLayout, Dimension, FileDescription, normalise_label


class ColumnMap:
    """Each value column's labels, read from the header rows by content.

    A header cell's label tells its dimension (`Insgesamt`, shared by all, belongs to the dimension of the
    row's first other label); a cell naming a dimension itself (`Altersgruppe` over the age groups of
    22121-01-03-4, in a row of other dimensions' labels) is a caption. An empty cell is read two ways, as
    real exports use both: as the total of the row's dimension (22151 leaves the age group empty over its
    nationality columns) or as the label on its left (a merged cell); the reading that yields exactly the
    table's columns is taken. A row of units is checked against the layout and noted in `description`.
    """

    def __init__(
        self,
        layout: DatencsvLayout,
        file_name: str,
        description: FileDescription,
        header: list[tuple[int, list[str]]],
        first_data_line: int,
    ):
        self.layout, self.file_name, self.description = layout, file_name, description
        self.header, self.first_data_line = header, first_data_line

    def _fail(self, message: str, row: int, column: str | None = None) -> SourceError:
        return LayoutError(self.file_name, message, row=row, column=column)

    def columns(self) -> tuple[tuple[str, ...], ...]:
        layout = self.layout
        if not self.header:
            raise self._fail(
                "expected header rows naming the value columns "
                f"({', '.join(d.title for d in layout.column_dimensions)}) above the data",
                row=self.first_data_line,
            )
        rows = self._label_rows()
        failures: list[SourceError] = []
        for fill_from_left in (False, True):
            try:
                return self._read(rows, fill_from_left)
            except SourceError as error:
                failures.append(error)
        raise failures[0]

    def _label_rows(self) -> list[tuple[int, list[str]]]:
        """Header rows as label cells (value columns only), without units rows."""
        layout = self.layout
        width = max(len(fields) for _, fields in self.header)
        while width > layout.n_label_fields and not any(
            len(fields) >= width and fields[width - 1].strip() for _, fields in self.header
        ):
            width -= 1  # exports pad lines with trailing separators
        n_columns = width - layout.n_label_fields
        rows = []
        for line, fields in self.header:
            cells = [normalise_label(cell) for cell in fields[layout.n_label_fields : width]]
            cells += [""] * (n_columns - len(cells))
            found = {cell.casefold() for cell in cells if cell}
            if len(found) == 1 and (unit := UNIT_WORDS.get(next(iter(found)))) is not None:
                self.description.unit = unit
                if unit != layout.unit:
                    raise DescriptionError(
                        self.file_name,
                        f"the header gives the unit '{unit}'; table {layout.table_code} counts "
                        f"'{layout.unit}'",
                        row=line,
                    )
                continue  # the row of units
            rows.append((line, cells))
        return rows

    def _dimension_of(self, label: str) -> Dimension | None:
        matches = [d for d in self.layout.column_dimensions if d.canonical(label) not in (None, d.total)]
        return matches[0] if len(matches) == 1 else None

    def _read(self, rows: list[tuple[int, list[str]]], fill_from_left: bool) -> tuple[tuple[str, ...], ...]:
        layout = self.layout
        dimensions = layout.column_dimensions
        captions = {dimension.title.casefold() for dimension in dimensions}
        n_columns = len(rows[0][1]) if rows else 0
        named: list[dict[str, str]] = [{} for _ in range(n_columns)]
        for line, cells in rows:
            first = next((d for cell in cells if cell and (d := self._dimension_of(cell))), None)
            if first is None:
                continue  # a caption row, e.g. "Altersgruppen (unter 3 bis 75 u.m.)"
            left: tuple[Dimension, str] | None = None
            for index, cell in enumerate(cells):
                if cell.casefold() in captions:
                    left = None  # the dimension's name over its labels (22121: "Altersgruppe"), no label
                    continue
                if not cell:
                    if fill_from_left and left is not None:
                        named[index][left[0].name] = left[1]
                    continue
                dimension = self._dimension_of(cell) or (first if first.canonical(cell) else None)
                if dimension is None:
                    raise self._fail(
                        f"header label '{cell[:40]}' is no label of table {layout.table_code} (expected one "
                        f"of: {', '.join(label for d in dimensions for label in d.labels)})",
                        row=line,
                        column=str(layout.n_label_fields + index + 1),
                    )
                label = dimension.canonical(cell)
                assert label is not None
                named[index][dimension.name] = label
                left = (dimension, label)
        columns = tuple(tuple(column.get(d.name, d.total) for d in dimensions) for column in named)
        self._check(columns, rows[-1][0] if rows else self.header[-1][0])
        return columns

    def _check(self, columns: Sequence[tuple[str, ...]], line: int) -> None:
        layout = self.layout
        seen: dict[tuple[str, ...], int] = {}
        for index, column in enumerate(columns):
            if column in seen or column not in layout.column_label_sets:
                problem = (
                    f"repeats column {layout.n_label_fields + seen[column] + 1}"
                    if column in seen
                    else f"is no column of table {layout.table_code}"
                )
                raise self._fail(
                    f"value column {layout.n_label_fields + index + 1} ({' / '.join(column)}) {problem}",
                    row=line,
                    column=str(layout.n_label_fields + index + 1),
                )
            seen[column] = index
        missing = sorted(layout.column_label_sets - set(columns))
        if missing:
            raise self._fail(
                f"table {layout.table_code} has {len(layout.column_label_sets)} value columns, the header "
                f"names {len(columns)}; missing: {'; '.join(' / '.join(column) for column in missing[:5])}",
                row=line,
            )
