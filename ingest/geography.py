"""The Ruhr geography as the ingest side needs it: which area keys to keep, skip or reject, and the
official name and level of a key.

Two sources. The dbt seeds (`dbt_project/seeds/`) are the one place the Ruhr is defined: its 53
Gemeinden, 15 Kreise and the reference areas. The key directory `ingest/reference/gebietsverzeichnis.csv`
lists official German keys (Bund, Länder, Regierungsbezirke, Kreise, the Gemeinden of NRW; where each
row comes from: `ingest/reference/README.md`), so that a key nobody issued is told apart from a real
key outside the Ruhr.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

SEEDS_DIR = Path(__file__).resolve().parents[1] / "dbt_project" / "seeds"
DIRECTORY_PATH = Path(__file__).resolve().parent / "reference" / "gebietsverzeichnis.csv"

# Official keys: Land (2), Regierungsbezirk (3), Kreis (5), GENESIS Verbandsgemeinde (7), AGS (8),
# Gemeindeverband of the Regionalschlüssel (9), GENESIS Gemeinde in a Verband (10, 11), ARS (12).
KEY_LENGTHS = frozenset({2, 3, 5, 7, 8, 9, 10, 11, 12})
LAENDER = frozenset(f"{number:02d}" for number in range(1, 17))
LEVEL_OF_LENGTH = {2: "Land", 3: "Regierungsbezirk", 5: "Kreis", 8: "Gemeinde"}
NRW = "05"


class AreaDecision(Enum):
    KEEP = "keep"  # a Ruhr Kreis or Gemeinde, or a reference area (DG, 05)
    SKIP = "skip"  # an official key outside the Ruhr: counted, not loaded
    UNLISTED = "unlisted"  # outside NRW, of an official shape, not in the directory: skipped and reported
    NOT_OFFICIAL = "not_official"  # no official German key: the file must be quarantined


@dataclass(frozen=True)
class DirectoryEntry:
    name: str
    ebene: str


def read_directory(path: Path = DIRECTORY_PATH) -> dict[str, DirectoryEntry]:
    """The key directory: key -> official name and level (bund, land, regierungsbezirk, kreis, gemeinde)."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle)
        return {row["schluessel"]: DirectoryEntry(row["name"], row["ebene"]) for row in rows}


def has_official_shape(key: str) -> bool:
    """Digits only, of a length some official key system uses, starting with a Land; or Deutschland."""
    return key == "DG" or (key.isdigit() and len(key) in KEY_LENGTHS and key[:2] in LAENDER)


@dataclass(frozen=True)
class RuhrGeography:
    kreis_keys: frozenset[str]
    gemeinde_keys: frozenset[str]
    reference_keys: frozenset[str]
    # key -> name and level: the directory's where it lists the key, else the seeds'
    entries: Mapping[str, DirectoryEntry] = field(default_factory=dict, compare=False, repr=False)
    directory_keys: frozenset[str] = frozenset()
    # (Land, key length) pairs the directory lists completely: there, a key it lacks is no official key
    authoritative: frozenset[tuple[str, int]] = frozenset()
    # Gemeinden of the Ruhr's Kreise (kreisfreie Städte: none), for the sums a table must keep
    gemeinden_of: Mapping[str, tuple[str, ...]] = field(default_factory=dict, compare=False, repr=False)
    # the decisions made so far, by key: every row of a file repeats its area's key, and a GENESIS row is
    # decided twice (the key check, the filter): 2.4 million decisions of a few hundred keys at x100
    _decided: dict[str, AreaDecision] = field(default_factory=dict, init=False, compare=False, repr=False)

    @classmethod
    def from_seeds(cls, seeds_dir: Path = SEEDS_DIR, directory: Path = DIRECTORY_PATH) -> RuhrGeography:
        def rows(file: str) -> list[dict[str, str]]:
            with (seeds_dir / file).open(encoding="utf-8", newline="") as handle:
                return list(csv.DictReader(handle))

        gemeinden, kreise = rows("ruhr_gemeinden.csv"), rows("ruhr_kreise.csv")
        references = rows("referenzgebiete.csv")
        official = read_directory(directory)
        entries = {row["ags"]: DirectoryEntry(row["name"], "gemeinde") for row in gemeinden}
        entries.update({row["kreis_ags"]: DirectoryEntry(row["name"], "kreis") for row in kreise})
        entries.update({row["area_id"]: DirectoryEntry(row["name"], row["level"]) for row in references})
        entries.update(official)
        return cls(
            kreis_keys=frozenset(row["kreis_ags"] for row in kreise),
            gemeinde_keys=frozenset(row["ags"] for row in gemeinden),
            reference_keys=frozenset(row["area_id"] for row in references),
            entries=entries,
            directory_keys=frozenset(official),
            authoritative=frozenset((key[:2], len(key)) for key in official if key != "DG"),
            gemeinden_of={
                row["kreis_ags"]: tuple(
                    sorted(g["ags"] for g in gemeinden if g["kreis_ags"] == row["kreis_ags"])
                )
                for row in kreise
                if row["kreis_typ"] != "kreisfreie Stadt"
            },
        )

    def decide(self, key: str) -> AreaDecision:
        decision = self._decided.get(key)
        if decision is None:
            decision = self._decided[key] = self._decide(key)
        return decision

    def _decide(self, key: str) -> AreaDecision:
        """Keep the Ruhr's Kreise and Gemeinden and the reference areas; skip the rest of Germany; reject
        a key that no statistical office issued.

        A key below a Ruhr Kreis that the seed does not list (a typo, a shifted key, a 9-digit
        Gemeindeverband) must not vanish as "outside the Ruhr": it is not one of the Ruhr's keys. In NRW,
        whose keys have not changed since 2009 and which the directory lists whole (historic keys that
        real files still print included), and among the Länder, a key the directory lacks was never
        issued. Elsewhere the directory lists Regierungsbezirke and Kreise as of 2015 and a few since,
        but real files print keys it cannot know (the current Kreis tables print 150 for Sachsen-Anhalt,
        02000 Hamburg): a key of official shape it lacks there is skipped and reported, not rejected.
        """
        if key in self.kreis_keys or key in self.gemeinde_keys or key in self.reference_keys:
            return AreaDecision.KEEP
        if not has_official_shape(key) or self._below_ruhr_kreis(key):
            return AreaDecision.NOT_OFFICIAL
        if (key[:2], len(key)) in self.authoritative and key not in self.directory_keys:
            return AreaDecision.NOT_OFFICIAL if key[:2] == NRW or len(key) == 2 else AreaDecision.UNLISTED
        return AreaDecision.SKIP

    def hierarchy(self, adds_up: frozenset[str]) -> dict[str, tuple[str, ...]]:
        """Areas that must add up to another in a table that sums these levels exactly (parent -> parts):
        `bund` Deutschland = its 16 Länder, `land` NRW = its Regierungsbezirke, `kreis` each Ruhr Kreis =
        its Gemeinden. Only these: the platform loads nothing else, and checks what it loads."""
        parts: dict[str, tuple[str, ...]] = {}
        if "bund" in adds_up:
            parts["DG"] = tuple(sorted(LAENDER))
        if "land" in adds_up:
            parts[NRW] = tuple(
                sorted(
                    key
                    for key, entry in self.entries.items()
                    if key[:2] == NRW and entry.ebene == "regierungsbezirk"
                )
            )
        if "kreis" in adds_up:
            parts.update(self.gemeinden_of)
        return parts

    def expected_keys(self, regionale_tiefe: str) -> frozenset[str]:
        """The loaded areas a table of this depth must carry: the reference areas and the 15 Kreise, and at
        Gemeinde depth the 42 kreisangehörige Gemeinden (a kreisfreie Stadt is printed by its Kreis key)."""
        keys = self.reference_keys | self.kreis_keys
        if regionale_tiefe == "Gemeinden":
            keys |= frozenset(key for members in self.gemeinden_of.values() for key in members)
        return keys

    def not_official_reason(self, key: str) -> str:
        """Why `decide` rejects a key, as a sentence for whoever delivered the file."""
        if self._below_ruhr_kreis(key) and has_official_shape(key):
            return (
                f"'{key}' is no official German key of the Ruhr: it lies in {self.official_name(key[:5])} "
                f"({key[:5]}) but is none of the Ruhr's {len(self.gemeinde_keys)} Gemeinden"
            )
        if has_official_shape(key):
            level = LEVEL_OF_LENGTH.get(len(key), f"{len(key)}-digit")
            return (
                f"'{key}' is no official German key: the official key directory lists every {level} "
                f"key of Land {key[:2]}, and not this one"
            )
        return (
            f"'{key}' is no official German key: those are digits, 2 to 12 long, starting with a Land "
            "01-16 (or DG for Deutschland)"
        )

    def official_name(self, key: str) -> str | None:
        entry = self.entries.get(key)
        return entry.name if entry else None

    def ebene(self, key: str) -> str | None:
        entry = self.entries.get(key)
        return entry.ebene if entry else None

    def _below_ruhr_kreis(self, key: str) -> bool:
        return len(key) > 5 and key[:5] in self.kreis_keys and key not in self.gemeinde_keys


# GENESIS notes on validity or extent that are no part of the name ("Roetgen (ab 21.10.2009)",
# "Städteregion Aachen (einschl. Stadt Aachen)").
_NOTE = re.compile(r"\s*\((?:ab|bis|einschl\.)[^)]*\)\s*$")
# Designations printed before the name in one source and after the comma (or not at all) in another.
_DESIGNATIONS = (
    "früher: ",
    "kreisfreie stadt ",
    "landkreis ",
    "kreis ",
    "regierungsbezirk ",
    "reg.-bez. ",
    "direktionsbezirk ",
    "statistische region ",
    "regionalverband ",
    "region ",
)


def name_core(name: str) -> str:
    """The part of an area name every source prints the same way: before the first comma, without
    notes and designations, unicode-normalised, casefolded, spaces collapsed."""
    text = _NOTE.sub("", unicodedata.normalize("NFKC", name)).split(",", 1)[0]
    text = " ".join(text.split()).casefold()
    for prefix in _DESIGNATIONS:
        text = text.removeprefix(prefix)
    return text.removesuffix(" kreis")


def names_agree(official: str, delivered: str) -> bool:
    """Whether a delivered name can belong to the key whose official name is `official`.

    GENESIS, the BA and the Gemeindeverzeichnis print the same area differently ("Dortmund, Kreisfreie
    Stadt", "Marl, Westf", "Wesel, Kreis" / "Kreis Wesel", indentation), but never as another area's
    name: a shifted key (05562032 delivered as "Oer-Erkenschwick") does not agree.
    """
    core = name_core(official)
    return bool(core) and core == name_core(delivered)
