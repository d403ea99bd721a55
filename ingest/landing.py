"""Ingest everything that has landed for one source into the raw store.

What every source family shares lives here: a file's checksum decides whether it is new, changed
(its previous rows are replaced) or unchanged (skipped); the accepted files of a source are committed
together, whole files in one transaction per batch (`ingest/staging.py`); a bad file is quarantined
with a report, changes nothing in the raw store, and the other files go on.

"Bad" is anything that goes wrong with one file: a reader's typed `SourceError`, a file beyond the
limits of `ingest/limits.py` (too large, a line too long, a ZIP that would inflate too far), and any
other exception a reader, a library or the insert of that file's rows raises (rule `unreadable`): one
file must never stop a night's run, nor every later run until somebody deletes it. What is not about a
file still fails the run: the raw store that cannot be opened or written (`STORE_ERRORS`), a
quarantine folder that cannot be written, an interrupt.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import os
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from ingest.archive import verify_archive
from ingest.errors import FileTooLargeError, SourceError, SourceProblem, UnreadableFileError
from ingest.genesis_api import GenesisApiError, credentials_configured
from ingest.genesis_api import fetch as fetch_table
from ingest.genesis_loaders import DatencsvLoader, FfcsvLoader
from ingest.geography import RuhrGeography
from ingest.limits import Limits, shorten, size_text
from ingest.limits_in_effect import applied
from ingest.loaders import BaXlsxLoader, CityCsvLoader, FamilyLoader, Provenance, SubmissionLoader
from ingest.portal import fetch
from ingest.quarantine import Quarantined, quarantine
from ingest.raw_store import LoggedFile, RawStore, file_sha256
from ingest.registry import Source, load_registry
from ingest.series_breaks import write_series_breaks
from ingest.staging import STORE_ERRORS, BufferRefused, StagedFiles

# A landing folder is for deliveries; reports someone copied beside them are not unmatched deliveries.
REPORT_SUFFIXES = (".report.md", ".report.json")


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
    # findings about a loaded file that did not stop it (the loader's `LoadStats.warnings`)
    warnings: tuple[SourceProblem, ...] = ()


@dataclass
class SourceLoad:
    source_id: str
    files: list[FileLoad] = field(default_factory=list)
    files_in_store: int = 0  # files of this source the raw store holds after the run, ever delivered
    # files in the landing folder whose name fits no file pattern of the source: not loaded, not moved
    unmatched: tuple[str, ...] = ()
    # why the GENESIS web service gave no table tonight (the files landed before are loaded as usual)
    fetch_problem: SourceProblem | None = None

    @property
    def loaded(self) -> list[FileLoad]:
        return [file for file in self.files if not file.unchanged and file.quarantined is None]

    @property
    def quarantined(self) -> list[Quarantined]:
        return [file.quarantined for file in self.files if file.quarantined is not None]

    @property
    def warnings(self) -> list[SourceProblem]:
        """Findings about the files loaded in this run (an unchanged file was judged when it loaded), and
        a failed fetch from the GENESIS web service."""
        fetched = [self.fetch_problem] if self.fetch_problem is not None else []
        return [*fetched, *(warning for file in self.loaded for warning in file.warnings)]

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


def prepare_raw_tables(store: RawStore, geography: RuhrGeography) -> None:
    """Every registered source's raw table, empty where nothing was ever delivered: the warehouse is built
    from what there is, and a source that has not delivered yet shows as not delivered, not as an error.
    Also the registry's series breaks, which the warehouse marks on the values they affect."""
    registry = load_registry()
    with store.connect() as con:
        for source in registry.sources:
            family_loader(source, geography).prepare(con, source)
        write_series_breaks(con, registry)


def landing_folder(source: Source, landing_dir: Path) -> tuple[list[Path], list[Path]]:
    """The source's landed files and its unmatched files (see `landed_files`, `unmatched_files`), from
    one listing of its landing folder: a night looks at every folder, ~6,400 files at ×100, and
    listing each twice and asking each file's status apart took longer than reading their checksums.
    `fnmatchcase` is the match `Path.glob` makes of a pattern without a folder (case-sensitive on
    POSIX); a `DirEntry` knows from the listing whether it is a file, following a symlink as
    `Path.is_file` does."""
    try:
        entries = list(os.scandir(landing_dir / source.id))
    except (FileNotFoundError, NotADirectoryError):
        return [], []
    landed, unmatched = [], []
    for entry in entries:
        if entry.name.startswith(".") or not entry.is_file():
            continue  # hidden: a download still being written
        if fnmatch.fnmatchcase(entry.name, source.file_pattern):
            landed.append(Path(entry.path))
        elif not entry.name.endswith(REPORT_SUFFIXES):
            unmatched.append(Path(entry.path))
    return sorted(landed), sorted(unmatched)


def landed_files(source: Source, landing_dir: Path) -> list[Path]:
    """Files in the source's landing folder; hidden ones (downloads still being written) are not landed."""
    return landing_folder(source, landing_dir)[0]


def unmatched_files(source: Source, landing_dir: Path) -> list[Path]:
    """Files in the source's landing folder whose name fits none of its file patterns.

    They are never loaded, so they must be named: an office that saves `Lieferung.zip` where
    `*_flat.*` is expected has delivered, and would otherwise hear nothing. Hidden files (downloads
    still being written) and quarantine reports are not deliveries."""
    return landing_folder(source, landing_dir)[1]


def new_files(source: Source, landing_dir: Path, held: Mapping[str, str]) -> list[Path]:
    """Landed files the raw store does not hold as they are now (`held`: file name → sha256 of the
    version loaded): new names, and files replaced under a name already loaded."""
    return _not_held(landed_files(source, landing_dir), held)


def _not_held(landed: list[Path], held: Mapping[str, str]) -> list[Path]:
    new = []
    for path in landed:
        try:
            if held.get(path.name) != file_sha256(path):
                new.append(path)
        except FileNotFoundError:
            continue  # moved away since the folder was listed: nothing landed
    return new


def delivery_due(source: Source, landing_dir: Path, held: Mapping[str, str]) -> bool:
    """Whether ingesting the source can find anything new: a landed file the raw store does not hold
    (`held`, see `new_files`), a portal or the GENESIS web service to fetch from, or a file whose name
    fits no pattern (the run that finds nothing to load is the one that names it)."""
    if source.portal is not None or (source.genesis_api is not None and credentials_configured()):
        return True
    landed, unmatched = landing_folder(source, landing_dir)
    return bool(unmatched) or bool(_not_held(landed, held))


def ingest_source(
    source: Source,
    landing_dir: Path,
    store: RawStore,
    geography: RuhrGeography,
    quarantine_dir: Path,
    limits: Limits | None = None,
) -> SourceLoad:
    """Fetch the source's file from its portal or from the GENESIS web service (when credentials are
    set), if it has one; then load every landed file of the source under `limits` (the registry's unless
    given). Bad files go to quarantine, the others load. A GENESIS answer without a table is reported
    and tried again next night while the files landed before load as usual; a portal that cannot be
    reached, or a raw store that cannot be written, raises."""
    limits = limits or load_registry().limits
    result = SourceLoad(source.id)
    if source.portal is not None:
        fetch(source.portal, landing_dir / source.id)
    if source.genesis_api is not None and credentials_configured():
        try:
            fetch_table(source.genesis_api, landing_dir / source.id)
        except GenesisApiError as error:
            result.fetch_problem = _bounded(error.problem, limits)
    loader = family_loader(source, geography)
    with applied(limits), store.connect() as con:
        loader.prepare(con, source)
        staged = StagedFiles(con, source.id, source.table)
        try:
            result.files = _ingest_files(
                staged, loader, source, landed_files(source, landing_dir), limits, quarantine_dir
            )
            staged.commit()
        finally:
            staged.wait()  # no insert left running on a connection about to close
        result.files_in_store = RawStore.files_logged(con, source.id)
    result.unmatched = tuple(path.name for path in unmatched_files(source, landing_dir))
    return result


def _ingest_files(
    staged: StagedFiles,
    loader: FamilyLoader,
    source: Source,
    paths: list[Path],
    limits: Limits,
    quarantine_dir: Path,
) -> list[FileLoad]:
    """Stage the files in order, and commit the last ones. A file whose insert DuckDB refused is
    quarantined and took the files staged before it since the last commit with it (`StagedFiles.lost`):
    those load again, in order, so that each file is still compared with the delivery loaded before it.
    A refused insert of several files' buffered rows blames none of them: they all load again."""
    loads: dict[str, FileLoad] = {}
    index, uncommitted_from = 0, 0
    while index < len(paths) or staged.pending:
        if index == len(paths):
            staged.commit()
        else:
            loaded = _ingest_file(staged, loader, source, paths[index], limits, quarantine_dir)
            if loaded is not None:  # None: gone meanwhile, quarantined when its batch was first loaded,
                loads[paths[index].name] = loaded  # or to be loaded again (`BufferRefused`)
            index += 1
        if staged.lost:
            for name in staged.lost:
                del loads[name]  # not in the store: only loading it again puts it there
            staged.lost = []
            index = uncommitted_from
        elif not staged.pending:
            uncommitted_from = index
    return [loads[path.name] for path in paths if path.name in loads]


def _ingest_file(
    staged: StagedFiles,
    loader: FamilyLoader,
    source: Source,
    path: Path,
    limits: Limits,
    quarantine_dir: Path,
) -> FileLoad | None:
    """Stage one landed file for the next commit, or quarantine it; None if it vanished meanwhile."""
    now = datetime.now(UTC).replace(tzinfo=None)
    try:
        sha = file_sha256(path)
    except FileNotFoundError:
        return None  # moved away since the folder was listed (by whoever put it there): nothing landed
    except OSError as error:  # there, but not readable (permissions): the file's problem, reported
        return _quarantined(path, source, "", _unreadable(path, error, limits), limits, quarantine_dir, now)
    previous = staged.logged(path.name)
    if previous is not None and previous.file_sha256 == sha:
        return FileLoad(path.name, sha, True, previous.rows_loaded, previous.source_rows_skipped)
    try:
        _within_limits(path, limits)
        with staged.file(path.name, sha):
            stats = loader.load(staged, source, path, Provenance(source.id, path.name, sha, now))
    except BufferRefused:
        return None  # the buffered files before it are `lost`, and it is loaded again with them
    except SourceError as error:
        problem = error.problem
    except STORE_ERRORS:
        raise
    except Exception as error:  # whatever a reader or a library raised about this file; not an interrupt
        problem = _unreadable(path, error, limits)
    else:
        # may commit the staged files; a store that cannot be written fails the run
        staged.accept(
            LoggedFile(path.name, sha, stats.rows_loaded, stats.source_rows_skipped, now), stats.encoding
        )
        return FileLoad(
            path.name,
            sha,
            False,
            stats.rows_loaded,
            stats.source_rows_skipped,
            stats.skipped_areas,
            stats.stichtage,
            stats.encoding,
            warnings=tuple(_bounded(warning, limits) for warning in stats.warnings),
        )
    return _quarantined(path, source, sha, problem, limits, quarantine_dir, now)


def _within_limits(path: Path, limits: Limits) -> None:
    """What can be judged before any reader opens the file: its size, and a ZIP's contents (an .xlsx
    of any family is a ZIP that openpyxl would inflate unguarded)."""
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise FileTooLargeError(
            path.name,
            f"Die Datei ist {size_text(size)} groß; erlaubt sind höchstens "
            f"{size_text(limits.max_file_bytes)} (limits.max_file_bytes). Sie wurde nicht gelesen.",
        )
    if zipfile.is_zipfile(path):
        verify_archive(path, limits)


def _unreadable(path: Path, error: BaseException, limits: Limits) -> SourceProblem:
    """The problem of a file whose reading raised an exception no reader turned into a finding: its
    type and text name it, so a broken file can be told from a bug."""
    kind = type(error)
    name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    message = f"Die Datei ließ sich nicht lesen: {name}: {str(error) or '(ohne Meldungstext)'}"
    return UnreadableFileError(path.name, shorten(message, limits)).problem


def _bounded(problem: SourceProblem, limits: Limits) -> SourceProblem:
    """The finding with its message and column within `max_message_chars` (they may quote the file)."""
    return dataclasses.replace(
        problem,
        message=shorten(problem.message, limits),
        column=shorten(problem.column, limits) if problem.column is not None else None,
    )


def _quarantined(
    path: Path,
    source: Source,
    sha: str,
    problem: SourceProblem,
    limits: Limits,
    quarantine_dir: Path,
    now: datetime,
) -> FileLoad:
    """Move the file to quarantine with its report; the finding is cut to `max_message_chars` first,
    since a reader's message may quote a cell of the very file that is broken."""
    moved = quarantine(path, source, sha, _bounded(problem, limits), quarantine_dir, now)
    return FileLoad(path.name, sha, False, 0, 0, quarantined=moved)
