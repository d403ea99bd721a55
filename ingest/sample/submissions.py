"""Sample of the municipal submissions (template `ingest/templates/kommunale_meldung.yml`).

Per Kreis and kreisfreie Stadt and year: the Jugendamt's Kita-Betreuung file and the Gesundheitsamt's
Schuleingangsuntersuchung file, by Gemeinde; Dortmund adds its Stadtbezirke to the Kita file. Kreis
Recklinghausen sends XLSX, the others CSV (some Windows-1252, as Excel saves it). Rates are plausible,
not real: care quotas fall and SOPESS language findings rise with the area's share of foreigners.
"""

from __future__ import annotations

import csv
import random
from datetime import date, datetime
from pathlib import Path

import openpyxl

from ingest.city_mapping import load_city_mappings
from ingest.lieferanten import lieferant_of_area
from ingest.sample.xlsx import save_reproducibly
from ingest.submission import template

SOURCE_ID = "kommunale_meldungen"
# Kreis Unna's Gesundheitsamt has not yet sent its newest Schuleingangsuntersuchung: the warehouse
# must show it as late, not silently drop the Kreis (and the region, which needs every Kreis).
LATE_DELIVERY = ("05978", 2023)
SEED = 20261125
XLSX_OFFICES = {"05562"}  # Kreis Recklinghausen
CP1252_OFFICES = {"05112", "05954"}  # Duisburg, Ennepe-Ruhr-Kreis


def kita_rows(
    area: str, name: str, under_3: int, three_to_6: int, foreign: float, year: int
) -> list[list[str]]:
    rng = random.Random(f"{SEED}:kita:{area}:{year}")
    quota_u3 = max(0.12, 0.36 - 0.6 * foreign) * (1 + 0.025 * (year - 2023)) * rng.uniform(0.95, 1.05)
    day = f"01.03.{year}"
    return [
        [area, name, day, "kita_betreut_unter_3", str(round(under_3 * quota_u3))],
        [area, name, day, "kita_betreut_3_bis_6", str(round(three_to_6 * min(0.97, 0.93 - 0.2 * foreign)))],
    ]


def seu_rows(area: str, name: str, three_to_6: int, foreign: float, year: int) -> list[list[str]]:
    """One school-entry cohort: each SOPESS area and the weight have their own denominator, the children
    with a valid result (fewer than the examined: a test broken off, a child not measured)."""
    rng = random.Random(f"{SEED}:seu:{area}:{year}")
    examined = round(three_to_6 / 3 * rng.uniform(0.95, 0.99))
    language_tested = round(examined * rng.uniform(0.9, 0.97))
    motor_tested = round(examined * rng.uniform(0.95, 0.99))
    measured = round(examined * rng.uniform(0.96, 0.995))
    language_findings = round(language_tested * min(0.4, 0.06 + 0.8 * foreign))
    day = f"01.08.{year}"
    return [
        [area, name, day, "seu_untersucht", str(examined)],
        [area, name, day, "seu_sprache_getestet", str(language_tested)],
        [area, name, day, "seu_sprache_auffaellig", str(language_findings)],
        [area, name, day, "seu_visuomotorik_getestet", str(motor_tested)],
        [area, name, day, "seu_visuomotorik_auffaellig", str(round(motor_tested * rng.uniform(0.08, 0.15)))],
        [area, name, day, "seu_gewicht_gemessen", str(measured)],
        [area, name, day, "seu_uebergewicht", str(round(measured * (0.08 + 0.3 * foreign)))],
    ]


def _write(path: Path, rows: list[list[str]], office: str, year: int) -> Path:
    header = list(template().columns)
    if office in XLSX_OFFICES:
        book = openpyxl.Workbook()
        for row in [header, *rows]:
            book.active.append(
                [int(cell) if cell.isdigit() and index == 4 else cell for index, cell in enumerate(row)]
            )
        return save_reproducibly(book, path.with_suffix(".xlsx"), datetime(year, 9, 1, 8, 0))
    encoding = "cp1252" if office in CP1252_OFFICES else "utf-8"
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle, delimiter=";", lineterminator="\r\n").writerows([header, *rows])
    return path


def write_submissions(
    landing_dir: Path,
    stichtag: date,
    gemeinden: list[dict[str, str]],
    by_gemeinde: dict[str, list[list[int]]],
) -> list[Path]:
    """The Jugendamt and Gesundheitsamt files of every Kreis and kreisfreie Stadt for one year."""
    year = stichtag.year
    small = {mapping.ags: mapping for mapping in load_city_mappings() if mapping.slug == "dortmund"}
    offices: dict[str, list[dict[str, str]]] = {}
    for row in gemeinden:
        offices.setdefault(row["kreis_ags"], []).append(row)
    written = []
    for office, members in offices.items():
        kita, seu = [], []
        for member in members:
            cells = by_gemeinde[member["ags"]]
            people = sum(sum(group) for group in cells)
            foreign = sum(group[2] + group[3] for group in cells) / people
            under_3, three_to_6 = sum(cells[0]), sum(cells[1])
            kita += kita_rows(member["ags"], member["name"], under_3, three_to_6, foreign, year)
            seu += seu_rows(member["ags"], member["name"], three_to_6, foreign, year)
            if member["ags"] in small:
                mapping = small[member["ags"]]
                for index, (code, name) in enumerate(mapping.areas.items()):
                    share = 1 / len(mapping.areas) * (0.7 + 0.05 * index)
                    kita += kita_rows(
                        f"{mapping.ags}-{code}",
                        name,
                        round(under_3 * share),
                        round(three_to_6 * share),
                        foreign * (1.5 - 0.08 * index),
                        year,
                    )
        folder = landing_dir / f"{SOURCE_ID}_{lieferant_of_area(office).kurzname}"
        folder.mkdir(parents=True, exist_ok=True)
        written.append(_write(folder / f"jugendamt_{office}_kita_{year}.csv", kita, office, year))
        if (office, year) != LATE_DELIVERY:
            written.append(_write(folder / f"gesundheitsamt_{office}_seu_{year}.csv", seu, office, year))
    return written
