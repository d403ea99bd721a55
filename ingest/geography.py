"""The Ruhr geography as the ingest side needs it: which area keys to keep, skip or reject.

The keys come from the dbt seeds (`dbt_project/seeds/`), the one place the geography is defined.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

SEEDS_DIR = Path(__file__).resolve().parents[1] / "dbt_project" / "seeds"


class AreaDecision(Enum):
    KEEP = "keep"
    SKIP = "skip"
    UNKNOWN_RUHR_KEY = "unknown_ruhr_key"


@dataclass(frozen=True)
class RuhrGeography:
    kreis_keys: frozenset[str]
    gemeinde_keys: frozenset[str]
    reference_keys: frozenset[str]

    @classmethod
    def from_seeds(cls, seeds_dir: Path = SEEDS_DIR) -> RuhrGeography:
        def column(file: str, name: str) -> frozenset[str]:
            with (seeds_dir / file).open(encoding="utf-8", newline="") as handle:
                return frozenset(row[name] for row in csv.DictReader(handle))

        return cls(
            kreis_keys=column("ruhr_kreise.csv", "kreis_ags"),
            gemeinde_keys=column("ruhr_gemeinden.csv", "ags"),
            reference_keys=column("referenzgebiete.csv", "area_id"),
        )

    def decide(self, key: str) -> AreaDecision:
        """Keep the Ruhr's Kreise and Gemeinden and the reference areas; skip the rest of Germany.

        A key below a Ruhr Kreis that the seed does not list (a new Gemeinde, a typo, a 9-digit
        Gemeindeverband) must not vanish silently: it is reported as unknown.
        """
        if key in self.kreis_keys or key in self.gemeinde_keys or key in self.reference_keys:
            return AreaDecision.KEEP
        if len(key) > 5 and key[:5] in self.kreis_keys:
            return AreaDecision.UNKNOWN_RUHR_KEY
        return AreaDecision.SKIP
