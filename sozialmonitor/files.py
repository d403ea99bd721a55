"""Writing files that a crash cannot leave half-written or lost.

A reader must see either the old file or the new one, never a partial one: text is written to a hidden
file beside the target and renamed over it (`os.replace` is atomic within a directory). A rename is on
disk only once the file's contents and its directory entry are: `fsync` the file, then its directory.
"""

from __future__ import annotations

import os
from pathlib import Path


def fsync(path: Path) -> None:
    """Flush a file, or a directory's entries (after a rename in it), to disk."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def fsync_tree(root: Path) -> None:
    """Every file and directory under `root`, before `root` is renamed into place."""
    for directory, _, names in os.walk(root):
        for name in [*names, "."]:
            fsync(Path(directory) / name)


def write_text_atomically(path: Path, text: str, durable: bool = False) -> None:
    """Write UTF-8 text via `.<name>.tmp` and a rename; `durable` also survives a power cut (the file
    and its directory are fsynced), at the price of waiting for the disk."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.tmp")
    partial.write_text(text, encoding="utf-8")
    if durable:
        fsync(partial)
    os.replace(partial, path)
    if durable:
        fsync(path.parent)
