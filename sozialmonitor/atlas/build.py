"""Build the atlas of one published version: `<version>/atlas/`, static HTML, SVG and CSV.

Called by `publication.publish` on the staging folder after `manifest.json` is written and before the
folder is renamed, so the atlas is part of the immutable version it shows. The build is deterministic
(the same version gives the same bytes) and writes nothing outside the target folder.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sozialmonitor.atlas import sozialindex
from sozialmonitor.atlas.availability_page import availability_page
from sozialmonitor.atlas.data import PACKAGE, has_atlas_marts, load
from sozialmonitor.atlas.gemeinde_page import gemeinde_page
from sozialmonitor.atlas.indicator_page import indicator_page, indicator_scale
from sozialmonitor.atlas.overview_page import overview_page
from sozialmonitor.atlas.version_page import version_page
from sozialmonitor.files import fsync_tree

ATLAS = "atlas"


def build_atlas(folder: Path, target: Path | None = None) -> Path | None:
    """Write the atlas of the version in `folder` (its `warehouse.duckdb` and `manifest.json`) into
    `target` (default `folder/atlas`) and return its index page. A warehouse without the indicator marts
    (e.g. a test's one-table build) gets no atlas: returns None."""
    if not has_atlas_marts(folder / "warehouse.duckdb"):
        return None
    target = target or folder / ATLAS
    data = load(folder)
    files: dict[str, str] = {
        "index.html": overview_page(data),
        "version.html": version_page(data),
    }
    method, method_files = sozialindex.method_page(data)
    files[sozialindex.METHOD_PAGE] = method
    files.update(method_files)
    availability, availability_files = availability_page(data)
    files["verfuegbarkeit.html"] = availability
    files.update(availability_files)
    scales = {}
    for item in data.by_indicator.values():
        scales[item.indicator.indicator_id] = indicator_scale(item)
        html, csvs = indicator_page(data, item)
        files[f"indikator/{item.indicator.indicator_id}.html"] = html
        files.update({f"indikator/{name}": text for name, text in csvs.items()})
    for gemeinde in data.gemeinden():
        html, csvs = gemeinde_page(data, gemeinde, scales)
        files[f"gemeinde/{gemeinde.id}.html"] = html
        files.update({f"gemeinde/{name}": text for name, text in csvs.items()})
    for directory in (target, target / "indikator", target / "gemeinde"):
        directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (target / name).write_text(text, encoding="utf-8")
    shutil.copyfile(PACKAGE / "style.css", target / "style.css")
    shutil.copyfile(folder / "manifest.json", target / "manifest.json")
    fsync_tree(target)  # the version folder is fsynced before it is renamed: its atlas must be too
    return target / "index.html"
