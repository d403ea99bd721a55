"""The content rules of a GENESIS table, checked while its rows stream past.

Every total a file carries must equal the sum of its parts within the source's rounding: along each
dimension (age groups and `Insgesamt`, `männlich` + `weiblich`, `Deutsche` + `Ausländer`) and, where the
table sums areas exactly, along the regional hierarchy (Deutschland and its Länder, a Land and its
Regierungsbezirke, a Kreis and its Gemeinden). Every area must carry every row label of its table once.
A key delivered twice is an error, whether with the same values or others: which row is meant cannot be
told, and a duplicate would be counted twice.

These rules stop a file where they concern an area the platform loads (the Ruhr and its reference
areas). Elsewhere a broken rule cannot change a published figure, and real official tables do break them:
the regionalstatistik download of 22151-01-01-4 (Stand 10.10.2017) gives Regierungsbezirk Stuttgart for
31.12.2013 1,914 male and 3,875 female foreign recipients under a total of 6,674. There the finding is a
warning in the file's report, and the file loads.

Which cells are sums of which, and the adding up, is `ingest/genesis_sums.py`; here is what a broken
rule means and how it is worded.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

from ingest.errors import DuplicateKeyError, IncompleteAreaError, SourceError, SourceProblem, TotalsError
from ingest.genesis_format import DatencsvLayout, DatencsvRow, Dimension
from ingest.genesis_sums import Labels, Sums, block_sums

MAX_WARNINGS = 20


@dataclass
class Block:
    """The rows of one area at one Stichtag, collected to check them together; `values` are its cells
    row by row, column by column, once the block is complete."""

    stichtag: date
    area_key: str
    area_name: str
    first_line: int
    rows: list[DatencsvRow] = field(default_factory=list)
    values: list[int | None] = field(default_factory=list)

    def where(self) -> str:
        return f"area {self.area_key} ({self.area_name}), Stichtag {self.stichtag:%d.%m.%Y}"


class Integrity:
    """Checks one file's rows as they are read. `rounding(stichtag)` is the source's rounding base at that
    date (0: exact counts); `hierarchy` maps a parent key to the keys that must add up to it."""

    def __init__(
        self,
        file: str,
        layout: DatencsvLayout,
        columns: tuple[Labels, ...],
        rounding: Callable[[date], int],
        hierarchy: Mapping[str, tuple[str, ...]],
        loaded: Callable[[str], bool],
    ):
        self.file, self.layout, self.columns = file, layout, columns
        self.rounding, self.hierarchy, self.loaded = rounding, hierarchy, loaded
        self.warnings: list[SourceProblem] = []
        self._findings_elsewhere = 0
        self._seen: dict[tuple[date, str, Labels], DatencsvRow] = {}
        self._block: Block | None = None
        self._in_hierarchy = set(hierarchy) | {child for children in hierarchy.values() for child in children}
        self._kept: dict[tuple[date, str], Block] = {}
        # the sums of an area, per order of its rows (in practice one order for the whole file)
        self._sums: dict[tuple[Labels, ...], tuple[tuple[Dimension, Sums], ...]] = {}

    def _found(self, area_key: str, error: SourceError) -> None:
        """Raise a finding about a loaded area; note one about another area as a warning."""
        if self.loaded(area_key):
            raise error
        self._findings_elsewhere += 1
        if self._findings_elsewhere <= MAX_WARNINGS:
            self.warnings.append(error.problem)

    def accept(self, row: DatencsvRow) -> None:
        """Take one row."""
        key = (row.stichtag, row.area_key, row.labels)
        if (earlier := self._seen.get(key)) is not None:
            same = (
                "the same values"
                if (earlier.values, earlier.statuses) == (row.values, row.statuses)
                else "different values"
            )
            error = DuplicateKeyError(
                self.file,
                f"area {row.area_key} ({row.area_name}), Stichtag {row.stichtag:%d.%m.%Y}"
                f"{self._labels_text(row.labels)} is delivered twice, with {same}: rows {earlier.line} and "
                f"{row.line}",
                row=row.line,
                column=f"{self.layout.key_field + 1} (Schlüssel)",
            )
            self._found(row.area_key, error)
            return
        self._seen[key] = row
        block = self._block
        if block is None or (block.stichtag, block.area_key) != (row.stichtag, row.area_key):
            if block is not None:
                self._finish(block)
            block = self._block = Block(row.stichtag, row.area_key, row.area_name, row.line)
        block.rows.append(row)

    def close(self) -> None:
        """The last area's checks and the hierarchy's, once every row has been read."""
        if self._block is not None:
            self._finish(self._block)
            self._block = None
        self._check_hierarchy()
        if self._findings_elsewhere > MAX_WARNINGS:
            self.warnings.append(
                SourceProblem(
                    self.file,
                    "totals",
                    f"{self._findings_elsewhere - MAX_WARNINGS} more findings about areas outside the Ruhr",
                )
            )

    def _labels_text(self, labels: Labels) -> str:
        return "".join(
            f", {dimension.title} '{label}'"
            for dimension, label in zip(self.layout.row_dimensions, labels, strict=True)
        )

    def _finish(self, block: Block) -> None:
        layout = self.layout
        if len(block.rows) < len(layout.row_label_sets):  # a block's labels are distinct: see accept
            missing = layout.row_label_sets - {row.labels for row in block.rows}
            names = "; ".join(" / ".join(labels) for labels in sorted(missing)[:5])
            error = IncompleteAreaError(
                self.file,
                f"{block.where()}: {len(missing)} of {len(layout.row_label_sets)} rows missing ({names}); "
                "an area's rows must be complete and together",
                row=block.first_line,
                column=f"{layout.key_field + 3} ({', '.join(d.name for d in layout.row_dimensions)})",
            )
            self._found(block.area_key, error)
            return
        block.values = [value for row in block.rows for value in row.values]
        order = tuple(row.labels for row in block.rows)
        if order not in self._sums:
            self._sums[order] = block_sums(layout, self.columns, order)
        # the sums within a row first (the column dimensions), so that a wrong cell is named in its own row
        for dimension, sums in self._sums[order]:
            tolerance = self._tolerance(block.stichtag, len(dimension.parts))
            for index, total, added in sums.failing(block.values, tolerance):
                what = f"{dimension.title} '{dimension.total}'"
                self._report(block, index, total, added, tolerance, what)
        if block.area_key in self._in_hierarchy:
            self._kept[(block.stichtag, block.area_key)] = block

    def _tolerance(self, stichtag: date, n_parts: int) -> float:
        """Rounded cells: each part and the total may be off by half the rounding base."""
        return self.rounding(stichtag) / 2 * (n_parts + 1)

    def _check_hierarchy(self) -> None:
        stichtage = sorted({stichtag for stichtag, _ in self._kept})
        for stichtag, (parent, children) in itertools.product(stichtage, self.hierarchy.items()):
            whole = self._kept.get((stichtag, parent))
            parts = [self._kept.get((stichtag, child)) for child in children]
            if whole is None or not parts or any(part is None for part in parts):
                continue  # checked only where the file holds the parent and every child
            values = list(whole.values)
            for part in parts:
                by_labels = {row.labels: row.values for row in part.rows}  # type: ignore[union-attr]
                values += [value for row in whole.rows for value in by_labels[row.labels]]
            size = len(whole.values)
            sums = Sums(range(size), [range(size * k, size * (k + 1)) for k in range(1, len(parts) + 1)])
            what = f"the sum of its {len(parts)} parts in this file ({', '.join(children[:4])}" + (
                ", …)" if len(children) > 4 else ")"
            )
            tolerance = self._tolerance(stichtag, len(parts))
            for index, total, added in sums.failing(values, tolerance):
                self._report(whole, index, total, added, tolerance, what, parts_named=True)

    def _report(
        self,
        block: Block,
        index: int,
        total: int,
        added: int,
        tolerance: float,
        what: str,
        *,
        parts_named: bool = False,
    ) -> None:
        """A total of `block` (its cell `index`, row by row) that its parts do not add up to."""
        row, value_column = divmod(index, len(self.columns))
        line, labels = block.rows[row].line, (*block.rows[row].labels, *self.columns[value_column])
        column = self.layout.n_label_fields + 1 + value_column
        rounding = f" (the source's rounding allows {tolerance:g})" if tolerance else ""
        message = (
            f"{block.where()}: {total}, but {what} add up to {added}{rounding}"
            if parts_named
            else f"{block.where()}: {what} is {total}, but its parts add up to {added}{rounding}"
        )
        self._found(
            block.area_key,
            TotalsError(self.file, message, row=line, column=f"{column} ({' / '.join(labels)})"),
        )
