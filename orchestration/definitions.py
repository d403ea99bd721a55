"""Assembles the code location; every concern lives in its own folder under orchestration/defs/."""

import dagster as dg

from orchestration.defs.gate.checks import gate_checks
from orchestration.defs.ingest.assets import ingest_assets
from orchestration.defs.ingest.freshness import freshness_checks
from orchestration.defs.nightly.jobs import delivery_jobs, nightly_refresh
from orchestration.defs.nightly.reports import report_sensors
from orchestration.defs.nightly.schedules import delivery_schedules, nightly_refresh_schedule
from orchestration.defs.nightly.sensors import landing_sensor
from orchestration.defs.publish.assets import published_warehouse
from orchestration.defs.resources import data_dir_resource
from orchestration.defs.transform.assets import dbt_resource, warehouse_models

defs = dg.Definitions(
    assets=[*ingest_assets, warehouse_models, published_warehouse],
    asset_checks=[*gate_checks, *freshness_checks],
    jobs=[nightly_refresh, *delivery_jobs],
    schedules=[nightly_refresh_schedule, *delivery_schedules],
    sensors=[landing_sensor, *report_sensors],
    resources={"data_dir": data_dir_resource(), "dbt": dbt_resource()},
    # Steps of a run one after the other, in the run's process: every ingest step writes raw.duckdb,
    # and DuckDB takes one writer (the multiprocess default ran them side by side and they failed on
    # the file lock). `sozialmonitor refresh` executes in-process as well.
    executor=dg.in_process_executor,
)
