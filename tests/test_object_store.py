"""A published version copied to an object store path through fsspec (sozialmonitor/object_store.py),
here a local `file://` folder: what an analyst reads there with DuckDB is what was published, the
pointer `current.json` moves only after a complete copy, and a copy that fails leaves the local
publication as it was and says so."""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.defs.publish.assets import build_published_warehouse
from orchestration.defs.resources import DataDirResource
from orchestration.run_log import read_runs
from sozialmonitor.object_store import POINTER, PUBLISH_URL_ENV, copy_version
from sozialmonitor.publication import current_version, publish
from sozialmonitor.run_outcome import RunOutcome
from sozialmonitor.run_report import sections
from sozialmonitor.run_report.model import RunReport
from sozialmonitor.settings import DataPaths
from sozialmonitor.warehouse import connect_published

CHECKSUM = "select count(*), sum(hash(columns(*))) from {}"  # rows and one hash over every column


def build(paths: DataPaths, shift: int) -> None:
    """A build warehouse with two marts (101 and 7 rows, values shifted per run) and an ingest log."""
    with duckdb.connect(str(paths.build_db)) as con:
        con.execute("create schema if not exists marts")
        con.execute(
            "create or replace table marts.fct_values as select i as id, i * 1.5 + ? as value, "
            "'Gemeinde ' || i as name from range(101) t(i)",
            [shift],
        )
        con.execute(
            "create or replace table marts.dim_area as select i + ? as area from range(7) t(i)", [shift]
        )
    with duckdb.connect(str(paths.raw_db)) as con:
        con.execute(
            "create or replace table ingest_log as select 'src' as source_id, 'a.csv' as file_name, "
            "'abc123' as file_sha256, timestamp '2026-11-25 01:00' as loaded_at"
        )


def published(paths: DataPaths, shift: int, run_id: str) -> Path:
    build(paths, shift)
    return publish(paths, run_id, []).path.parent


def table_sums(warehouse: Path) -> dict[str, tuple]:
    with connect_published(warehouse) as con:
        tables = [
            row[0]
            for row in con.execute(
                "select schema_name || '.' || table_name from duckdb_tables() where schema_name = 'marts'"
            ).fetchall()
        ]
        return {table: con.execute(CHECKSUM.format(table)).fetchone() for table in tables}


def test_a_version_round_trips_and_current_json_moves_last(data_paths: DataPaths, tmp_path: Path) -> None:
    store = tmp_path / "bucket" / "sozialmonitor"
    url = f"file://{store}"
    first = published(data_paths, 0, "run-one-aaaaaaaa")
    copied = copy_version(first, url)
    assert copied.succeeded and copied.files == 3  # two Parquet files and the manifest
    pointer = json.loads((store / POINTER).read_text(encoding="utf-8"))
    assert pointer["version"] == first.name
    expected = table_sums(first / "warehouse.duckdb")
    assert expected["marts.fct_values"][0] == 101 and expected["marts.dim_area"][0] == 7
    with duckdb.connect() as con:  # an analyst elsewhere: only the store, through current.json
        for table, entry in pointer["tables"].items():
            read = con.execute(CHECKSUM.format("read_parquet(?)"), [str(store / entry["parquet"])]).fetchone()
            assert read == expected[table] and entry["rows"] == read[0]
    assert json.loads((store / first.name / "manifest.json").read_text()) == json.loads(
        (first / "manifest.json").read_text()
    )

    second = published(data_paths, 1000, "run-two-bbbbbbbb")
    assert copy_version(second, url).succeeded
    assert json.loads((store / POINTER).read_text(encoding="utf-8"))["version"] == second.name
    assert table_sums(second / "warehouse.duckdb") != expected  # the shift changed every mart
    with duckdb.connect() as con:  # the first version's files stay, and stay the first version's
        kept = con.execute(
            CHECKSUM.format("read_parquet(?)"), [str(store / first.name / "marts.fct_values.parquet")]
        )
        assert kept.fetchone() == expected["marts.fct_values"]
    assert sorted(path.name for path in store.iterdir()) == sorted([first.name, second.name, POINTER])


@pytest.mark.parametrize(
    "url",
    ["nosuchprotocol://bucket/sozialmonitor", "file:///proc/sozialmonitor-not-writable"],
)
def test_a_failed_copy_leaves_the_publication_and_says_why(data_paths: DataPaths, url: str) -> None:
    version = published(data_paths, 0, "run-one-aaaaaaaa")
    before = {path.name: path.read_bytes() for path in version.iterdir() if path.is_file()}
    copied = copy_version(version, url)
    assert not copied.succeeded
    assert copied.error and url.split("://")[0] in copied.describe() and "NOT copied" in copied.describe()
    assert current_version(data_paths) == version.name
    assert {path.name: path.read_bytes() for path in version.iterdir() if path.is_file()} == before
    assert table_sums(data_paths.published_db)["marts.fct_values"][0] == 101


def test_the_publish_asset_reports_the_copy_in_its_run(
    data_paths: DataPaths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through Dagster: the run succeeds with the local publication, the copy's fate in its metadata
    and in the outcome the run report is written from."""
    build(data_paths, 0)
    asset = build_published_warehouse([])
    resources = {"data_dir": DataDirResource(root=str(data_paths.root))}
    instance = dg.DagsterInstance.ephemeral()
    store = tmp_path / "store"
    monkeypatch.setenv(PUBLISH_URL_ENV, f"file://{store}")
    good = dg.materialize([asset], resources=resources, instance=instance)
    monkeypatch.setenv(PUBLISH_URL_ENV, "nosuchprotocol://bucket")
    bad = dg.materialize([asset], resources=resources, instance=instance)
    assert good.success and bad.success
    outcomes = [read_runs(instance, [result.run_id]) for result in (good, bad)]
    assert outcomes[0].object_store.startswith(
        f"copied 3 files to file://{store}/{outcomes[0].published_version}"
    )
    assert outcomes[1].object_store.startswith("NOT copied to nosuchprotocol://bucket")
    assert current_version(data_paths) == outcomes[1].published_version
    assert json.loads((store / POINTER).read_text())["version"] == outcomes[0].published_version
    report = RunReport(**{item.name: getattr(outcomes[1], item.name) for item in fields(RunOutcome)})
    assert ("p", f"Object store: {outcomes[1].object_store}.") in sections.publication(report, data_paths)
