"""A deterministic sample of the sources, written in their real publication layouts.

Population per Gemeinde starts from real magnitudes (`basis.csv`: inhabitants and foreigners'
share at 31.12.2023) and is spread over age groups, sex and nationality by fixed profiles with seeded
noise; Kreise, Regierungsbezirke, NRW and Deutschland are the sums of their parts, so every total in a
file is the exact sum of its parts, as in the real tables. The Länder other than NRW and the parts of
NRW's Regierungsbezirke outside the Ruhr take their size from the real 31.12.2015 figures of table
12411-03-03-4 (regionalstatistik.de, dl-de/by-2-0; datenguide/genesapi-data `src/12411-03-03-4_00.csv`),
grown to the real 2023 totals of NRW and Deutschland. Names are the ones GENESIS prints, from the key
directory (`ingest/reference/`). The files carry the real tables' quirks: latin-1 before 2019 and UTF-8
since, "-" for an empty cell, a cell kept secret ("."), areas outside the Ruhr that ingestion must skip,
and the newest Kreis table as the GENESIS web service answers it. The Mindestsicherung (22811) and its
components HLU (22121) and AsylbLG (22221) are consistent with the BA and Grundsicherung samples
(`ingest/sample/mindestsicherung.py`); 22811 ends with 2021, as the Regionaldatenbank's did in 2024.

`scale` makes a larger, still valid sample for benchmarks: 10 x scale year-end Stichtage going back
from 2023 instead of 10 (scale 100: 31.12.1024 to 31.12.2023), the GENESIS tables only. Year ends,
not month ends: the tables are published for the 31.12. and their readers reject any other Stichtag
(`DatencsvLayout.stichtag`). Going back, each Gemeinde follows the linear trend of the bundled decade
until it is half or one and a half times its 2023 size, and stays there, so that no count of a long
series turns negative, and the areas outside the Ruhr follow theirs for a century, so that Deutschland
stays within the catalog's plausible range; the bundled ten year ends are the same bytes at every scale.
"""

from __future__ import annotations

import csv
import random
from datetime import date
from pathlib import Path

from ingest.geography import SEEDS_DIR, RuhrGeography
from ingest.sample.ba import write_ba_workbook
from ingest.sample.bevoelkerung import (
    SOURCE_GEMEINDEN,
    SOURCE_KREISE,
    Area,
    Cells,
    write_gemeinde_table,
    write_kreis_table,
)
from ingest.sample.cities import write_city_samples
from ingest.sample.grundsicherung import SOURCE_ID as GRUNDSICHERUNG_ID
from ingest.sample.grundsicherung import write_grundsicherung
from ingest.sample.mindestsicherung import write_mindestsicherung
from ingest.sample.submissions import write_submissions

SEED = 20261125
SOURCE_ID = SOURCE_KREISE
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

NRW_2023 = 18_190_422
DEUTSCHLAND_2023 = 84_669_326
# Real inhabitants on 31.12.2015 (12411-03-03-4): the Länder but NRW, and the population of NRW's
# Regierungsbezirke outside their Ruhr Kreise; they set the sizes of the sample's areas outside the Ruhr.
LAENDER_2015 = {
    "01": 2_858_714, "02": 1_787_408, "03": 7_926_599, "04": 671_489, "06": 6_176_172, "07": 4_052_803,
    "08": 10_879_618, "09": 12_843_514, "10": 995_597, "11": 3_520_031, "12": 2_484_826,
    "13": 1_612_362, "14": 4_084_851, "15": 2_245_470, "16": 2_170_714,
}  # fmt: skip
REGBEZ_OUTSIDE_RUHR_2015 = {
    "051": 3_256_892,
    "053": 4_422_371,
    "055": 1_618_911,
    "057": 2_057_996,
    "059": 1_400_093,
}
# Areas outside the Ruhr a real download also holds, printed in the sample (ingestion skips them):
# kreisfreie Städte (in the Gemeinde table under their Kreis key) and a Kreis with one of its Gemeinden.
OUTSIDE_RUHR = (("05111", 612_178, 0.23), ("05154", 310_337, 0.135), ("05515", 310_039, 0.11))
OUTSIDE_GEMEINDE = ("05154004", 13_033, 0.07)  # Bedburg-Hau, Kreis Kleve
SECRET_CELL = ("05170040", 34)  # Sonsbeck, männlich, 75 Jahre und mehr: "." in 12411-02-03-5


# A benchmark's series goes back to the year 1000 at most: GENESIS writes a Stichtag with four digits.
MAX_SCALE = (LAST_STICHTAG.year - 999) // 10
# Going back, a Gemeinde's population stays between these shares of its 2023 size (see `trend_factor`),
# and the areas outside the Ruhr follow their trend for a century at most: over a benchmark's centuries
# Deutschland stays below 100 million, the top of the catalog's plausible range (`valid_max`).
SMALLEST, LARGEST = 0.5, 1.5
OUTSIDE_TREND_YEARS = 100


def stichtage(scale: int) -> list[date]:
    """Year ends back from 2023: the bundled ten, or 10 x scale for a benchmark (GENESIS publishes the
    population and Grundsicherung for the 31.12. only, so a longer series is the way to more rows)."""
    if not 1 <= scale <= MAX_SCALE:
        raise ValueError(
            f"scale {scale}: 10 x scale year ends back from {LAST_STICHTAG.year} must stay in years of "
            f"four digits (scale 1 to {MAX_SCALE})"
        )
    return [date(LAST_STICHTAG.year - back, 12, 31) for back in range(10 * scale)][::-1]


def trend_factor(trend: float, years_back: float) -> float:
    """A Gemeinde's population `years_back` before 2023 relative to 2023: the linear trend of the
    bundled decade (at most 0.4 % a year: within 4 % over the ten years), held within [SMALLEST,
    LARGEST] so that a benchmark's series of centuries never reaches zero."""
    return min(LARGEST, max(SMALLEST, 1 - trend * years_back))


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
        total = inhabitants * trend_factor(trend, years_back)
        share = foreign_pct / 100 * max(0.45, 1 - 0.035 * years_back)
        result[ags] = population_cells(total, share, rng)
    return result


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _rest(key: str, people: float, share: float, stichtag: date) -> Cells:
    """An area outside the Ruhr: its age structure, deterministic per area and Stichtag."""
    return population_cells(people, share, random.Random(f"{SEED}:{key}:{stichtag.isoformat()}"))


def areas_at(stichtag: date, by_gemeinde: dict[str, Cells]) -> list[Area]:
    """Every area the sample's tables print at one Stichtag, in the tables' order (each area followed by
    its parts), with GENESIS' names."""
    geography = RuhrGeography.from_seeds()
    gemeinden = _read_csv(SEEDS_DIR / "ruhr_gemeinden.csv")
    kreise = _read_csv(SEEDS_DIR / "ruhr_kreise.csv")
    years_back = min((LAST_STICHTAG - stichtag).days / 365.25, OUTSIDE_TREND_YEARS)
    ruhr_total = sum(sum(map(sum, cells)) for cells in by_gemeinde.values())
    nrw_rest_2015 = sum(REGBEZ_OUTSIDE_RUHR_2015.values())
    nrw_rest = (NRW_2023 - ruhr_total) * (1 + 0.001 * years_back)
    other_2015 = sum(LAENDER_2015.values())
    other = (DEUTSCHLAND_2023 - NRW_2023) * (1 + 0.0005 * years_back)

    def named(key: str, depth: int, cells: Cells, kreisfrei: bool = False) -> Area:
        return Area(key, geography.official_name(key) or key, depth, cells, kreisfrei)

    kreis_areas: dict[str, list[Area]] = {}
    for kreis in kreise:
        members = [row for row in gemeinden if row["kreis_ags"] == kreis["kreis_ags"]]
        kreisfrei = kreis["kreis_typ"] == "kreisfreie Stadt"
        parts = [named(row["ags"], 4, by_gemeinde[row["ags"]], kreisfrei) for row in members]
        kreis_areas[kreis["kreis_ags"]] = [named(kreis["kreis_ags"], 3, _sum(p.cells for p in parts)), *parts]
    for key, people, share in OUTSIDE_RUHR:
        kreis_areas[key] = [named(key, 3, _rest(key, people * nrw_rest / nrw_rest_2015, share, stichtag))]
    key, people, share = OUTSIDE_GEMEINDE
    kreis_areas[key[:5]].append(named(key, 4, _rest(key, people * nrw_rest / nrw_rest_2015, share, stichtag)))
    regierungsbezirke = []
    for regbez, outside_2015 in REGBEZ_OUTSIDE_RUHR_2015.items():
        shown = [area for key, areas in sorted(kreis_areas.items()) if key[:3] == regbez for area in areas]
        printed = sum(
            sum(map(sum, area.cells))
            for area in shown
            if area.depth == 3 and area.key[:5] not in geography.kreis_keys
        )
        rest = _rest(regbez, max(0.0, outside_2015 * nrw_rest / nrw_rest_2015 - printed), 0.12, stichtag)
        kreise_cells = [area.cells for area in shown if area.depth == 3]
        regierungsbezirke.append([named(regbez, 2, _sum([*kreise_cells, rest])), *shown])
    nrw = named("05", 1, _sum(block[0].cells for block in regierungsbezirke))
    laender = {
        key: named(key, 1, _rest(key, people * other / other_2015, 0.125, stichtag))
        for key, people in LAENDER_2015.items()
    }
    laender["05"] = nrw
    deutschland = named("DG", 0, _sum(land.cells for land in laender.values()))
    ordered = [deutschland]
    for key in sorted(laender):
        ordered.append(laender[key])
        if key == "05":
            ordered += [area for block in regierungsbezirke for area in block]
    return ordered


def _sum(parts) -> Cells:  # type: ignore[no-untyped-def]
    total: Cells = [[0] * 4 for _ in AGE_GROUPS]
    for cells in parts:
        total = add(total, cells)
    return total


def generate_sample(landing_dir: Path, scale: int = 1) -> list[Path]:
    """Write every sample source into `landing_dir/<source id>/`; same inputs, same bytes."""
    basis = {
        row["ags"]: (int(row["einwohner_2023"]), float(row["auslaenderanteil_2023"]))
        for row in _read_csv(Path(__file__).with_name("basis.csv"))
    }
    gemeinden = _read_csv(SEEDS_DIR / "ruhr_gemeinden.csv")
    kreise = _read_csv(SEEDS_DIR / "ruhr_kreise.csv")
    targets = {
        source: landing_dir / source for source in (SOURCE_KREISE, SOURCE_GEMEINDEN, GRUNDSICHERUNG_ID)
    }
    for folder in targets.values():
        folder.mkdir(parents=True, exist_ok=True)
    shares = foreign_shares(basis, gemeinden, kreise)
    written = []
    for stichtag in stichtage(scale):
        by_gemeinde = gemeinde_cells(basis, stichtag)
        areas = areas_at(stichtag, by_gemeinde)
        written.append(
            write_kreis_table(targets[SOURCE_KREISE], stichtag, areas, api=stichtag == LAST_STICHTAG)
        )
        written.append(write_gemeinde_table(targets[SOURCE_GEMEINDEN], stichtag, areas, secret=SECRET_CELL))
        written.append(write_grundsicherung(targets[GRUNDSICHERUNG_ID], stichtag, areas, shares))
        written += write_mindestsicherung(landing_dir, stichtag, areas, shares)
        # cities, BA and the Ämter: once a year, for the bundled ten years (a larger scale only
        # lengthens the GENESIS series)
        if stichtag.year > LAST_STICHTAG.year - 10:
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
