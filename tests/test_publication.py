"""Write–audit–publish: immutable versions, an atomic `current` pointer, readers never see a half state."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from sozialmonitor.checks import CheckResult
from sozialmonitor.publication import current_version, publish, published_versions
from sozialmonitor.settings import DataPaths
from sozialmonitor.warehouse import connect_published
from tests.support import copy_of


def build(paths: DataPaths, value: int) -> None:
    """A build warehouse with one mart and a raw store with one loaded file, as a run leaves them."""
    with duckdb.connect(str(paths.build_db)) as con:
        con.execute("create schema if not exists marts")
        con.execute("create or replace table marts.fct_x as select ?::integer as value", [value])
        con.execute("comment on table marts.fct_x is 'a test mart'")
        con.execute("create schema if not exists staging")
        con.execute("create or replace table staging.not_published as select 1 as x")
    with duckdb.connect(str(paths.raw_db)) as con:
        con.execute("""create or replace table ingest_log as select 'src' as source_id, 'a.csv' as file_name,
                       'abc123' as file_sha256, timestamp '2026-11-25 01:00' as loaded_at""")


def test_publish_copies_marts_only_with_a_record(data_paths: DataPaths) -> None:
    build(data_paths, 1)
    record = publish(data_paths, "run-1", [CheckResult("marts/fct_x", "positive", True, "ERROR")])
    assert record.tables == {"marts.fct_x": 1}
    assert record.run_id == "run-1"
    assert record.source_files == [("src", "a.csv", "abc123")]
    assert (record.checks_passed, record.checks_failed) == (1, 0)
    with duckdb.connect(str(data_paths.published_db), read_only=True) as con:
        assert con.execute("select comment from duckdb_tables() where table_name = 'fct_x'").fetchone() == (
            "a test mart",
        )
    folder = data_paths.published / record.version
    assert sorted(path.name for path in folder.iterdir()) == [
        "manifest.json",
        "marts.fct_x.parquet",
        "warehouse.duckdb",
    ]
    assert pq.read_table(folder / "marts.fct_x.parquet").to_pylist() == [{"value": 1}]
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["version"] == record.version and manifest["run_id"] == "run-1"
    assert manifest["tables"] == {"marts.fct_x": {"rows": 1, "parquet": "marts.fct_x.parquet"}}
    assert manifest["checks"] == {"passed": 1, "failed": 0, "failures": []}
    assert manifest["source_files"] == [{"source_id": "src", "file_name": "a.csv", "sha256": "abc123"}]


def test_two_publications_leave_two_versions_and_the_pointer_on_the_newer(data_paths: DataPaths) -> None:
    build(data_paths, 1)
    first = publish(data_paths, "run-1", [])
    build(data_paths, 2)
    second = publish(data_paths, "run-2", [])
    assert published_versions(data_paths) == [first.version, second.version]
    assert current_version(data_paths) == second.version
    assert (
        data_paths.published_current.is_symlink()
        and data_paths.published_db.resolve().parent.name == second.version
    )
    with duckdb.connect(str(data_paths.version_db(first.version)), read_only=True) as old:
        assert old.execute("select value from marts.fct_x").fetchone() == (1,)  # as of the first version


def test_only_the_last_n_versions_are_kept(data_paths: DataPaths, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOZIALMONITOR_KEEP_VERSIONS", "2")
    versions = []
    for value in (1, 2, 3):
        build(data_paths, value)
        versions.append(publish(data_paths, f"run-{value}", []).version)
    assert published_versions(data_paths) == versions[1:]
    assert sorted(path.name for path in data_paths.published.iterdir()) == sorted(["current", *versions[1:]])


def test_open_reader_keeps_its_version_while_a_new_one_is_published(data_paths: DataPaths) -> None:
    build(data_paths, 1)
    publish(data_paths, "run-1", [])
    reader = duckdb.connect(str(data_paths.published_db), read_only=True)
    build(data_paths, 2)
    publish(data_paths, "run-2", [])
    assert reader.execute("select value from marts.fct_x").fetchone() == (1,)
    reader.close()
    with duckdb.connect(str(data_paths.published_db), read_only=True) as fresh:
        assert fresh.execute("select value from marts.fct_x").fetchone() == (2,)
        assert fresh.execute("select run_id from meta.publication").fetchone() == ("run-2",)


def test_failed_publication_leaves_the_published_file_untouched(
    data_paths: DataPaths, tmp_path: Path
) -> None:
    build(data_paths, 1)
    publish(data_paths, "run-1", [])
    before = data_paths.published_db.read_bytes()
    data_paths.raw_db.unlink()  # the raw store vanished: the record cannot be written
    try:
        publish(data_paths, "run-2", [])
    except duckdb.Error:
        pass
    else:
        raise AssertionError("publishing without a raw store must fail")
    assert data_paths.published_db.read_bytes() == before
    assert [
        path.name for path in data_paths.published.iterdir() if path.name != "current"
    ] == published_versions(data_paths)  # no half-written version folder is left behind


def test_a_reader_keeps_working_during_a_full_refresh_and_sees_one_version_at_a_time(
    refreshed_sample: DataPaths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Analysts query `current` while the nightly refresh runs in another process: no lock errors, and
    every answer comes from one complete version (its record and its rows agree)."""
    paths = copy_of(refreshed_sample, tmp_path / "data", monkeypatch)
    before = current_version(paths)
    # a corrected delivery: Dortmund's 2023 file with one more inhabitant in Innenstadt-West
    corrected = paths.landing / "stadt_dortmund" / "dortmund_kleinraeume_2023.csv"
    lines = corrected.read_bytes().decode("utf-8").split("\r\n")
    fields = lines[1].split(";")
    fields[3] = str(int(fields[3]) + 1)
    lines[1] = ";".join(fields)
    corrected.write_bytes("\r\n".join(lines).encode("utf-8"))
    env = {**os.environ, "SOZIALMONITOR_DATA_DIR": str(paths.root)}
    for name in ("DAGSTER_HOME", "DBT_TARGET_PATH", "DBT_LOG_PATH"):
        env.pop(name, None)
    refresh = subprocess.Popen(
        [sys.executable, "-m", "sozialmonitor.cli", "refresh"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    seen = []
    while refresh.poll() is None:
        with connect_published(paths.published_db) as con:
            (run_id,) = con.execute("select run_id from meta.publication").fetchone()
            (rows,) = con.execute("select count(*) from marts.fct_indicator_values").fetchone()
        seen.append((run_id, rows))
        time.sleep(0.2)
    assert refresh.returncode == 0
    manifests = [
        json.loads((paths.published / version / "manifest.json").read_text(encoding="utf-8"))
        for version in published_versions(paths)
    ]
    rows_of_run = {item["run_id"]: item["tables"]["marts.fct_indicator_values"]["rows"] for item in manifests}
    assert len(seen) > 10  # it kept reading during the whole run
    assert all(rows == rows_of_run[run_id] for run_id, rows in seen)  # each answer from one whole version
    assert current_version(paths) != before and published_versions(paths)[-2:] == [
        before,
        current_version(paths),
    ]
