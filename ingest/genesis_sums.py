"""Which cells of a GENESIS table are sums of which, and the check of all of them at once.

Apart from the content rules (`ingest/genesis_integrity.py`, which says what a broken sum means and
words the finding) because this is where reading a datencsv file spent most of its time: an area of
12411-03-03-4 has 198 cells and 141 sums over them (Nationalität and Geschlecht in each row, the 21 age
groups in each column), and checked cell by cell they took 3.2 of the 4.8 s that reading the x10
sample's 100 files of that table took. Here an area's values are one flat list, and each dimension's
sums are added with list operations that run in C; only where a sum does not hold, or a cell is a
symbol, are the sums walked one by one.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from operator import sub

from ingest.genesis_format import DatencsvLayout, Dimension

Labels = tuple[str, ...]


@dataclass(frozen=True)
class Sums:
    """Totals and their parts as positions in a flat list of values: `parts[k][i]` is the k-th part of
    the total at `totals[i]`. `remainder`: the parts may fall short of the total (`Dimension.remainder`)."""

    totals: Sequence[int]
    parts: Sequence[Sequence[int]]
    remainder: bool = False

    def failing(self, values: list[int | None], tolerance: float) -> Iterator[tuple[int, int, int]]:
        """(position, total, sum of its parts) of each total off by more than `tolerance`, in the order
        of `totals`. A sum with a symbol among its cells (None: unknown, secret, later) is not checked."""
        if not self.totals:
            return
        if None in values:
            yield from self._one_by_one(values, tolerance)
            return
        get = values.__getitem__
        added = list(map(sum, zip(*(map(get, part) for part in self.parts), strict=True)))
        differences = list(map(sub, added, map(get, self.totals)))
        if max(differences) <= tolerance and (self.remainder or min(differences) >= -tolerance):
            return  # the usual case: every sum holds
        for index, difference in enumerate(differences):
            if difference > tolerance or (difference < -tolerance and not self.remainder):
                total = self.totals[index]
                yield total, values[total], added[index]  # type: ignore[misc]

    def _one_by_one(self, values: list[int | None], tolerance: float) -> Iterator[tuple[int, int, int]]:
        for index, position in enumerate(self.totals):
            total = values[position]
            parts = [values[part[index]] for part in self.parts]
            if total is None or None in parts:
                continue
            added = sum(parts)  # type: ignore[arg-type]
            if self.remainder and added <= total:
                continue  # the rest are people the parts do not list
            if abs(added - total) > tolerance:
                yield position, total, added


def block_sums(
    layout: DatencsvLayout, columns: tuple[Labels, ...], order: Sequence[Labels]
) -> tuple[tuple[Dimension, Sums], ...]:
    """For one area at one Stichtag whose rows carry the row labels `order` (in file order), the sums
    along each dimension: the column dimensions first (within a row), then the row dimensions. Values
    are flat: row by row, column by column, which is also the order the findings are reported in. A
    total whose parts are not all columns of the table is not a sum (22151 does not split its
    nationality columns by age)."""
    n_rows = len(layout.row_dimensions)
    cells = itertools.product(order, columns)
    cell = {(*labels, *column): index for index, (labels, column) in enumerate(cells)}
    positions = list(enumerate(layout.dimensions))
    found = []
    for position, dimension in positions[n_rows:] + positions[:n_rows]:
        checks = []
        for key, index in cell.items():
            if key[position] != dimension.total:
                continue
            parts = [cell.get((*key[:position], part, *key[position + 1 :])) for part in dimension.parts]
            if None not in parts:
                checks.append((index, parts))
        sums = Sums(
            totals=[index for index, _ in checks],
            parts=[list(part) for part in zip(*(parts for _, parts in checks), strict=True)],
            remainder=dimension.remainder,
        )
        found.append((dimension, sums))
    return tuple(found)
