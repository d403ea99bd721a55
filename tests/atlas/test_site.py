"""What is built: an atlas in every publication, local and linked throughout, deterministic; and the
`sozialmonitor atlas` command that finds and serves it."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

from sozialmonitor.atlas import ATLAS, build_atlas
from sozialmonitor.atlas.build import render_pages, write_atlas
from sozialmonitor.cli import main
from sozialmonitor.settings import DataPaths
from tests.atlas.reading import parse, read_page
from tests.support import published


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


def test_pages_of_another_version_are_refused(refreshed_sample: DataPaths, tmp_path: Path) -> None:
    """`publish` renders the pages before the manifest exists; pages framed with another version's name
    would name the wrong one in every footer, so they do not go with this manifest."""
    folder = refreshed_sample.published_current.resolve()
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    pages = render_pages(
        folder / "warehouse.duckdb",
        {"version": "20000101T000000Z-other", "published_at": manifest["published_at"]},
    )
    assert pages is not None
    with pytest.raises(ValueError, match="20000101T000000Z-other"):
        write_atlas(pages, folder / "manifest.json", tmp_path / "atlas")
    assert not (tmp_path / "atlas").exists()


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
