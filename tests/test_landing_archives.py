"""A ZIP that would exhaust memory or escape its folder (a bomb, a member larger than declared, a path
out of the archive, too many members, a truncated archive) is quarantined with a report; the good files
beside it load.

Measured on main before the guard: a ZIP of 1 GiB of zeros took 2.4 GB and failed the ingest step, on
every later run again. The archive guard (ingest/archive.py) now judges a ZIP, and an xlsx (a ZIP, too),
before any reader opens it, and counts what a member really inflates to while it is read.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from ingest.archive import open_archive, verify_archive
from ingest.ba_xlsx import BaWorkbook
from ingest.errors import ArchiveError
from ingest.limits import Limits
from tests.landing_support import (
    BA,
    BOMB_BYTES,
    FFCSV,
    FLAT_FILE_SOURCE,
    GOLDEN,
    GOLDEN_ROWS_KEPT,
    GOOD_ZIP,
    MIB,
    Landing,
    lie_about_size,
    only_quarantined,
    report_of,
    zeros_zip,
)
from tests.test_ba_xlsx import layout_2019


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """200 MiB of zeros as the flat file's CSV: about 200 KB on disk."""
    return zeros_zip(tmp_path_factory.mktemp("bomb") / "bomb_flat.zip", "bomb_flat.csv", BOMB_BYTES)


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
