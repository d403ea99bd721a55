"""Sample of the cities' small-area publications, each written in the layout its YAML mapping reads.

The mapping describes how to read a city's file; the generator uses the same description to write it,
so every city's quirks (separator, encoding, title lines, thousands separator, long layout, year or
month/year dates, a suppressed cell) come from one place. Per Stadtbezirk: a deterministic share of
the city's population and a "burden" factor that raises the shares of foreigners, young people,
SGB II recipients and unemployed together, as in the real Nordstadt/Süd divides; the more burdened an
area, the larger the share of its unemployed in the Rechtskreis SGB II. The areas' sum differs from the
official city total by about 1 %, as a city's register differs from the official Fortschreibung.

A city's further level (Essen's Stadtteile) is one more file per Stichtag, spread over the city on its
own: its areas add up to the city like the Stadtbezirke do, but not to the Stadtbezirke (the mapping
does not say which Stadtteil lies in which Stadtbezirk).
"""

from __future__ import annotations

import csv
import random
from datetime import date
from pathlib import Path

from ingest.city_mapping import CityMapping, load_city_mappings
from ingest.sample.ba import measures as ba_measures

SEED = 20261125
# City-wide rates that spread the counts over the areas (the totals are then scaled to the official
# figures): SGB II Regelleistungsberechtigte per inhabitant, unemployed per inhabitant aged 15 to 64.
CITY_RATES = {
    "05112000": (0.20, 0.085),
    "05113000": (0.18, 0.075),
    "05513000": (0.25, 0.10),
    "05911000": (0.14, 0.065),
    "05913000": (0.18, 0.08),
}
DEFAULT_RATES = (0.12, 0.06)
SUPPRESSED_CELL = ("duisburg", "4", "sgb2_unter_15", 2015)


def area_figures(
    mapping: CityMapping,
    total: int,
    share_u18: float,
    share_65: float,
    share_foreign: float,
    stichtag: date,
    level: str | None = None,
) -> dict[str, dict[str, int]]:
    """The mapped measures per area of one level (the main one by default) of one city at one Stichtag."""
    level = level or mapping.area.level
    codes = list(next(areas for name, _, areas in mapping.levels if name == level))
    # the main level keeps the seed it always had, so that its figures stay the same
    key = mapping.slug if level == mapping.area.level else f"{mapping.slug}:{level}"
    layout = random.Random(f"{SEED}:{key}")  # stable across years: areas keep their character
    weights = [layout.uniform(0.6, 1.4) for _ in codes]
    burden = [layout.uniform(0.55, 1.7) for _ in codes]
    year = random.Random(f"{SEED}:{key}:{stichtag.isoformat()}")
    sgb2_rate, unemployed_rate = CITY_RATES.get(mapping.ags, DEFAULT_RATES)
    register = total * year.uniform(1.004, 1.012)
    figures = {}
    for code, weight, load in zip(codes, weights, burden, strict=True):
        people = round(register * weight / sum(weights))
        under_18 = round(people * share_u18 * (0.8 + 0.2 * load))
        under_15 = round(under_18 * 0.83)
        over_64 = round(people * share_65 * (1.25 - 0.25 * load))
        working_age = people * 0.64
        recipients = round(people * 0.8 * sgb2_rate * load * year.uniform(0.97, 1.03))
        unemployed = round(working_age * unemployed_rate * load * year.uniform(0.95, 1.05))
        figures[code] = {
            "bev_insgesamt": people,
            "bev_unter_18": under_18,
            "bev_65_plus": over_64,
            "bev_auslaender": round(people * min(0.7, share_foreign * load)),
            "sgb2_regelleistungsberechtigte": recipients,
            "sgb2_unter_15": round(under_15 * min(0.6, 1.5 * sgb2_rate * load)),
            "arbeitslose": unemployed,
            "arbeitslose_unter_25": round(working_age * 0.11 * unemployed_rate * load),
            "arbeitslose_sgb2": round(unemployed * min(0.9, 0.5 + 0.2 * load)),
        }
    return _scaled_to_official(figures, total, register, (share_u18, share_65, share_foreign))


def _scaled_to_official(
    figures: dict[str, dict[str, int]],
    total: int,
    register: float,
    shares: tuple[float, float, float],
) -> dict[str, dict[str, int]]:
    """Scale the counts the official sources also publish for the whole city (BA, foreigners) so that
    the areas add up to the official figure times the register's excess, as real small-area data
    does; the areas keep their differences."""
    share_u18, share_65, share_foreign = shares
    official = ba_measures(total, share_foreign)
    targets = {
        "bev_unter_18": total * share_u18,
        "bev_65_plus": total * share_65,
        "bev_auslaender": total * share_foreign,
        "sgb2_regelleistungsberechtigte": official["sgb2_regelleistungsberechtigte"],
        "sgb2_unter_15": official["sgb2_nef_unter_15"],
        "arbeitslose": official["arbeitslose_sgb2"] + official["arbeitslose_sgb3"],
        "arbeitslose_unter_25": official["arbeitslose_unter_25"],
        "arbeitslose_sgb2": official["arbeitslose_sgb2"],
    }
    for measure, target in targets.items():
        factor = target * register / total / sum(area[measure] for area in figures.values())
        for area in figures.values():
            area[measure] = round(area[measure] * factor)
    for area in figures.values():  # the age groups that follow from the scaled ones
        area["bev_unter_15"] = round(area["bev_unter_18"] * 0.83)  # 15 of the 18 birth years
        area["bev_15_bis_64"] = area["bev_insgesamt"] - area["bev_unter_15"] - area["bev_65_plus"]
        # a part never exceeds its whole: the unemployed in SGB II are among the unemployed and the recipients
        area["arbeitslose_sgb2"] = min(
            area["arbeitslose_sgb2"], area["arbeitslose"], area["sgb2_regelleistungsberechtigte"]
        )
    return figures


def _date_text(mapping: CityMapping, stichtag: date) -> str:
    return stichtag.strftime(mapping.reference_date.format)


def _count_text(mapping: CityMapping, value: int, suppressed: bool) -> str:
    if suppressed:
        return mapping.suppressed[0]
    return f"{value:,}".replace(",", mapping.thousands) if mapping.thousands else str(value)


def write_city_file(
    target: Path,
    mapping: CityMapping,
    stichtag: date,
    figures: dict[str, dict[str, int]],
    level: str | None = None,
) -> Path:
    """One city's file of one level (the main one by default) at one Stichtag."""
    level = level or mapping.area.level
    area_column, areas = next((column, areas) for name, column, areas in mapping.levels if name == level)
    folder = target / mapping.source_id
    folder.mkdir(parents=True, exist_ok=True)
    suffix = mapping.file_pattern.removeprefix("*")
    kind = "kleinraeume" if level == mapping.area.level else level
    path = folder / f"{mapping.slug}_{kind}_{stichtag.year}{suffix}"
    when = _date_text(mapping, stichtag)

    def cell(code: str, measure: str) -> str:
        hidden = (mapping.slug, code, measure, stichtag.year) == SUPPRESSED_CELL
        return _count_text(mapping, figures[code][measure], hidden)

    if mapping.long is None:
        header = [area_column, "Name", mapping.reference_date.column, *mapping.measures.values()]
        rows = [
            [code, areas[code], when, *(cell(code, measure) for measure in mapping.measures)]
            for code in areas
        ]
    else:
        header = [
            mapping.reference_date.column,
            area_column,
            mapping.long.measure_column,
            mapping.long.value_column,
        ]
        rows = [
            [when, code, label, cell(code, measure)]
            for code in areas
            for measure, label in mapping.measures.items()
        ]
    title = [[f"{mapping.owner}: Kleinräumige Daten {stichtag.year}"], ["Quelle: eigene Auswertung"]]
    with path.open("w", encoding=mapping.encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=mapping.separator, lineterminator="\r\n")
        writer.writerows([*title[: mapping.skip_rows], header, *rows])
    return path


def write_city_samples(
    landing_dir: Path, stichtag: date, totals: dict[str, tuple[int, float, float, float]]
) -> list[Path]:
    """Every mapped city at one Stichtag; `totals` holds per AGS inhabitants and shares u18, 65+, foreign."""
    written = []
    for mapping in load_city_mappings():
        total, share_u18, share_65, share_foreign = totals[mapping.ags]
        for level, _, _ in mapping.levels:
            figures = area_figures(mapping, total, share_u18, share_65, share_foreign, stichtag, level)
            written.append(write_city_file(landing_dir, mapping, stichtag, figures, level))
    return written
