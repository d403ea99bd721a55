"""The availability page (who delivered what, what is late) and the version page (which publication)."""

from __future__ import annotations

import json
from pathlib import Path

from sozialmonitor.settings import DataPaths
from tests.atlas.reading import german, read_page
from tests.support import published


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
