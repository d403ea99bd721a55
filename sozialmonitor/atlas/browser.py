"""A real headless Chromium (Debian's `chromium`, `make chromium` installs it) on the atlas: the rendered
DOM, the console messages, screenshots; and a check that a screenshot is not blank (PNG decoded here,
no imaging library needed). Used by the tests and by `make screenshots`.

Each call starts a fresh browser with an empty profile in a temporary directory (removed afterwards),
no network services of its own (no sync, no component updates) and no sandbox (CI runs as root).
"""

from __future__ import annotations

import contextlib
import os
import struct
import subprocess
import tempfile
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

CHROMIUM = Path(os.environ.get("SOZIALMONITOR_CHROMIUM", "/usr/bin/chromium"))
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--enable-logging=stderr",
    "--v=0",
)


class ChromiumMissing(RuntimeError):
    pass


@dataclass(frozen=True)
class Rendered:
    dom: str
    console: list[str]  # console messages and uncaught errors the page produced


def chromium() -> Path:
    if not CHROMIUM.exists():
        raise ChromiumMissing(
            f"no headless browser at {CHROMIUM}: run `make chromium` (Debian package chromium)"
        )
    return CHROMIUM


def _run(args: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="atlas-chromium-") as profile:
        return subprocess.run(
            [str(chromium()), *FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def console_lines(stderr: str) -> list[str]:
    """Chromium logs the page's console (`console.log`, errors, uncaught exceptions, failed loads) as
    lines with `:CONSOLE` in them."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]


def render(url: str, timeout: float = 60) -> Rendered:
    """The DOM after the page has loaded (and run any script), and what it wrote to the console."""
    run = _run(["--dump-dom", url], timeout)
    if run.returncode != 0 or not run.stdout.strip():
        raise RuntimeError(f"chromium could not render {url} (exit {run.returncode}): {run.stderr[-2000:]}")
    return Rendered(run.stdout, console_lines(run.stderr))


def screenshot(url: str, target: Path, size: tuple[int, int] = (1280, 900), timeout: float = 60) -> Rendered:
    """A PNG of the page in a window of `size`; returns the console lines (the DOM is not dumped)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    run = _run([f"--screenshot={target}", f"--window-size={size[0]},{size[1]}", url], timeout)
    if not target.exists():
        raise RuntimeError(
            f"chromium wrote no screenshot of {url} (exit {run.returncode}): {run.stderr[-2000:]}"
        )
    return Rendered("", console_lines(run.stderr))


@contextlib.contextmanager
def serving(folder: Path, port: int = 0) -> Iterator[str]:
    """`folder` over HTTP on 127.0.0.1 in a background thread; yields the base URL."""
    server = make_server(folder, port)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def make_server(folder: Path, port: int = 0, quiet: bool = True) -> ThreadingHTTPServer:
    """A static file server bound to 127.0.0.1 only (port 0: any free port)."""
    handler = _QuietHandler if quiet else SimpleHTTPRequestHandler
    return ThreadingHTTPServer(("127.0.0.1", port), partial(handler, directory=str(folder)))


# ------------------------------------------------------------------------------------------------ PNG


@dataclass(frozen=True)
class Pixels:
    width: int
    height: int
    colours: dict[tuple[int, ...], int]  # colour -> number of pixels

    @property
    def distinct(self) -> int:
        return len(self.colours)

    def share_not(self, colour: tuple[int, ...]) -> float:
        return 1 - self.colours.get(colour, 0) / (self.width * self.height)


def read_png(path: Path) -> Pixels:
    """Decode an 8-bit, non-interlaced RGB or RGBA PNG (what Chromium writes): chunks, zlib, and the
    five scanline filters of the PNG specification."""
    data = path.read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path} is not a PNG")
    position, idat, header = 8, bytearray(), None
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        chunk = data[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        position += 12 + length
    if header is None:
        raise ValueError(f"{path} has no IHDR chunk")
    width, height, depth, colour_type, _, _, interlace = header
    channels = {2: 3, 6: 4}.get(colour_type)
    if depth != 8 or channels is None or interlace:
        raise ValueError(f"{path}: only 8-bit RGB/RGBA non-interlaced PNGs are read here")
    raw = zlib.decompress(bytes(idat))
    stride = width * channels
    previous = bytearray(stride)
    colours: dict[tuple[int, ...], int] = {}
    for row in range(height):
        start = row * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + ((left + up) >> 1)) & 0xFF
            elif kind == 4:
                upper_left = previous[i - channels] if i >= channels else 0
                estimate = left + up - upper_left
                pa, pb, pc = abs(estimate - left), abs(estimate - up), abs(estimate - upper_left)
                predictor = left if pa <= pb and pa <= pc else up if pb <= pc else upper_left
                line[i] = (line[i] + predictor) & 0xFF
        for i in range(0, stride, channels):
            pixel = tuple(line[i : i + 3])
            colours[pixel] = colours.get(pixel, 0) + 1
        previous = line
    return Pixels(width, height, colours)
