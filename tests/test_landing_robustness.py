"""A file that breaks a reader, or a limit, ends in quarantine with a report; nothing else stops.

Measured on main before this: a 10 MB line in a GENESIS flat file failed the ingest step with
`_csv.Error: field larger than field limit`, a ZIP of 1 GiB of zeros took 2.4 GB and failed it the same
way, and both did so on every later run. Each test here lands such a file beside good ones and checks
where the bad one ends up, what its report says (rule, file, the limit) and that the raw store holds
the good files' rows.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import os
import random
import re
import shutil
import subprocess
import sys
import types
import zipfile
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from ingest.archive import open_archive, verify_archive
from ingest.ba_xlsx import BaWorkbook
from ingest.errors import ArchiveError, SourceProblem
from ingest.genesis_loaders import FfcsvLoader
from ingest.geography import RuhrGeography
from ingest.landing import SourceLoad, delivery_due, ingest_source, unmatched_files
from ingest.limits import Limits
from ingest.loaders import BaXlsxLoader
from ingest.quarantine import Quarantined
from ingest.raw_store import RawStore
from ingest.registry import Source, load_registry
from orchestration.refresh import run_refresh
from sozialmonitor.refresh_summary import format_summary
from sozialmonitor.settings import DataPaths
from tests.support import copy_of
from tests.test_ba_xlsx import layout_2019

GOLDEN = Path(__file__).with_name("fixtures") / "genesis" / "12411-01-01-4_v5_de_flat.csv"
# A GENESIS flat-file source as the registry declared 22151 when the failures were measured (ZIPs,
# `*_flat.*`); declared here, so that these tests do not depend on which registry entry reads ffcsv.
FLAT_FILE_SOURCE = {
    "id": "genesis_22151_flat",
    "title": "Grundsicherung im Alter und bei Erwerbsminderung (GENESIS flat file)",
    "family": "genesis_ffcsv",
    "owner": "IT.NRW / Statistische Ämter des Bundes und der Länder",
    "cadence": "yearly",
    "licence": "dl-de/by-2-0",
    "file_pattern": "*_flat.*",
}
FFCSV = Source(**FLAT_FILE_SOURCE)
BA = load_registry().get("ba_gemeindedaten")
DORTMUND = load_registry().get("kommunale_meldungen_dortmund")
GOOD_ZIP = "22151_2022_flat.zip"
GOLDEN_ROWS_KEPT = 6  # a real flat file: three values each of Kreis Recklinghausen and Dortmund
MIB = 2**20
BOMB_BYTES = 200 * MIB  # zeros: deflate packs them ~1000-fold, to ~200 KB


class Landing:
    """A data directory for one test: landing folders, quarantine, raw store."""

    def __init__(self, root: Path):
        self.root = root
        self.landing = root / "landing"
        self.quarantine = root / "quarantine"
        self.store = RawStore(root / "raw.duckdb")

    def folder(self, source_id: str) -> Path:
        folder = self.landing / source_id
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def good_zip(self) -> Path:
        path = self.folder(FFCSV.id) / GOOD_ZIP
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.write(GOLDEN, "22151_2022_flat.csv")
        return path

    def ingest(self, source: object = FFCSV, limits: Limits | None = None) -> SourceLoad:
        return ingest_source(
            source, self.landing, self.store, RuhrGeography.from_seeds(), self.quarantine, limits
        )

    def rows(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.store.path), read_only=True) as con:
            return con.execute(sql).fetchall()

    def good_rows_loaded(self) -> bool:
        return self.rows(f"select count(*) from {FFCSV.table} where file_name = '{GOOD_ZIP}'") == [
            (GOLDEN_ROWS_KEPT,)
        ]


@pytest.fixture
def landed(tmp_path: Path) -> Landing:
    return Landing(tmp_path / "data")


def only_quarantined(load: SourceLoad, landing: Landing, source_id: str, name: str) -> Quarantined:
    """The one quarantined file: moved out of the landing folder into quarantine/<source>/."""
    [moved] = load.quarantined
    assert not (landing.landing / source_id / name).exists()
    assert moved.file.parent == landing.quarantine / source_id and moved.file.name.endswith(f"__{name}")
    assert moved.problem.file == name
    record = json.loads(moved.report.with_suffix(".json").read_text(encoding="utf-8"))
    assert (record["rule"], record["file"]) == (moved.problem.rule, name)
    return moved


def report_of(moved: Quarantined) -> str:
    return moved.report.read_text(encoding="utf-8")


def zeros_zip(path: Path, member: str, size: int, *extra: tuple[str, bytes]) -> Path:
    """A ZIP whose member `member` is `size` zero bytes, written in chunks (never whole in memory)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in extra:
            archive.writestr(name, content)
        with archive.open(member, "w") as handle:
            chunk = bytes(MIB)
            for _ in range(size // MIB):
                handle.write(chunk)
    return path


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """200 MiB of zeros as the flat file's CSV: about 200 KB on disk."""
    return zeros_zip(tmp_path_factory.mktemp("bomb") / "bomb_flat.zip", "bomb_flat.csv", BOMB_BYTES)


def lie_about_size(path: Path, declared: int) -> Path:
    """Patch the member's inflated size in its local header and its directory entry to `declared`."""
    data = bytearray(path.read_bytes())
    assert data[:4] == b"PK\x03\x04"
    data[22:26] = declared.to_bytes(4, "little")  # local file header: uncompressed size
    entry = data.rindex(b"PK\x01\x02")
    data[entry + 24 : entry + 28] = declared.to_bytes(4, "little")  # central directory entry
    path.write_bytes(bytes(data))
    return path


def long_line_flat_file(line_bytes: int) -> bytes:
    """The golden flat file with a line of `line_bytes` after its first data row (file line 3). The
    line is hex noise, not filler: zipped, it compresses like data (2x), so no ratio check catches it."""
    header, first, *rest = GOLDEN.read_bytes().splitlines(keepends=True)
    noise = random.Random(22151).randbytes(line_bytes // 2).hex().encode()
    return header + first + b"22151;" + noise + b"\r\n" + b"".join(rest)


# --- lines too long ----------------------------------------------------------------------------------


def test_a_10_mb_line_in_a_zipped_flat_file_is_quarantined_and_the_others_load(landed: Landing) -> None:
    landed.good_zip()
    bad = landed.folder(FFCSV.id) / "22151_2021_flat.zip"
    with zipfile.ZipFile(bad, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("22151_2021_flat.csv", long_line_flat_file(10 * MIB))
    field_limit_before = csv.field_size_limit()

    load = landed.ingest()

    moved = only_quarantined(load, landed, FFCSV.id, bad.name)
    assert (moved.problem.rule, moved.problem.row) == ("line_too_long", 3)
    text = report_of(moved)
    assert "| Regel | line_too_long |" in text and "| Zeile | 3 |" in text
    assert "länger als 1,0 MiB (limits.max_line_bytes)" in text
    assert len(text) < 5_000  # the report names the line; it does not carry it
    assert [file.file_name for file in load.loaded] == [GOOD_ZIP]
    assert landed.good_rows_loaded()
    assert csv.field_size_limit() == field_limit_before  # csv's process-wide limit is put back


def test_a_10_mb_line_in_a_plain_flat_file_is_quarantined(landed: Landing) -> None:
    landed.good_zip()
    bad = landed.folder(FFCSV.id) / "22151_2021_flat.csv"
    bad.write_bytes(long_line_flat_file(10 * MIB))

    load = landed.ingest()

    moved = only_quarantined(load, landed, FFCSV.id, bad.name)
    assert (moved.problem.rule, moved.problem.row) == ("line_too_long", 3)
    assert "limits.max_line_bytes" in report_of(moved)
    assert moved.file.stat().st_size > 10 * MIB  # the file itself is kept, whole, for whoever looks
    assert landed.good_rows_loaded()


def test_a_10_mb_field_in_another_csv_reader_is_quarantined_not_a_crash(landed: Landing) -> None:
    """The submission reader reads with csv.reader as it is: csv's field limit (the configured line
    bound during an ingest) stops the field, and the exception becomes the file's report."""
    folder = landed.folder(DORTMUND.id)
    good = folder / "kita_2023.csv"
    good.write_text(
        "Gebietsschluessel;Gebietsname;Stichtag;Merkmal;Anzahl\n"
        "05913000;Dortmund;01.03.2023;kita_betreut_unter_3;4710\n",
        encoding="utf-8",
    )
    bad = folder / "kita_2024.csv"
    bad.write_text(
        "Gebietsschluessel;Gebietsname;Stichtag;Merkmal;Anzahl\n"
        f"05913000;{'D' * 10 * MIB};01.03.2024;kita_betreut_unter_3;4711\n",
        encoding="utf-8",
    )

    load = landed.ingest(DORTMUND)

    moved = only_quarantined(load, landed, DORTMUND.id, bad.name)
    assert moved.problem.rule == "unreadable"
    assert "_csv.Error: field larger than field limit (1048576)" in moved.problem.message
    assert landed.rows(f"select anzahl from {DORTMUND.table} where file_name = 'kita_2023.csv'") == [(4710,)]


# --- ZIP bombs and bad archives ----------------------------------------------------------------------


def test_a_zip_bomb_beyond_the_configured_inflated_size_is_not_inflated(landed: Landing, bomb: Path) -> None:
    landed.good_zip()
    shutil.copy(bomb, landed.folder(FFCSV.id) / bomb.name)
    small = Limits(zip_max_uncompressed_bytes="64 MiB", zip_max_ratio=10_000)

    load = landed.ingest(limits=small)

    moved = only_quarantined(load, landed, FFCSV.id, bomb.name)
    assert moved.problem.rule == "archive"
    assert "'bomb_flat.csv'" in moved.problem.message
    assert "200,0 MiB" in moved.problem.message and "64,0 MiB (limits.zip_max_uncompressed_bytes)" in (
        moved.problem.message
    )
    assert "| Regel | archive |" in report_of(moved)
    assert landed.good_rows_loaded()


def test_a_zip_bomb_is_caught_by_its_ratio_with_the_default_limits(landed: Landing, bomb: Path) -> None:
    landed.good_zip()
    shutil.copy(bomb, landed.folder(FFCSV.id) / bomb.name)

    load = landed.ingest()

    moved = only_quarantined(load, landed, FFCSV.id, bomb.name)
    assert moved.problem.rule == "archive"
    assert "'bomb_flat.csv'" in moved.problem.message
    assert "höchstens 200-fach (limits.zip_max_ratio)" in moved.problem.message
    assert landed.good_rows_loaded()


def test_a_member_inflating_past_its_declared_size_is_stopped_while_reading(landed: Landing) -> None:
    """With the default limits: the directory declares 1,000 bytes (ratio and total look harmless);
    the stream is counted and stops right after them."""
    landed.good_zip()
    bad = zeros_zip(landed.folder(FFCSV.id) / "22151_2021_flat.zip", "22151_2021_flat.csv", 50 * MIB)
    lie_about_size(bad, 1_000)
    with zipfile.ZipFile(bad) as archive:
        assert archive.infolist()[0].file_size == 1_000

    load = landed.ingest()

    moved = only_quarantined(load, landed, FFCSV.id, bad.name)
    assert moved.problem.rule == "archive"
    assert "'22151_2021_flat.csv' entpackt zu mehr als den im Verzeichnis angegebenen 1000 Bytes" in (
        moved.problem.message
    )
    assert landed.good_rows_loaded()


@pytest.mark.parametrize(
    ("member", "reason"),
    [
        ("../evil_flat.csv", "führt mit '..' aus dem Archiv hinaus"),
        ("/tmp/evil_flat.csv", "ist ein absoluter Pfad"),
        ("evil\x00_flat.csv", "enthält ein NUL-Zeichen"),
    ],
)
def test_a_member_name_pointing_outside_the_archive_is_rejected(
    landed: Landing, member: str, reason: str
) -> None:
    landed.good_zip()
    bad = landed.folder(FFCSV.id) / "22151_2021_flat.zip"
    placeholder = member.replace("\x00", "#")  # zipfile cuts a name at NUL when writing: patched in after
    with zipfile.ZipFile(bad, "w") as archive:
        archive.writestr(placeholder, GOLDEN.read_bytes())
    bad.write_bytes(bad.read_bytes().replace(placeholder.encode(), member.encode()))

    load = landed.ingest()

    moved = only_quarantined(load, landed, FFCSV.id, bad.name)
    assert moved.problem.rule == "archive"
    assert f"'{member.replace(chr(0), chr(92) + '0')}' {reason}" in moved.problem.message
    assert landed.good_rows_loaded()


def test_a_zip_with_10000_members_is_rejected_before_they_are_listed(landed: Landing) -> None:
    landed.good_zip()
    bad = landed.folder(FFCSV.id) / "22151_2021_flat.zip"
    with zipfile.ZipFile(bad, "w") as archive:
        archive.writestr("22151_2021_flat.csv", GOLDEN.read_bytes())
        for number in range(9_999):
            archive.writestr(f"teil_{number:04d}.txt", b"")

    load = landed.ingest()

    moved = only_quarantined(load, landed, FFCSV.id, bad.name)
    assert moved.problem.rule == "archive"
    assert "10000 Einträge; erlaubt sind höchstens 1000 (limits.zip_max_members)" in moved.problem.message
    assert landed.good_rows_loaded()


def test_a_directory_that_understates_its_member_count_is_counted_entry_by_entry(tmp_path: Path) -> None:
    path = tmp_path / "many_flat.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for number in range(2_000):
            archive.writestr(f"teil_{number:04d}.txt", b"")
    data = bytearray(path.read_bytes())
    end = data.rindex(b"PK\x05\x06")
    data[end + 8 : end + 12] = (5).to_bytes(2, "little") * 2  # "5 entries" on this disk and in all
    path.write_bytes(bytes(data))

    with pytest.raises(ArchiveError, match=r"mehr als 1000 Einträge"), open_archive(path, Limits()):
        pass


def test_a_truncated_zip_is_quarantined(landed: Landing) -> None:
    good = landed.good_zip()
    bad = landed.folder(FFCSV.id) / "22151_2021_flat.zip"
    bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])

    load = landed.ingest()

    moved = only_quarantined(load, landed, FFCSV.id, bad.name)
    assert moved.problem.rule == "archive"
    assert moved.problem.message.startswith("Kein lesbares ZIP-Archiv")
    assert landed.good_rows_loaded()


def test_an_xlsx_that_is_a_zip_bomb_never_reaches_openpyxl(landed: Landing) -> None:
    folder = landed.folder(BA.id)
    layout_2019(folder / "nrw_2020-12.xlsx")
    bad = zeros_zip(
        folder / "nrw_2021-12.xlsx",
        "xl/worksheets/sheet1.xml",
        BOMB_BYTES,
        ("[Content_Types].xml", b"<Types/>"),
    )
    landed.good_zip()

    load = landed.ingest(BA)

    moved = only_quarantined(load, landed, BA.id, bad.name)
    assert moved.problem.rule == "archive"
    assert "'xl/worksheets/sheet1.xml'" in moved.problem.message and "limits.zip_max_ratio" in (
        moved.problem.message
    )
    assert landed.rows(f"select count(*) from {BA.table} where file_name = 'nrw_2020-12.xlsx'") == [(14,)]
    landed.ingest()  # and the next source goes on
    assert landed.good_rows_loaded()
    # the reader guards itself, too, for whoever uses it outside an ingest
    with pytest.raises(ArchiveError, match=r"limits\.zip_max_ratio"):
        list(BaWorkbook(moved.file).rows())


def test_the_guard_passes_a_real_workbook_and_zip_unchanged(tmp_path: Path, landed: Landing) -> None:
    verify_archive(layout_2019(tmp_path / "nrw_2020-12.xlsx"), Limits())
    verify_archive(landed.good_zip(), Limits())


# --- what no reader anticipated -----------------------------------------------------------------------


def failing_on(name: str, error: BaseException, *, after_insert: bool = False) -> Callable:
    """FfcsvLoader.load, raising `error` for the file `name` (after inserting its rows, if asked)."""
    original = FfcsvLoader.load

    def load(self: FfcsvLoader, con: object, source: object, path: Path, provenance: object) -> object:
        if path.name != name:
            return original(self, con, source, path, provenance)
        if after_insert:
            original(self, con, source, path, provenance)
        raise error

    return load


def test_an_unexpected_exception_quarantines_the_file_as_unreadable(
    landed: Landing, monkeypatch: pytest.MonkeyPatch
) -> None:
    landed.good_zip()
    bad = landed.folder(FFCSV.id) / "22151_2021_flat.zip"
    shutil.copy(landed.folder(FFCSV.id) / GOOD_ZIP, bad)
    layout_2019(landed.folder(BA.id) / "nrw_2020-12.xlsx")
    monkeypatch.setattr(FfcsvLoader, "load", failing_on(bad.name, RuntimeError("boom in the reader")))

    load = landed.ingest()
    other = landed.ingest(BA)  # another source, after it

    moved = only_quarantined(load, landed, FFCSV.id, bad.name)
    assert (moved.problem.rule, moved.problem.row) == ("unreadable", None)
    assert moved.problem.message == "Die Datei ließ sich nicht lesen: RuntimeError: boom in the reader"
    text = report_of(moved)
    assert "| Regel | unreadable |" in text and "RuntimeError: boom in the reader" in text
    assert "liegt der Fehler im Sozialmonitor" in text  # the report says it may be a bug, not the file
    assert landed.good_rows_loaded()
    assert other.rows_loaded == 14
    assert landed.rows(f"select count(*) from {BA.table}") == [(14,)]


def test_a_file_failing_after_its_rows_were_inserted_leaves_none_of_them(
    landed: Landing, monkeypatch: pytest.MonkeyPatch
) -> None:
    landed.good_zip()
    bad = landed.folder(FFCSV.id) / "22151_2021_flat.zip"
    shutil.copy(landed.folder(FFCSV.id) / GOOD_ZIP, bad)
    message = "x" * (10 * MIB)
    monkeypatch.setattr(FfcsvLoader, "load", failing_on(bad.name, ValueError(message), after_insert=True))

    load = landed.ingest()

    moved = only_quarantined(load, landed, FFCSV.id, bad.name)
    assert moved.problem.rule == "unreadable"
    assert moved.problem.message.startswith("Die Datei ließ sich nicht lesen: ValueError: xxx")
    assert len(moved.problem.message) <= 500
    cut = re.search(r"… \(gekürzt, (\d+) Zeichen\)$", moved.problem.message)
    assert cut and int(cut[1]) > 10 * MIB  # says how long the text was, without carrying it
    assert moved.report.stat().st_size < 5_000
    assert landed.rows(f"select distinct file_name from {FFCSV.table}") == [(GOOD_ZIP,)]
    assert landed.rows("select file_name from ingest_log") == [(GOOD_ZIP,)]


@pytest.mark.parametrize(
    "error", [duckdb.IOException("could not write: No space left on device"), KeyboardInterrupt()]
)
def test_a_broken_store_or_an_interrupt_still_fails_and_moves_nothing(
    landed: Landing, monkeypatch: pytest.MonkeyPatch, error: BaseException
) -> None:
    good = landed.good_zip()
    monkeypatch.setattr(FfcsvLoader, "load", failing_on(GOOD_ZIP, error))

    with pytest.raises(type(error)):
        landed.ingest()

    assert good.exists() and not landed.quarantine.exists()


# --- limits before reading, unmatched files -----------------------------------------------------------


def test_a_file_beyond_the_size_limit_is_quarantined_unread(
    landed: Landing, monkeypatch: pytest.MonkeyPatch
) -> None:
    landed.good_zip()
    bad = landed.folder(FFCSV.id) / "22151_2021_flat.csv"
    bad.write_bytes(GOLDEN.read_bytes() * 20)  # ~20 KB
    read: list[str] = []
    original = FfcsvLoader.load

    def load(self: FfcsvLoader, con: object, source: object, path: Path, provenance: object) -> object:
        read.append(path.name)
        return original(self, con, source, path, provenance)

    monkeypatch.setattr(FfcsvLoader, "load", load)

    load_result = landed.ingest(limits=Limits(max_file_bytes="8 KiB"))

    moved = only_quarantined(load_result, landed, FFCSV.id, bad.name)
    assert moved.problem.rule == "file_too_large"
    assert "höchstens 8,0 KiB (limits.max_file_bytes)" in moved.problem.message
    assert read == [GOOD_ZIP]  # the large one was never handed to a reader
    assert landed.good_rows_loaded()


def test_a_file_fitting_no_pattern_is_listed_not_loaded_and_left_where_it_is(landed: Landing) -> None:
    folder = landed.folder(FFCSV.id)
    landed.good_zip()
    stray = folder / "Lieferung.zip"
    shutil.copy(folder / GOOD_ZIP, stray)
    (folder / ".Lieferung2.zip.part").write_bytes(b"still downloading")
    (folder / "alt.report.md").write_text("# ein Bericht", encoding="utf-8")
    (folder / "archiv").mkdir()

    load = landed.ingest()

    assert load.unmatched == ("Lieferung.zip",)
    assert unmatched_files(FFCSV, landed.landing) == [stray]
    assert stray.exists() and not load.quarantined
    assert [file.file_name for file in load.files] == [GOOD_ZIP]
    assert landed.good_rows_loaded()


def test_a_folder_holding_only_an_unmatched_file_is_due_for_a_run(landed: Landing) -> None:
    """Its run is the one that names the file (a body's partition run would otherwise never start)."""
    folder = landed.folder(FFCSV.id)
    assert not delivery_due(FFCSV, landed.landing)
    (folder / "Lieferung.zip").write_bytes(b"PK")
    assert delivery_due(FFCSV, landed.landing)


def test_the_limits_come_from_sources_yml(tmp_path: Path) -> None:
    registry = load_registry()
    assert registry.limits.max_line_bytes == MIB and registry.limits.zip_max_members == 1_000
    text = (Path(__file__).parents[1] / "ingest" / "sources.yml").read_text(encoding="utf-8")
    changed = tmp_path / "sources.yml"
    changed.write_text(text.replace("zip_max_members: 1000", "zip_max_members: 5"), encoding="utf-8")
    assert load_registry.__wrapped__(changed).limits.zip_max_members == 5
    changed.write_text(text.replace("zip_max_members: 1000", "zip_max_members: viele"), encoding="utf-8")
    with pytest.raises(ValueError, match=r"limits\.zip_max_members"):
        load_registry.__wrapped__(changed)


# --- through the refresh ------------------------------------------------------------------------------


def test_a_night_with_a_bomb_a_stray_file_and_a_warning_publishes_and_names_all_three(
    refreshed_sample: DataPaths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The measured failure, end to end: a ZIP bomb in a landing folder used to fail the ingest step and
    skip dbt, gate and publication. Now it is quarantined, a file under a name that fits no pattern is
    named, a warning about a loaded file is passed on, and the night publishes. (The BA folder: its
    workbooks are ZIPs, whichever family reads GENESIS tables.)"""
    paths = copy_of(refreshed_sample, tmp_path / "data", monkeypatch)
    folder = paths.landing / BA.id
    bomb = zeros_zip(
        folder / "gemeindedaten_nrw_2024-12.xlsx",
        "xl/worksheets/sheet1.xml",
        BOMB_BYTES,
        ("[Content_Types].xml", b"<Types/>"),
    )
    shutil.copy(folder / "gemeindedaten_nrw_2023-12.xlsx", folder / "Lieferung.zip")
    # the same workbook, packed anew (other bytes, same cells): a changed file that loads and rebuilds
    resent = folder / "gemeindedaten_nrw_2022-12.xlsx"
    with zipfile.ZipFile(resent) as archive:
        parts = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(resent, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for info, content in parts:
            archive.writestr(info.filename, content)
    warning = SourceProblem(
        resent.name, "missing_area", "Breckerfeld (05954004) fehlt gegenüber der vorigen Lieferung."
    )
    original = BaXlsxLoader.load

    def load(self: BaXlsxLoader, con: object, source: object, path: Path, provenance: object) -> object:
        stats = original(self, con, source, path, provenance)
        found = {field.name: getattr(stats, field.name) for field in dataclasses.fields(stats)}
        return types.SimpleNamespace(**{**found, "warnings": (warning,)})

    monkeypatch.setattr(BaXlsxLoader, "load", load)

    outcome = run_refresh(paths)

    assert outcome.success and outcome.published
    failed = {check.check_name: check for check in outcome.checks if not check.passed}
    assert set(failed) == {"no_quarantined_files", "no_unmatched_files", "no_load_warnings"}
    assert {(check.asset, check.severity) for check in failed.values()} == {(f"raw/{BA.id}", "WARN")}
    [report] = (paths.quarantine / BA.id).glob("*.report.md")
    assert f"# Datei nicht übernommen: {bomb.name}" in report.read_text(encoding="utf-8")
    assert "| Regel | archive |" in report.read_text(encoding="utf-8")
    assert (folder / "Lieferung.zip").exists()

    summary = format_summary(outcome, paths)
    assert f"FAILED raw/{BA.id} no_unmatched_files (WARN)\n" in summary
    assert f"\n  {BA.id}: Lieferung.zip (pattern *.xlsx)\n" in summary
    assert f"\n  {BA.id}: {warning}\n" in summary
    run_report = outcome.report.read_text(encoding="utf-8")
    assert f"- `{folder / 'Lieferung.zip'}` (pattern `*.xlsx`)" in run_report
    assert f"- {BA.id}: {warning}" in run_report


# --- memory ------------------------------------------------------------------------------------------

MEASURE = """
import json, resource, sys
from pathlib import Path
from ingest.geography import RuhrGeography
from ingest.landing import ingest_source
from ingest.limits import Limits
from ingest.raw_store import RawStore
from ingest.registry import Source, load_registry

root, declared = Path(sys.argv[1]), json.loads(sys.argv[2])
source = Source(**declared)
store, geography = RawStore(root / "raw.duckdb"), RuhrGeography.from_seeds()

def ingest(folder, limits=None):
    load = ingest_source(source, root / folder, store, geography, root / "quarantine", limits)
    return [item.problem.rule for item in load.quarantined], load.rows_loaded

def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux

warm = ingest("warm")  # a good file first: DuckDB, Arrow and the store are in memory before measuring
baseline = peak_mib()
lied = ingest("lied")
permissive = Limits(zip_max_ratio=10_000, zip_max_uncompressed_bytes="1 GiB")
long_line = ingest("long_line", permissive)
print(json.dumps({"warm": warm, "lied": lied, "long_line": long_line, "baseline": baseline,
                  "peak": peak_mib()}))
"""


def test_reading_a_bomb_takes_little_memory(tmp_path: Path, bomb: Path) -> None:
    """In a process of its own: 200 MiB of zeros, once behind a directory that declares 1,000 bytes
    (the stream guard stops it) and once with header limits lifted (one 200 MiB line: the line bound
    stops it). Held whole it would take 200 MiB as bytes plus as much again as text."""
    for folder in ("warm", "lied", "long_line"):
        (tmp_path / folder / FFCSV.id).mkdir(parents=True)
    with zipfile.ZipFile(tmp_path / "warm" / FFCSV.id / GOOD_ZIP, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(GOLDEN, "22151_2022_flat.csv")
    lie_about_size(Path(shutil.copy(bomb, tmp_path / "lied" / FFCSV.id / "lied_flat.zip")), 1_000)
    shutil.copy(bomb, tmp_path / "long_line" / FFCSV.id / "long_flat.zip")
    project = Path(__file__).parents[1]
    run = subprocess.run(
        [sys.executable, "-c", MEASURE, str(tmp_path), json.dumps(FLAT_FILE_SOURCE)],
        cwd=project,
        env={**os.environ, "PYTHONPATH": str(project)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    measured = json.loads(run.stdout)
    assert measured["warm"] == [[], GOLDEN_ROWS_KEPT]
    assert measured["lied"] == [["archive"], 0]
    assert measured["long_line"] == [["line_too_long"], 0]
    assert measured["peak"] - measured["baseline"] < 48, measured
