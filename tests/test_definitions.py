"""The code location: what must exist, how it is wired, and that Dagster's own validation passes."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from orchestration.definitions import defs
from sozialmonitor.settings import PROJECT_ROOT, DataPaths

MARTS = {"marts/dim_area", "marts/dim_indicator", "marts/fct_indicator_values"}


def asset_graph() -> dg.AssetSpec:
    return defs.resolve_asset_graph()


def test_assets_sit_in_their_groups() -> None:
    groups = {
        key.to_user_string(): node.group_name
        for key, node in ((node.key, node) for node in asset_graph().asset_nodes)
    }
    assert groups["raw/genesis_12411_bevoelkerung"] == "ingest"
    assert groups["staging/stg_genesis__bevoelkerung"] == "staging"
    assert groups["reference/indicator_catalog"] == "reference"
    assert {groups[mart] for mart in MARTS} == {"marts"}
    assert groups["published_warehouse"] == "publish"


def test_publication_depends_on_every_mart_and_guarded_asset() -> None:
    parents = {
        key.to_user_string() for key in asset_graph().get(dg.AssetKey("published_warehouse")).parent_keys
    }
    assert MARTS | {"staging/stg_genesis__bevoelkerung"} <= parents


def test_gx_checks_guard_the_fact_table_and_block_on_errors() -> None:
    specs = {
        (spec.asset_key.to_user_string(), spec.name): spec
        for checks in defs.asset_checks
        for spec in checks.check_specs
    }
    fct = {name for asset, name in specs if asset == "marts/fct_indicator_values"}
    assert {
        "key_unique",
        "numerator_le_denominator",
        "value_in_range__auslaenderanteil",
        "value_in_range__anteil_unter_18",
        "value_in_range__anteil_65_plus",
    } <= fct
    assert all(spec.blocking for spec in specs.values())


def test_nightly_job_covers_everything_and_the_schedule_asks_for_it() -> None:
    job = defs.resolve_job_def("nightly_refresh")
    assert {key.to_user_string() for key in job.asset_layer.executable_asset_keys} >= MARTS | {
        "published_warehouse"
    }
    schedule = defs.resolve_schedule_def("nightly_refresh_schedule")
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 2 * * *", "Europe/Berlin")
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    at_two = datetime(2026, 11, 26, 2, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    with dg.build_schedule_context(scheduled_execution_time=at_two) as context:
        result = schedule.evaluate_tick(context)
    assert len(result.run_requests) == 1
    assert schedule.job_name == "nightly_refresh"


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


def test_landing_sensor_starts_one_refresh_per_new_landing_state(
    data_paths: DataPaths, monkeypatch: pytest.MonkeyPatch
) -> None:
    sensor = defs.resolve_sensor_def("landing_sensor")
    assert sensor.job_name == "nightly_refresh"
    folder = data_paths.landing / "stadt_essen"
    folder.mkdir(parents=True)

    def tick(cursor: str | None) -> dg.SensorResult | dg.SkipReason:
        with dg.build_sensor_context(cursor=cursor) as context:
            return sensor(context)

    assert isinstance(tick(None), dg.SkipReason)  # nothing landed yet
    (folder / "essen_2024.csv").write_text("bezirk,jahr\n", encoding="utf-8")
    second = tick(None)
    assert [request.tags["sozialmonitor/landed"] for request in second.run_requests] == ["stadt_essen"]
    assert isinstance(tick(second.cursor), dg.SkipReason)
    (folder / ".essen_2025.csv.part").write_text("a download still being written", encoding="utf-8")
    assert isinstance(tick(second.cursor), dg.SkipReason)
