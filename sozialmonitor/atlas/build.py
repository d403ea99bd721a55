"""Build the atlas of one published version: `<version>/atlas/`, static HTML, SVG and CSV.

Called by `publication.publish` for the staging folder before the folder is renamed, so the atlas is part
of the immutable version it shows. The build is deterministic (the same version gives the same bytes)
and writes nothing outside the target folder.

It comes in two steps because only one page needs the version's record: every page but `version.html`
is made of the marts and the version's name and time (in its footer), so `publish` renders them from the
audited build while DuckDB writes the version's warehouse file (which releases the GIL); `version.html`
and the copy of `manifest.json` follow once the manifest is read back from that file.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, replace
from pathlib import Path

from sozialmonitor.atlas import sozialindex
from sozialmonitor.atlas.availability_page import availability_page
from sozialmonitor.atlas.data import PACKAGE, AtlasData, has_atlas_marts, load
from sozialmonitor.atlas.gemeinde_page import gemeinde_page
from sozialmonitor.atlas.indicator_page import indicator_page, indicator_scale
from sozialmonitor.atlas.overview_page import overview_page
from sozialmonitor.atlas.version_page import version_page
from sozialmonitor.files import fsync_tree

ATLAS = "atlas"
# What every page but version.html shows of the manifest (its footer): known before the file is written.
FRAME_KEYS = ("version", "published_at")


@dataclass(frozen=True)
class AtlasPages:
    """Every file of an atlas but the version page, rendered from `data` (whose manifest holds only
    FRAME_KEYS)."""

    data: AtlasData
    files: dict[str, str]


def build_atlas(folder: Path, target: Path | None = None) -> Path | None:
    """Write the atlas of the version in `folder` (its `warehouse.duckdb` and `manifest.json`) into
    `target` (default `folder/atlas`) and return its index page. A warehouse without the indicator marts
    (e.g. a test's one-table build) gets no atlas: returns None."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    pages = render_pages(folder / "warehouse.duckdb", {key: manifest.get(key) for key in FRAME_KEYS})
    if pages is None:
        return None
    return write_atlas(pages, folder / "manifest.json", target or folder / ATLAS)


def render_pages(warehouse: Path, frame: dict[str, object]) -> AtlasPages | None:
    """Every page but version.html from the marts in `warehouse` (a version's file or the audited build
    it is copied from: the same tables); `frame` is the version's name and time. None without the
    indicator marts."""
    if not has_atlas_marts(warehouse):
        return None
    data = load(warehouse, frame)
    files: dict[str, str] = {"index.html": overview_page(data)}
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
    return AtlasPages(data, files)


def write_atlas(pages: AtlasPages, manifest_file: Path, target: Path) -> Path:
    """The version page from the manifest, then every file into `target`, fsynced; its index page. A
    manifest of another version than the pages' frame is refused: the pages would name the wrong one."""
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    frame = {key: manifest.get(key) for key in FRAME_KEYS}
    if frame != pages.data.manifest:
        raise ValueError(f"atlas pages of {pages.data.manifest} cannot go with the manifest of {frame}")
    files = {**pages.files, "version.html": version_page(replace(pages.data, manifest=manifest))}
    for directory in (target, target / "indikator", target / "gemeinde"):
        directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (target / name).write_text(text, encoding="utf-8")
    shutil.copyfile(PACKAGE / "style.css", target / "style.css")
    shutil.copyfile(manifest_file, target / "manifest.json")
    fsync_tree(target)  # the version folder is fsynced before it is renamed: its atlas must be too
    return target / "index.html"
