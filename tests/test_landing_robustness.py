"""A file that breaks a reader, or a limit, ends in quarantine with a report; nothing else stops.

Measured on main before this: a 10 MB line in a GENESIS flat file failed the ingest step with
`_csv.Error: field larger than field limit`, a ZIP of 1 GiB of zeros took 2.4 GB and failed it the same
way, and both did so on every later run. Each test here lands such a file beside good ones and checks
where the bad one ends up, what its report says (rule, file, the limit) and that the raw store holds
the good files' rows. Archives (ZIP bombs, bad members) are in tests/test_landing_archives.py.
"""

from __future__ import annotations

import csv
import dataclasses
import random
import re
import shutil
import types
import zipfile
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from ingest.errors import SourceProblem
from ingest.genesis_loaders import FfcsvLoader
from ingest.landing import delivery_due, unmatched_files
from ingest.limits import Limits
from ingest.loaders import BaXlsxLoader
from ingest.registry import load_registry
from orchestration.refresh import run_refresh
from sozialmonitor.refresh_summary import format_summary
from sozialmonitor.settings import DataPaths
from tests.landing_support import (
    BA,
    BOMB_BYTES,
    DORTMUND,
    FFCSV,
    GOLDEN,
    GOOD_ZIP,
    MIB,
    Landing,
    only_quarantined,
    report_of,
    zeros_zip,
)
from tests.support import copy_of
from tests.test_ba_xlsx import layout_2019


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
    assert not delivery_due(FFCSV, landed.landing, {})
    (folder / "Lieferung.zip").write_bytes(b"PK")
    assert delivery_due(FFCSV, landed.landing, {})


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
