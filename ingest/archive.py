"""A delivered ZIP is checked before anything in it is inflated, and inflating it is guarded.

Two families arrive as ZIPs: GENESIS flat files (`*_flat.zip`, read by `genesis_ffcsv.py`) and Excel
workbooks (an .xlsx is a ZIP of XML parts, which openpyxl inflates). A ZIP says in its directory how
many members it has and how large each is inflated; a ZIP bomb is a small file whose members inflate
to gigabytes, or whose directory lies about it. So:

1. before `zipfile` builds one object per member, the central directory is walked and its entries
   counted (`limits.zip_max_members`): a directory of millions of tiny entries must not cost memory;
2. every member's name must stay inside the archive (no absolute path, no `..`, no NUL), it must be
   stored or deflated (the methods that can be inflated in bounded steps), not encrypted, its ratio of
   inflated to compressed size within `limits.zip_max_ratio`, and all members together within
   `limits.zip_max_uncompressed_bytes`, all by what the directory declares;
3. the declaration is not trusted: a member is read through `open_member`, which counts what really
   comes out and stops as soon as it is more than declared, and checks size and CRC-32 at its end.

Any violation is an `ArchiveError` (rule `archive`) naming the member and the limit, so the file is
quarantined with a report and the other files load.
"""

from __future__ import annotations

import copy
import io
import os
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from ingest.errors import ArchiveError
from ingest.limits import Limits, size_text

# The ZIP records read here (APPNOTE.TXT 4.3.12, 4.3.14-16), independently of zipfile's internals.
END_OF_DIRECTORY = struct.Struct("<4s4H2LH")
END_OF_DIRECTORY_SIGNATURE = b"PK\x05\x06"
ZIP64_LOCATOR = struct.Struct("<4sLQL")
ZIP64_LOCATOR_SIGNATURE = b"PK\x06\x07"
ZIP64_END_OF_DIRECTORY = struct.Struct("<4sQ2H2L4Q")
ZIP64_END_OF_DIRECTORY_SIGNATURE = b"PK\x06\x06"
DIRECTORY_ENTRY = struct.Struct("<4s4B4HL2L5H2L")
DIRECTORY_ENTRY_SIGNATURE = b"PK\x01\x02"
MAX_COMMENT = 0xFFFF
# Methods that zipfile inflates in bounded steps; bzip2 and LZMA hand over a whole block at once.
READABLE_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate"}
# flag bits: 0 encrypted, 5 compressed patched data, 6 strong encryption
UNREADABLE_FLAGS = 0x1 | 0x20 | 0x40
READ_CHUNK = 1 << 16  # how much one read asks for while verifying: a buffer size, not a limit
# what zipfile raises for a damaged archive, besides its own BadZipFile
DAMAGED = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, struct.error, ValueError)


def _declared_entries(handle: BinaryIO) -> tuple[int, int, int] | None:
    """(entries, start, end) of the central directory as the end records declare it, or None when
    the file has no end record (then it is no ZIP, and zipfile says so in its words)."""
    handle.seek(0, os.SEEK_END)
    size = handle.tell()
    tail_length = min(size, END_OF_DIRECTORY.size + MAX_COMMENT)
    handle.seek(size - tail_length)
    tail = handle.read(tail_length)
    at = tail.rfind(END_OF_DIRECTORY_SIGNATURE)
    if at < 0 or tail_length - at < END_OF_DIRECTORY.size:
        return None
    record = size - tail_length + at
    *_, entries, directory_size, _, _ = END_OF_DIRECTORY.unpack_from(tail, at)
    end = record
    if entries == 0xFFFF or directory_size == 0xFFFFFFFF:  # ZIP64: the true values are in its own record
        locator = record - ZIP64_LOCATOR.size
        if locator >= ZIP64_END_OF_DIRECTORY.size:
            handle.seek(locator)
            if handle.read(ZIP64_LOCATOR.size)[:4] == ZIP64_LOCATOR_SIGNATURE:
                handle.seek(locator - ZIP64_END_OF_DIRECTORY.size)
                data = handle.read(ZIP64_END_OF_DIRECTORY.size)
                if data[:4] == ZIP64_END_OF_DIRECTORY_SIGNATURE:
                    fields = ZIP64_END_OF_DIRECTORY.unpack(data)
                    entries, directory_size = fields[7], fields[8]
                    end = locator - ZIP64_END_OF_DIRECTORY.size
    return entries, end - directory_size, end


def count_members(path: Path, limits: Limits) -> None:
    """Reject a ZIP with more members than `zip_max_members`, reading only its directory's headers.

    zipfile builds an object per member when it opens an archive, reading the directory by its size,
    not by the count the end record declares; so the entries are walked here (the count may lie, the
    entries cannot) and the walk stops one entry past the limit: the cost is bounded by the limit."""
    with path.open("rb") as handle:
        declared = _declared_entries(handle)
        if declared is None:
            return
        entries, position, end = declared
        if entries > limits.zip_max_members:
            raise _too_many(path.name, entries, limits)
        if position < 0:
            return  # a damaged directory: zipfile reports it
        handle.seek(position)
        counted = 0
        while position < end:
            header = handle.read(DIRECTORY_ENTRY.size)
            if len(header) < DIRECTORY_ENTRY.size or header[:4] != DIRECTORY_ENTRY_SIGNATURE:
                return  # damaged: zipfile reports it when it opens the archive
            counted += 1
            if counted > limits.zip_max_members:
                raise _too_many(path.name, f"mehr als {limits.zip_max_members}", limits)
            fields = DIRECTORY_ENTRY.unpack(header)
            skip = fields[12] + fields[13] + fields[14]  # name, extra field, comment
            handle.seek(skip, os.SEEK_CUR)
            position += DIRECTORY_ENTRY.size + skip


def _too_many(file: str, count: object, limits: Limits) -> ArchiveError:
    return ArchiveError(
        file,
        f"Das ZIP-Archiv enthält {count} Einträge; erlaubt sind höchstens {limits.zip_max_members} "
        "(limits.zip_max_members).",
    )


def _unsafe_name(name: str) -> str | None:
    """Why a member's name points outside the archive, or None when it does not."""
    if "\x00" in name:
        return "enthält ein NUL-Zeichen"
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return "ist ein absoluter Pfad"
    if ".." in re.split(r"[/\\]", name):
        return "führt mit '..' aus dem Archiv hinaus"
    return None


def check_members(archive: zipfile.ZipFile, file: str, limits: Limits) -> None:
    """The directory's declarations against the limits: names, methods, ratio, total inflated size."""
    members = archive.infolist()
    if len(members) > limits.zip_max_members:
        raise _too_many(file, len(members), limits)
    total = 0
    for info in members:
        shown = info.orig_filename.replace("\x00", "\\0")
        if reason := _unsafe_name(info.orig_filename):
            raise ArchiveError(file, f"Der Eintrag '{shown}' {reason}; so ein Archiv wird nicht geöffnet.")
        if info.flag_bits & UNREADABLE_FLAGS:
            raise ArchiveError(file, f"Der Eintrag '{shown}' ist verschlüsselt.")
        if info.compress_type not in READABLE_METHODS:
            raise ArchiveError(
                file,
                f"Der Eintrag '{shown}' ist mit Methode {info.compress_type} gepackt; gelesen werden "
                f"nur {' und '.join(READABLE_METHODS.values())}.",
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > limits.zip_ratio_min_bytes and ratio > limits.zip_max_ratio:
            raise ArchiveError(
                file,
                f"Der Eintrag '{shown}' entpackt {size_text(info.compress_size)} zu "
                f"{size_text(info.file_size)}, {ratio:.0f}-fach; erlaubt ist höchstens "
                f"{limits.zip_max_ratio:g}-fach (limits.zip_max_ratio): so packen sich nur Füllbytes.",
            )
        total += info.file_size
        if total > limits.zip_max_uncompressed_bytes:
            raise ArchiveError(
                file,
                f"Entpackt wären die Einträge bis einschließlich '{shown}' schon {size_text(total)}; "
                f"erlaubt sind höchstens {size_text(limits.zip_max_uncompressed_bytes)} "
                "(limits.zip_max_uncompressed_bytes).",
            )


@contextmanager
def open_archive(path: Path, limits: Limits) -> Iterator[zipfile.ZipFile]:
    """The archive, opened only after its directory passed the limits."""
    count_members(path, limits)
    try:
        archive = zipfile.ZipFile(path)
    except DAMAGED as error:
        raise ArchiveError(path.name, f"Kein lesbares ZIP-Archiv: {error}") from error
    with archive:
        check_members(archive, path.name, limits)
        yield archive


class _GuardedMember(io.RawIOBase):
    """One member's bytes, counted as they come: never more than the directory declared."""

    def __init__(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo, file: str):
        super().__init__()
        self._info, self._file = info, file
        self._shown = info.orig_filename.replace("\x00", "\\0")
        probe = copy.copy(info)
        # zipfile stops at the declared size and says nothing; asking for one byte more shows an overrun
        probe.file_size = info.file_size + 1
        del probe.CRC  # checked below against the declared value, once the last byte is in
        try:
            self._inner = archive.open(probe)
        except (*DAMAGED, NotImplementedError, RuntimeError) as error:
            raise self._fail(f"lässt sich nicht öffnen: {error}") from error
        self._count = 0
        self._crc = 0

    def _fail(self, what: str) -> ArchiveError:
        return ArchiveError(self._file, f"Der Eintrag '{self._shown}' {what}")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:
        try:
            data = self._inner.read(len(buffer))
        except DAMAGED as error:
            raise self._fail(f"lässt sich nicht entpacken: {error}") from error
        self._count += len(data)
        declared = self._info.file_size
        if self._count > declared:
            raise self._fail(
                f"entpackt zu mehr als den im Verzeichnis angegebenen {size_text(declared)}; das Archiv "
                "gibt seine Größen falsch an, gelesen wird nicht weiter."
            )
        if data:
            self._crc = zlib.crc32(data, self._crc)
            buffer[: len(data)] = data
            return len(data)
        if self._count < declared:
            raise self._fail(f"endet nach {size_text(self._count)} von angegebenen {size_text(declared)}.")
        if self._crc != self._info.CRC:
            raise self._fail("ist beschädigt: die Prüfsumme (CRC-32) stimmt nicht.")
        return 0

    def close(self) -> None:
        if hasattr(self, "_inner"):
            self._inner.close()
        super().close()


def open_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, file: str) -> BinaryIO:
    """A buffered stream of one member of an archive opened with `open_archive`, guarded as it
    inflates (the directory's limits were checked when the archive was opened)."""
    return io.BufferedReader(_GuardedMember(archive, info, file))


def verify_archive(path: Path, limits: Limits) -> None:
    """Check the directory, then inflate every member through the guard and discard it.

    For a ZIP that another library opens (openpyxl reading an .xlsx): it cannot be guarded while that
    library reads, so it is proven harmless before: after this, every member inflates to exactly what
    its directory declares, and the declarations are within the limits."""
    with open_archive(path, limits) as archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            with open_member(archive, info, path.name) as stream:
                while stream.read(READ_CHUNK):
                    pass
