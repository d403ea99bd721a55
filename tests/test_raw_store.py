"""Loading landed files into the raw store: provenance, idempotency, atomicity, the Ruhr filter."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import duckdb
import pytest

from ingest.geography import RuhrGeography
from ingest.landing import SourceLoad, ingest_source
from ingest.raw_store import RawStore, file_sha256
from ingest.registry import load_registry
from sozialmonitor.settings import DataPaths
from tests.support import FLAT_SOURCE

FIXTURES = Path(__file__).with_name("fixtures") / "genesis"
GOLDEN = FIXTURES / "12411-03-03-4_2015_extract.csv"  # a real download, some areas kept
SOURCE = load_registry().get("genesis_12411_bevoelkerung")


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    folder = tmp_path / "landing" / SOURCE.id
    folder.mkdir(parents=True)
    shutil.copy(GOLDEN, folder / GOLDEN.name)
    return tmp_path / "landing"


def ingest(landing: Path, store: RawStore) -> SourceLoad:
    return ingest_source(SOURCE, landing, store, RuhrGeography.from_seeds(), landing.parent / "quarantine")


def raw_rows(store: RawStore, sql: str) -> list[tuple]:
    with duckdb.connect(str(store.path), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_keeps_ruhr_and_reference_areas_with_provenance(landing: Path, tmp_path: Path) -> None:
    store = RawStore(tmp_path / "raw.duckdb")
    load = ingest(landing, store)
    # 5 areas of 22 rows; Regierungsbezirk Münster (055) is outside the Ruhr: 4 x 22 rows x 9 cells kept
    assert load.rows_loaded == 4 * 22 * 9
    assert load.source_rows_skipped == 22
    assert raw_rows(store, f"select distinct area_key from {SOURCE.id} order by 1") == [
        ("05",),
        ("05562",),
        ("05913",),
        ("DG",),
    ]
    cell = raw_rows(
        store,
        f"""select file_name, file_sha256, row_number, column_number, table_code, altersgruppe, nationalitaet,
                   geschlecht, anzahl, status
            from {SOURCE.id}
            where area_key = '05913' and column_number = 13 and altersgruppe = 'Insgesamt'""",
    )
    # 31.12.2015;05913;      Dortmund, Kreisfreie Stadt;Insgesamt;…;43319 (line 118, its 13th field)
    assert cell == [
        (
            GOLDEN.name,
            file_sha256(GOLDEN),
            118,
            13,
            "12411-03-03-4",
            "Insgesamt",
            "Ausländer",
            "weiblich",
            43319,
            "ok",
        )
    ]


def test_unchanged_file_is_not_loaded_again(landing: Path, tmp_path: Path) -> None:
    store = RawStore(tmp_path / "raw.duckdb")
    ingest(landing, store)
    before = raw_rows(store, f"select count(*), min(loaded_at) from {SOURCE.id}")
    again = ingest(landing, store)
    assert again.files[0].unchanged
    assert again.rows_loaded == 0
    assert raw_rows(store, f"select count(*), min(loaded_at) from {SOURCE.id}") == before


def test_changed_file_replaces_its_previous_rows(landing: Path, tmp_path: Path) -> None:
    store = RawStore(tmp_path / "raw.duckdb")
    ingest(landing, store)
    path = landing / SOURCE.id / GOLDEN.name
    lines = path.read_text(encoding="utf-8").split("\n")
    path.write_text("\n".join(line for line in lines if ";05562;" not in line), encoding="utf-8")
    ingest(landing, store)
    assert raw_rows(store, f"select count(*) from {SOURCE.id}") == [(3 * 22 * 9,)]
    assert raw_rows(store, f"select count(*) from {SOURCE.id} where area_key = '05562'") == [(0,)]


def test_bad_file_is_quarantined_and_its_previous_version_stays(landing: Path, tmp_path: Path) -> None:
    store = RawStore(tmp_path / "raw.duckdb")
    ingest(landing, store)
    before = raw_rows(store, f"select count(*), sum(anzahl), min(loaded_at) from {SOURCE.id}")
    path = landing / SOURCE.id / GOLDEN.name
    path.write_bytes(path.read_bytes().replace(b";586181;287846;", b";586181;2878A6;"))
    bad_sha = file_sha256(path)

    load = ingest(landing, store)

    assert raw_rows(store, f"select count(*), sum(anzahl), min(loaded_at) from {SOURCE.id}") == before
    assert raw_rows(store, "select file_sha256 from ingest_log") == [(file_sha256(GOLDEN),)]
    assert not path.exists()
    [moved] = load.quarantined
    assert moved.file.read_bytes().count(b";2878A6;") == 1
    assert (moved.problem.row, moved.problem.column, moved.problem.rule) == (
        118,
        "6 (Insgesamt / männlich)",
        "value_format",
    )
    report = moved.report.read_text(encoding="utf-8")
    assert "| Zeile | 118 |" in report and "| Spalte | 6 (Insgesamt / männlich) |" in report
    assert f"sha256 {bad_sha}" in report
    assert json.loads(moved.report.with_suffix(".json").read_text())["row"] == 118


def test_one_bad_file_does_not_stop_the_others(landing: Path, tmp_path: Path) -> None:
    good = landing / SOURCE.id / "12411-03-03-4_zweite.csv"
    good.write_bytes(GOLDEN.read_bytes().replace(b"31.12.2015;", b"31.12.2014;"))
    bad = landing / SOURCE.id / GOLDEN.name
    bad.write_bytes(bad.read_bytes().replace(b"__________", b""))  # truncated: no footer
    store = RawStore(tmp_path / "raw.duckdb")

    load = ingest(landing, store)

    assert [file.file_name for file in load.loaded] == [good.name]
    assert [item.problem.rule for item in load.quarantined] == ["layout"]
    assert raw_rows(store, f"select distinct stichtag::varchar from {SOURCE.id}") == [("2014-12-31",)]


def test_unknown_key_inside_a_ruhr_kreis_is_quarantined(landing: Path, tmp_path: Path) -> None:
    path = landing / SOURCE.id / GOLDEN.name
    path.write_bytes(
        path.read_bytes().replace(
            b";05562;      Recklinghausen, Kreis;unter 3", b";05562099;      Neuort;unter 3"
        )
    )
    load = ingest(landing, RawStore(tmp_path / "raw.duckdb"))
    [moved] = load.quarantined
    assert (moved.problem.row, moved.problem.column, moved.problem.rule) == (
        75,
        "2 (Schlüssel)",
        "unknown_area",
    )
    assert "'05562099' is no official German key of the Ruhr" in moved.problem.message


def test_zipped_flat_file_loads_with_provenance_and_merkmale(tmp_path: Path) -> None:
    real = FIXTURES / "12411-01-01-4_v5_de_flat.csv"  # a real answer, Kreis Recklinghausen and Dortmund
    folder = tmp_path / "landing" / FLAT_SOURCE.id
    folder.mkdir(parents=True)
    with zipfile.ZipFile(folder / "12411-01-01-4_1773175772751_de_flat.zip", "w") as archive:
        archive.write(real, "12411-01-01-4_1773175772751_de_flat.csv")
    store = RawStore(tmp_path / "raw.duckdb")

    load = ingest_source(FLAT_SOURCE, tmp_path / "landing", store, RuhrGeography.from_seeds(), tmp_path / "q")

    assert (load.rows_loaded, load.source_rows_skipped) == (6, 0)
    assert raw_rows(
        store,
        f"""select row_number, column_number, merkmale['GES'], value, status
                               from {FLAT_SOURCE.id} where area_key = '05913' order by row_number""",
    ) == [(4, 14, "GESW", 305602.0, "ok"), (5, 14, "", 603462.0, "ok"), (6, 14, "GESM", 297860.0, "ok")]


def test_the_store_counts_what_a_source_ever_delivered(landing: Path, tmp_path: Path) -> None:
    store = RawStore(tmp_path / "raw.duckdb")
    assert ingest(landing, store).files_in_store == 1
    (landing / SOURCE.id / GOLDEN.name).unlink()  # nothing landed this time: the earlier delivery counts
    assert ingest(landing, store).files_in_store == 1
    empty = tmp_path / "nothing" / "landing"
    (empty / SOURCE.id).mkdir(parents=True)
    assert ingest(empty, RawStore(tmp_path / "other.duckdb")).files_in_store == 0


def test_duckdb_memory_and_threads_come_from_the_configuration(
    data_paths: DataPaths, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every heavy connection gets the same memory bound: the raw store's writer, the gate's reader, dbt;
    the raw store's writer has its own thread count (one by default)."""
    monkeypatch.setenv("SOZIALMONITOR_DUCKDB_MEMORY_LIMIT", "300MB")
    monkeypatch.setenv("SOZIALMONITOR_DUCKDB_THREADS", "3")

    def writer_settings() -> tuple[int, str]:
        with RawStore(data_paths.raw_db, data_paths.ingest_duckdb_config).connect() as con:
            return con.execute(
                "select current_setting('threads'), current_setting('memory_limit')"
            ).fetchone()

    assert writer_settings() == (1, "286.1 MiB")  # DuckDB shows 300 MB (10^6) in MiB (2^20)
    monkeypatch.setenv("SOZIALMONITOR_INGEST_THREADS", "2")
    assert writer_settings() == (2, "286.1 MiB")
    variables = json.loads(data_paths.dbt_vars()[1])
    assert (variables["duckdb_memory_limit"], variables["duckdb_threads"]) == ("300MB", 3)
    for variable, config in (
        ("SOZIALMONITOR_DUCKDB_THREADS", "duckdb_config"),
        ("SOZIALMONITOR_INGEST_THREADS", "ingest_duckdb_config"),
    ):
        monkeypatch.setenv(variable, "zwei")
        with pytest.raises(ValueError, match=f"{variable} must be a whole number"):
            assert getattr(data_paths, config)
        monkeypatch.setenv(variable, "1")
