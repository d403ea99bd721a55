"""Incremental nights (issue 13): the models built incrementally by delivery recompute only the periods
of new, replaced or removed files (widened where a row reads other periods: a denominator's Stichtag, the
previous period of a series, five years before), and leave every table of the build, their states and
the published marts exactly as a full build of the same raw store: after a corrected file, a newer
delivery that supersedes an older file, a file removed from the store (which brings the superseded file
back), a re-delivery that goes to quarantine, a file replaced under its name in the middle of the
history, and the removal of a city's newest small-area file (which changes dim_area: every period). The
seeds' tables, not reloaded on such a night, are compared with the full build's too."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from orchestration.refresh import run_refresh
from sozialmonitor import warehouse
from sozialmonitor.settings import DBT_PROJECT_DIR, DataPaths
from sozialmonitor.warehouse import built_with, definitions_fingerprint, record_built_with
from tests.support import change_dortmund_cell, copy_of, population_file

BUILT_SCHEMAS = ("reference", "staging", "intermediate", "marts", "incremental_state")
DBT = str(Path(sys.executable).with_name("dbt"))


def build_tables(paths: DataPaths) -> dict[str, tuple[int, int]]:
    """Every table of the build warehouse: its row count and an order-independent hash of its rows."""
    return tables_of(paths.build_db, BUILT_SCHEMAS)


def published_marts(paths: DataPaths) -> dict[str, tuple[int, int]]:
    """The marts of the current publication, hashed as build_tables hashes the build's."""
    return tables_of(paths.published / "current" / "warehouse.duckdb", ("marts",))


def tables_of(database: Path, schemas: tuple[str, ...]) -> dict[str, tuple[int, int]]:
    """Every table of the schemas: its row count and an order-independent hash of its rows. A double is
    hashed to 9 decimals: a sum of doubles (the social index's means and deviations) may differ in its
    last bit from one build to the next, with the rows in another order."""
    with duckdb.connect(str(database), read_only=True) as con:
        columns = con.execute(
            "select schema_name || '.' || table_name, list(case when data_type in ('DOUBLE', 'FLOAT') "
            "then format('round(\"{}\", 9)', column_name) else format('\"{}\"', column_name) end "
            "order by column_index) from duckdb_columns() semi join duckdb_tables() "
            "using (schema_name, table_name) where schema_name in ? group by 1 order by 1",
            [list(schemas)],
        ).fetchall()
        return {
            table: con.execute(f"select count(*), sum(hash({', '.join(hashed)})) from {table}").fetchone()
            for table, hashed in columns
        }


def full_build(paths: DataPaths) -> None:
    """`dbt build --full-refresh` of the same raw store, in the same build warehouse."""
    run = subprocess.run(
        [DBT, "build", "--full-refresh", "--quiet", *paths.dbt_vars()],
        cwd=DBT_PROJECT_DIR,
        env={"PATH": str(Path(sys.executable).parent), "HOME": str(paths.root), **paths.environment()},
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]


def recomputed(paths: DataPaths, model: str) -> str:
    """The SQL the last build ran for a model (dbt's run folder)."""
    return next(paths.dbt_target.glob(f"run/sozialmonitor/models/**/{model}.sql")).read_text()


def recomputed_periods(paths: DataPaths, model: str) -> str:
    """The periods the last build recomputed of a model of the marts' chain, as its SQL names them."""
    return recomputed(paths, model).split("period in (")[1].split(")")[0]


def dbt_ran(paths: DataPaths) -> Counter[str]:
    """What the last dbt build ran, by resource type (its run_results.json), and what the project has."""
    ran = json.loads((paths.dbt_target / "run_results.json").read_text(encoding="utf-8"))["results"]
    nodes = json.loads((paths.dbt_target / "manifest.json").read_text(encoding="utf-8"))["nodes"]
    return Counter(result["unique_id"].split(".")[0] for result in ran) + Counter(
        f"project {node['resource_type']}" for node in nodes.values()
    )


def assert_incremental_equals_full(paths: DataPaths) -> None:
    incremental, published = build_tables(paths), published_marts(paths)
    full_build(paths)
    full = build_tables(paths)
    assert full == incremental
    assert published == {table: rows for table, rows in full.items() if table.startswith("marts.")}


def remove_from_store(paths: DataPaths, source_id: str, path: Path, table: str | None = None) -> None:
    """A file taken back: its rows (in `table`, by default the source's own) and its log entry out of the
    raw store, the file out of landing."""
    with duckdb.connect(str(paths.raw_db)) as con:
        con.execute(f"delete from {table or source_id} where file_name = ?", [path.name])
        con.execute("delete from ingest_log where source_id = ? and file_name = ?", [source_id, path.name])
    path.unlink()


def test_a_build_records_the_definitions_it_was_built_with(data_paths: DataPaths) -> None:
    assert built_with(data_paths) is None  # no build yet: the first is a full one
    record_built_with(data_paths, "abc")
    assert built_with(data_paths) == "abc"
    record_built_with(data_paths, None)  # before a full build: until it completes, nothing to build on
    assert built_with(data_paths) is None


def test_the_definitions_fingerprint_follows_every_file_of_the_dbt_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, project)
    monkeypatch.setattr(warehouse, "DBT_PROJECT_DIR", project)
    before = definitions_fingerprint()
    seed = project / "seeds" / "altersgrenze.csv"
    text = seed.read_text(encoding="utf-8")
    seed.write_text(text.replace("\n", "\r\n", 1), encoding="utf-8")  # one byte more
    assert definitions_fingerprint() != before
    seed.write_text(text, encoding="utf-8")
    assert definitions_fingerprint() == before


def population_files_of(paths: DataPaths, stichtag: str) -> list[str]:
    """The files the build's Kreis population rows of one Stichtag come from."""
    with duckdb.connect(str(paths.build_db), read_only=True) as con:
        rows = con.execute(
            "select distinct source_file from staging.stg_genesis__bevoelkerung where stichtag = ?",
            [stichtag],
        ).fetchall()
    return [file for (file,) in rows]


@pytest.mark.slow
def test_incremental_nights_build_what_a_full_build_builds(
    refreshed_sample: DataPaths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = copy_of(refreshed_sample, tmp_path / "data", monkeypatch)
    # night 1: Bochum corrects a count of 2023; a newer delivery of 31.12.2022 supersedes the old file
    bochum = paths.landing / "stadt_bochum" / "bochum_kleinraeume_2023.txt"
    lines = bochum.read_text(encoding="utf-8-sig").splitlines()
    fields = lines[2].split("\t")
    fields[3] = str(int(fields[3]) + 1)
    lines[2] = "\t".join(fields)
    bochum.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")
    original = population_file(paths, "2022-12-31")
    newer = original.with_name(original.stem + "_nachlieferung.csv")
    shutil.copy(original, newer)
    _, count = change_dortmund_cell(newer, "unter 3 Jahre", 8, "{original}")  # Deutsche, männlich
    change_dortmund_cell(newer, "unter 3 Jahre", 8, str(int(count) + 5), consistent=True)
    run_refresh(paths)

    assert "stichtag in (date '2022-12-31')" in recomputed(paths, "stg_genesis__bevoelkerung")
    assert "where false" in recomputed(paths, "stg_genesis__bevoelkerung_gemeinden")
    assert population_files_of(paths, "2022-12-31") == [newer.name]
    ran = dbt_ran(paths)  # the seeds are unchanged: not reloaded, but every test ran, those on seeds too
    assert ran["seed"] == 0 < ran["project seed"]
    assert ran["test"] == ran["project test"] > 0
    # the marts: the two changed Stichtage, the Berichtsmonate of 2023 (their denominator is the population
    # of 31.12.2022), the series' next period after 31.12.2022 (31.12.2023, changed already)
    groups = "date '2022-12-31', date '2023-12-31'"
    values = "date '2022-12-31', date '2023-03-01', date '2023-08-01', date '2023-12-31'"
    assert recomputed_periods(paths, "int_disclosure_groups") == groups
    assert recomputed_periods(paths, "int_indicator_values") == values
    assert recomputed_periods(paths, "fct_indicator_values") == values
    assert_incremental_equals_full(paths)

    # night 2: the newer delivery is taken back (the old file is the newest again); a re-delivery of
    # 31.12.2021 that cannot be read goes to quarantine, and the store keeps the file's last good version
    remove_from_store(paths, "genesis_12411_bevoelkerung", newer)
    population_file(paths, "2021-12-31").write_text("kaputt\n", encoding="utf-8")
    run_refresh(paths)

    assert "stichtag in (date '2022-12-31')" in recomputed(paths, "stg_genesis__bevoelkerung")
    assert population_files_of(paths, "2022-12-31") == [original.name]
    assert_incremental_equals_full(paths)


@pytest.mark.slow
def test_a_night_in_the_middle_of_the_history_recomputes_the_periods_that_read_it(
    refreshed_sample: DataPaths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = copy_of(refreshed_sample, tmp_path / "data", monkeypatch)
    # night 3: the population file of 31.12.2018 replaced under its name (another sha256), in UTF-8 as the
    # newer files are, with Dortmund changed
    population = population_file(paths, "2018-12-31")
    population.write_text(population.read_text(encoding="latin-1"), encoding="utf-8")
    _, count = change_dortmund_cell(population, "unter 3 Jahre", 8, "{original}")
    change_dortmund_cell(population, "unter 3 Jahre", 8, str(int(count) + 5), consistent=True)
    run_refresh(paths)

    stichtag, berichtsmonate = "date '2018-12-31'", "date '2019-03-01', date '2019-08-01'"
    # numerators only of the Stichtag; denominators of it: the Berichtsmonate of 2019, five years later
    assert recomputed_periods(paths, "int_disclosure_groups") == stichtag
    denominators = f"{stichtag}, {berichtsmonate}, date '2023-12-31'"
    assert recomputed_periods(paths, "int_indicator_values") == denominators
    # the series: the Stichtag's next period (what 31.12.2019 is compared with, its series break)
    series = f"{stichtag}, {berichtsmonate}, date '2019-12-31', date '2023-12-31'"
    assert recomputed_periods(paths, "fct_indicator_values") == series
    # the comparison: also the period after each changed value (its change against the previous period)
    after = f"{stichtag}, {berichtsmonate}, date '2019-12-31', date '2020-03-01', date '2020-08-01', "
    assert recomputed_periods(paths, "mart_indicator_comparison") == after + "date '2023-12-31'"
    assert_incremental_equals_full(paths)

    # night 4: Bochum's first small-area file taken back: its small areas begin a year later in dim_area,
    # which every period reads (the areas of each indicator, the disclosure groups): every period recomputed
    bochum = paths.landing / "stadt_bochum" / "bochum_kleinraeume_2014.txt"
    remove_from_store(paths, "stadt_bochum", bochum, "stadt_kleinraum")
    run_refresh(paths)

    for model in "int_indicator_values", "int_disclosure_groups", "fct_indicator_values":
        assert "period in (" not in recomputed(paths, model)
    assert_incremental_equals_full(paths)
