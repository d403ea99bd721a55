"""Sample of the Bundesagentur für Arbeit Gemeinde workbooks (.xlsx), December of each year.

Written with the layouts the reader knows (`ingest/ba_xlsx.py`): until 2020 the older one (key and
name in separate columns, SGB II first), from 2021 the newer one (key and name in one cell,
Arbeitslose first) — the layout change between years the real workbooks have. Title block with the
reporting month, group labels over merged cells, footnotes below the data, `*` for a suppressed cell.
Rates are plausible, not real: SGB II rises with the Gemeinde's share of foreigners.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import openpyxl

from ingest.ba_xlsx import LAYOUTS, MONTH_NAMES, BaLayout
from ingest.sample.xlsx import save_reproducibly

SOURCE_ID = "ba_gemeindedaten"
SUPPRESSED = ("05954004", "arbeitslose_unter_25", 2016)  # Breckerfeld: too few to publish
OUTSIDE_RUHR = (("05111000", "Düsseldorf, Stadt", 631_000, 0.23), ("05154004", "Bedburg-Hau", 13_200, 0.07))


def measures(people: int, foreign_share: float) -> dict[str, int]:
    """Plausible SGB II and Arbeitslose figures for a Gemeinde of `people` inhabitants."""
    rlb = round(people * 0.8 * (0.02 + 0.75 * foreign_share))
    elb = round(rlb * 0.72)
    sgb2 = round(elb * 0.38)
    sgb3 = round(people * 0.64 * 0.022)
    return {
        "sgb2_bedarfsgemeinschaften": round(rlb / 1.85),
        "sgb2_regelleistungsberechtigte": rlb,
        "sgb2_elb": elb,
        "sgb2_nef_unter_15": round((rlb - elb) * 0.93),
        "arbeitslose_sgb2": sgb2,
        "arbeitslose_sgb3": sgb3,
        "arbeitslose_unter_25": round((sgb2 + sgb3) * 0.09),
    }


def write_ba_workbook(landing_dir: Path, month: date, gemeinden: list[tuple[str, str, int, float]]) -> Path:
    """One workbook for one reporting month; `gemeinden` holds AGS, name, inhabitants, foreigners' share."""
    layout: BaLayout = LAYOUTS[0] if month.year <= 2020 else LAYOUTS[1]
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Gemeinden"
    sheet.append(["Grundsicherung für Arbeitsuchende (SGB II) und Arbeitslose nach Gemeinden"])
    sheet.append(["Land: Nordrhein-Westfalen"])
    sheet.append([f"Berichtsmonat: {MONTH_NAMES[month.month - 1]} {month.year}"])
    sheet.append([])
    header_line = sheet.max_row + 1
    sheet.append(
        [
            group if index == 0 or layout.header[index - 1][0] != group else None
            for index, (group, _) in enumerate(layout.header)
        ]
    )
    sheet.append([label or None for _, label in layout.header])
    for index, (group, _) in enumerate(layout.header):
        if index and layout.header[index - 1][0] == group:
            continue
        span = sum(1 for other, _ in layout.header[index:] if other == group)
        if span > 1:
            sheet.merge_cells(
                start_row=header_line, start_column=index + 1, end_row=header_line, end_column=index + span
            )
    for ags, name, people, share in [*gemeinden, *[(a, n, p, s) for a, n, p, s in OUTSIDE_RUHR]]:
        values = measures(people, share)
        row: list[object] = [None] * len(layout.header)
        if layout.name_column is None:
            row[layout.key_column] = f"{ags} {name}"
        else:
            row[layout.key_column], row[layout.name_column] = ags, name
        for measure, position in layout.measures.items():
            row[position] = "*" if (ags, measure, month.year) == SUPPRESSED else values[measure]
        if layout.name == "ba_gemeinden_2021":
            row[7] = values["sgb2_regelleistungsberechtigte"] - values["sgb2_elb"]
        sheet.append(row)
    sheet.append([])
    sheet.append(["© Statistik der Bundesagentur für Arbeit"])
    sheet.append(
        [
            "*) Aus Datenschutzgründen und Gründen der statistischen Geheimhaltung werden Zahlenwerte "
            "von 1 oder 2 und Daten, aus denen rechnerisch auf einen solchen Zahlenwert geschlossen "
            "werden kann, anonymisiert."
        ]
    )
    folder = landing_dir / SOURCE_ID
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"gemeindedaten_nrw_{month:%Y-%m}.xlsx"
    published = datetime(month.year + (month.month == 12), month.month % 12 + 1, 15, 8, 0)
    return save_reproducibly(workbook, path, published)
