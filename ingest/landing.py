"""Ingest everything that has landed for one source into the raw store.

What every source family shares lives here: a file's checksum decides whether it is new, changed
(its previous rows are replaced) or unchanged (skipped); each file loads in its own transaction; a
bad file is quarantined with a report and the other files go on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from ingest.errors import SourceError
from ingest.geography import RuhrGeography
from ingest.loaders import (
    BaXlsxLoader,
    CityCsvLoader,
    DatencsvLoader,
    FamilyLoader,
    FfcsvLoader,
    Provenance,
    SubmissionLoader,
)
from ingest.portal import fetch
from ingest.quarantine import Quarantined, quarantine
from ingest.raw_store import LoggedFile, RawStore, file_sha256
from ingest.registry import Source


@dataclass(frozen=True)
class FileLoad:
    file_name: str
    file_sha256: str
    unchanged: bool
    rows_loaded: int
    source_rows_skipped: int
    skipped_areas: int = 0
    stichtage: tuple[date, ...] = ()
    encoding: str | None = None
    quarantined: Quarantined | None = None


@dataclass
class SourceLoad:
    source_id: str
    files: list[FileLoad] = field(default_factory=list)
    files_in_store: int = 0  # files of this source the raw store holds after the run, ever delivered

    @property
    def loaded(self) -> list[FileLoad]:
        return [file for file in self.files if not file.unchanged and file.quarantined is None]

    @property
    def quarantined(self) -> list[Quarantined]:
        return [file.quarantined for file in self.files if file.quarantined is not None]

    @property
    def rows_loaded(self) -> int:
        return sum(file.rows_loaded for file in self.loaded)

    @property
    def source_rows_skipped(self) -> int:
        return sum(file.source_rows_skipped for file in self.loaded)


def family_loader(source: Source, geography: RuhrGeography) -> FamilyLoader:
    loaders: dict[str, FamilyLoader] = {
        "genesis_datencsv": DatencsvLoader(geography),
        "genesis_ffcsv": FfcsvLoader(geography),
        "city_csv": CityCsvLoader(),
        "ba_xlsx": BaXlsxLoader(geography),
        "submission": SubmissionLoader(geography),
    }
    return loaders[source.family]


def tables_written(source: Source) -> tuple[str, ...]:
    """The raw tables ingesting the source writes: its own, and any its family's loader keeps beside it."""
    return (source.table, *family_loader(source, RuhrGeography.from_seeds()).COMPANION_TABLES)


def landed_files(source: Source, landing_dir: Path) -> list[Path]:
    """Files in the source's landing folder; hidden ones (downloads still being written) are not landed."""
    folder = landing_dir / source.id
    return sorted(
        path for path in folder.glob(source.file_pattern) if path.is_file() and not path.name.startswith(".")
    )


def delivery_due(source: Source, landing_dir: Path) -> bool:
    """Whether ingesting the source can find anything: landed files, or a portal to fetch from."""
    return source.portal is not None or bool(landed_files(source, landing_dir))


def ingest_source(
    source: Source, landing_dir: Path, store: RawStore, geography: RuhrGeography, quarantine_dir: Path
) -> SourceLoad:
    """Fetch the source's file from its portal, if it has one; then load every landed file of the
    source. Bad files go to quarantine, the others load; a portal that cannot be reached raises."""
    result = SourceLoad(source.id)
    if source.portal is not None:
        fetch(source.portal, landing_dir / source.id)
    loader = family_loader(source, geography)
    with store.connect() as con:
        loader.prepare(con, source)
        for path in landed_files(source, landing_dir):
            sha = file_sha256(path)
            previous = RawStore.logged(con, source.id, path.name)
            if previous is not None and previous.file_sha256 == sha:
                result.files.append(
                    FileLoad(path.name, sha, True, previous.rows_loaded, previous.source_rows_skipped)
                )
                continue
            now = datetime.now(UTC).replace(tzinfo=None)
            try:
                with RawStore.replacing_file(con, source.id, source.table, previous):
                    stats = loader.load(con, source, path, Provenance(source.id, path.name, sha, now))
                    logged = LoggedFile(path.name, sha, stats.rows_loaded, stats.source_rows_skipped, now)
                    RawStore.log_file(con, source.id, logged, stats.encoding)
            except SourceError as error:
                moved = quarantine(path, source, sha, error.problem, quarantine_dir, now)
                result.files.append(FileLoad(path.name, sha, False, 0, 0, quarantined=moved))
                continue
            result.files.append(
                FileLoad(
                    path.name,
                    sha,
                    False,
                    stats.rows_loaded,
                    stats.source_rows_skipped,
                    stats.skipped_areas,
                    stats.stichtage,
                    stats.encoding,
                )
            )
        result.files_in_store = RawStore.files_logged(con, source.id)
    return result
