"""Build the atlas of one published version: `<version>/atlas/`, static HTML, SVG and CSV.

Called by `publication.publish` on the staging folder after `manifest.json` is written and before the
folder is renamed, so the atlas is part of the immutable version it shows. The build is deterministic
(the same version gives the same bytes) and writes nothing outside the target folder.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from sozialmonitor.atlas import pages, sozialindex
from sozialmonitor.atlas.data import PACKAGE, has_atlas_marts, load

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
        "index.html": pages.index_page(data),
        "version.html": pages.version_page(data),
    }
    method, method_files = sozialindex.method_page(data)
    files[sozialindex.METHOD_PAGE] = method
    files.update(method_files)
    availability, availability_files = pages.availability_page(data)
    files["verfuegbarkeit.html"] = availability
    files.update(availability_files)
    scales = {}
    for item in data.by_indicator.values():
        scales[item.indicator.id] = pages.indicator_scale(item)
        html, csvs = pages.indicator_page(data, item)
        files[f"indikator/{item.indicator.id}.html"] = html
        files.update({f"indikator/{name}": text for name, text in csvs.items()})
    for gemeinde in data.gemeinden():
        html, csvs = pages.gemeinde_page(data, gemeinde, scales)
        files[f"gemeinde/{gemeinde.id}.html"] = html
        files.update({f"gemeinde/{name}": text for name, text in csvs.items()})
    for directory in (target, target / "indikator", target / "gemeinde"):
        directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (target / name).write_text(text, encoding="utf-8")
    shutil.copyfile(PACKAGE / "style.css", target / "style.css")
    shutil.copyfile(folder / "manifest.json", target / "manifest.json")
    _fsync_tree(target)
    return target / "index.html"


def _fsync_tree(root: Path) -> None:
    """The version folder is fsynced before it is renamed; its atlas files must be on disk as well."""
    for directory, _, names in os.walk(root):
        for name in [*names, "."]:
            descriptor = os.open(Path(directory) / name, os.O_RDONLY)
            try:
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
