"""Start ingestion when a file lands, without waiting for the night.

Each tick fingerprints every source's landing folder (file names, sizes, modification times; no
file is read) and compares with the cursor of the previous tick. A body-delivered source that
changed gets a run for its partition; then one `nightly_refresh` rebuilds and publishes (runs are
queued one at a time, so it follows the delivery runs). A changed folder whose files the raw store
already holds (same name, same sha256: a copy, a touched file, a data directory opened for the first
time) starts nothing. Ingestion skips unchanged files by checksum, so a run for one city's new file
does not reload the others. Run keys are fingerprints, so the same landing state never starts two runs.
"""

import hashlib
import json

import dagster as dg
import duckdb

from ingest.landing import landed_files, new_files
from ingest.raw_store import RawStore
from ingest.registry import load_registry
from orchestration.defs.nightly.jobs import (
    delivery_jobs,
    delivery_run_request,
    nightly_refresh,
    refresh_run_request,
)
from orchestration.defs.resources import DataDirResource
from sozialmonitor.settings import DataPaths


def _short_hash(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:16]


def landing_fingerprints(paths: DataPaths) -> dict[str, str]:
    """Per source with landed files: a short hash of its files' names, sizes and modification times."""
    fingerprints = {}
    for source in load_registry().sources:
        stats = [(path.name, path.stat()) for path in landed_files(source, paths.landing)]
        files = [(name, stat.st_size, stat.st_mtime_ns) for name, stat in stats]
        if files:
            fingerprints[source.id] = _short_hash(files)
    return fingerprints


@dg.sensor(
    jobs=[nightly_refresh, *delivery_jobs],
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Starts ingestion and the refresh when files land in data/landing/<source id>/.",
)
def landing_sensor(
    context: dg.SensorEvaluationContext, data_dir: DataDirResource
) -> dg.SensorResult | dg.SkipReason:
    paths = data_dir.paths()
    current = landing_fingerprints(paths)
    previous = json.loads(context.cursor) if context.cursor else {}
    changed = sorted(source for source, fingerprint in current.items() if previous.get(source) != fingerprint)
    if not changed:
        return dg.SkipReason("no new or changed files in the landing folders")
    try:
        held = RawStore(paths.raw_db).held_files()
    except duckdb.IOException:  # the cursor stays: the next tick looks again
        return dg.SkipReason("a run is writing the raw store; the changed folders are looked at next tick")
    registry = load_registry()
    # a file the raw store already holds (the same bytes under the same name) starts nothing
    changed = [
        source_id
        for source_id in changed
        if new_files(registry.get(source_id), paths.landing, held.get(source_id, {}))
    ]
    if not changed:
        return dg.SensorResult(
            skip_reason="the changed files are already in the raw store",
            cursor=json.dumps(current, sort_keys=True),
        )
    deliveries = [registry.get(source_id) for source_id in changed if registry.get(source_id).lieferant]
    refresh = refresh_run_request(
        paths,
        context.repository_def,
        job_name=nightly_refresh.name,
        run_key=_short_hash(current),
        tags={"sozialmonitor/landed": ",".join(changed)[:200]},
    )
    return dg.SensorResult(
        run_requests=[
            *(
                delivery_run_request(source, run_key=f"{source.id}:{current[source.id]}")
                for source in deliveries
            ),
            refresh,
        ],
        cursor=json.dumps(current, sort_keys=True),
    )
