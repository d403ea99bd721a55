"""A deterministic sample of the sources, written in their real publication layouts.

Population per Gemeinde starts from real magnitudes (`sample_basis.csv`: inhabitants and foreigners'
share at 31.12.2023) and is spread over age groups, sex and nationality by fixed profiles with seeded
noise, so that every total in a file is the exact sum of its parts, as in the real tables. The files
carry the real tables' quirks: latin-1 before 2019 and UTF-8 since, "-" for an empty cell, one cell
kept secret ("."), rows for areas outside the Ruhr that ingestion must skip.

`scale` makes a larger, still valid sample for benchmarks: 10 x scale month-end reference dates
instead of 10 year-ends.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from ingest.geography import SEEDS_DIR
from ingest.layouts import layout
from ingest.sample_ba import write_ba_workbook
from ingest.sample_cities import write_city_samples
from ingest.sample_grundsicherung import SOURCE_ID as GRUNDSICHERUNG_ID
from ingest.sample_grundsicherung import rows_for, write_grundsicherung
from ingest.sample_submissions import write_submissions

SEED = 20261125
SOURCE_ID = "genesis_12411_bevoelkerung"
LAST_STICHTAG = date(2023, 12, 31)

# Share of each age group in the population, German nationals and foreigners (sums to 1 each).
AGE_GROUPS = (
    ("unter 3 Jahre", 0.027, 0.036),
    ("3 bis unter 6 Jahre", 0.027, 0.035),
    ("6 bis unter 10 Jahre", 0.036, 0.042),
    ("10 bis unter 15 Jahre", 0.045, 0.048),
    ("15 bis unter 18 Jahre", 0.027, 0.028),
    ("18 bis unter 20 Jahre", 0.019, 0.024),
    ("20 bis unter 25 Jahre", 0.050, 0.075),
    ("25 bis unter 30 Jahre", 0.052, 0.098),
    ("30 bis unter 35 Jahre", 0.058, 0.106),
    ("35 bis unter 40 Jahre", 0.058, 0.098),
    ("40 bis unter 45 Jahre", 0.057, 0.085),
    ("45 bis unter 50 Jahre", 0.056, 0.068),
    ("50 bis unter 55 Jahre", 0.073, 0.061),
    ("55 bis unter 60 Jahre", 0.085, 0.054),
    ("60 bis unter 65 Jahre", 0.078, 0.042),
    ("65 bis unter 70 Jahre", 0.068, 0.031),
    ("70 bis unter 75 Jahre", 0.055, 0.024),
    ("75 bis unter 80 Jahre", 0.043, 0.012),
    ("80 bis unter 85 Jahre", 0.047, 0.008),
    ("85 bis unter 90 Jahre", 0.026, 0.004),
    ("90 Jahre und mehr", 0.013, 0.001),
)
WOMEN_SHARE = (0.487,) * 6 + (0.48,) * 4 + (0.495,) * 5 + (0.52, 0.54, 0.56, 0.60, 0.66, 0.76)

# Areas outside the Ruhr that a Gemeinde-level export of NRW also holds (ingestion skips them).
OUTSIDE_RUHR = (
    ("051", "Düsseldorf, Regierungsbezirk", 5_210_000, 0.170),
    ("05111", "Düsseldorf, Kreisfreie Stadt", 631_000, 0.230),
    ("05111000", "Düsseldorf, Landeshauptstadt", 631_000, 0.230),
    ("05154", "Kleve, Kreis", 318_000, 0.135),
    ("05154004", "Bedburg-Hau", 13_200, 0.070),
    ("055", "Münster, Regierungsbezirk", 2_650_000, 0.100),
    ("05515", "Münster, Kreisfreie Stadt", 320_900, 0.110),
    ("05515000", "Münster, Stadt", 320_900, 0.110),
)
NRW_2023 = 18_190_422
DEUTSCHLAND_2023 = 84_669_326
SECRET_CELL = ("05170040", "90 Jahre und mehr", 7)  # Sonsbeck, Ausländer männlich: "." (geheim)


@dataclass(frozen=True)
class Area:
    key: str
    name: str
    depth: int  # indentation level in the export: 0 Bund, 1 Land, 2 Regierungsbezirk, 3 Kreis, 4 Gemeinde


Cells = list[
    list[int]
]  # per age group: [deutsch männlich, deutsch weiblich, ausländisch männlich, ... weiblich]


def stichtage(scale: int) -> list[date]:
    if scale == 1:
        return [date(year, 12, 31) for year in range(LAST_STICHTAG.year - 9, LAST_STICHTAG.year + 1)]
    ends: list[date] = []
    month_end = LAST_STICHTAG
    for _ in range(10 * scale):
        ends.append(month_end)
        month_end = month_end.replace(day=1) - timedelta(days=1)
    return sorted(ends)


def population_cells(total: float, foreign_share: float, rng: random.Random) -> Cells:
    cells: Cells = []
    for (_, share_german, share_foreign), women in zip(AGE_GROUPS, WOMEN_SHARE, strict=True):
        german = total * (1 - foreign_share) * share_german * rng.uniform(0.96, 1.04)
        foreign = total * foreign_share * share_foreign * rng.uniform(0.92, 1.08)
        cells.append(
            [
                round(german * (1 - women)),
                round(german * women),
                round(foreign * (1 - women)),
                round(foreign * women),
            ]
        )
    return cells


def add(left: Cells, right: Cells) -> Cells:
    return [
        [a + b for a, b in zip(row_l, row_r, strict=True)] for row_l, row_r in zip(left, right, strict=True)
    ]


def gemeinde_cells(basis: dict[str, tuple[int, float]], stichtag: date) -> dict[str, Cells]:
    """Population of every Ruhr Gemeinde at one Stichtag, deterministic per (Gemeinde, Stichtag)."""
    years_back = (LAST_STICHTAG - stichtag).days / 365.25
    result = {}
    for ags, (inhabitants, foreign_pct) in basis.items():
        trend = random.Random(f"{SEED}:{ags}").uniform(-0.004, 0.003)
        rng = random.Random(f"{SEED}:{ags}:{stichtag.isoformat()}")
        total = inhabitants * (1 - trend * years_back)
        share = foreign_pct / 100 * max(0.45, 1 - 0.035 * years_back)
        result[ags] = population_cells(total, share, rng)
    return result


def export_lines(areas: Iterable[tuple[Area, Cells]], stichtag: date) -> list[list[str]]:
    """Data rows in the layout of table 12411-03-03-4: per area its age groups, then the total row."""
    rows = []
    day = stichtag.strftime("%d.%m.%Y")
    for area, cells in areas:
        name = "  " * area.depth + area.name
        totals = [sum(column) for column in zip(*cells, strict=True)]
        for label, values in [
            *zip((group for group, _, _ in AGE_GROUPS), cells, strict=True),
            ("Insgesamt", totals),
        ]:
            dm, dw, am, aw = values
            numbers = [dm + dw + am + aw, dm + am, dw + aw, dm + dw, dm, dw, am + aw, am, aw]
            texts = [str(number) if number else "-" for number in numbers]
            if (area.key, label) == SECRET_CELL[:2]:
                texts[SECRET_CELL[2]] = "."
            rows.append([day, area.key, name, label, *texts])
    return rows


def write_export(path: Path, rows: list[list[str]], stichtag: date) -> None:
    bevoelkerung = layout("bevoelkerung_12411")
    width = bevoelkerung.n_label_fields + bevoelkerung.n_values
    pad = [""] * (width - 1)
    header = [
        ["GENESIS-Tabelle: 12411-03-03-4", *pad],
        ["Bevölkerung nach Geschlecht, Nationalität und Altersgruppen", *pad],
        ["(21) - Stichtag 31.12. - regionale Tiefe: Gemeinden", *pad],
        ["Fortschreibung des Bevölkerungsstandes", *pad],
        ["Bevölkerungsstand (Anzahl)", *pad],
    ]
    for labels in bevoelkerung.column_headers:
        grouped = [
            label if index == 0 or labels[index - 1] != label else "" for index, label in enumerate(labels)
        ]
        header.append([""] * bevoelkerung.n_label_fields + grouped)
    footer = [
        ["__________"],
        [f"(C)opyright Statistische Ämter des Bundes und der Länder, Deutschland, {stichtag.year + 1}"],
        [f"Stand: 14.06.{stichtag.year + 1} / 10:12:31"],
        ["Datenlizenz Deutschland - Namensnennung - Version 2.0"],
    ]
    encoding = "latin-1" if stichtag.year < 2019 else "utf-8"
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerows([*header, *rows, *footer])


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def generate_sample(landing_dir: Path, scale: int = 1) -> list[Path]:
    """Write every sample source into `landing_dir/<source id>/`; same inputs, same bytes."""
    basis = {
        row["ags"]: (int(row["einwohner_2023"]), float(row["auslaenderanteil_2023"]))
        for row in _read_csv(Path(__file__).with_name("sample_basis.csv"))
    }
    gemeinden = _read_csv(SEEDS_DIR / "ruhr_gemeinden.csv")
    kreise = _read_csv(SEEDS_DIR / "ruhr_kreise.csv")
    target = landing_dir / SOURCE_ID
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for stichtag in stichtage(scale):
        by_gemeinde = gemeinde_cells(basis, stichtag)
        ruhr_total = sum(basis[ags][0] for ags in basis)
        years_back = (LAST_STICHTAG - stichtag).days / 365.25
        rng = random.Random(f"{SEED}:rest:{stichtag.isoformat()}")
        rest_nrw = population_cells((NRW_2023 - ruhr_total) * (1 + 0.001 * years_back), 0.12, rng)
        rest_de = population_cells((DEUTSCHLAND_2023 - NRW_2023) * (1 + 0.0005 * years_back), 0.125, rng)
        ruhr: Cells = [[0] * 4 for _ in AGE_GROUPS]
        for cells in by_gemeinde.values():
            ruhr = add(ruhr, cells)
        nrw = add(ruhr, rest_nrw)
        areas: list[tuple[Area, Cells]] = [
            (Area("DG", "Deutschland", 0), add(nrw, rest_de)),
            (Area("05", "Nordrhein-Westfalen", 1), nrw),
        ]
        outside = {key: (name, total, share) for key, name, total, share in OUTSIDE_RUHR}
        for key, (name, total, share) in outside.items():
            depth = {3: 2, 5: 3, 8: 4}[len(key)]
            areas.append(
                (Area(key, name, depth), population_cells(total, share, random.Random(f"{SEED}:{key}")))
            )
        for kreis in kreise:
            members = [row for row in gemeinden if row["kreis_ags"] == kreis["kreis_ags"]]
            kreis_cells: Cells = [[0] * 4 for _ in AGE_GROUPS]
            for member in members:
                kreis_cells = add(kreis_cells, by_gemeinde[member["ags"]])
            kreisfrei = kreis["kreis_typ"] == "kreisfreie Stadt"
            suffix = "Kreisfreie Stadt" if kreisfrei else "Kreis"
            short = kreis["name"].removeprefix("Kreis ")
            areas.append((Area(kreis["kreis_ags"], f"{short}, {suffix}", 3), kreis_cells))
            for member in members:
                name = (
                    member["name"]
                    if member["gemeinde_typ"].endswith("Gemeinde")
                    else f"{member['name']}, Stadt"
                )
                areas.append((Area(member["ags"], name, 4), by_gemeinde[member["ags"]]))
        path = target / f"12411-03-03-4_{stichtag.isoformat()}.csv"
        write_export(path, export_lines(areas, stichtag), stichtag)
        written.append(path)
        shares = foreign_shares(basis, gemeinden, kreise)
        grundsicherung = [
            row
            for area, cells in areas
            if area.depth <= 3
            for row in rows_for(
                area.key,
                area.name.split(",")[0],
                area.depth,
                cells,
                shares.get(area.key, 0.12),
                stichtag,
                stichtag == LAST_STICHTAG,
            )
        ]
        written.append(write_grundsicherung(landing_dir / GRUNDSICHERUNG_ID, stichtag, grundsicherung))
        # cities, BA and the Ämter: once a year, for the bundled ten years (a larger scale only
        # lengthens the GENESIS series)
        if (stichtag.month, stichtag.day) == (12, 31) and stichtag.year > LAST_STICHTAG.year - 10:
            totals = city_totals(by_gemeinde)
            written += write_city_samples(landing_dir, stichtag, totals)
            names = {row["ags"]: row["name"] for row in gemeinden}
            ruhr = [(ags, names[ags], people, foreign) for ags, (people, _, _, foreign) in totals.items()]
            written.append(write_ba_workbook(landing_dir, stichtag, ruhr))
            written += write_submissions(landing_dir, stichtag, gemeinden, by_gemeinde)
    return written


def city_totals(by_gemeinde: dict[str, Cells]) -> dict[str, tuple[int, float, float, float]]:
    """Per Gemeinde: inhabitants and the shares under 18, 65 and older, foreigners (for the city samples)."""
    totals = {}
    for ags, cells in by_gemeinde.items():
        people = sum(sum(group) for group in cells)
        under_18 = sum(sum(group) for group in cells[:5])
        from_65 = sum(sum(group) for group in cells[15:])
        foreign = sum(group[2] + group[3] for group in cells)
        totals[ags] = (people, under_18 / people, from_65 / people, foreign / people)
    return totals


def foreign_shares(
    basis: dict[str, tuple[int, float]], gemeinden: list[dict[str, str]], kreise: list[dict[str, str]]
) -> dict[str, float]:
    """2023 foreigners' share per Kreis, weighted by inhabitants (drives the Grundsicherung sample)."""
    shares = {}
    for kreis in kreise:
        members = [basis[row["ags"]] for row in gemeinden if row["kreis_ags"] == kreis["kreis_ags"]]
        shares[kreis["kreis_ags"]] = sum(n * pct for n, pct in members) / sum(n for n, _ in members) / 100
    return shares
