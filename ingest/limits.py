"""How much one delivered file may cost to read: the `limits:` block of `ingest/sources.yml`.

A delivered file is data from outside: a wrong export, a truncated download or a ZIP bomb must end in
quarantine, not in a process that runs out of memory and takes every other source with it. Each bound
here is checked before the expensive step it protects (the file size before the file is read, a ZIP's
directory before anything is inflated, a line's length before it is parsed), so what one file can cost
is known in advance. The values are configuration, not code: an office that really delivers larger
files gets a larger limit in `sources.yml`, in the same change that explains why.

Readers get the limits in effect through `ingest.limits_in_effect.active()`: the landing step applies
the registry's limits for one ingest (`applied`), so a reader constructed by a family loader sees them
without every loader passing them on, and a test can apply small ones without touching the configuration.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from typing import Annotated, BinaryIO

from pydantic import BaseModel, ByteSize, ConfigDict, Field

from ingest.errors import LineTooLongError

Bytes = Annotated[ByteSize, Field(gt=0)]


class Limits(BaseModel):
    """Bounds per delivered file. Sizes accept units (`256 MiB`, `1 MiB`) or plain bytes.

    The defaults leave a wide margin over what the real sources deliver: a GENESIS table of every
    Gemeinde in Germany is a few MB as datencsv and some tens of MB as flat file (ffcsv repeats the
    labels on every value), a BA workbook for one Land a few MB, a city's or an office's file well
    under one MB.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_file_bytes: Bytes = Field(
        default=ByteSize(256 * 2**20),
        description="a landed file larger than this is quarantined unread: ~50x the largest real delivery, "
        "and still small enough for the readers that hold one file's rows in memory (cities, submissions)",
    )
    max_line_bytes: Bytes = Field(
        default=ByteSize(2**20),
        description="longest line of a text file (and, as csv's field size limit, longest field): real "
        "lines are well under 1 KB, so a 1 MiB line is never data; it bounds what one line costs",
    )
    zip_max_members: int = Field(
        default=1_000,
        gt=0,
        description="files in one ZIP: an ffcsv ZIP holds one CSV, an .xlsx workbook 10-30 parts (a few "
        "hundred with many sheets)",
    )
    zip_max_uncompressed_bytes: Bytes = Field(
        default=ByteSize(512 * 2**20),
        description="all members of one ZIP together, inflated: ~10x a Germany-wide Gemeinde table as "
        "flat file, and below the 1 GiB bombs seen in the wild",
    )
    zip_max_ratio: float = Field(
        default=200.0,
        gt=1,
        description="inflated size / compressed size of one member: real CSV and workbook XML compress "
        "5-20x (the sample's flat files 20x), deflate can reach ~1000x only on repetitive filler",
    )
    zip_ratio_min_bytes: ByteSize = Field(
        default=ByteSize(2**20),
        ge=0,
        description="members smaller than this (inflated) are not judged by their ratio: a small member "
        "cannot be a bomb, and short repetitive XML parts compress well",
    )
    max_message_chars: int = Field(
        default=500,
        gt=80,
        description="longest finding in a quarantine report or the UI: a message quoting a cell of a "
        "broken file is cut here, never carried whole",
    )


def shorten(text: str, limits: Limits) -> str:
    """At most `max_message_chars`: a finding may quote a cell, never a whole broken line. A text
    within the bound is kept as it is; a longer one is cut, on one line."""
    limit = limits.max_message_chars
    if len(text) <= limit:
        return text
    flat = " ".join(text[: limit * 2].split())  # only the head is looked at: the text may be megabytes
    return f"{flat[: limit - 40]} … (gekürzt, {len(text)} Zeichen)"


def size_text(size: int) -> str:
    """A byte count as a person reads it in a report: `512,0 MiB`, `1,5 KiB`, `300 Bytes`."""
    for unit, factor in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if size >= factor:
            return f"{size / factor:.1f} {unit}".replace(".", ",")
    return f"{size} Bytes"


class BoundedLines:
    """The decoded lines of a binary stream, none longer than `max_line_bytes`, for `csv.reader`.

    `csv.reader` over a text file takes a whole line before it looks at it: a 10 MB line, or a ZIP
    member of a gigabyte of zeros (no line break at all), would be held whole, and the csv module's
    own field limit only speaks after that. Here each line is read with a byte bound, so reading
    stops at the bound and names the line. `number` is the physical line last read (1-based).
    """

    def __init__(self, raw: BinaryIO, file: str, encoding: str, limits: Limits):
        self._raw, self._file, self._limit = raw, file, limits.max_line_bytes
        self._decoder = codecs.getincrementaldecoder(encoding)()
        self.number = 0

    def __iter__(self) -> Iterator[str]:
        while data := self._raw.readline(self._limit + 1):
            self.number += 1
            if len(data) > self._limit:
                raise LineTooLongError(
                    self._file,
                    f"Zeile {self.number} ist länger als {size_text(self._limit)} (limits.max_line_bytes); "
                    "so lange Zeilen hat keine echte Lieferung, die Datei ist beschädigt oder falsch "
                    "exportiert.",
                    row=self.number,
                )
            yield self._decoder.decode(data)
        self._decoder.decode(b"", final=True)
