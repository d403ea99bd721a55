"""Save sample workbooks so that the same inputs give the same bytes (xlsx is a ZIP with timestamps)."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl


def save_reproducibly(book: openpyxl.Workbook, path: Path, stamp: datetime) -> Path:
    """Save with `stamp` as the document's times and every ZIP entry's time (openpyxl stamps 'now')."""
    book.properties.created = book.properties.modified = stamp
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(buffer) as built, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as fixed:
        for item in built.infolist():
            content = built.read(item.filename)
            if item.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*",
                    rb"\g<1>" + f"{stamp:%Y-%m-%dT%H:%M:%SZ}".encode(),
                    content,
                )
            fixed.writestr(
                zipfile.ZipInfo(item.filename, date_time=stamp.timetuple()[:6]),
                content,
                compress_type=zipfile.ZIP_DEFLATED,
            )
    return path
