"""The layouts of the official tables the platform reads, by name (the registry refers to them)."""

from __future__ import annotations

import csv
from functools import cache

from ingest.genesis import DatencsvLayout
from ingest.geography import SEEDS_DIR

_NATIONALITAET = ("Insgesamt",) * 3 + ("Deutsche",) * 3 + ("Ausländer",) * 3
_GESCHLECHT = ("Insgesamt", "männlich", "weiblich") * 3


@cache
def altersgruppen() -> frozenset[str]:
    """The 21 age groups of table 12411-03-03-4 plus their total row, from the dbt seed."""
    with (SEEDS_DIR / "genesis_altersgruppen.csv").open(encoding="utf-8", newline="") as handle:
        return frozenset(row["altersgruppe"] for row in csv.DictReader(handle)) | {"Insgesamt"}


@cache
def layout(name: str) -> DatencsvLayout:
    layouts = {
        # Bevölkerung nach Geschlecht, Nationalität und Altersgruppen - Stichtag 31.12.
        "bevoelkerung_12411": DatencsvLayout(
            table_code="12411-03-03-4",
            row_labels=(("altersgruppe", altersgruppen()),),
            column_dimensions=("nationalitaet", "geschlecht"),
            column_headers=(_NATIONALITAET, _GESCHLECHT),
        ),
    }
    try:
        return layouts[name]
    except KeyError:
        raise KeyError(f"unknown GENESIS layout '{name}'; known: {', '.join(sorted(layouts))}") from None
