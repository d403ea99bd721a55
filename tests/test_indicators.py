"""Every core indicator against a hand calculation from the sample files, upward sums, the marts.

The expected values are computed here from the landing files as the readers of `ingest/` return them
(their own golden tests pin them to the files), with nothing but Python arithmetic: none of the
warehouse's SQL (staging, measures, pairing, rounding) is reused.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date

import pytest

from expectations.catalog import load_catalog
from ingest.ba_xlsx import BaWorkbook
from ingest.city_csv import CityCsvFile
from ingest.city_mapping import CITIES_DIR, load_city_mapping
from ingest.genesis import DatencsvFile
from ingest.geography import RuhrGeography
from ingest.layouts import layout
from ingest.submission import SubmissionFile
from sozialmonitor.cli import main
from sozialmonitor.settings import DataPaths
from tests.attack import disclosed, exact_groups, read_table
from tests.support import published

Y2023, Y2022, Y2018 = date(2023, 12, 31), date(2022, 12, 31), date(2018, 12, 31)


def lower_bound(label: str) -> int:
    return 0 if label.startswith("unter") else int(label.split()[0])


def population(paths: DataPaths, stichtag: date, area: str) -> dict[str, int]:
    """Age bands of one area, from the table published at its depth: a Gemeinde (8 digits) from
    12411-02-03-5, where a kreisfreie Stadt is printed under its Kreis key; a Kreis from 12411-03-03-4,
    which alone has the nationality. 'lo-hi' keys are summed from the table's age groups."""
    groups: dict[int, int] = {}
    foreign = None
    if len(area) == 8:
        path = paths.landing / "genesis_12411_bevoelkerung_gemeinden" / f"12411-02-03-5_{stichtag}.csv"
        export = DatencsvFile(path, layout("12411-02-03-5"))
        key = area[:5] if area.endswith("000") else area
        for row in export.rows():
            if row.area_key == key:
                for (sex, age), value in zip(export.columns, row.values, strict=True):
                    if sex == "Insgesamt" and age != "Insgesamt":
                        groups[lower_bound(age)] = value
    else:
        path = paths.landing / "genesis_12411_bevoelkerung" / f"12411-03-03-4_{stichtag}.csv"
        export = DatencsvFile(path, layout("12411-03-03-4"))
        foreign = 0
        for row in export.rows():
            if row.area_key == area and row.labels[0] != "Insgesamt":
                cells = dict(zip(export.columns, row.values, strict=True))
                groups[lower_bound(row.labels[0])] = cells[("Insgesamt", "Insgesamt")]
                foreign += cells[("Ausländer", "Insgesamt")]

    def band(low: int, high: int = 999) -> int:
        return sum(count for start, count in groups.items() if low <= start < high)

    return {
        "total": band(0),
        "foreign": foreign,
        "u3": band(0, 3),
        "3-6": band(3, 6),
        "u15": band(0, 15),
        "u18": band(0, 18),
        "u20": band(0, 20),
        "15-25": band(15, 25),
        "15-65": band(15, 65),
        "20-65": band(20, 65),
        "u65": band(0, 65),
        "65+": band(65),
        "65-70": band(65, 70),
        "70+": band(70),
    }


def ba(paths: DataPaths, month: str) -> dict[str, dict[str, int]]:
    """Gemeinde -> BA measure -> count, from the month's workbook."""
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for row in BaWorkbook(paths.landing / "ba_gemeindedaten" / f"gemeindedaten_nrw_{month}.xlsx").rows():
        counts[row.area_key][row.measure] = row.anzahl
    return counts


def grundsicherung(paths: DataPaths, area: str) -> dict[str, int]:
    """Age group -> recipients of one area at 31.12.2023 (both sexes, all places, all nationalities)."""
    path = paths.landing / "genesis_22151_grundsicherung" / "22151-01-02-4_2023-12-31.csv"
    # the registry's rounding: since 2020 every cell is rounded to a multiple of 5 on its own
    export = DatencsvFile(path, layout("22151-01-02-4"), rounding=lambda _: 5)
    counts: dict[str, int] = {}
    for row in export.rows():
        if row.area_key == area and row.labels == ("Insgesamt",):
            for (ort, age, nationality), value in zip(export.columns, row.values, strict=True):
                if (ort, nationality) == ("Insgesamt", "Insgesamt"):
                    counts[age] = value
    return counts


def submissions(paths: DataPaths, body: str, file: str) -> dict[str, dict[str, int]]:
    rows = SubmissionFile(
        paths.landing / f"kommunale_meldungen_{body}" / file, RuhrGeography.from_seeds()
    ).rows()
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for row in rows:
        counts[row.area_id][row.merkmal] = row.anzahl
    return counts


def dortmund_small_area(paths: DataPaths, code: str) -> dict[str, int]:
    mapping = load_city_mapping(CITIES_DIR / "dortmund.yml")
    rows = CityCsvFile(paths.landing / "stadt_dortmund" / "dortmund_kleinraeume_2023.csv", mapping).rows()
    return {row.measure: row.anzahl for row in rows if row.area_code == code}


def share(numerator: int, denominator: int, factor: float, decimals: int) -> tuple[int, int, float]:
    return numerator, denominator, round(numerator / denominator * factor, decimals)


def expected_gemeinde(paths: DataPaths, ags: str, kreis_body: str, kreis: str) -> dict[str, tuple]:
    now, before = population(paths, Y2023, ags), population(paths, Y2018, ags)
    last_year = population(paths, Y2022, ags)
    b = ba(paths, "2023-12")[ags]
    kita = submissions(paths, kreis_body, f"jugendamt_{kreis}_kita_2023.csv")[ags]
    seu = submissions(paths, kreis_body, f"gesundheitsamt_{kreis}_seu_2023.csv")[ags]
    return {
        ("bevoelkerung", Y2023): (now["total"], None, float(now["total"])),
        ("bevoelkerungsentwicklung_5j", Y2023): (
            now["total"],
            before["total"],
            round((now["total"] - before["total"]) / before["total"] * 100, 2),
        ),
        ("anteil_unter_18", Y2023): share(now["u18"], now["total"], 100, 2),
        ("anteil_65_plus", Y2023): share(now["65+"], now["total"], 100, 2),
        ("jugendquotient", Y2023): share(now["u20"], now["20-65"], 100, 1),
        ("altenquotient", Y2023): share(now["65+"], now["20-65"], 100, 1),
        ("sgb2_quote", Y2023): share(b["sgb2_regelleistungsberechtigte"], now["u65"], 100, 2),
        ("sgb2_quote_unter_15", Y2023): share(b["sgb2_nef_unter_15"], now["u15"], 100, 2),
        ("bg_je_1000_ew", Y2023): share(b["sgb2_bedarfsgemeinschaften"], now["total"], 1000, 1),
        # MSS Status 3: the recipients who are not unemployed, per 100 inhabitants
        ("transferbezug_quote", Y2023): share(
            b["sgb2_regelleistungsberechtigte"] - b["arbeitslose_sgb2"], now["total"], 100, 2
        ),
        ("arbeitslosenanteil", Y2023): share(
            b["arbeitslose_sgb2"] + b["arbeitslose_sgb3"], now["15-65"], 100, 2
        ),
        ("jugendarbeitslosenanteil", Y2023): share(b["arbeitslose_unter_25"], now["15-25"], 100, 2),
        # Kita at 01.03.2023 over the children at 31.12.2022
        ("kita_quote_unter_3", date(2023, 3, 1)): share(
            kita["kita_betreut_unter_3"], last_year["u3"], 100, 1
        ),
        ("kita_quote_3_bis_6", date(2023, 3, 1)): share(
            kita["kita_betreut_3_bis_6"], last_year["3-6"], 100, 1
        ),
        ("seu_sprache_auffaellig_anteil", date(2023, 8, 1)): share(
            seu["seu_sprache_auffaellig"], seu["seu_sprache_getestet"], 100, 1
        ),
        ("seu_visuomotorik_auffaellig_anteil", date(2023, 8, 1)): share(
            seu["seu_visuomotorik_auffaellig"], seu["seu_visuomotorik_getestet"], 100, 1
        ),
        ("seu_uebergewicht_anteil", date(2023, 8, 1)): share(
            seu["seu_uebergewicht"], seu["seu_gewicht_gemessen"], 100, 1
        ),
    }


def fact(paths: DataPaths, area: str) -> dict[tuple[str, date], tuple]:
    rows = published(
        paths,
        "select indicator_id, period, numerator, denominator, value, status from marts.fct_indicator_values "
        "where area_id = ?",
        [area],
    )
    return {
        (indicator, period): (numerator, denominator, value, status)
        for indicator, period, numerator, denominator, value, status in rows
    }


@pytest.mark.parametrize(
    ("ags", "body", "kreis"), [("05913000", "dortmund", "05913"), ("05170040", "kreis_wesel", "05170")]
)  # Dortmund, Sonsbeck
def test_gemeinde_indicators_equal_hand_calculation(
    refreshed_sample: DataPaths, ags: str, body: str, kreis: str
) -> None:
    expected = expected_gemeinde(refreshed_sample, ags, body, kreis)
    published_facts = fact(refreshed_sample, ags)
    for key, (numerator, denominator, value) in expected.items():
        if key[0].startswith("seu_") and numerator < 10:
            # Sonsbeck: fewer than 10 children, the catalog's disclosure minimum for SEU results
            assert published_facts[key] == (None, denominator, None, "suppressed"), key
            continue
        assert published_facts[key] == (numerator, denominator, pytest.approx(value), "ok"), key
    gemeinde_level = {
        indicator
        for (indicator,) in published(
            refreshed_sample,
            "select indicator_id from marts.dim_indicator where list_contains(area_levels, 'gemeinde')",
        )
    }
    assert {indicator for indicator, _ in expected} == gemeinde_level  # every Gemeinde indicator is checked


def test_sonsbecks_suppressed_cell_is_not_the_only_hidden_one_in_kreis_wesel(
    refreshed_sample: DataPaths,
) -> None:
    rows = published(
        refreshed_sample,
        "select area_id, suppression from marts.fct_indicator_values join marts.dim_area using (area_id) "
        "where indicator_id = 'seu_uebergewicht_anteil' and period = date '2023-08-01' "
        "and parent_id = '05170' and status = 'suppressed' order by area_id",
    )
    suppression = dict(rows)
    assert suppression.pop("05170040") == "primary"  # Sonsbeck
    assert list(suppression.values()) == ["secondary"]


@pytest.mark.parametrize("kreis", ["05170", "05913"])  # Kreis Wesel, Dortmund
def test_kreis_indicators_from_grundsicherung_equal_hand_calculation(
    refreshed_sample: DataPaths, kreis: str
) -> None:
    people = population(refreshed_sample, Y2023, kreis)
    recipients = grundsicherung(refreshed_sample, kreis)
    facts = fact(refreshed_sample, kreis)
    # the table counts from the Altersgrenze (since 2012); 2023 is rounded to multiples of 5
    assert recipients["Altersgrenze und älter"] % 5 == 0
    # The population from the same Altersgrenze on 31.12.2023 (§ 41 Abs. 2 SGB XII): the 65-year-olds are
    # the cohort 1958, limit 66 years: none past it; the 66-year-olds (cohort 1957, limit 65 years and 11
    # months) all past it; 67 and older all. Of the group "65 bis unter 70" (five single years in equal
    # parts) 4/5 count, every older group whole.
    ab_altersgrenze = round(people["65-70"] * 4 / 5 + people["70+"])
    numerator, denominator, value = share(recipients["Altersgrenze und älter"], ab_altersgrenze, 100, 2)
    assert facts[("grundsicherung_alter_quote", Y2023)] == (
        numerator,
        denominator,
        pytest.approx(value),
        "ok",
    )
    # the Mindestsicherungsquote: tests/test_mindestsicherung.py
    assert facts[("auslaenderanteil", Y2023)] == (
        *share(people["foreign"], people["total"], 100, 2)[:2],
        pytest.approx(share(people["foreign"], people["total"], 100, 2)[2]),
        "ok",
    )


def test_small_area_indicators_equal_hand_calculation(refreshed_sample: DataPaths) -> None:
    nord = dortmund_small_area(refreshed_sample, "02")  # Innenstadt-Nord
    facts = fact(refreshed_sample, "05913000-02")
    total = nord["bev_insgesamt"]
    expected = {
        "bevoelkerung": (total, None, float(total)),
        "anteil_unter_18": share(nord["bev_unter_18"], total, 100, 2),
        "anteil_65_plus": share(nord["bev_65_plus"], total, 100, 2),
        "auslaenderanteil": share(nord["bev_auslaender"], total, 100, 2),
        "sgb2_quote": share(nord["sgb2_regelleistungsberechtigte"], total - nord["bev_65_plus"], 100, 2),
        "sgb2_quote_unter_15": share(nord["sgb2_unter_15"], nord["bev_unter_15"], 100, 2),
        "arbeitslosenanteil": share(nord["arbeitslose"], nord["bev_15_bis_64"], 100, 2),
        "transferbezug_quote": share(
            nord["sgb2_regelleistungsberechtigte"] - nord["arbeitslose_sgb2"], total, 100, 2
        ),
    }
    for indicator, (numerator, denominator, value) in expected.items():
        assert facts[(indicator, Y2023)] == (numerator, denominator, pytest.approx(value), "ok"), indicator


def test_upward_sums_equal_the_sum_of_their_parts(refreshed_sample: DataPaths) -> None:
    """Kreis Wesel's SGB II count is the sum of its 13 Gemeinden; the Ruhr's the sum of its 15 Kreise."""
    month = ba(refreshed_sample, "2023-12")
    wesel = sum(
        counts["sgb2_regelleistungsberechtigte"] for ags, counts in month.items() if ags.startswith("05170")
    )
    assert len([ags for ags in month if ags.startswith("05170")]) == 13
    assert fact(refreshed_sample, "05170")[("sgb2_quote", Y2023)][0] == wesel
    ruhr = RuhrGeography.from_seeds().gemeinde_keys  # the workbook covers all of NRW
    assert fact(refreshed_sample, "ruhr")[("sgb2_quote", Y2023)][0] == sum(
        counts["sgb2_regelleistungsberechtigte"] for ags, counts in month.items() if ags in ruhr
    )
    [(kreise_numerators, kreise_denominators, region_numerator, region_denominator)] = published(
        refreshed_sample,
        """select sum(k.numerator), sum(k.denominator), any_value(r.numerator), any_value(r.denominator)
           from marts.fct_indicator_values as k
           join marts.dim_area as a on k.area_id = a.area_id and a.level = 'kreis'
           join marts.fct_indicator_values as r on r.area_id = 'ruhr' and r.indicator_id = k.indicator_id
                and r.period = k.period
           where k.indicator_id = 'arbeitslosenanteil' and k.period = date '2023-12-31'""",
    )
    assert (kreise_numerators, kreise_denominators) == (region_numerator, region_denominator)


def test_no_suppressed_cell_can_be_recomputed_from_its_parent_and_siblings(
    refreshed_sample: DataPaths,
) -> None:
    """The iterative attack of tests/attack.py (a total and its parts, one unknown member gives it, repeated
    until nothing new) over every level, indicator and period: it recovers hidden counts from the values
    before secondary suppression, and none from the published table. test_disclosure.py attacks changed
    deliveries the same way."""
    groups = exact_groups(refreshed_sample.build_db)
    before = disclosed(read_table(refreshed_sample.build_db, "intermediate.int_indicator_values"), groups)
    assert len(before) >= 3  # the sample has hidden cells below published totals: the attack is real
    assert disclosed(read_table(refreshed_sample.published_db, "marts.fct_indicator_values"), groups) == {}


def test_small_area_reconciliation_against_the_official_total(refreshed_sample: DataPaths) -> None:
    mapping = load_city_mapping(CITIES_DIR / "dortmund.yml")
    small_sum = sum(dortmund_small_area(refreshed_sample, code)["bev_insgesamt"] for code in mapping.areas)
    official = population(refreshed_sample, Y2023, "05913000")["total"]
    assert published(
        refreshed_sample,
        "select small_areas, small_area_sum, official_value, difference "
        "from marts.mart_small_area_reconciliation where area_id = '05913000' "
        "and period = date '2023-12-31' and measure_id = 'bev_insgesamt'",
    ) == [(12, small_sum, official, small_sum - official)]


def test_a_late_delivery_is_listed_as_late(refreshed_sample: DataPaths) -> None:
    """Kreis Unna's Gesundheitsamt has not sent its 2023 Schuleingangsuntersuchung (sample)."""
    late = published(
        refreshed_sample,
        "select distinct lieferant, indicator_id, period from marts.mart_data_availability "
        "where availability = 'late' order by all",
    )
    assert late == [
        ("kreis_unna", indicator, date(2023, 8, 1))
        for indicator in (
            "seu_sprache_auffaellig_anteil",
            "seu_uebergewicht_anteil",
            "seu_visuomotorik_auffaellig_anteil",
        )
    ]


def test_every_published_mart_column_is_documented(refreshed_sample: DataPaths) -> None:
    undocumented = published(
        refreshed_sample,
        "select table_name, column_name from duckdb_columns() where schema_name = 'marts' "
        "and (comment is null or comment = '')",
    )
    assert undocumented == []
    [(comment,)] = published(
        refreshed_sample,
        "select comment from duckdb_columns() "
        "where table_name = 'mart_area_profile' and column_name = 'sgb2_quote'",
    )
    entry = next(indicator for indicator in load_catalog() if indicator.indicator_id == "sgb2_quote")
    assert comment.startswith("SGB-II-Quote (INKAR-Abgrenzung) (%). Regelleistungsberechtigte")
    # the official definition and how the platform stands to it travel with the column
    assert f"Amtlich (follows): {entry.official_definition}" in comment
    assert entry.conformity_note in comment


def test_small_areas_hang_below_their_city(refreshed_sample: DataPaths) -> None:
    assert published(
        refreshed_sample,
        "select name, level, parent_id, valid_from, valid_to from marts.dim_area "
        "where area_id = '05913000-02'",
    ) == [("Innenstadt-Nord", "stadtbezirk", "05913000", date(2014, 12, 31), None)]


def test_dbt_docs_define_every_mart_column_and_indicator(
    refreshed_sample: DataPaths, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOZIALMONITOR_DATA_DIR", str(refreshed_sample.root))
    assert main(["docs"]) == 0
    catalog = json.loads(
        (refreshed_sample.root / "dbt" / "docs" / "catalog.json").read_text(encoding="utf-8")
    )
    marts = {key: node for key, node in catalog["nodes"].items() if node["metadata"]["schema"] == "marts"}
    assert len(marts) == 12
    undefined = [
        (key, name)
        for key, node in marts.items()
        for name, column in node["columns"].items()
        if not column["comment"]
    ]
    assert undefined == []
    profile = marts["model.sozialmonitor.mart_area_profile"]["columns"]
    kita = profile["kita_quote_unter_3"]["comment"]
    assert kita.startswith(
        "Betreuungsquote unter 3-Jähriger (%). Kinder unter 3 Jahren in Kindertageseinrichtungen"
    )
    assert (
        "Amtlich (follows): Betreute Kinder in Kindertageseinrichtungen und in öffentlich geförderter" in kita
    )
