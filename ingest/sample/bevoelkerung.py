"""The population sample in the two real layouts of the Regionaldatenbank (ingest/layouts.py).

- 12411-03-03-4 (Kreis depth: Deutschland, the Länder, Regierungsbezirke, Kreise; 21 age groups by
  nationality and sex): as downloaded from the website until 2022 (`GENESIS-Tabelle:`, `31.12.2015`,
  `Ausländer(innen)`, latin-1 before 2019 and UTF-8 since), and for the newest Stichtag as the REST API
  answers with `language=en` (`Tabelle:`, ISO dates, `Total`, `Ausländer/-innen`, the title wrapped
  inside "regionale Tiefe", an English licence line and `created:`), the differences issue 10 reports.
- 12411-02-03-5 (Gemeinde depth, plus the levels above; 17 age groups by sex; the Stichtag on a line of
  its own above the columns), where a kreisfreie Stadt appears only with its Kreis key (05913), as in
  the real download.

Line by line the files follow the real downloads (datenguide/genesapi-data@75112493,
`src/12411-03-03-4_00.csv` and `src/12411-02-03-5_00.csv`): padding of title lines to the table's
width, names indented by level, `-` for nothing, the footer's quoted notes, licence and `Stand:` line.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ingest.layouts import ALTERSGRUPPEN_17, ALTERSGRUPPEN_21

KREIS_TABLE = "12411-03-03-4"
GEMEINDE_TABLE = "12411-02-03-5"
SOURCE_KREISE = "genesis_12411_bevoelkerung"
SOURCE_GEMEINDEN = "genesis_12411_bevoelkerung_gemeinden"
INDENT = {0: "", 1: "  ", 2: "    ", 3: "      ", 4: "        "}
# The 21 groups of the Kreis table folded into the Gemeinde table's 17: 65–75 and 75 and more.
FOLD_17 = (*((index,) for index in range(15)), (15, 16), (17, 18, 19, 20))

# per age group: [German male, German female, foreign male, foreign female]
Cells = list[list[int]]


@dataclass(frozen=True)
class Area:
    key: str
    name: str  # as GENESIS prints it ("Dortmund, Kreisfreie Stadt", "Marl, Westf")
    depth: int  # 0 Bund, 1 Land, 2 Regierungsbezirk, 3 Kreis, 4 Gemeinde
    cells: Cells
    kreisfrei: bool = False  # a kreisfreie Stadt: in the Gemeinde table only under its Kreis key


def _count(number: int) -> str:
    return str(number) if number else "-"


def _footer(stichtag: date, made: str, english: bool) -> list[list[str]]:
    base = "2022" if stichtag.year >= 2022 else "2011"
    notes = [
        ['"zu ""gesamte Tabelle"":'],
        [f"Berichtsjahr ab {base}: Ergebnisse auf Grundlage des Zensus"],
        [base],
        ['Berlin: Kreistabelle liegt auch für Bezirke vor"'],
    ]
    licence = (
        [
            [f'"© Statistische Ämter des Bundes und der Länder, Deutschland, {stichtag.year + 1}.'],
            ["This work is licensed under the Data licence Germany"],
            ['- attribution - version 2.0."'],
        ]
        if english
        else [
            [f'"© Statistische Ämter des Bundes und der Länder, Deutschland, {stichtag.year + 1}.'],
            ["Dieses Werk ist lizensiert unter der Datenlizenz Deutschland"],
            ['- Namensnennung - Version 2.0."'],
        ]
    )
    return [["__________"], *notes, *licence, [made]]


def _write(path: Path, lines: Sequence[Sequence[str]], encoding: str) -> Path:
    """Lines as the download has them: `;` between fields, quotes only where the text needs them (the
    footer's notes are written verbatim, their quotes included), LF line ends."""
    with path.open("w", encoding=encoding, newline="") as handle:
        for fields in lines:
            handle.write(";".join(fields) + "\n")
    return path


def write_kreis_table(target: Path, stichtag: date, areas: Iterable[Area], *, api: bool = False) -> Path:
    """Table 12411-03-03-4 for one Stichtag: per area its 21 age groups, then the total row."""
    width = 13
    pad = [""] * (width - 1)
    total = "Total" if api else "Insgesamt"
    foreign = "Ausländer/-innen" if api else "Ausländer(innen)"
    if api:
        title = [
            [f"Tabelle: {KREIS_TABLE}"],
            ["Bevölkerungsstand: Bevölkerung nach Geschlecht, Nationalität", *pad],
            ["und Altersgruppen (21) - Stichtag 31.12. - regionale Tiefe: Kreise", *pad],
            ["und krfr. Städte", *pad],
        ]
    else:
        title = [
            [f"GENESIS-Tabelle: {KREIS_TABLE}"],
            ["Bevölkerungsstand: Bevölkerung nach Geschlecht, Nationalität", *pad],
            ["und Altersgruppen (21) - Stichtag 31.12. - (ab 2011)", *pad],
            ["regionale Tiefe: Kreise und krfr. Städte", *pad],
        ]
    title += [["Fortschreibung des Bevölkerungsstandes", *pad], ["Bevölkerungsstand (Anzahl)", *pad]]
    header = [
        ["", "", "", "", *[total] * 3, *["Deutsche"] * 3, *[foreign] * 3],
        ["", "", "", "", *[total, "männlich", "weiblich"] * 3],
    ]
    day = stichtag.isoformat() if api else f"{stichtag:%d.%m.%Y}"
    rows = []
    for area in areas:
        if area.depth > 3:
            continue
        groups = [*area.cells, [sum(column) for column in zip(*area.cells, strict=True)]]
        for label, (dm, dw, am, aw) in zip([*ALTERSGRUPPEN_21, total], groups, strict=True):
            numbers = [dm + dw + am + aw, dm + am, dw + aw, dm + dw, dm, dw, am + aw, am, aw]
            rows.append([day, area.key, INDENT[area.depth] + area.name, label, *map(_count, numbers)])
    made = (
        f"created: {stichtag.year + 1}-06-20 / 09:41:07"
        if api
        else f"Stand: 14.06.{stichtag.year + 1} / 10:12:31"
    )
    encoding = "latin-1" if stichtag.year < 2019 and not api else "utf-8"
    name = f"{KREIS_TABLE}_{stichtag.isoformat()}.csv"
    return _write(target / name, [*title, *header, *rows, *_footer(stichtag, made, api)], encoding)


def write_gemeinde_table(
    target: Path, stichtag: date, areas: Iterable[Area], secret: tuple[str, int] | None = None
) -> Path:
    """Table 12411-02-03-5 for one Stichtag: per area one row of 3 sexes x (17 age groups + total);
    `secret` (key, value index) is printed as "." (kept secret)."""
    width = 2 + 54
    pad = [""] * (width - 1)
    title = [
        [f"GENESIS-Tabelle: {GEMEINDE_TABLE}"],
        ["Bevölkerungsstand: Bevölkerung nach Geschlecht", *pad],
        ["und Altersgruppen (17) - Stichtag 31.12. -", *pad],
        ["regionale Tiefe: Gemeinden, Samt-/Verbandsgemeinden", *pad],
        ["Fortschreibung des Bevölkerungsstandes", *pad],
        ["Bevölkerungsstand (Anzahl)", *pad],
        [f"{stichtag:%d.%m.%Y}", *pad],
    ]
    ages = [*ALTERSGRUPPEN_17, "Insgesamt"]
    header = [
        ["", "", *(sex for sex in ("Insgesamt", "männlich", "weiblich") for _ in ages)],
        ["", "", *["Altersgruppen (unter 3 bis 75 u.m.)"] * 54],
        ["", "", *ages * 3],
    ]
    rows = []
    for area in areas:
        if area.depth == 4 and area.kreisfrei:
            continue
        men = [sum(area.cells[i][0] + area.cells[i][2] for i in fold) for fold in FOLD_17]
        women = [sum(area.cells[i][1] + area.cells[i][3] for i in fold) for fold in FOLD_17]
        men.append(sum(men))
        women.append(sum(women))
        both = [m + w for m, w in zip(men, women, strict=True)]
        cells = [_count(value) for value in [*both, *men, *women]]
        if secret is not None and secret[0] == area.key:
            cells[secret[1]] = "."
        rows.append([area.key, INDENT[area.depth] + area.name, *cells])
    made = f"Stand: 14.06.{stichtag.year + 1} / 11:02:54"
    encoding = "latin-1" if stichtag.year < 2019 else "utf-8"
    name = f"{GEMEINDE_TABLE}_{stichtag.isoformat()}.csv"
    return _write(target / name, [*title, *header, *rows, *_footer(stichtag, made, False)], encoding)
