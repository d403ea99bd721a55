"""The atlas: a static site in every published version, checked against the warehouse's numbers and in a
real headless Chromium (Debian's `chromium`; `make test` installs it)."""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import re
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest

from expectations.catalog import load_catalog
from sozialmonitor.atlas import ATLAS, browser, build_atlas
from sozialmonitor.cli import main
from sozialmonitor.settings import DataPaths
from tests.support import published

VIRIDIS_DARKEST, VIRIDIS_LIGHTEST = "#440154", "#fde725"


# ------------------------------------------------------------------------------------------ HTML reading


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)

    def text(self) -> str:
        return "".join(child if isinstance(child, str) else child.text() for child in self.children)

    def iter(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.iter()

    def find_all(self, tag: str | None = None, css: str | None = None, **attrs: str) -> list[Node]:
        return [
            node
            for node in self.iter()
            if (tag is None or node.tag == tag)
            and (css is None or css in node.attrs.get("class", "").split())
            and all(node.attrs.get(key.replace("_", "-")) == value for key, value in attrs.items())
        ]

    def cells(self) -> list[Node]:
        """The element children (a row's th and td, in order)."""
        return [child for child in self.children if isinstance(child, Node)]

    def find(self, tag: str | None = None, css: str | None = None, **attrs: str) -> Node:
        found = self.find_all(tag, css, **attrs)
        assert found, f"no <{tag} class={css} {attrs}>"
        return found[0]


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {key: value or "" for key, value in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, {key: value or "" for key, value in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(html: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def read_page(atlas: Path, name: str) -> Node:
    return parse((atlas / name).read_text(encoding="utf-8"))


def read_csv(path: Path) -> list[dict[str, str]]:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("\ufeff")  # BOM: Excel reads the umlauts right
    header, *rows = csv.reader(io.StringIO(text[1:]), delimiter=";")
    return [dict(zip(header, row, strict=True)) for row in rows]


def german(value: float, decimals: int) -> str:
    """What a person expects: decimal comma, point between thousands."""
    return f"{value:,.{decimals}f}".replace(",", "_").replace(".", ",").replace("_", ".")


# ---------------------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def atlas(refreshed_sample: DataPaths) -> Path:
    folder = refreshed_sample.published_current / ATLAS
    assert (folder / "index.html").exists(), "the publication has no atlas"
    return folder


@pytest.fixture(scope="module")
def site(atlas: Path) -> Iterator[str]:
    with browser.serving(atlas) as base:
        yield base


@pytest.fixture(scope="module")
def catalog(refreshed_sample: DataPaths) -> dict[str, dict]:
    rows = published(
        refreshed_sample, "select indicator_id, decimals, polarity, unit from marts.dim_indicator"
    )
    return {i: {"decimals": d, "polarity": p, "unit": u} for i, d, p, u in rows}


def newest_gemeinde_period(paths: DataPaths, indicator: str) -> str:
    ((period,),) = published(
        paths,
        """select max(period)::varchar
           from marts.fct_indicator_values f join marts.dim_area a using (area_id)
           where indicator_id = ? and a.level = 'gemeinde'
             and (value is not null or status = 'suppressed')""",
        [indicator],
    )
    return period


def gemeinde_values(paths: DataPaths, indicator: str, period: str) -> list[tuple]:
    """(area_id, name, value, status), highest value first, ties by name: the order a ranking shows."""
    return published(
        paths,
        """select a.area_id, a.name, f.value, f.status
           from marts.fct_indicator_values f join marts.dim_area a using (area_id)
           where f.indicator_id = ? and a.level = 'gemeinde' and f.period = ?::date
           order by f.value desc nulls last, a.name""",
        [indicator, period],
    )


# ---------------------------------------------------------------------------------------- what is built


def test_every_publication_carries_its_atlas(refreshed_sample: DataPaths, atlas: Path) -> None:
    version_folder = refreshed_sample.published_current.resolve()
    assert atlas.resolve() == version_folder / ATLAS  # inside the immutable version folder
    manifest = json.loads((version_folder / "manifest.json").read_text(encoding="utf-8"))
    assert json.loads((atlas / "manifest.json").read_text(encoding="utf-8")) == manifest
    indicators = [i for (i,) in published(refreshed_sample, "select indicator_id from marts.dim_indicator")]
    gemeinden = [
        a
        for (a,) in published(refreshed_sample, "select area_id from marts.dim_area where level = 'gemeinde'")
    ]
    assert len(indicators) == 20 and len(gemeinden) == 53
    for name in ("index.html", "verfuegbarkeit.html", "version.html", "style.css", "verfuegbarkeit.csv"):
        assert (atlas / name).stat().st_size > 0, name
    for indicator in indicators:
        assert (atlas / "indikator" / f"{indicator}.html").exists()
        assert (atlas / "indikator" / f"{indicator}.csv").exists()
        assert (atlas / "indikator" / f"{indicator}_zeitreihe.csv").exists()
    for ags in gemeinden:
        assert (atlas / "gemeinde" / f"{ags}.html").exists() and (atlas / "gemeinde" / f"{ags}.csv").exists()
    index = read_page(atlas, "index.html")
    links = {a.attrs["href"] for a in index.find_all("a")}
    assert {f"indikator/{i}.html" for i in indicators} <= links
    assert {f"gemeinde/{a}.html" for a in gemeinden} <= links
    assert {"verfuegbarkeit.html", "version.html"} <= links


def test_everything_is_local_and_every_link_resolves(atlas: Path) -> None:
    """No CDN, no web font, no remote script: every href and src is a file of the atlas (or a fragment of
    a page that has that id); the only URL in an attribute is the SVG namespace, which nothing fetches.
    The official sources' addresses are printed as text (to copy), never as links."""
    pages = sorted(atlas.rglob("*.html"))
    assert len(pages) == 4 + 20 + 53  # index, method, availability, version; indicators; Gemeinden
    for page in pages:
        html = page.read_text(encoding="utf-8")
        tree = parse(html)
        attribute_urls = {
            url
            for node in tree.iter()
            for value in node.attrs.values()
            for url in re.findall(r"(?:https?:)?//[\w.-]+", str(value))
        }
        assert attribute_urls <= {"http://www.w3.org"}, page
        ids = {node.attrs["id"] for node in tree.iter() if "id" in node.attrs}
        for node in tree.iter():
            for attribute in ("href", "src"):
                target = node.attrs.get(attribute)
                if target is None or target.startswith("data:"):
                    continue
                url = urlparse(target)
                assert not url.scheme and not url.netloc, f"{page}: {target}"
                if url.path:
                    assert (page.parent / url.path).resolve().is_file(), f"{page}: {target} is missing"
                elif url.fragment:
                    assert url.fragment in ids, f"{page}: #{url.fragment} is not on the page"
        assert tree.find_all("script") == []  # nothing to run
    css = (atlas / "style.css").read_text(encoding="utf-8")
    assert "url(" not in css and "@import" not in css and "@font-face" not in css


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


def test_build_is_deterministic(refreshed_sample: DataPaths, atlas: Path, tmp_path: Path) -> None:
    """Rebuilt from the same version, every file is the same, byte for byte."""
    again = build_atlas(refreshed_sample.published_current.resolve(), tmp_path / "again")
    assert again == tmp_path / "again" / "index.html"
    built = sorted(path.relative_to(atlas) for path in atlas.rglob("*") if path.is_file())
    assert built == sorted(
        path.relative_to(tmp_path / "again") for path in (tmp_path / "again").rglob("*") if path.is_file()
    )
    for name in built:
        assert (atlas / name).read_bytes() == (tmp_path / "again" / name).read_bytes(), name


# ----------------------------------------------------------------------------------- indicator pages


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


# ---------------------------------------------------------------------------------- municipality pages


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


NEWEST_INDEX = """with newest as (
    select level, max(period) as period from marts.mart_social_area_index group by level)"""


def test_method_page_shows_weights_bounds_classes_and_robustness_from_the_marts(
    refreshed_sample: DataPaths, atlas: Path
) -> None:
    assert read_page(atlas, "index.html").find("a", href="sozialindex.html")
    page = read_page(atlas, "sozialindex.html")
    weights = published(
        refreshed_sample, "select component, indicator_id, weight_share from marts.dim_social_index_weights"
    )
    table = page.find("table", css="gewichte")
    for component, indicator, weight_share in weights:
        rows = [tr for tr in table.find_all("tr", data_indicator=indicator)]
        label = "Statusindex" if component == "status" else "Dynamikindex"
        (row,) = [tr for tr in rows if tr.cells()[0].text() == label]
        assert row.cells()[3].text() == f"{german(weight_share * 100, 1)} %"
    assert "auslaenderanteil" not in {indicator for _, indicator, _ in weights}
    bounds = published(refreshed_sample, "select component, class_label from marts.dim_social_index_classes")
    assert len(page.find("table", css="klassen").find_all("tr", data_component="status")) == len(
        [b for b in bounds if b[0] == "status"]
    )
    counts = published(
        refreshed_sample,
        f"""{NEWEST_INDEX}
           select level, status_class, count(*)
           from marts.mart_social_area_index join newest using (level, period)
           where status_class is not null group by all""",
    )
    for level, klass, areas in counts:
        row = page.find("table", css="klassen-anzahl").find("tr", data_level=level, data_component="status")
        assert f"{klass}: {areas}" in row.text()
    robustness = published(
        refreshed_sample,
        f"""{NEWEST_INDEX}
           select component, level, max(areas_changed), max(areas_classified)
           from marts.mart_social_index_robustness join newest using (level, period) group by all""",
    )
    assert len(robustness) == 2 * 3  # status and dynamik on three levels
    for component, level, changed, classified in robustness:
        line = page.find("li", data_level=level, data_component=component).text()
        expected = f"höchstens {changed} von {classified}" if changed else f"keines der {classified} Gebiete"
        assert expected in line, line


def test_municipality_without_small_areas_says_so(atlas: Path) -> None:
    section = read_page(atlas, "gemeinde/05170040.html").find("section", id="stadtbezirke")
    assert "keine kleinräumigen Daten" in section.text()


# ------------------------------------------------------------------------------ availability and version


def test_availability_page_says_who_is_late(refreshed_sample: DataPaths, atlas: Path) -> None:
    late = published(
        refreshed_sample,
        """select area_id from marts.mart_data_availability
           where indicator_id = 'seu_sprache_auffaellig_anteil'
           and lieferant = 'kreis_unna' and availability = 'late' and period = date '2023-08-01'
           order by area_id""",
    )
    assert len(late) == 10
    page = read_page(atlas, "verfuegbarkeit.html")
    cell = page.find("tr", data_lieferant="kreis_unna").find(
        "td", data_indicator="seu_sprache_auffaellig_anteil"
    )
    assert "status-late" in cell.attrs["class"]
    assert cell.children[0] == "0/10"  # none of the 10 Gemeinden published, all late
    assert [note.text() for note in cell.find_all("small")] == ["10 verspätet", "zuletzt 01.08.2022"]
    gaps = page.find("table", css="luecken")
    for (area,) in late:
        row = gaps.find("tr", data_area=area, data_indicator="seu_sprache_auffaellig_anteil")
        assert [td.text() for td in row.find_all("td")][3:] == ["01.08.2023", "verspätet", "01.08.2022"]
    sonsbeck = gaps.find("tr", data_area="05170040", data_indicator="seu_uebergewicht_anteil")
    assert "gesperrt" in sonsbeck.text()


def test_version_page_names_the_publication(refreshed_sample: DataPaths, atlas: Path) -> None:
    manifest = json.loads((atlas / "manifest.json").read_text(encoding="utf-8"))
    text = read_page(atlas, "version.html").text()
    assert manifest["version"] in text and manifest["run_id"] in text
    assert f"{manifest['checks']['passed']} bestanden, {manifest['checks']['failed']} nicht bestanden" in text
    assert (
        f"marts.fct_indicator_values{german(manifest['tables']['marts.fct_indicator_values']['rows'], 0)}"
        in text
    )


# ------------------------------------------------------------------------------------ in a real browser


PAGES = (
    "index.html",
    "indikator/sgb2_quote.html",
    "indikator/seu_uebergewicht_anteil.html",
    "indikator/mindestsicherungsquote.html",
    "gemeinde/05513000.html",
    "sozialindex.html",
    "verfuegbarkeit.html",
    "version.html",
)


@pytest.mark.parametrize("name", PAGES)
def test_pages_render_in_chromium_without_console_messages(site: str, name: str) -> None:
    rendered = browser.render(site + name)
    assert rendered.console == []
    dom = parse(rendered.dom)
    assert dom.find("h1").text()
    if name.startswith(("index", "indikator/", "gemeinde/")):
        assert dom.find_all("svg", css="karte")
    if name.startswith("indikator/"):
        assert len(dom.find("svg", css="karte").find_all("g", css="kachel")) == 53
        assert len(dom.find("svg", css="balken").find_all("rect")) >= 15
        assert dom.find("svg", css="zeitreihe").find_all("path")
    if name.startswith("gemeinde/"):
        assert len(dom.find_all("svg", css="streifen")) == 20


def test_navigation_from_an_indicator_to_a_municipality_and_back(site: str) -> None:
    start = site + "indikator/sgb2_quote.html"
    indicator = parse(browser.render(start).dom)
    (link,) = [
        a.attrs["href"]
        for a in indicator.find("table", css="rangfolge").find_all("a")
        if "05513000" in a.attrs["href"]
    ]
    municipality_url = urljoin(start, link)
    municipality = browser.render(municipality_url)
    assert municipality.console == []
    page = parse(municipality.dom)
    assert page.find("h1").text() == "Gelsenkirchen"
    back = page.find("tr", data_indicator="sgb2_quote").find("a").attrs["href"]
    assert (
        parse(browser.render(urljoin(municipality_url, back)).dom).find("h1").text()
        == "SGB-II-Quote (INKAR-Abgrenzung)"
    )


def test_the_atlas_opens_from_disk(atlas: Path) -> None:
    rendered = browser.render((atlas / "indikator" / "seu_uebergewicht_anteil.html").resolve().as_uri())
    assert rendered.console == []
    tile = parse(rendered.dom).find("g", css="kachel", data_area="05170040")
    assert tile.find_all("text")[1].text() == "gesperrt"


def test_screenshots_show_the_map_and_the_suppressed_tiles(site: str, tmp_path: Path) -> None:
    shot = tmp_path / "seu.png"
    rendered = browser.screenshot(site + "indikator/seu_uebergewicht_anteil.html", shot, (1280, 1400))
    assert rendered.console == []
    pixels = browser.read_png(shot)
    assert (pixels.width, pixels.height) == (1280, 1400)
    assert pixels.distinct > 200 and pixels.share_not((255, 255, 255)) > 0.1
    assert (0x44, 0x01, 0x54) in pixels.colours and (0xFD, 0xE7, 0x25) in pixels.colours  # the scale's ends
    assert (0xD9, 0xD9, 0xD9) in pixels.colours and (0x8C, 0x8C, 0x8C) in pixels.colours  # the hatching


def test_the_browser_checks_can_fail(tmp_path: Path) -> None:
    """A console error is caught and a blank page is recognised as blank."""
    broken = tmp_path / "broken.html"
    broken.write_text(
        "<!DOCTYPE html><html><body><script>console.error('kaputt'); nope();</script></body></html>"
    )
    console = browser.render(broken.as_uri()).console
    assert any("kaputt" in line for line in console) and any("Uncaught" in line for line in console)
    blank = tmp_path / "blank.html"
    blank.write_text("<!DOCTYPE html><html><body></body></html>")
    browser.screenshot(blank.as_uri(), tmp_path / "blank.png", (400, 300))
    pixels = browser.read_png(tmp_path / "blank.png")
    assert pixels.distinct == 1 and pixels.share_not((255, 255, 255)) == 0


# ------------------------------------------------------------------------------------------ the command


def test_atlas_command_prints_the_index_page(
    refreshed_sample: DataPaths, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SOZIALMONITOR_DATA_DIR", str(refreshed_sample.root))
    assert main(["atlas"]) == 0
    printed = Path(capsys.readouterr().out.strip())
    assert printed == refreshed_sample.published_current.resolve() / ATLAS / "index.html"
    assert main(["atlas", "--version", "19990101T000000Z-nothing"]) == 2
    assert "no published version" in capsys.readouterr().err


def test_atlas_command_serves_on_localhost(refreshed_sample: DataPaths) -> None:
    env = {**os.environ, "SOZIALMONITOR_DATA_DIR": str(refreshed_sample.root)}
    server = subprocess.Popen(
        [sys.executable, "-m", "sozialmonitor.cli", "atlas", "--serve", "--port", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = server.stdout.readline()
        base = re.search(r"http://127\.0\.0\.1:\d+/", line).group(0)
        with urllib.request.urlopen(base + "indikator/sgb2_quote.html", timeout=10) as response:
            assert response.status == 200 and "SGB-II-Quote" in response.read().decode("utf-8")
        with urllib.request.urlopen(base + "indikator/sgb2_quote.csv", timeout=10) as response:
            assert response.read().decode("utf-8-sig").startswith("rang;area_id;name")
    finally:
        server.send_signal(signal.SIGINT)  # Ctrl-C
        assert server.wait(timeout=10) == 0
