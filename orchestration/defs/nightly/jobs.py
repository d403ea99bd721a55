"""The jobs: one per body-delivered raw table (run per partition), and the nightly refresh of the rest.

A partitioned ingest runs per delivering Kreis or kreisfreie Stadt, so each body's delivery succeeds
or fails on its own. The nightly refresh then ingests the sources one office delivers, builds the
warehouse from everything in the raw store, validates and publishes it. Runs never overlap (the
instance allows one run at a time: DuckDB files have one writer), so queued delivery runs finish
before the refresh that follows them starts.

A night's refresh leaves out the raw asset of a source with nothing to ingest (`refresh_selection`),
as the night has no delivery run for a body with nothing new: its step would only find every landed
file held already and materialise the raw table unchanged (0.12-0.4 s a source at x100, 1.2-1.8 s for
the seven). So a raw asset's last materialisation is the night its data last changed; its delivery
deadline is judged every night all the same.
"""

from typing import Any

import dagster as dg

from ingest.landing import delivery_due, tables_written
from ingest.raw_store import RawStore
from ingest.registry import Source, load_registry
from orchestration.defs.ingest.assets import ingest_assets
from orchestration.defs.ingest.freshness import freshness_checks, partitioned_delivery_check_keys
from orchestration.defs.resources import DataDirResource
from orchestration.keys import raw_asset_key, raw_key
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


def delivery_definitions(paths: DataPaths) -> dg.Definitions:
    """The command line's code location for the night's delivery runs: the raw assets, their deadline
    checks (which the delivery jobs leave out) and the data directory; no dbt, so that the runs need
    not wait for its manifest (`orchestration/refresh.py`)."""
    return dg.Definitions(
        assets=ingest_assets,
        asset_checks=freshness_checks,
        jobs=delivery_jobs,
        resources={"data_dir": DataDirResource(root=str(paths.root))},
        executor=dg.in_process_executor,
    )


nightly_refresh = dg.define_asset_job(
    name=REFRESH_JOB,
    selection=dg.AssetSelection.all()
    - dg.AssetSelection.assets(*(key for table in DELIVERY_TABLES for key in delivery_keys(table)))
    | dg.AssetSelection.checks(*partitioned_delivery_check_keys()),
    description="Ingest the official sources, build the warehouse with dbt from everything in the raw "
    "store, validate it with GX, publish it.",
    tags=RETRY_ALL_STEPS,
)


def refresh_selection(paths: DataPaths) -> dg.AssetSelection | None:
    """`nightly_refresh` without the raw assets of the sources it ingests (those one office delivers)
    that have nothing to ingest tonight (`delivery_due`, as for a body's delivery run), every delivery
    deadline still judged; None when each of them has something: the whole job. Raises
    `duckdb.IOException` while a run writes the raw store."""
    held = RawStore(paths.raw_db).held_files()
    idle = [
        raw_asset_key(source)
        for source in load_registry().sources
        if source.lieferant is None and not delivery_due(source, paths.landing, held.get(source.id, {}))
    ]
    if not idle:
        return None
    deadlines = [key for checks in freshness_checks for key in checks.check_keys]
    return nightly_refresh.selection - dg.AssetSelection.assets(*idle) | dg.AssetSelection.checks(*deadlines)


def refresh_subset(
    paths: DataPaths, repository: dg.RepositoryDefinition
) -> tuple[set[dg.AssetKey], set[dg.AssetCheckKey]] | None:
    """`refresh_selection` as the assets and checks of the code location's `repository`."""
    selection = refresh_selection(paths)
    if selection is None:
        return None
    return selection.resolve(repository.asset_graph), selection.resolve_checks(repository.asset_graph)


def refresh_run_request(
    paths: DataPaths, repository: dg.RepositoryDefinition, **request: Any
) -> dg.RunRequest:
    """The refresh's run request (`request`: run key, tags) for `refresh_subset`."""
    subset = refresh_subset(paths, repository)
    if subset is None:
        return dg.RunRequest(**request)
    assets, checks = subset
    return dg.RunRequest(asset_selection=sorted(assets), asset_check_keys=sorted(checks), **request)
