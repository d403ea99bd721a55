"""The jobs: one per body-delivered raw table (run per partition), and the nightly refresh of the rest.

A partitioned ingest runs per delivering Kreis or kreisfreie Stadt, so each body's delivery succeeds
or fails on its own. The nightly refresh then ingests the sources one office delivers, builds the
warehouse from everything in the raw store, validates and publishes it. Runs never overlap (the
instance allows one run at a time: DuckDB files have one writer), so queued delivery runs finish
before the refresh that follows them starts.
"""

import dagster as dg

from ingest.landing import delivery_due, tables_written
from ingest.raw_store import RawStore
from ingest.registry import Source, load_registry
from orchestration.defs.ingest.freshness import partitioned_delivery_check_keys
from orchestration.keys import raw_key
from sozialmonitor.run_outcome import REFRESH_JOB
from sozialmonitor.settings import DataPaths

DELIVERY_TABLES = load_registry().partitioned()


def delivery_keys(table: str) -> list[dg.AssetKey]:
    """The assets one body's delivery run materialises: the raw table and any written beside it."""
    return [raw_key(name) for name in tables_written(DELIVERY_TABLES[table][0])]


def delivery_job_name(table: str) -> str:
    return f"ingest_{table}"


def due_deliveries(paths: DataPaths, table: str | None = None) -> list[Source]:
    """The bodies whose delivery run can find something new tonight (of one table, or of all), in the
    order the schedules queue them: a file the raw store does not hold, or one whose name fits no
    pattern. Raises `duckdb.IOException` while a run writes the raw store."""
    held = RawStore(paths.raw_db).held_files()
    return [
        source
        for name, sources in DELIVERY_TABLES.items()
        if table is None or name == table
        for source in sources
        if delivery_due(source, paths.landing, held.get(source.id, {}))
    ]


def delivery_run_request(source: Source, run_key: str | None = None) -> dg.RunRequest:
    """The run that ingests one body's delivery."""
    return dg.RunRequest(
        job_name=delivery_job_name(source.table), partition_key=source.lieferant, run_key=run_key
    )


# A run whose process died is retried once (the instance's run_retries) with all its steps: killed in the
# middle of a step it has no failed step for Dagster's default (from failure) to start from ("No steps
# needed to be retried", measured), and every step here may run again (loaded files are not loaded
# twice, dbt builds what changed, a publication is a new version).
RETRY_ALL_STEPS = {"dagster/retry_strategy": "ALL_STEPS"}

delivery_jobs = [
    dg.define_asset_job(
        name=delivery_job_name(table),
        # the table's delivery_on_time check runs in the refresh, every night (a late body has no run)
        selection=dg.AssetSelection.assets(*delivery_keys(table))
        - dg.AssetSelection.checks(*partitioned_delivery_check_keys()),
        description=f"Ingest one delivering body's files into raw table {table} (one run per partition).",
        tags=RETRY_ALL_STEPS,
    )
    for table in DELIVERY_TABLES
]

nightly_refresh = dg.define_asset_job(
    name=REFRESH_JOB,
    selection=dg.AssetSelection.all()
    - dg.AssetSelection.assets(*(key for table in DELIVERY_TABLES for key in delivery_keys(table)))
    | dg.AssetSelection.checks(*partitioned_delivery_check_keys()),
    description="Ingest the official sources, build the warehouse with dbt from everything in the raw "
    "store, validate it with GX, publish it.",
    tags=RETRY_ALL_STEPS,
)
