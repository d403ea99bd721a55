"""The atlas in a real headless Chromium: no console messages, charts in the rendered DOM, navigation,
opening from disk, non-blank screenshots; and that these checks can fail."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urljoin

import pytest

from sozialmonitor.atlas import browser
from tests.atlas.reading import parse

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
