"""Disclosure control against hand calculations from sample files changed the way real deliveries look,
and the iterative attack on every level, indicator and period.

One copy of the refreshed sample gets, in one refresh:
- the BA workbook of December 2023 with Breckerfeld's Arbeitslose unter 25 withheld (`*`), a Kreis row
  for the Ennepe-Ruhr-Kreis carrying the Kreis totals (the withheld count included, as a source that
  publishes its own totals has it), and Sprockhövel's Arbeitslose printed as `-` (exactly nothing);
- the Gesundheitsamt Bottrop's Schuleingangsuntersuchung 2022 with 4 overweight children: a kreisfreie
  Stadt below the minimum of 10 hides its Gemeinde and its Kreis, while the Ruhr total is published.
The layout of a Kreis row in a BA workbook is not verified against a real workbook (neither are the
workbook layouts in ingest/ba_xlsx.py): the row is written in the layout of its Gemeinde rows.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from pathlib import Path

import duckdb
import openpyxl
import pytest

from ingest.ba_xlsx import LAYOUTS, BaWorkbook
from ingest.city_csv import CityCsvFile
from ingest.city_mapping import CITIES_DIR, load_city_mapping
from ingest.geography import RuhrGeography
from ingest.submission import SubmissionFile
from orchestration.refresh import run_refresh
from sozialmonitor.settings import DataPaths
from tests.attack import disclosed, exact_groups, read_table
from tests.support import copy_of, published

BA_2023 = Path("ba_gemeindedaten") / "gemeindedaten_nrw_2023-12.xlsx"
BA_2016 = Path("ba_gemeindedaten") / "gemeindedaten_nrw_2016-12.xlsx"
SEU_BOTTROP_2022 = Path("kommunale_meldungen_bottrop") / "gesundheitsamt_05512_seu_2022.csv"
DEC_2023, DEC_2016, SEU_2022 = date(2023, 12, 31), date(2016, 12, 31), date(2022, 8, 1)
EN_KREIS, BRECKERFELD, SPROCKHOEVEL = "05954", "05954004", "05954028"
BOTTROP_KREIS, BOTTROP = "05512", "05512000"
WITHHELD = ("arbeitslose_unter_25",)
NOTHING = ("arbeitslose_unter_25", "arbeitslose_sgb2", "arbeitslose_sgb3")


def edit_ba_workbook(path: Path) -> None:
    """Breckerfeld's count withheld, Sprockhövel's printed as nothing, and the Ennepe-Ruhr-Kreis's
    totals in a Kreis row above its first Gemeinde (the totals include what was withheld)."""
    layout = LAYOUTS[1]  # the workbooks since 2021: key and name in one cell
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    rows = {str(row[0].value).split()[0]: row[0].row for row in sheet.iter_rows() if row[0].value}
    totals = {
        measure: sum(
            sheet.cell(rows[ags], position + 1).value
            for ags in rows
            if ags.startswith(EN_KREIS) and len(ags) == 8
        )
        for measure, position in layout.measures.items()
    }
    for measure, position in layout.measures.items():
        if measure in WITHHELD:
            sheet.cell(rows[BRECKERFELD], position + 1).value = "*"
        if measure in NOTHING:
            totals[measure] -= sheet.cell(rows[SPROCKHOEVEL], position + 1).value
            sheet.cell(rows[SPROCKHOEVEL], position + 1).value = "-"
    first = rows[BRECKERFELD]
    sheet.insert_rows(first)
    sheet.cell(first, 1).value = f"{EN_KREIS} Ennepe-Ruhr-Kreis"
    for measure, position in layout.measures.items():
        sheet.cell(first, position + 1).value = totals[measure]
    book.save(path)


def edit_seu_file(path: Path) -> None:
    """Bottrop's overweight children of 2022 set to 4, below the catalog's minimum of 10."""
    text = path.read_text(encoding="utf-8")
    [line] = [line for line in text.splitlines() if ";seu_uebergewicht;" in line]
    path.write_text(text.replace(line, line.rsplit(";", 1)[0] + ";4"), encoding="utf-8")


@pytest.fixture(scope="module")
def changed_sample(refreshed_sample: DataPaths, tmp_path_factory: pytest.TempPathFactory) -> DataPaths:
    with pytest.MonkeyPatch.context() as monkeypatch:
        paths = copy_of(refreshed_sample, tmp_path_factory.mktemp("disclosure") / "data", monkeypatch)
        edit_ba_workbook(paths.landing / BA_2023)
        edit_seu_file(paths.landing / SEU_BOTTROP_2022)
        outcome = run_refresh(paths)
        assert outcome.success and outcome.published, outcome.failures
    return paths


def ba_counts(paths: DataPaths, file: Path) -> dict[str, dict[str, tuple[int | None, str]]]:
    """Area key -> BA measure -> (count, reader status), from the workbook as the reader returns it."""
    counts: dict[str, dict[str, tuple[int | None, str]]] = defaultdict(dict)
    for row in BaWorkbook(paths.landing / file).rows():
        counts[row.area_key][row.measure] = (row.anzahl, row.status)
    return counts


def facts(paths: DataPaths, indicator: str, period: date) -> dict[str, tuple]:
    rows = published(
        paths,
        "select area_id, numerator, value, status, suppression from marts.fct_indicator_values "
        "where indicator_id = ? and period = ?",
        [indicator, period],
    )
    return {area: tuple(rest) for area, *rest in rows}


def test_a_zero_the_source_printed_as_nothing_is_published(changed_sample: DataPaths) -> None:
    """Sprockhövel's `-` is an exact zero, not a small count: published, also as the sum of two `-`."""
    sprockhoevel = ba_counts(changed_sample, BA_2023)[SPROCKHOEVEL]
    assert [sprockhoevel[measure] for measure in NOTHING] == [(0, "nil")] * len(NOTHING)
    # the Arbeitslosenanteil counts SGB II `-` + SGB III `-`: a sum of published zeros
    for indicator in ("jugendarbeitslosenanteil", "arbeitslosenanteil"):
        numerator, value, status, suppression = facts(changed_sample, indicator, DEC_2023)[SPROCKHOEVEL]
        assert (numerator, value, status, suppression) == (0, 0.0, "ok", None), indicator
    [(flag,)] = published(
        changed_sample,
        "select published_zero from marts.fct_indicator_values where indicator_id = 'arbeitslosenanteil' "
        "and area_id = ? and period = ?",
        [SPROCKHOEVEL, DEC_2023],
    )
    assert flag is True


def test_a_withheld_gemeinde_does_not_hide_the_kreis_total_its_source_publishes(
    changed_sample: DataPaths,
) -> None:
    counts = ba_counts(changed_sample, BA_2023)
    assert counts[BRECKERFELD]["arbeitslose_unter_25"] == (None, "suppressed")
    kreis_total = counts[EN_KREIS]["arbeitslose_unter_25"][0]
    ruhr_gemeinden = RuhrGeography.from_seeds().gemeinde_keys
    ruhr_total = kreis_total + sum(
        measures["arbeitslose_unter_25"][0]
        for ags, measures in counts.items()
        if ags in ruhr_gemeinden and not ags.startswith(EN_KREIS)
    )
    with duckdb.connect(str(changed_sample.build_db), read_only=True) as con:
        [origin] = con.execute(
            "select origin, value from intermediate.int_measures where area_id = ? and period = ? "
            "and measure_id = 'arbeitslose_unter_25'",
            [EN_KREIS, DEC_2023],
        ).fetchall()
    assert origin == ("delivered", kreis_total)  # the workbook's Kreis row, not a sum of its Gemeinden
    values = facts(changed_sample, "jugendarbeitslosenanteil", DEC_2023)
    assert values[EN_KREIS][0] == kreis_total and values[EN_KREIS][2] == "ok"
    assert values["ruhr"][0] == ruhr_total and values["ruhr"][2] == "ok"
    assert values[BRECKERFELD] == (None, None, "suppressed", "source")
    # Kreis total minus the published Gemeinden would give Breckerfeld: the smallest other Gemeinde is
    # hidden too, never Sprockhövel's published zero (hiding a zero the source prints protects nothing)
    others = {
        ags: measures["arbeitslose_unter_25"][0]
        for ags, measures in counts.items()
        if ags.startswith(EN_KREIS) and len(ags) == 8 and ags != BRECKERFELD
    }
    complement = min((count, ags) for ags, count in others.items() if count > 0)[1]
    assert values[complement][2:] == ("suppressed", "secondary")
    hidden = [area for area, row in values.items() if area.startswith(EN_KREIS) and row[2] == "suppressed"]
    assert sorted(hidden) == sorted([BRECKERFELD, complement])


def test_a_withheld_gemeinde_without_a_published_kreis_total_hides_kreis_and_ruhr(
    refreshed_sample: DataPaths,
) -> None:
    """Breckerfeld's `*` of 2016 in a workbook without Kreis rows: no source gives the Kreis, so the Kreis
    and the Ruhr are unknown, and with them hidden no further cell is needed to protect Breckerfeld."""
    counts = ba_counts(refreshed_sample, BA_2016)
    assert counts[BRECKERFELD]["arbeitslose_unter_25"] == (None, "suppressed")
    assert not [key for key in counts if len(key) == 5]
    values = facts(refreshed_sample, "jugendarbeitslosenanteil", DEC_2016)
    assert values[BRECKERFELD][2:] == ("suppressed", "source")
    assert values[EN_KREIS][2:] == ("suppressed", "source")
    assert values["ruhr"][2:] == ("suppressed", "source")
    for ags, measures in counts.items():
        if ags.startswith(EN_KREIS) and ags != BRECKERFELD:
            assert values[ags][0] == measures["arbeitslose_unter_25"][0], ags


def seu_numerators(paths: DataPaths, year: int, merkmal: str) -> dict[str, int]:
    """Gemeinde -> count of one Merkmal, from every Gesundheitsamt's file of the year."""
    geography = RuhrGeography.from_seeds()
    counts = {}
    for path in paths.landing.glob(f"kommunale_meldungen_*/gesundheitsamt_*_seu_{year}.*"):
        for row in SubmissionFile(path, geography).rows():
            if row.merkmal == merkmal:
                counts[row.area_id] = row.anzahl
    return counts


def test_a_hidden_kreis_cannot_be_recovered_across_two_levels(changed_sample: DataPaths) -> None:
    """Bottrop (4 overweight children) is hidden as Gemeinde and as Kreis. The Ruhr is published, so one
    more Kreis must go: the smallest. It is a kreisfreie Stadt, whose Gemeinde row carries the same count,
    so that Gemeinde must go too, or Bottrop = Ruhr - the other Kreise, one of them read off its Gemeinde."""
    gemeinden = seu_numerators(changed_sample, 2022, "seu_uebergewicht")
    assert gemeinden[BOTTROP] == 4
    kreise: dict[str, int] = defaultdict(int)
    for ags, count in gemeinden.items():
        kreise[ags[:5]] += count
    values = facts(changed_sample, "seu_uebergewicht_anteil", SEU_2022)
    assert values[BOTTROP][2:] == ("suppressed", "primary")
    assert values[BOTTROP_KREIS][2:] == ("suppressed", "primary")
    assert values["ruhr"][0] == sum(kreise.values()) and values["ruhr"][2] == "ok"
    smallest = min((count, kreis) for kreis, count in kreise.items() if kreis != BOTTROP_KREIS)[1]
    assert values[smallest][2:] == ("suppressed", "secondary")
    its_gemeinden = [ags for ags in gemeinden if ags.startswith(smallest)]
    assert its_gemeinden == [f"{smallest}000"]  # a kreisfreie Stadt
    assert values[its_gemeinden[0]][2:] == ("suppressed", "secondary")
    hidden_kreise = [area for area, row in values.items() if len(area) == 5 and row[2] == "suppressed"]
    assert sorted(hidden_kreise) == sorted([BOTTROP_KREIS, smallest])


def true_numerators(paths: DataPaths) -> dict[tuple, int | None]:
    with duckdb.connect(str(paths.build_db), read_only=True) as con:
        rows = con.execute(
            "select indicator_id, area_id, period, numerator from intermediate.int_indicator_values"
        ).fetchall()
    return {(indicator, area, period): numerator for indicator, area, period, numerator in rows}


def test_the_attack_is_real_and_recovers_nothing_from_the_publication(changed_sample: DataPaths) -> None:
    """Before secondary suppression (primary and source suppression only) the iterative attack recovers
    hidden counts, and the true ones; from the published table it recovers none, on any level."""
    paths = changed_sample
    groups = exact_groups(paths.build_db)
    recovered = disclosed(read_table(paths.build_db, "intermediate.int_indicator_values"), groups)
    truth = true_numerators(paths)
    # Sonsbeck's overweight children of 2023 (below 10) = Kreis Wesel minus its other Gemeinden
    sonsbeck = ("seu_uebergewicht_anteil", "05170040", date(2023, 8, 1))
    assert recovered[sonsbeck] == seu_numerators(paths, 2023, "seu_uebergewicht")["05170040"] < 10
    # Bottrop's Kreis = the Ruhr minus the other 14 Kreise, and its Gemeinde the same count
    assert recovered[("seu_uebergewicht_anteil", BOTTROP_KREIS, SEU_2022)] == 4
    assert recovered[("seu_uebergewicht_anteil", BOTTROP, SEU_2022)] == 4
    known = {cell for cell in recovered if truth[cell] is not None}  # a withheld count is unknown here too
    assert {cell: recovered[cell] for cell in known} == {cell: truth[cell] for cell in known}
    assert disclosed(read_table(paths.published_db, "marts.fct_indicator_values"), groups) == {}


def test_small_areas_are_an_equation_only_where_they_add_up(refreshed_sample: DataPaths) -> None:
    """Duisburg's Stadtbezirke against the BA's count for the city (SGB II under 15): where the city's
    counts do not add up to the official one, total minus the published Bezirke is an estimate, no
    equation; where the city withheld one (2015, `*`), the platform cannot tell and assumes one."""
    mapping = load_city_mapping(CITIES_DIR / "duisburg.yml")
    expected = set()
    for year in range(2014, 2024):
        rows = CityCsvFile(
            refreshed_sample.landing / "stadt_duisburg" / f"duisburg_kleinraeume_{year}.csv", mapping
        )
        bezirke = [row.anzahl for row in rows.rows() if row.measure == "sgb2_unter_15"]
        city = ba_counts(refreshed_sample, Path("ba_gemeindedaten") / f"gemeindedaten_nrw_{year}-12.xlsx")
        if None in bezirke or sum(bezirke) == city["05112000"]["sgb2_nef_unter_15"][0]:
            expected.add(date(year, 12, 31))
    assert expected == {date(2015, 12, 31)}
    with duckdb.connect(str(refreshed_sample.build_db), read_only=True) as con:
        groups = con.execute(
            "select distinct period from intermediate.int_disclosure_groups "
            "where indicator_id = 'sgb2_quote_unter_15' and group_area_id = '05112000/stadtbezirk'"
        ).fetchall()
    assert {period for (period,) in groups} == expected
    values = facts(refreshed_sample, "sgb2_quote_unter_15", date(2015, 12, 31))
    hidden = {
        area: row[3]
        for area, row in values.items()
        if area.startswith("05112000-") and row[2] == "suppressed"
    }
    assert sorted(hidden.values()) == ["secondary", "source"]
