"""Sample of the soziale Mindestsicherung (22811-01-01-4) and of the two components the other samples do
not carry: laufende Hilfe zum Lebensunterhalt (22121-01-03-4) and Asylbewerberregelleistungen
(22221-01-01-4), each in its real layout (ingest/layouts.py).

Line by line the files follow the real downloads (datenguide/genesapi-data@75112493, `src/<table>_00.csv`,
Stand 10.10.2017): title lines padded to the table's width, the header rows, names indented by level, `-`
for nothing, the footer's notes verbatim, the licence and `Stand:`. One file per Stichtag.

Which years: 22811 up to 31.12.2021, the newest Stichtag the Regionaldatenbank offered on 20.02.2024
(its table list in CorrelAid/pystatis, `src/pystatis/data/regioDB_tables.csv`: 31.12.2010 - 31.12.2021),
so the sample's newest two years have no official total and the Mindestsicherungsquote is computed from
its components there; 22121 and 22221 for every year (that list has 22221 to 2021 as well; the sample
assumes the components come out before the total, as 22151 and the BA's figures do).

The numbers are synthetic but consistent with the other samples, as the real tables are with each other:
22811's SGB II column is the BA's December Regelleistungsberechtigte (for a Ruhr Kreis the sum of its
Gemeinden in the BA workbook, `ingest/sample/ba.py`), its HLU column 22121's "außerhalb von
Einrichtungen", its Grundsicherung 22151's total, its AsylbLG column 22221's total, and its total the sum
of the four (Dortmund 31.12.2015 in the real table: 104311 = 84552 + 1520 + 12629 + 5610). Like 22151,
the HLU and AsylbLG counts are rounded to multiples of 5 from 2020 (IT.NRW's notes to both statistics);
22811 then carries the rounded components and their sum, which was not seen in a real file.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from ingest.geography import RuhrGeography
from ingest.layouts import ALTERSGRUPPEN_6, ASYL_ART, LEISTUNG, SGB2_LEISTUNGSBERECHTIGTE
from ingest.sample.ba import measures
from ingest.sample.bevoelkerung import INDENT, Area
from ingest.sample.grundsicherung import OUTSIDE_RUHR_SHARE, published_total, rounded

SOURCE_22811 = "genesis_22811_mindestsicherung"
SOURCE_22121 = "genesis_22121_hilfe_lebensunterhalt"
SOURCE_22221 = "genesis_22221_asylbewerberleistungen"
LAST_22811 = 2021
KREIS_LINE = "- Stichtag 31.12. - regionale Tiefe: Kreise und krfr. Städte"
# HLU: recipients per inhabitant rising with the share of foreigners, 42 % of them outside institutions,
# the age profile of Dortmund's real recipients on 31.12.2015 (44, 159, 154, 1217, 1227, 877 of 3678).
HLU_AGES = (0.012, 0.043, 0.042, 0.331, 0.334)
HLU_OUTSIDE = 0.42
# AsylbLG: the wave of 2015 (Deutschland in the real 22811: 362,850 recipients in 2014, 974,551 in 2015),
# relative to 2015; the age profile of Dortmund's recipients on 31.12.2015 (753, 862, 1435, 2330, 195, 35).
ASYL_YEARS = {2014: 0.37, 2015: 1.0, 2016: 0.75, 2017: 0.48, 2018: 0.42, 2019: 0.39, 2020: 0.4, 2021: 0.41}
ASYL_LATER, ASYL_EARLIER = 0.5, 0.2  # after 2021, before 2014
ASYL_AGES = (0.134, 0.154, 0.256, 0.415, 0.035)


def _text(value: int) -> str:
    return str(value) if value else "-"


def _split(total: int, shares: Sequence[float]) -> list[int]:
    """`total` over len(shares) + 1 groups: the last takes the rest, so the groups add up exactly."""
    parts = [round(total * share) for share in shares]
    return [*parts, total - sum(parts)]


def _people(cells: list[list[int]]) -> tuple[int, float]:
    """Inhabitants and foreigners' share, as the BA sample derives them (`generate.city_totals`)."""
    people = sum(sum(group) for group in cells)
    return people, sum(group[2] + group[3] for group in cells) / people if people > 0 else 0.0


def sgb2(area: Area, gemeinden: Sequence[Area]) -> tuple[int, int]:
    """Regelleistungsberechtigte and erwerbsfähige Leistungsberechtigte in December: a Ruhr Kreis as the
    sum of its Gemeinden in the BA workbook, any other area by the same rates on its own population."""
    counted = gemeinden or [area]
    figures = [measures(*_people(part.cells)) for part in counted]
    return (
        sum(figure["sgb2_regelleistungsberechtigte"] for figure in figures),
        sum(figure["sgb2_elb"] for figure in figures),
    )


def hlu_cells(area: Area, year: int) -> list[int]:
    """The ten columns of 22121-01-03-4: Insgesamt, weiblich, Ausländer, außerhalb von Einrichtungen,
    six age groups."""
    people, foreign = _people(area.cells)
    noise = random.Random(f"hlu:{area.key}:{year}").uniform(0.95, 1.05)
    trend = max(0.5, 1 + 0.02 * (year - 2014))  # slowly rising; long benchmark series stay positive
    total = round(people * (0.004 + 0.012 * foreign) * trend * noise)
    return [
        total,
        round(total * 0.5),
        round(total * min(0.9, 0.5 * foreign)),
        round(total * HLU_OUTSIDE),
        *_split(total, HLU_AGES),
    ]


def asyl_cells(area: Area, year: int) -> list[int]:
    """The ten columns of 22221-01-01-4: Insgesamt, weiblich, Grundleistungen, laufende Hilfe zum
    Lebensunterhalt, six age groups."""
    people, foreign = _people(area.cells)
    wave = ASYL_YEARS.get(year, ASYL_LATER if year > max(ASYL_YEARS) else ASYL_EARLIER)
    noise = random.Random(f"asyl:{area.key}:{year}").uniform(0.9, 1.1)
    total = round(people * (0.006 + 0.03 * foreign) * wave * noise)
    basic = round(total * (0.85 if year <= 2016 else 0.55))  # § 2 AsylbLG Analogleistungen after 15 months
    return [total, round(total * 0.34), basic, total - basic, *_split(total, ASYL_AGES)]


def _write(
    folder: Path,
    code: str,
    stichtag: date,
    title: Sequence[str],
    header: Sequence[Sequence[str]],
    rows: Sequence[Sequence[str]],
    footer: Sequence[str],
) -> Path:
    """One table as the download has it, title lines padded to the width of its rows."""
    width = len(header[-1])
    lines = [
        [f"GENESIS-Tabelle: {code}"],
        *([line, *[""] * (width - 1)] for line in title),
        *header,
        *rows,
        ["__________"],
        *([line] for line in footer),
    ]
    path = folder / f"{code}_{stichtag.isoformat()}.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.writelines(";".join(fields) + "\n" for fields in lines)
    return path


def _licence(stichtag: date, made: str) -> list[str]:
    return [
        f'"© Statistische Ämter des Bundes und der Länder, Deutschland, {stichtag.year + 1}.',
        "Dieses Werk ist lizensiert unter der Datenlizenz Deutschland",
        '- Namensnennung - Version 2.0."',
        f"Stand: 14.06.{stichtag.year + 1} / {made}",
    ]


def _areas(areas: Sequence[Area]) -> list[tuple[Area, list[Area]]]:
    """Areas of Kreis depth and above, each Ruhr Kreis with its Gemeinden (the BA counts those)."""
    ruhr = RuhrGeography.from_seeds().kreis_keys
    gemeinden = [area for area in areas if area.depth == 4]
    return [
        (area, [part for part in gemeinden if part.key[:5] == area.key] if area.key in ruhr else [])
        for area in areas
        if area.depth <= 3
    ]


def _table_rows(
    stichtag: date, areas: Sequence[Area], shares: dict[str, float]
) -> tuple[list[list[str]], list[list[str]], list[list[str]]]:
    """The data rows of 22121, 22221 and 22811 at one Stichtag, computed together because 22811's
    columns are the other tables' (and the BA's and 22151's) published figures."""
    year, day = stichtag.year, f"{stichtag:%d.%m.%Y}"
    hlu_rows, asyl_rows, total_rows = [], [], []
    for area, gemeinden in _areas(areas):
        label = [day, area.key, INDENT[area.depth] + area.name]
        hlu = [rounded(value, year) for value in hlu_cells(area, year)]
        asyl = [rounded(value, year) for value in asyl_cells(area, year)]
        hlu_rows.append([*label, *map(_text, hlu)])
        asyl_rows.append([*label, *map(_text, asyl)])
        rlb, elb = sgb2(area, gemeinden)
        grusi = published_total(area, shares.get(area.key, OUTSIDE_RUHR_SHARE), year)
        components = [rlb, hlu[3], grusi, asyl[0]]
        total_rows.append([*label, *map(_text, [sum(components), rlb, elb, rlb - elb, *components[1:]])])
    return hlu_rows, asyl_rows, total_rows


def write_mindestsicherung(
    landing_dir: Path, stichtag: date, areas: Sequence[Area], shares: dict[str, float]
) -> list[Path]:
    """22121 and 22221 of one Stichtag, and 22811 up to LAST_22811, into their landing folders."""
    folders = {source: landing_dir / source for source in (SOURCE_22811, SOURCE_22121, SOURCE_22221)}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    hlu_rows, asyl_rows, total_rows = _table_rows(stichtag, areas, shares)
    written = [
        _write(
            folders[SOURCE_22121],
            "22121-01-03-4",
            stichtag,
            [
                "Empfänger(innen) von laufender Hilfe zum Lebensunterhalt",
                KREIS_LINE,
                "(ab 2005)",
                "Statistik d. Empf. v.lfd. Hilfe z. Lebensunterhalt",
            ],
            [
                ["", "", "", *["Empfänger(innen) von Sozialhilfe"] * 10],
                ["", "", "", "", "weiblich", "Ausländer(innen)", "außerhalb von Einrichtungen"]
                + ["Altersgruppe"] * 6,
                ["", "", "", "", "", "", "", *ALTERSGRUPPEN_6.parts],
                ["", "", "", *["Anzahl"] * 10],
            ],
            hlu_rows,
            [*HLU_NOTES, *_licence(stichtag, "12:46:24")],
        ),
        _write(
            folders[SOURCE_22221],
            "22221-01-01-4",
            stichtag,
            [
                "Empfänger von Asylbewerberregelleistungen,",
                "Geschlecht, Art der Leistung, Altersgruppen",
                KREIS_LINE,
                "Empfänger von Asylbewerberregelleistungen",
            ],
            [
                ["", "", "", *["Regelleistungsempfänger"] * 10],
                ["", "", "", "", "weiblich", *ASYL_ART.parts, *ALTERSGRUPPEN_6.parts],
                ["", "", "", *["Anzahl"] * 10],
            ],
            asyl_rows,
            [*ASYL_NOTES, *_licence(stichtag, "18:22:35")],
        ),
    ]
    if stichtag.year <= LAST_22811:
        written.append(
            _write(
                folders[SOURCE_22811],
                "22811-01-01-4",
                stichtag,
                [
                    "Sozialberichterstattung in der amtlichen Statistik,",
                    LEISTUNG.total,
                    KREIS_LINE,
                    "Sozialberichterstattung in der amtlichen Statistik",
                ],
                [
                    ["", "", "", LEISTUNG.total, *["Davon"] * 6],
                    ["", "", "", "", *[LEISTUNG.parts[0]] * 3, *LEISTUNG.parts[1:]],
                    ["", "", "", "", SGB2_LEISTUNGSBERECHTIGTE.total, *SGB2_LEISTUNGSBERECHTIGTE.parts]
                    + [""] * 3,
                    ["", "", "", *["Anzahl"] * 7],
                ],
                total_rows,
                [*MINDESTSICHERUNG_NOTES, *_licence(stichtag, "15:27:32")],
            )
        )
    return written


# The footers' notes, verbatim from the real downloads (quotes as they stand in the file).
MINDESTSICHERUNG_NOTES = (
    '"zu ""gesamter Tabelle"":',
    "Deutschlandergebnis (31.12.2010): ohne Korrekturlieferung",
    'aus Nordrhein-Westfalen"',
)
HLU_NOTES = (
    '"zu ""Tabelle insgesamt"":',
    "Hessen: Landessumme einschl. Landeswohlfahrtsverband",
    "Baden-Württemberg, Hessen (2005 - 2009): Empfänger nach dem",
    "Sitz des Trägers",
    "Berlin 2005: Umstellungsbedingte Untererfassung bei",
    "Empfängern/-innen in Einrichtungen",
    " ",
    'zu ""Empfänger insgesamt"":',
    "Bremen (bis 2006): nur Empfänger außerhalb von",
    "Einrichtungen",
    " ",
    'zu ""Empfänger weiblich"":',
    "Bremen (bis 2006): nur Empfänger außerhalb von",
    "Einrichtungen",
    " ",
    'zu ""Empfänger Ausländer"":',
    "Bremen (bis 2006): nur Empfänger außerhalb von",
    "Einrichtungen",
    " ",
    'zu ""Empfänger davon im Alter von ... bis unter ... Jahren"":',
    "Bremen (bis 2006): nur Empfänger außerhalb von",
    'Einrichtungen"',
)
ASYL_NOTES = (
    '"zu ""gesamter Tabelle"":',
    "Deutschlandergebnis (31.12.2010): ohne Korrekturlieferung",
    "aus Nordrhein-Westfalen",
    "Baden-Württemberg (Berichtsjahr 1995-2010): Gebietsstand",
    "01.01.1979",
    "Baden-Württemberg (ab Berichtsjahr 2011): Gebietsstand",
    "01.01.2011",
    "Nordrhein-Westfalen: Landesergebnisse einschließlich der",
    "Empfänger/-innen, die ihre Leistungen von den überörtlichen",
    "Trägern erhalten",
    "Berlin: Landesergebnis einschl. Zentrale Leistungsstelle für",
    "Asylbewerber und Zentrale Aufnahmestelle für Asylbewerber",
    "Brandenburg: LK Oder-Spree (12067) einschl. des überört-",
    "lichen Trägers",
    "Saarland: Im Saarlandergebnis sind die Leistungsempfänger",
    "der Landesaufnahmestelle enthalten. Die Summe der",
    "Kreisergebnisse ergibt deswegen im Allgemeinen nicht das",
    'Landesergebnis."',
)
