"""The indicator pages: values, suppression, ranking, colours, time series and Stadtbezirke, each as the
warehouse has it."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from expectations.catalog import load_catalog
from sozialmonitor.settings import DataPaths
from tests.atlas.reading import Node, gemeinde_values, german, newest_gemeinde_period, read_csv, read_page
from tests.support import published

VIRIDIS_DARKEST, VIRIDIS_LIGHTEST = "#440154", "#fde725"


@pytest.mark.parametrize(
    "indicator", ["bevoelkerung", "bevoelkerungsentwicklung_5j", "grundsicherung_alter_quote"]
)
def test_time_series_draw_the_series_breaks(refreshed_sample: DataPaths, atlas: Path, indicator: str) -> None:
    """Where the Ruhr's series changes method (series_basis) the chart draws a dashed line, and every
    Stichtag whose value compares across a break is marked in the table with the registry's note."""
    ruhr = published(
        refreshed_sample,
        "select period, series_basis, series_break, series_break_note from marts.fct_indicator_values "
        "where indicator_id = ? and area_id = 'ruhr' order by period",
        [indicator],
    )
    changes = {
        period.isoformat()
        for (_, before, _, _), (period, basis, _, _) in itertools.pairwise(ruhr)
        if basis != before
    }
    crossing = {period.isoformat(): note for period, _, crossed, note in ruhr if crossed}
    assert changes and crossing
    page = read_page(atlas, f"indikator/{indicator}.html")
    drawn = {
        group.attrs["data-period"] for group in page.find("svg", css="zeitreihe").find_all("g", css="bruch")
    }
    assert changes <= drawn
    table = page.find("table", css="zeitreihe")
    for period, note in crossing.items():
        row = table.find("tr", data_period=period)
        assert row.attrs.get("data-series-break") == "true"
        assert note in row.find("span", css="bruch").attrs["title"]
    listed = page.find("div", css="brueche").text()
    assert all(note in listed for note in crossing.values())
    # the map's Stichtag: said above the map when its values compare across a break
    newest = ruhr[-1]
    hints = page.find("section", id="karte").find_all("p", css="bruch-hinweis")
    assert len(hints) == int(newest[2]) and all(newest[3] in hint.text() for hint in hints)


def test_indicator_page_shows_the_warehouse_values_in_german(
    refreshed_sample: DataPaths, atlas: Path, catalog: dict
) -> None:
    ((value, ruhr),) = published(
        refreshed_sample,
        """select g.value, r.value from marts.fct_indicator_values g join marts.fct_indicator_values r
           using (indicator_id, period)
           where indicator_id = 'sgb2_quote' and g.area_id = '05513000' and r.area_id = 'ruhr'
             and period = date '2023-12-31'""",
    )
    assert german(value, 2) == "19,67"  # Gelsenkirchen, by hand from the sample: 2 decimals, decimal comma
    page = read_page(atlas, "indikator/sgb2_quote.html")
    assert page.find("h1").text() == "SGB-II-Quote (INKAR-Abgrenzung)"
    assert (
        "je 100 Einwohner unter 65 Jahren" in page.find("p", css="definition").text()
    )  # the catalog's words
    assert "Stand 31.12.2023" in page.find("section", id="karte").find("h2").text()
    # the official definition and whether the platform follows it, from the catalog
    entry = next(indicator for indicator in load_catalog() if indicator.indicator_id == "sgb2_quote")
    official = page.find("section", css="amtlich")
    assert official.attrs["data-conformity"] == entry.conformity == "follows"
    assert official.find("p", css="amtliche-definition").text() == entry.official_definition
    assert official.find("p", css="abweichung").text() == entry.conformity_note
    assert "statistik.arbeitsagentur.de" in official.find("p", css="amtliche-quelle").text()
    row = page.find("table", css="rangfolge").find("tr", data_area="05513000")
    assert row.find("td", css="wert").text() == german(value, 2)
    tile = page.find("g", css="kachel", data_area="05513000")
    assert [t.text() for t in tile.find_all("text")] == ["Gelsenkirch.", german(value, 2)]
    assert (
        f"Metropole Ruhr: {german(ruhr, 2)}"
        in page.find("svg", css="balken").find("g", css="referenz").text()
    )
    # every Gemeinde, not just one: the table and the map say what the warehouse says
    period = newest_gemeinde_period(refreshed_sample, "sgb2_quote")
    expected = gemeinde_values(refreshed_sample, "sgb2_quote", period)
    assert len(expected) == 53
    for area_id, _, number, _ in expected:
        assert page.find("tr", data_area=area_id).find("td", css="wert").text() == german(number, 2)
        assert page.find("g", css="kachel", data_area=area_id).find_all("text")[1].text() == german(number, 2)
    rows = read_csv(atlas / "indikator" / "sgb2_quote.csv")
    assert [(r["area_id"], r["wert"]) for r in rows] == [
        (a, f"{v:.2f}".replace(".", ",")) for a, _, v, _ in expected
    ]


def test_suppressed_values_show_as_gesperrt_never_as_a_number(
    refreshed_sample: DataPaths, atlas: Path
) -> None:
    ((status, value, numerator),) = published(
        refreshed_sample,
        """select status, value, numerator from marts.fct_indicator_values
           where indicator_id = 'seu_uebergewicht_anteil' and area_id = '05170040'
             and period = date '2023-08-01'""",
    )
    assert (status, value, numerator) == ("suppressed", None, None)  # Sonsbeck, below the disclosure minimum
    page = read_page(atlas, "indikator/seu_uebergewicht_anteil.html")
    suppressed = [
        area
        for area, _, _, status in gemeinde_values(refreshed_sample, "seu_uebergewicht_anteil", "2023-08-01")
        if status == "suppressed"
    ]
    assert "05170040" in suppressed and len(suppressed) == 4
    for area in suppressed:
        cell = page.find("table", css="rangfolge").find("tr", data_area=area).find("td", css="wert")
        assert cell.text() == "gesperrt" and "gesperrt" in cell.attrs["class"]
        tile = page.find("g", css="kachel", data_area=area)
        assert "kachel-gesperrt" in tile.attrs["class"].split()
        assert tile.find_all("text")[1].text() == "gesperrt"
        assert tile.find("rect").attrs["fill"] == "url(#muster-gesperrt)"  # grey hatching, not a scale colour
        bar = page.find("g", css="balken-zeile", data_area=area)
        assert (
            "balken-gesperrt" in bar.attrs["class"].split() and bar.find_all("text")[-1].text() == "gesperrt"
        )
    profile = read_page(atlas, "gemeinde/05170040.html")
    assert (
        profile.find("tr", data_indicator="seu_uebergewicht_anteil").find("td", css="wert").text()
        == "gesperrt"
    )
    (row,) = [
        r for r in read_csv(atlas / "indikator" / "seu_uebergewicht_anteil.csv") if r["area_id"] == "05170040"
    ]
    assert (row["wert"], row["zaehler"], row["status"], row["sperrgrund"]) == (
        "",
        "",
        "suppressed",
        "primary",
    )
    # late deliveries (Kreis Unna) are no data, not zero and not suppressed
    late = page.find("g", css="kachel", data_area="05978036")
    assert "kachel-fehlt" in late.attrs["class"].split() and late.find_all("text")[1].text() == "keine Daten"


def test_ranking_is_the_warehouse_order(refreshed_sample: DataPaths, atlas: Path) -> None:
    """For every indicator with Gemeinde values: bars in the order of `order by value desc, name`, the
    suppressed ones after them, and the rank the comparison mart computed."""
    indicators = [
        i
        for (i,) in published(
            refreshed_sample,
            """select distinct indicator_id
               from marts.fct_indicator_values join marts.dim_area using (area_id)
               where level = 'gemeinde'""",
        )
    ]
    assert len(indicators) == 17  # the catalog's 20 less the three published down to the Kreise only
    for indicator in indicators:
        period = newest_gemeinde_period(refreshed_sample, indicator)
        expected = gemeinde_values(refreshed_sample, indicator, period)
        page = read_page(atlas, f"indikator/{indicator}.html")
        bars = page.find("svg", css="balken").find_all("g", css="balken-zeile")
        with_value = [bar.attrs["data-area"] for bar in bars if "balken-wert" in bar.attrs["class"]]
        assert with_value == [area for area, _, value, _ in expected if value is not None], indicator
        ranks = dict(
            published(
                refreshed_sample,
                """select area_id, rank_in_level from marts.mart_indicator_comparison
                   where indicator_id = ? and level = 'gemeinde' and period = ?::date
                     and value is not null""",
                [indicator, period],
            )
        )
        table = page.find("table", css="rangfolge")
        for area, rank in ranks.items():
            assert table.find("tr", data_area=area).find("td").text() == str(rank)


def test_colours_follow_the_polarity(refreshed_sample: DataPaths, atlas: Path, catalog: dict) -> None:
    """Worse is always darker: the highest SGB-II-Quote and the lowest Kita-Quote get the darkest colour."""
    for indicator, worst_is in (("sgb2_quote", "highest"), ("kita_quote_unter_3", "lowest")):
        assert catalog[indicator]["polarity"] == (
            "higher_is_worse" if worst_is == "highest" else "higher_is_better"
        )
        values = [
            (v, a)
            for a, _, v, _ in gemeinde_values(
                refreshed_sample, indicator, newest_gemeinde_period(refreshed_sample, indicator)
            )
            if v is not None
        ]
        highest, lowest = max(values)[1], min(values)[1]
        page = read_page(atlas, f"indikator/{indicator}.html")

        def fill(area: str, page: Node = page) -> str:
            return page.find("g", css="kachel", data_area=area).find("rect").attrs["fill"]

        worst, best = (highest, lowest) if worst_is == "highest" else (lowest, highest)
        assert (fill(worst), fill(best)) == (VIRIDIS_DARKEST, VIRIDIS_LIGHTEST), indicator


def test_time_series_numbers_are_one_click_away(refreshed_sample: DataPaths, atlas: Path) -> None:
    expected = published(
        refreshed_sample,
        """select period, value from marts.fct_indicator_values
           where indicator_id = 'sgb2_quote' and area_id = 'ruhr' order by period""",
    )
    assert len(expected) == 10
    page = read_page(atlas, "indikator/sgb2_quote.html")
    chart = page.find("svg", css="zeitreihe")
    labels = [line.attrs["data-label"] for line in chart.find_all("g", css="linie")]
    assert labels == [
        "Metropole Ruhr",
        "Duisburg",
        "Essen",
        "Gelsenkirchen",
        "Bochum",
        "Dortmund",
    ]  # no NRW value
    table = page.find("details", id="zeitreihe-tabelle").find("table")
    header = [th.text() for th in table.find("thead").find_all("th")]
    column = header.index("Metropole Ruhr")
    for period, value in expected:
        row = table.find("tr", data_period=period.isoformat())
        assert row.cells()[column].text() == german(value, 2)
    rows = read_csv(atlas / "indikator" / "sgb2_quote_zeitreihe.csv")
    assert [(r["stichtag"], r["wert"]) for r in rows if r["area_id"] == "ruhr"] == [
        (p.isoformat(), f"{v:.2f}".replace(".", ",")) for p, v in expected
    ]


def test_small_areas_of_the_cities_that_deliver_them(refreshed_sample: DataPaths, atlas: Path) -> None:
    expected = published(
        refreshed_sample,
        """select f.area_id, f.value from marts.fct_indicator_values f join marts.dim_area a using (area_id)
           where f.indicator_id = 'sgb2_quote' and a.level = 'stadtbezirk' and f.period = date '2023-12-31'
             and a.parent_id = '05913000'""",
    )
    assert len(expected) == 12  # Dortmund's Stadtbezirke
    section = read_page(atlas, "indikator/sgb2_quote.html").find("div", id="stadt-05913000")
    assert len(section.find_all("g", css="kachel")) == 12
    for area, value in expected:
        assert section.find("tr", data_area=area).find("td", css="wert").text() == german(value, 2)
        assert section.find("g", css="kachel", data_area=area).find_all("text")[1].text() == german(value, 2)
