"""The attacker disclosure control has to defeat, written here independently of the dbt models.

The attacker holds a table of published numerators and the area hierarchy and knows which totals are
exactly the sum of their parts. Repeat until nothing new: a total known and exactly one part unknown
gives that part; every part known gives the total (in one group of a total and its parts: exactly one
member unknown gives it). What it learns about a cell the table hides is a disclosure.

Which groups are exact equations is decided from the true counts (the build warehouse's
`intermediate.int_indicator_values`, before any suppression): a Kreis is the sum of its Gemeinden and
the Ruhr of its Kreise (official statistics, or summed by the platform); a city's small areas add up to
the official Gemeinde total only where their true counts happen to (the city's register is not the
official Fortschreibung), and are assumed to wherever a count is unknown; NRW and Deutschland list only
a part of their parts. A kreisfreie Stadt is one territory as Kreis and as Gemeinde: where the indicator
has no Gemeinde row, its Kreis row stands for the city above the small areas.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

Cell = tuple[str, str, date]  # indicator, area, period
SUM_LEVELS = ("region", "kreis")  # their parts add up exactly
REGISTER_LEVEL = "gemeinde"  # its small areas add up only where the counts do


@dataclass(frozen=True)
class Group:
    total: Cell
    parts: tuple[Cell, ...]

    @property
    def members(self) -> tuple[Cell, ...]:
        return (self.total, *self.parts)


@dataclass(frozen=True)
class Table:
    """Numerators as a reader of the table sees them (None: not published) and which cells are hidden."""

    numerators: dict[Cell, int | None]
    hidden: frozenset[Cell]


def read_table(db: Path, relation: str) -> Table:
    """A fact table as published: a suppressed row shows no numerator (int_indicator_values still holds
    it, so it is blanked here as the publication would)."""
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            f"select indicator_id, area_id, period, numerator, status = 'suppressed' from {relation}"
        ).fetchall()
    return Table(
        {(i, a, p): None if hidden else n for i, a, p, n, hidden in rows},
        frozenset((i, a, p) for i, a, p, _, hidden in rows if hidden),
    )


def exact_groups(build_db: Path) -> list[Group]:
    """Every group of a total and its parts that is an exact equation, per indicator and period."""
    with duckdb.connect(str(build_db), read_only=True) as con:
        rows = con.execute("select area_id, level, parent_id from marts.dim_area").fetchall()
        areas = {area: (level, parent) for area, level, parent in rows}
        truth = {
            (i, a, p): n
            for i, a, p, n in con.execute(
                "select indicator_id, area_id, period, numerator from intermediate.int_indicator_values"
            ).fetchall()
        }
    children: dict[str, list[str]] = defaultdict(list)
    for area, (_, parent) in areas.items():
        if parent is not None:
            children[parent].append(area)
    same_territory = {  # a kreisfreie Stadt's Gemeinde -> its Kreis
        only[0]: kreis for kreis, only in children.items() if areas[kreis][0] == "kreis" and len(only) == 1
    }
    parts: dict[tuple[str, str, date], list[Cell]] = defaultdict(list)
    for cell in truth:
        indicator, area, period = cell
        parent = areas[area][1]
        if parent is not None and areas[parent][0] in (*SUM_LEVELS, REGISTER_LEVEL):
            parts[(indicator, parent, period)].append(cell)
    groups = []
    for (indicator, parent, period), members in parts.items():
        total = (indicator, parent, period)
        if total not in truth and parent in same_territory:
            kreis = (indicator, same_territory[parent], period)
            total = kreis if kreis in truth else total
        if areas[parent][0] == REGISTER_LEVEL:
            counts = [truth.get(total), *(truth[part] for part in members)]
            if None not in counts and counts[0] != sum(counts[1:]):
                continue  # the small areas do not add up to the city: no equation
        groups.append(Group(total, tuple(sorted(members))))
    return groups


def attack(table: Table, groups: list[Group]) -> dict[Cell, int]:
    """What the iterative attacker derives that the table does not show, with the derived counts."""
    known: dict[Cell, int] = {cell: n for cell, n in table.numerators.items() if n is not None}
    derived: dict[Cell, int] = {}
    progress = True
    while progress:
        progress = False
        for group in groups:
            unknown = [cell for cell in group.members if cell not in known]
            if len(unknown) != 1:
                continue
            [cell] = unknown
            parts_sum = sum(known[part] for part in group.parts if part != cell)
            value = parts_sum if cell == group.total else known[group.total] - parts_sum
            known[cell] = derived[cell] = value
            progress = True
    return derived


def disclosed(table: Table, groups: list[Group]) -> dict[Cell, int]:
    """The hidden cells the attack recovers."""
    return {cell: value for cell, value in attack(table, groups).items() if cell in table.hidden}
