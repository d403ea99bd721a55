"""Decide a delivered text file's encoding before parsing it."""

from __future__ import annotations

import codecs
from pathlib import Path

CHUNK = 1 << 20


def detect_text_encoding(path: Path) -> str:
    """UTF-8 if every byte decodes as UTF-8, else latin-1.

    This is a decision, not a guess: German text in latin-1 (umlauts as single bytes) is never valid
    UTF-8, and latin-1 decodes any byte. Older GENESIS exports are latin-1, newer ones UTF-8, and both
    arrive under the same file names. The file is read in chunks so that large files are not held in memory.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as handle:
        head = handle.read(3)
        if head == codecs.BOM_UTF8:
            return "utf-8-sig"
        try:
            decoder.decode(head)
            while chunk := handle.read(CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "latin-1"
    return "utf-8"
