"""The published atlas of the session's refreshed sample, served on localhost for the browser tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sozialmonitor.atlas import ATLAS, browser
from sozialmonitor.settings import DataPaths
from tests.support import published


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
