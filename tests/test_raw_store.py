"""Loading landed files into the raw store: provenance, idempotency, atomicity, the Ruhr filter."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from ingest.errors import UnknownAreaError, ValueFormatError
from ingest.geography import RuhrGeography
from ingest.landing import SourceLoad, ingest_source
from ingest.raw_store import RawStore, file_sha256
from ingest.registry import load_registry

GOLDEN = Path(__file__).with_name("fixtures") / "genesis" / "12411-03-03-4_golden_latin1.csv"
SOURCE = load_registry().get("genesis_12411_bevoelkerung")


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    folder = tmp_path / "landing" / SOURCE.id
    folder.mkdir(parents=True)
    shutil.copy(GOLDEN, folder / GOLDEN.name)
    return tmp_path / "landing"


def ingest(landing: Path, store: RawStore) -> SourceLoad:
    return ingest_source(SOURCE, landing, store, RuhrGeography.from_seeds())


def raw_rows(store: RawStore, sql: str) -> list[tuple]:
    with duckdb.connect(str(store.path), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_keeps_ruhr_and_reference_areas_with_provenance(landing: Path, tmp_path: Path) -> None:
    store = RawStore(tmp_path / "raw.duckdb")
    load = ingest(landing, store)
    # 8 data rows, 051 Regierungsbezirk Düsseldorf is outside the Ruhr: 7 rows x 9 cells kept.
    assert load.rows_loaded == 63
    assert load.source_rows_skipped == 1
    assert raw_rows(store, f"select distinct area_key from {SOURCE.id} order by 1") == [
        ("05",),
        ("05170",),
        ("05170004",),
        ("05913",),
        ("DG",),
    ]
    cell = raw_rows(
        store,
        f"""select file_name, file_sha256, row_number, column_number, nationalitaet,
                                      geschlecht, anzahl, status
                               from {SOURCE.id} where area_key = '05170' and column_number = 13""",
    )
    assert cell == [(GOLDEN.name, file_sha256(GOLDEN), 12, 13, "Ausländer", "weiblich", None, "blocked")]


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
    path.write_bytes(path.read_bytes().replace(b"6103;1636;4467", b"6104;1637;4467"))
    ingest(landing, store)
    assert raw_rows(store, f"select count(*) from {SOURCE.id}") == [(63,)]
    assert raw_rows(
        store,
        f"""select anzahl from {SOURCE.id} where area_key = '05913'
                               and altersgruppe = '90 Jahre und mehr' and column_number = 5""",
    ) == [(6104,)]


def test_bad_file_leaves_the_store_as_it_was(landing: Path, tmp_path: Path) -> None:
    store = RawStore(tmp_path / "raw.duckdb")
    ingest(landing, store)
    path = landing / SOURCE.id / GOLDEN.name
    path.write_bytes(path.read_bytes().replace(b";131;31;100;", b";131;3l;100;"))
    with pytest.raises(ValueFormatError):
        ingest(landing, store)
    assert raw_rows(store, f"select count(*), sum(anzahl) from {SOURCE.id}") == raw_rows(
        RawStore(_fresh_load(landing, tmp_path)), f"select count(*), sum(anzahl) from {SOURCE.id}"
    )
    assert raw_rows(store, "select file_sha256 from ingest_log") == [(file_sha256(GOLDEN),)]


def _fresh_load(landing: Path, tmp_path: Path) -> Path:
    """The store as the golden file alone makes it, for comparison."""
    clean = tmp_path / "clean"
    (clean / SOURCE.id).mkdir(parents=True)
    shutil.copy(GOLDEN, clean / SOURCE.id / GOLDEN.name)
    store = RawStore(tmp_path / "clean.duckdb")
    ingest(clean, store)
    return store.path


def test_unknown_key_inside_a_ruhr_kreis_is_an_error(landing: Path, tmp_path: Path) -> None:
    path = landing / SOURCE.id / GOLDEN.name
    path.write_bytes(path.read_bytes().replace(b";05170004;        Alpen;90", b";05170099;        Neuort;90"))
    with pytest.raises(UnknownAreaError) as caught:
        ingest(landing, RawStore(tmp_path / "raw.duckdb"))
    assert (caught.value.problem.row, caught.value.problem.column) == (13, "2 (Schlüssel)")
    assert "05170099" in caught.value.problem.message
