"""The code location: what must exist, how it is wired, and that Dagster's own validation passes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from ingest.raw_store import RawStore, file_sha256
from ingest.registry import load_registry
from orchestration.definitions import build_definitions
from orchestration.defs.nightly.jobs import nightly_refresh
from orchestration.defs.nightly.sensors import landing_sensor
from orchestration.defs.resources import DataDirResource
from orchestration.defs.transform.assets import dbt_project
from orchestration.keys import raw_asset_key
from sozialmonitor.freshness import DELIVERY_CHECK
from sozialmonitor.settings import PROJECT_ROOT, DataPaths

MARTS = {"marts/dim_area", "marts/dim_indicator", "marts/fct_indicator_values"}


def asset_graph(defs: dg.Definitions) -> dg.AssetGraph:
    return defs.resolve_asset_graph()


def test_assets_sit_in_their_groups(defs: dg.Definitions) -> None:
    groups = {
        key.to_user_string(): node.group_name
        for key, node in ((node.key, node) for node in asset_graph(defs).asset_nodes)
    }
    assert groups["raw/genesis_12411_bevoelkerung"] == "ingest"
    assert groups["staging/stg_genesis__bevoelkerung"] == "staging"
    assert groups["reference/indicator_catalog"] == "reference"
    assert {groups[mart] for mart in MARTS} == {"marts"}
    assert groups["published_warehouse"] == "publish"


def test_publication_depends_on_every_mart_and_guarded_asset(defs: dg.Definitions) -> None:
    parents = {
        key.to_user_string() for key in asset_graph(defs).get(dg.AssetKey("published_warehouse")).parent_keys
    }
    assert MARTS | {"staging/stg_genesis__bevoelkerung"} <= parents


def test_gx_checks_guard_the_fact_table_and_block_on_errors(defs: dg.Definitions) -> None:
    specs = {
        (spec.asset_key.to_user_string(), spec.name): spec
        for checks in defs.asset_checks
        for spec in checks.check_specs
    }
    fct = {name for asset, name in specs if asset == "marts/fct_indicator_values"}
    assert {
        "key_unique",
        "numerator_le_denominator__auslaenderanteil",
        "value_in_range__auslaenderanteil",
        "value_in_range__anteil_unter_18",
        "value_in_range__anteil_65_plus",
    } <= fct
    # critical expectations block publication, plausibility warnings (and late deliveries) do not
    assert {name for (_, name), spec in specs.items() if not spec.blocking} == {
        "plausible_change",
        "small_areas_add_up_to_the_city",
        "population_tables_agree",
        "mindestsicherung_components_agree",
        "delivery_on_time",
    }


def test_nightly_job_covers_everything_and_the_schedule_asks_for_it(
    defs: dg.Definitions, data_paths: DataPaths
) -> None:
    job = defs.resolve_job_def("nightly_refresh")
    assert {key.to_user_string() for key in job.asset_layer.executable_asset_keys} >= MARTS | {
        "published_warehouse"
    }
    schedule = defs.resolve_schedule_def("nightly_refresh_schedule")
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 2 * * *", "Europe/Berlin")
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    at_two = datetime(2026, 11, 26, 2, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    resources, repository = data_dir(data_paths), defs.get_repository_def()
    with dg.build_schedule_context(
        scheduled_execution_time=at_two, resources=resources, repository_def=repository
    ) as context:
        result = schedule.evaluate_tick(context)
    # nothing published yet: the refresh (a night with nothing new: tests/test_quiet_night.py), here
    # without the raw assets of the seven sources the refresh ingests, none of which has a file landed
    [request] = result.run_requests
    official = {raw_asset_key(source) for source in load_registry().sources if source.lieferant is None}
    assert len(official) == 7
    assert set(request.asset_selection) == job.asset_layer.executable_asset_keys - official
    # every check of the job, but of the assets left out only their delivery deadlines
    every_check = nightly_refresh.selection.resolve_checks(asset_graph(defs))
    assert set(request.asset_check_keys) == {
        check for check in every_check if check.asset_key not in official or check.name == DELIVERY_CHECK
    }
    assert len(every_check) - len(request.asset_check_keys) == 3 * 7  # quarantine, unmatched, warnings
    assert schedule.job_name == "nightly_refresh"


@pytest.mark.slow  # loads the code location in a child process (a dbt parse)
def test_dagster_validates_the_workspace(tmp_path: Path) -> None:
    paths = DataPaths(tmp_path / "data")
    env = {**os.environ, "SOZIALMONITOR_DATA_DIR": str(paths.root), "DAGSTER_HOME": str(paths.dagster_home)}
    paths.dagster_home.mkdir(parents=True)
    dagster = Path(sys.executable).with_name("dagster")
    run = subprocess.run(
        [str(dagster), "definitions", "validate", "-w", "workspace.yaml"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "All code locations passed validation" in run.stdout + run.stderr


def test_body_delivered_tables_are_partitioned_by_the_delivering_body(defs: dg.Definitions) -> None:
    cities = asset_graph(defs).get(dg.AssetKey(["raw", "stadt_kleinraum"])).partitions_def
    meldungen = asset_graph(defs).get(dg.AssetKey(["raw", "kommunale_meldungen"])).partitions_def
    assert cities.get_partition_keys() == ["bochum", "dortmund", "duisburg", "essen", "gelsenkirchen"]
    assert len(meldungen.get_partition_keys()) == 15  # 11 kreisfreie Städte and 4 Kreise
    assert meldungen.get_partition_keys()[:5] == [
        "duisburg",
        "essen",
        "muelheim_an_der_ruhr",
        "oberhausen",
        "kreis_wesel",
    ]
    assert asset_graph(defs).get(dg.AssetKey(["raw", "genesis_12411_bevoelkerung"])).partitions_def is None
    refresh = {
        key.to_user_string()
        for key in defs.resolve_job_def("nightly_refresh").asset_layer.executable_asset_keys
    }
    assert not refresh & {"raw/stadt_kleinraum", "raw/kommunale_meldungen"}  # they run per partition


def data_dir(paths: DataPaths) -> dict[str, DataDirResource]:
    return {"data_dir": DataDirResource(root=str(paths.root))}


def tick_sensor(
    paths: DataPaths, cursor: str | None, defs: dg.Definitions
) -> dg.SensorResult | dg.SkipReason:
    """As the daemon evaluates it: with the data directory and the code location's definitions."""
    with dg.build_sensor_context(
        cursor=cursor, resources=data_dir(paths), repository_def=defs.get_repository_def()
    ) as context:
        return landing_sensor(context)


def test_landing_sensor_starts_the_body_run_and_one_refresh_per_new_landing_state(
    data_paths: DataPaths, defs: dg.Definitions
) -> None:
    folder = data_paths.landing / "stadt_essen"
    folder.mkdir(parents=True)
    assert isinstance(tick_sensor(data_paths, None, defs), dg.SkipReason)  # nothing landed yet
    (folder / "essen_2024.csv").write_text("bezirk,jahr\n", encoding="utf-8")
    second = tick_sensor(data_paths, None, defs)
    requests = [(request.job_name, request.partition_key) for request in second.run_requests]
    assert requests == [("ingest_stadt_kleinraum", "essen"), ("nightly_refresh", None)]
    assert second.run_requests[1].tags["sozialmonitor/landed"] == "stadt_essen"
    assert isinstance(tick_sensor(data_paths, second.cursor, defs), dg.SkipReason)
    (folder / ".essen_2025.csv.part").write_text("a download still being written", encoding="utf-8")
    assert isinstance(tick_sensor(data_paths, second.cursor, defs), dg.SkipReason)
    (data_paths.landing / "genesis_12411_bevoelkerung").mkdir()
    (data_paths.landing / "genesis_12411_bevoelkerung" / "12411-2024.csv").write_text("x", encoding="utf-8")
    third = tick_sensor(data_paths, second.cursor, defs)
    assert [request.job_name for request in third.run_requests] == ["nightly_refresh"]
    # the refresh ingests the source that has a new file, not those with nothing landed
    raw_selected = {
        key.to_user_string() for key in third.run_requests[0].asset_selection if key.path[0] == "raw"
    }
    assert raw_selected == {"raw/genesis_12411_bevoelkerung"}


def test_delivery_schedule_asks_for_every_body_that_delivered(
    data_paths: DataPaths, defs: dg.Definitions
) -> None:
    schedule = defs.resolve_schedule_def("ingest_kommunale_meldungen_schedule")
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("30 1 * * *", "Europe/Berlin")
    for body in ("kreis_unna", "herne"):
        folder = data_paths.landing / f"kommunale_meldungen_{body}"
        folder.mkdir(parents=True)
        (folder / "jugendamt_kita_2024.csv").write_text("x", encoding="utf-8")
    night = datetime(2026, 11, 26, 1, 30)
    with dg.build_schedule_context(scheduled_execution_time=night, resources=data_dir(data_paths)) as context:
        requests = schedule(context)
    # in partition order (Kreis keys): Herne 05916 before Kreis Unna 05978
    assert [request.partition_key for request in requests] == ["herne", "kreis_unna"]


@pytest.mark.slow  # parses the dbt project into each directory
def test_two_data_directories_in_one_process_do_not_mix(tmp_path: Path) -> None:
    """Each code location reads and writes only its own directory: its resource, its dbt manifest, what
    its sensor and schedule see. One body has delivered into the first directory, none into the second."""
    first, second = DataPaths(tmp_path / "first"), DataPaths(tmp_path / "second")
    defs_first, defs_second = build_definitions(first), build_definitions(second)
    for paths, defs in ((first, defs_first), (second, defs_second)):
        assert defs.resources["data_dir"].paths() == paths
        assert (paths.dbt_target / "manifest.json").exists()
    folder = first.landing / "stadt_essen"
    folder.mkdir(parents=True)
    (folder / "essen_2024.csv").write_text("bezirk,jahr\n", encoding="utf-8")

    def tick(defs: dg.Definitions) -> dg.SensorResult | dg.SkipReason:
        """As the daemon does: the sensor with its code location's resources."""
        with dg.build_sensor_context(
            resources=defs.resources, repository_def=defs.get_repository_def()
        ) as context:
            return defs.resolve_sensor_def("landing_sensor")(context)

    def schedule(defs: dg.Definitions) -> list[str | None]:
        night = datetime(2026, 11, 26, 1, 30)
        with dg.build_schedule_context(scheduled_execution_time=night, resources=defs.resources) as context:
            result = defs.resolve_schedule_def("ingest_stadt_kleinraum_schedule")(context)
        return [] if isinstance(result, dg.SkipReason) else [request.partition_key for request in result]

    landed = tick(defs_first)
    assert [request.partition_key for request in landed.run_requests] == ["essen", None]
    assert isinstance(tick(defs_second), dg.SkipReason)
    assert schedule(defs_first) == ["essen"] and schedule(defs_second) == []
    assert not second.landing.joinpath("stadt_essen").exists()


def test_the_landing_sensor_starts_nothing_for_files_the_raw_store_holds(
    data_paths: DataPaths, defs: dg.Definitions
) -> None:
    """A data directory opened for the first time (no cursor) whose files are all loaded: no run; a
    file replaced under the same name: its body's run and the refresh."""
    folder = data_paths.landing / "stadt_essen"
    folder.mkdir(parents=True)
    landed = folder / "essen_2024.csv"
    landed.write_text("bezirk,jahr\n", encoding="utf-8")
    with RawStore(data_paths.raw_db).connect() as con:
        con.execute(
            "insert into ingest_log values ('stadt_essen', ?, ?, 0, 0, 'utf-8', ?)",
            [landed.name, file_sha256(landed), datetime(2026, 11, 30)],
        )
    first = tick_sensor(data_paths, None, defs)
    assert first.run_requests == [] and first.cursor  # remembered, so the next tick compares with it
    landed.write_text("bezirk,jahr\nRüttenscheid,2024\n", encoding="utf-8")
    second = tick_sensor(data_paths, first.cursor, defs)
    requests = [(request.job_name, request.partition_key) for request in second.run_requests]
    assert requests == [("ingest_stadt_kleinraum", "essen"), ("nightly_refresh", None)]


def test_a_manifest_cut_by_a_killed_build_is_parsed_again(data_paths: DataPaths) -> None:
    """dbt writes manifest.json in place; a build killed while writing it left a cut file on which every
    later load of the code location failed (found by `make soak`). The next load parses it again."""
    assert build_definitions(data_paths).resolve_job_def("nightly_refresh")
    manifest = dbt_project(data_paths).manifest_path
    whole = manifest.read_bytes()
    manifest.write_bytes(whole[: len(whole) // 2])
    os.utime(manifest)  # newer than the project: only its content says it is cut
    build_definitions.cache_clear()
    dbt_project.cache_clear()
    assert build_definitions(data_paths).resolve_job_def("nightly_refresh")
    assert json.loads(manifest.read_bytes())["metadata"]["dbt_schema_version"]
