"""The Gemeinde pages: the profile against the Ruhr and the small areas by social index."""

from __future__ import annotations

from pathlib import Path

from expectations.catalog import load_catalog
from sozialmonitor.settings import DataPaths
from tests.atlas.reading import german, read_page
from tests.support import published


def test_municipality_profile_against_the_ruhr(
    refreshed_sample: DataPaths, atlas: Path, catalog: dict
) -> None:
    page = read_page(atlas, "gemeinde/05513000.html")
    assert page.find("h1").text() == "Gelsenkirchen"
    rows = page.find("table", css="profil").find_all("tr")
    shown = [row.attrs["data-indicator"] for row in rows if "data-indicator" in row.attrs]
    assert sorted(shown) == sorted(indicator.indicator_id for indicator in load_catalog())  # every one
    for indicator in shown:
        level = (
            "gemeinde"
            if indicator not in ("grundsicherung_alter_quote", "mindestsicherungsquote", "auslaenderanteil")
            else "kreis"
        )
        area = "05513000" if level == "gemeinde" else "05513"
        ((value, ruhr),) = published(
            refreshed_sample,
            """with newest as (select max(period) as period from marts.fct_indicator_values f
                               join marts.dim_area a using (area_id)
                               where indicator_id = ? and a.level = ? and value is not null)
               select f.value, r.value from marts.fct_indicator_values f
               join newest n on f.period = n.period
               left join marts.fct_indicator_values r
                 on r.indicator_id = f.indicator_id and r.period = f.period and r.area_id = 'ruhr'
               where f.indicator_id = ? and f.area_id = ?""",
            [indicator, level, indicator, area],
        )
        decimals = catalog[indicator]["decimals"]
        row = page.find("tr", data_indicator=indicator)
        cells = row.find_all("td")
        assert cells[1].text().startswith(german(value, decimals)), indicator
        assert cells[2].text() == (german(ruhr, decimals) if ruhr is not None else "–"), indicator
        assert row.find("a").attrs["href"] == f"../indikator/{indicator}.html"
    order = [
        a
        for (a,) in published(
            refreshed_sample,
            """select area_id from marts.mart_social_area_index
               where gemeinde_ags = '05513000' and level = 'stadtbezirk'
                 and period = (select max(period) from marts.mart_social_area_index)
               order by status_index desc""",
        )
    ]
    assert len(order) == 5
    small = page.find("section", id="stadtbezirke").find("table")
    assert [tr.attrs["data-area"] for tr in small.find_all("tr") if "data-area" in tr.attrs] == order


def test_a_city_with_a_second_level_shows_each_level_by_its_own_index(
    refreshed_sample: DataPaths, atlas: Path
) -> None:
    page = read_page(atlas, "gemeinde/05113000.html")
    for level, section in (("stadtbezirk", "stadtbezirke"), ("stadtteil", "stadtteile")):
        order = published(
            refreshed_sample,
            """select area_id, status_class, dynamik_class from marts.mart_social_area_index
               where gemeinde_ags = '05113000' and level = ?
                 and period = (select max(period) from marts.mart_social_area_index where level = ?)
               order by status_index desc, area_id""",
            [level, level],
        )
        rows = [
            tr
            for tr in page.find("section", id=section).find("table").find_all("tr")
            if "data-area" in tr.attrs
        ]
        assert [tr.attrs["data-area"] for tr in rows] == [area for area, _, _ in order]
        assert [(tr.cells()[3].text(), tr.cells()[5].text()) for tr in rows] == [(s, d) for _, s, d in order]
    assert len(order) == 50  # Essen's Stadtteile
    (gemeinde,) = published(
        refreshed_sample,
        """select status_class, dynamik_class from marts.mart_social_area_index
           where area_id = '05113000' and period = (select max(period) from marts.mart_social_area_index)""",
    )
    text = page.find("section", id="sozialindex").text()
    assert f"({gemeinde[0]})" in text and f"({gemeinde[1]})" in text


def test_municipality_without_small_areas_says_so(atlas: Path) -> None:
    section = read_page(atlas, "gemeinde/05170040.html").find("section", id="stadtbezirke")
    assert "keine kleinräumigen Daten" in section.text()
