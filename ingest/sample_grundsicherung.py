"""Sample of SGB XII, 4. Kapitel (Grundsicherung im Alter und bei Erwerbsminderung) as GENESIS ffcsv.

Recipients per Kreis, Land and Bund by sex and age band (65 and older: Grundsicherung im Alter;
18 to under 65: bei Erwerbsminderung), one ZIP per Stichtag holding one `*_flat.csv`, the layout of
GENESIS-Online's flat-file download since 2024. Rates are plausible, not real: 65+ recipients rise
with the area's share of foreigners (a proxy for low pensions), which spreads the Ruhr's cities the
way the real figures do. The latest Stichtag is flagged provisional (`value_q` = p), one small cell
is kept secret (`.`).
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date
from pathlib import Path

SOURCE_ID = "genesis_22151_grundsicherung"
STATISTIC = ("22151", "Statistik der Empfänger von Grundsicherung im Alter und bei Erwerbsminderung")
HEADER = [
    "statistics_code",
    "statistics_label",
    "time_code",
    "time_label",
    "time",
    "1_variable_code",
    "1_variable_label",
    "1_variable_attribute_code",
    "1_variable_attribute_label",
    "2_variable_code",
    "2_variable_label",
    "2_variable_attribute_code",
    "2_variable_attribute_label",
    "3_variable_code",
    "3_variable_label",
    "3_variable_attribute_code",
    "3_variable_attribute_label",
    "value",
    "value_unit",
    "value_variable_code",
    "value_variable_label",
    "value_q",
]
REGIONAL = {
    0: ("DINSG", "Deutschland insgesamt"),
    1: ("DLAND", "Bundesländer"),
    2: ("REGBEZ", "Regierungsbezirke"),
    3: ("KREISE", "Kreise und kreisfreie Städte"),
}
SEXES = (("GESM", "männlich", 1), ("GESW", "weiblich", 2))  # index into the population cells' sex pairs
AGE_BANDS = (
    ("ALT065UM", "65 Jahre und mehr", 15, 21, 0.015, 0.0016),
    ("ALT018B65", "18 bis unter 65 Jahre", 5, 15, 0.006, 0.0001),
)
SECRET = ("05954", "ALT018B65", "GESW", 2014)  # Ennepe-Ruhr-Kreis: one cell kept secret in 2014


def german(number: int) -> str:
    """Thousands with '.', as GENESIS writes counts in the German flat file."""
    return f"{number:,}".replace(",", ".")


def rows_for(
    area_key: str,
    name: str,
    depth: int,
    cells: list[list[int]],
    foreign_share: float,
    stichtag: date,
    latest: bool,
) -> list[list[str]]:
    variable, variable_label = REGIONAL[depth]
    rows = []
    for age_code, age_label, first, last, base, per_foreign_point in AGE_BANDS:
        for sex_code, sex_label, offset in SEXES:
            population = sum(group[offset - 1] + group[offset + 1] for group in cells[first:last])
            rate = base + per_foreign_point * foreign_share * 100
            value = (
                german(round(population * rate))
                if (area_key, age_code, sex_code, stichtag.year) != SECRET
                else "."
            )
            rows.append(
                [
                    *STATISTIC,
                    "STAG",
                    "Stichtag",
                    stichtag.isoformat(),
                    variable,
                    variable_label,
                    area_key,
                    name,
                    "GES",
                    "Geschlecht",
                    sex_code,
                    sex_label,
                    "ALTX20",
                    "Altersgruppen",
                    age_code,
                    age_label,
                    value,
                    "Anzahl",
                    "ERW131",
                    "Empfänger von Grundsicherung",
                    "p" if latest else "",
                ]
            )
    return rows


def write_grundsicherung(target: Path, stichtag: date, rows: list[list[str]]) -> Path:
    """One ZIP per Stichtag holding the flat CSV (UTF-8, semicolons), written byte-for-byte reproducibly."""
    target.mkdir(parents=True, exist_ok=True)
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";", lineterminator="\r\n")
    writer.writerows([HEADER, *rows])
    path = target / f"22151-01-01-4_{stichtag.isoformat()}_flat.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        member = zipfile.ZipInfo(
            f"22151-01-01-4_{stichtag.isoformat()}_flat.csv", date_time=(2024, 6, 14, 10, 0, 0)
        )
        archive.writestr(member, text.getvalue().encode("utf-8"), compress_type=zipfile.ZIP_DEFLATED)
    return path
