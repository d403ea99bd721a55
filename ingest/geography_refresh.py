"""Refresh the Ruhr geography from a real Gemeindeverzeichnis (GV100AD): the seed of the 53 Gemeinden
and the official key directory, derived, compared with what is committed, and rewritten on request.

The seed is what everything else derives from, so it is never edited by hand from memory: the
Gemeinden of the 15 Ruhr Kreise (`ruhr_kreise.csv`) come from the file's Satzart 60 records, their
gemeinde_typ from the record's Textkennzeichen (61/62 kreisfreie Stadt or Stadtkreis, 63/67 Stadt or
Große Kreisstadt, 60/64 Markt or kreisangehörige Gemeinde; codes in `ingest.gemeindeverzeichnis`).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TypeVar

from ingest.errors import LayoutError
from ingest.gemeindeverzeichnis import TEXTKENNZEICHEN, Gv100adFile, GvRecord
from ingest.geography import DIRECTORY_PATH, SEEDS_DIR, names_agree

SEED_FILE = "ruhr_gemeinden.csv"
SEED_COLUMNS = ("ags", "name", "kreis_ags", "gemeinde_typ")
DIRECTORY_COLUMNS = ("schluessel", "name", "ebene", "quelle")
GEMEINDE_TYP = {
    "61": "kreisfreie Stadt",
    "62": "kreisfreie Stadt",
    "63": "kreisangehörige Stadt",
    "67": "kreisangehörige Stadt",
    "60": "kreisangehörige Gemeinde",
    "64": "kreisangehörige Gemeinde",
}
# What the directory takes from a GV100AD file: the levels it lists for all of Germany, and the
# Gemeinden of NRW (a Region of Baden-Württemberg or a Gemeindeverband is no key a source delivers).
DIRECTORY_EBENE = {"10": "land", "20": "regierungsbezirk", "40": "kreis", "60": "gemeinde"}
DIRECTORY_GEMEINDEN_OF = "05"
Row = TypeVar("Row", "SeedRow", "DirectoryRow")


@dataclass(frozen=True)
class SeedRow:
    ags: str
    name: str
    kreis_ags: str
    gemeinde_typ: str


@dataclass(frozen=True)
class DirectoryRow:
    schluessel: str
    name: str
    ebene: str
    quelle: str


@dataclass(frozen=True)
class GeographyRefresh:
    """What a GV100AD file says against what is committed. `seed` holds the derived rows of the Kreise
    the file has Gemeinden for; `kreise_without_gemeinden` names the Ruhr Kreise it has none for (a
    partial file), whose committed rows are left alone."""

    source: str
    directory_file: str
    gebietsstand: date
    seed: list[SeedRow]
    committed_seed: list[SeedRow]
    kreise_without_gemeinden: list[str]
    directory: list[DirectoryRow]  # the rows the file holds
    committed_directory: list[DirectoryRow]

    def seed_changes(self) -> list[str]:
        derived = {row.ags: row for row in self.seed}
        committed = {
            row.ags: row for row in self.committed_seed if row.kreis_ags not in self.kreise_without_gemeinden
        }
        changes = [f"+ {_seed_text(row)}" for key, row in sorted(derived.items()) if key not in committed]
        changes += [f"- {_seed_text(row)}" for key, row in sorted(committed.items()) if key not in derived]
        for key in sorted(derived.keys() & committed.keys()):
            if derived[key] != committed[key]:
                changes.append(f"~ {_seed_text(committed[key])}  ->  {_seed_text(derived[key])}")
        return changes

    def directory_changes(self) -> tuple[list[str], int]:
        """Lines for new keys, other names (by `names_agree`) and other levels; and how many names
        differ in spelling only ("Recklinghausen, Kreis" / "Recklinghausen")."""
        committed = {row.schluessel: row for row in self.committed_directory}
        changes, spelling = [], 0
        for row in self.directory:
            old = committed.get(row.schluessel)
            if old is None:
                changes.append(f"+ {row.schluessel} {row.name} ({row.ebene})")
            elif old.ebene != row.ebene or not names_agree(old.name, row.name):
                changes.append(f"~ {row.schluessel} {old.name} ({old.ebene})  ->  {row.name} ({row.ebene})")
            elif old.name != row.name:
                spelling += 1
        return changes, spelling

    def merged_directory(self) -> list[DirectoryRow]:
        """The committed directory with the file's rows in place of the committed ones; a committed key
        the file lacks stays (historic: older files carry it)."""
        merged = {row.schluessel: row for row in self.committed_directory}
        merged.update({row.schluessel: row for row in self.directory})
        return sorted(merged.values(), key=lambda row: (row.schluessel != "DG", row.schluessel))

    def report(self) -> str:
        stand = f"{self.gebietsstand:%d.%m.%Y}"
        seed_changes = self.seed_changes()
        lines = [
            f"{self.source}: Gebietsstand {stand}",
            f"{SEED_FILE}: {len(self.seed)} Gemeinden derived, {len(seed_changes)} differences",
            *(f"  {change}" for change in seed_changes),
        ]
        if self.kreise_without_gemeinden:
            lines.append(
                f"  the file has no Gemeinden of {', '.join(self.kreise_without_gemeinden)}: "
                "their rows are not compared"
            )
        changes, spelling = self.directory_changes()
        taken = {row.schluessel for row in self.directory}
        kept = sorted(row.schluessel for row in self.committed_directory if row.schluessel not in taken)
        lines += [
            f"{self.directory_file}: {len(taken)} keys in the file, {len(changes)} differences, "
            f"{spelling} names spelt differently only",
            *(f"  {change}" for change in changes),
            f"  {len(kept)} keys not in the file, kept: {' '.join(kept)}",
        ]
        return "\n".join(lines)


def plan_refresh(
    gv100ad: Path, seeds_dir: Path = SEEDS_DIR, directory: Path = DIRECTORY_PATH
) -> GeographyRefresh:
    records = list(Gv100adFile(gv100ad).records())
    if not records:
        raise LayoutError(gv100ad.name, "the file holds no records")
    with (seeds_dir / "ruhr_kreise.csv").open(encoding="utf-8", newline="") as handle:
        ruhr_kreise = [row["kreis_ags"] for row in csv.DictReader(handle)]
    seed = [
        _seed_row(gv100ad, record)
        for record in records
        if record.satzart == "60" and record.schluessel[:5] in ruhr_kreise
    ]
    derived_directory = [
        DirectoryRow(
            record.schluessel, record.name, DIRECTORY_EBENE[record.satzart], _quelle(record.gebietsstand)
        )
        for record in records
        if record.satzart in DIRECTORY_EBENE
        and (record.satzart != "60" or record.schluessel.startswith(DIRECTORY_GEMEINDEN_OF))
    ]
    return GeographyRefresh(
        source=gv100ad.name,
        directory_file=directory.name,
        gebietsstand=records[0].gebietsstand,
        seed=sorted(seed, key=lambda row: row.ags),
        committed_seed=_read(seeds_dir / SEED_FILE, SeedRow),
        kreise_without_gemeinden=[
            kreis for kreis in ruhr_kreise if all(row.kreis_ags != kreis for row in seed)
        ],
        directory=derived_directory,
        committed_directory=_read(directory, DirectoryRow),
    )


def write_refresh(
    refresh: GeographyRefresh, seeds_dir: Path = SEEDS_DIR, directory: Path = DIRECTORY_PATH
) -> None:
    """Rewrite seed and directory. Refused for a file without Gemeinden of every Ruhr Kreis: the seed
    would lose them."""
    if refresh.kreise_without_gemeinden:
        raise LayoutError(
            refresh.source,
            f"no Gemeinden of Ruhr Kreis {', '.join(refresh.kreise_without_gemeinden)}: "
            "not a complete Gemeindeverzeichnis, nothing written",
        )
    _write(seeds_dir / SEED_FILE, SEED_COLUMNS, refresh.seed)
    _write(directory, DIRECTORY_COLUMNS, refresh.merged_directory())


def _seed_row(gv100ad: Path, record: GvRecord) -> SeedRow:
    typ = GEMEINDE_TYP.get(record.textkennzeichen)
    if typ is None:
        raise LayoutError(
            gv100ad.name,
            f"Textkennzeichen {record.textkennzeichen} of {record.schluessel} {record.name} is no Gemeinde "
            "type the seed knows",
            row=record.line,
            column=str(TEXTKENNZEICHEN),
        )
    # the name before the first comma; after it, GV100AD adds a designation ("Stadt", "Hansestadt")
    return SeedRow(record.schluessel, record.name.split(",", 1)[0].strip(), record.schluessel[:5], typ)


def _quelle(gebietsstand: date) -> str:
    return f"GV100AD {gebietsstand:%d.%m.%Y}"


def _seed_text(row: SeedRow) -> str:
    return f"{row.ags} {row.name} ({row.kreis_ags}, {row.gemeinde_typ})"


def _read(path: Path, row_type: type[Row]) -> list[Row]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [row_type(**row) for row in csv.DictReader(handle)]


def _write(path: Path, columns: tuple[str, ...], rows: list[SeedRow] | list[DirectoryRow]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([getattr(row, column) for column in columns] for row in rows)
