"""Sample of Statistik 22151 (Empfänger von Grundsicherung im Alter und bei Erwerbsminderung, SGB XII
4. Kapitel) in the two real layouts of the Regionaldatenbank (ingest/layouts.py):

- until 2014 table 22151-01-01-4 (Stichtag `31.12.2014`; age groups "voll erwerbsgeminderte Personen
  unter 65 Jahren" and "Personen ab 65 Jahren und älter"),
- from 2015 table 22151-01-02-4 (the Berichtsjahr `2016` in place of the Stichtag; "18 Jahre bis unter
  die Altersgrenze" and "Altersgrenze und älter"),

each with the real header (a caption row, place of provision and nationality in one row, the age groups
with their nationality cells left empty, a row of units), rows männlich, weiblich, Insgesamt per area,
`.` for a value kept secret, and the footer's notes. Copied line by line from the real downloads
(datenguide/genesapi-data@75112493, `src/22151-01-01-4_00.csv` and `src/22151-01-02-4_00.csv`).
From Berichtsjahr 2020 every cell is rounded to a multiple of 5, as the statistical offices publish it
since then (IT.NRW's note on its 22151 table of 31.12.2021); whether the Regionaldatenbank's own footer
carries that note in these words was not seen in a real file.

The numbers are synthetic: recipients per sex and age band from the area's population, rising with its
share of foreigners (a proxy for low pensions), which spreads the Ruhr's cities the way the real figures
do; the share of them in institutions and of foreigners among them are fixed profiles.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

from ingest.layouts import GRUSI_ALTER_AB_2015, GRUSI_ALTER_BIS_2014
from ingest.sample.bevoelkerung import INDENT, Area

SOURCE_ID = "genesis_22151_grundsicherung"
ROUNDED_FROM = 2020
OUTSIDE_RUHR_SHARE = 0.12  # foreigners' share that drives the rates of areas outside the Ruhr
# (first age group index, end index, base rate, rate per percentage point of foreigners) per age band
YOUNG = (5, 15, 0.006, 0.0001)  # 18 to under 65 (the Altersgrenze in these years)
OLD = (15, 21, 0.015, 0.0016)  # 65 and older
IN_INSTITUTIONS = (0.22, 0.12)  # share of the young and the old recipients living in institutions
SECRET = ("05954", 2014, "weiblich", 10)  # Ennepe-Ruhr-Kreis: foreign women in 2014 kept secret (".")


def _recipients(area: Area, sex: int, foreign_share: float) -> list[int]:
    """The 11 columns of one sex (0 male, 1 female): place x age band, then Deutsche, Ausländer."""
    bands = []
    for first, end, base, per_point in (YOUNG, OLD):
        population = sum(group[sex] + group[sex + 2] for group in area.cells[first:end])
        bands.append(round(population * (base + per_point * foreign_share * 100)))
    inside = [round(count * share) for count, share in zip(bands, IN_INSTITUTIONS, strict=True)]
    outside = [count - within for count, within in zip(bands, inside, strict=True)]
    total = sum(bands)
    foreign = round(total * min(0.9, 2.2 * foreign_share))
    return [
        total,
        *bands,
        sum(outside),
        *outside,
        sum(inside),
        *inside,
        total - foreign,
        foreign,
    ]


def rounded(value: int, year: int) -> int:
    """A count as the SGB XII and AsylbLG statistics publish it: a multiple of 5 from 2020 on."""
    return 5 * int(value / 5 + 0.5) if year >= ROUNDED_FROM else value


def _publish(value: int, year: int) -> str:
    value = rounded(value, year)
    return str(value) if value else "-"


def published_total(area: Area, share: float, year: int) -> int:
    """The area's recipients as its `Insgesamt` row prints them (both sexes, every place and age): what
    the Mindestsicherung table 22811 carries as Grundsicherung."""
    return rounded(_recipients(area, 0, share)[0] + _recipients(area, 1, share)[0], year)


def write_grundsicherung(
    target: Path, stichtag: date, areas: Iterable[Area], shares: dict[str, float]
) -> Path:
    """The table of one Stichtag, for the areas of Kreis depth and above."""
    target.mkdir(parents=True, exist_ok=True)
    old_table = stichtag.year <= 2014
    code = "22151-01-01-4" if old_table else "22151-01-02-4"
    ages = GRUSI_ALTER_BIS_2014 if old_table else GRUSI_ALTER_AB_2015
    pad = [""] * 14
    lines = [
        [f"GENESIS-Tabelle: {code}"],
        ["Empfänger von Grundsicherung im Alter und bei", *pad],
        ["Erwerbsminderung - Stichtag 31.12. -" if old_table else "Erwerbsminderung -", *pad],
        ["regionale Tiefe: Kreise und krfr. Städte" + (" (bis 2014)" if old_table else ""), *pad],
        ["Statistik der Empfänger von Grundsicherung", *pad],
        ["", "", "", "", *["Empfänger von Grundsicherung"] * 11],
        [
            "",
            "",
            "",
            "",
            *["Insgesamt"] * 3,
            *["außerhalb von Einrichtungen"] * 3,
            *["in Einrichtungen"] * 3,
            "Deutsche",
            "Ausländer(innen)",
        ],
        ["", "", "", "", *(["Insgesamt", *ages.parts] * 3), "", ""],
        ["", "", "", "", *["Anzahl"] * 11],
    ]
    when = f"{stichtag:%d.%m.%Y}" if old_table else str(stichtag.year)
    for area in areas:
        if area.depth > 3:
            continue
        share = shares.get(area.key, OUTSIDE_RUHR_SHARE)
        men, women = _recipients(area, 0, share), _recipients(area, 1, share)
        both = [m + w for m, w in zip(men, women, strict=True)]
        for sex, values in (("männlich", men), ("weiblich", women), ("Insgesamt", both)):
            cells = [_publish(value, stichtag.year) for value in values]
            if (area.key, stichtag.year, sex) == SECRET[:3]:
                cells[SECRET[3]] = "."
            lines.append([when, area.key, INDENT[area.depth] + area.name, sex, *cells])
    notes = [
        '"zu ""Tabelle insgesamt"":',
        "Die Empfängerinnen und Empfänger von Grundsicherung",
        "im Alter und bei Erwerbsminderung nach dem SGB XII werden",
        "auf Ebene der Bundesländer nach dem Ort des Trägers der",
        "Leistung (Trägerprinzip) und auf Ebene der Kreise und",
        "kreisfreien Städte nach dem Hauptwohnsitz der Empfänge-",
        "rinnen und Empfänger der Leistung (Wohnsitzprinzip) nach-",
        'gewiesen."',
    ]
    if stichtag.year >= ROUNDED_FROM:
        notes[-1] = "gewiesen."
        notes += [
            "Ab dem 1. Berichtsquartal 2020 erfolgt die Veröffentlichung",
            "der Ergebnisse unter Einsatz des Geheimhaltungsverfahrens",
            'der 5er-Rundung."',
        ]
    lines += [
        ["__________"],
        *([note] for note in notes),
        [f'"© Statistische Ämter des Bundes und der Länder, Deutschland, {stichtag.year + 1}.'],
        ["Dieses Werk ist lizensiert unter der Datenlizenz Deutschland"],
        ['- Namensnennung - Version 2.0."'],
        [f"Stand: 14.06.{stichtag.year + 1} / 10:47:46"],
    ]
    path = target / f"{code}_{stichtag.isoformat()}.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.writelines(";".join(fields) + "\n" for fields in lines)
    return path
