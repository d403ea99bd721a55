"""Screenshots of the current atlas for the documentation, taken by the same headless Chromium as the
tests: `make screenshots` (python -m sozialmonitor.atlas.screenshots docs).

Writes `<folder>/atlas-index.png`, `atlas-indikator.png` and `atlas-gemeinde.png`, each checked not to
be blank, and prints their paths.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sozialmonitor.atlas import ATLAS
from sozialmonitor.atlas.browser import read_png, screenshot, serving
from sozialmonitor.settings import DataPaths

# (file name, page, window size): the overview, one indicator with map and ranking, one city profile.
SHOTS = (
    ("atlas-index.png", "index.html", (1280, 1000)),
    ("atlas-indikator.png", "indikator/sgb2_quote.html", (1280, 1500)),
    ("atlas-gemeinde.png", "gemeinde/05513000.html", (1280, 1500)),
)


def take(atlas: Path, target: Path) -> list[Path]:
    written = []
    with serving(atlas) as base:
        for name, page, size in SHOTS:
            path = target / name
            rendered = screenshot(base + page, path, size)
            if rendered.console:
                raise RuntimeError(f"{page} wrote to the console: {rendered.console}")
            pixels = read_png(path)
            if pixels.distinct < 50 or pixels.share_not((255, 255, 255)) < 0.05:
                raise RuntimeError(f"the screenshot of {page} is blank ({pixels.distinct} colours)")
            written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", type=Path, help="folder for the PNG files (docs)")
    args = parser.parse_args(argv)
    atlas = DataPaths.from_env().published_current / ATLAS
    if not (atlas / "index.html").exists():
        print(f"no atlas at {atlas}: run `make refresh` (or sozialmonitor refresh) first", file=sys.stderr)
        return 2
    for path in take(atlas.resolve(), args.target):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
