"""The delivering bodies (Lieferanten): the 11 kreisfreie Städte and 4 Kreise of the Ruhr.

Municipal data arrives per body — a city's statistics office, a Kreis' Jugendamt or Gesundheitsamt —
so these are the partitions of the sources delivered that way. The list is the `ruhr_kreise` seed,
the one place the geography is defined; `kurzname` is the partition key a person can read.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache

from ingest.geography import SEEDS_DIR


@dataclass(frozen=True)
class Lieferant:
    kurzname: str
    kreis_ags: str
    name: str

    def covers(self, area_key: str) -> bool:
        """Whether an area key (a Gemeinde AGS, or `<AGS>-<code>` of a small area) lies in its territory."""
        return area_key[:5] == self.kreis_ags


@cache
def load_lieferanten() -> tuple[Lieferant, ...]:
    """All delivering bodies in the order of their Kreis keys."""
    with (SEEDS_DIR / "ruhr_kreise.csv").open(encoding="utf-8", newline="") as handle:
        rows = [Lieferant(row["kurzname"], row["kreis_ags"], row["name"]) for row in csv.DictReader(handle)]
    return tuple(sorted(rows, key=lambda lieferant: lieferant.kreis_ags))


def lieferant(kurzname: str) -> Lieferant:
    for candidate in load_lieferanten():
        if candidate.kurzname == kurzname:
            return candidate
    raise KeyError(f"no Kreis or kreisfreie Stadt '{kurzname}' in the ruhr_kreise seed")


def lieferant_of_area(area_key: str) -> Lieferant:
    """The body whose territory holds an AGS (a city mapping's `ags`, for instance)."""
    for candidate in load_lieferanten():
        if candidate.covers(area_key):
            return candidate
    raise KeyError(f"'{area_key}' lies in no Kreis or kreisfreie Stadt of the Ruhr")
