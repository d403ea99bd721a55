"""Assembles the code location; every concern lives in its own folder under orchestration/defs/.

`build_definitions(paths)` is the code location for one data directory: the directory reaches every
asset, check, sensor and schedule through the one `data_dir` resource, and the dbt manifest is parsed
into it. `defs` is the entry point Dagster loads (workspace.yaml): the only place that asks the
environment which directory.
"""

import functools

import dagster as dg

from orchestration.defs.gate.checks import gate_checks
from orchestration.defs.ingest.assets import ingest_assets
from orchestration.defs.ingest.freshness import freshness_checks
from orchestration.defs.nightly.jobs import delivery_jobs, nightly_refresh
from orchestration.defs.nightly.reports import report_sensors
from orchestration.defs.nightly.schedules import delivery_schedules, nightly_refresh_schedule
from orchestration.defs.nightly.sensors import landing_sensor
from orchestration.defs.publish.assets import build_published_warehouse
from orchestration.defs.resources import DataDirResource
from orchestration.defs.transform.assets import build_warehouse_models, dbt_project, dbt_resource, mart_keys
from sozialmonitor.settings import DataPaths


@functools.cache
def build_definitions(paths: DataPaths) -> dg.Definitions:
    project = dbt_project(paths)
    warehouse_models = build_warehouse_models(project)
    return dg.Definitions(
        assets=[*ingest_assets, warehouse_models, build_published_warehouse(mart_keys(warehouse_models))],
        asset_checks=[*gate_checks, *freshness_checks],
        jobs=[nightly_refresh, *delivery_jobs],
        schedules=[nightly_refresh_schedule, *delivery_schedules],
        sensors=[landing_sensor, *report_sensors],
        resources={"data_dir": DataDirResource(root=str(paths.root)), "dbt": dbt_resource(project, paths)},
        # Steps of a run one after the other, in the run's process: every ingest step writes raw.duckdb,
        # and DuckDB takes one writer (the multiprocess default ran them side by side and they failed on
        # the file lock). `sozialmonitor refresh` executes in-process as well.
        executor=dg.in_process_executor,
    )


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions(DataPaths.from_env())
