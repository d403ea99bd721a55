"""The social index's method page: weights, class bounds, classes and robustness from the marts."""

from __future__ import annotations

from pathlib import Path

from sozialmonitor.settings import DataPaths
from tests.atlas.reading import german, read_page
from tests.support import published

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
