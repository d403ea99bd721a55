"""Start the refresh when a file lands, without waiting for the night.

Each tick fingerprints every source's landing folder (file names, sizes, modification times; no
file is read) and compares with the cursor of the previous tick. A change starts `nightly_refresh`,
whose ingestion skips unchanged files by checksum, so a run for one city's new file does not reload
the others. The run key is the fingerprint, so the same landing state never starts two runs.
"""

import hashlib
import json

import dagster as dg

from ingest.landing import landed_files
from ingest.registry import load_registry
from orchestration.defs.nightly.jobs import nightly_refresh
from sozialmonitor.settings import DataPaths


def landing_fingerprints(paths: DataPaths) -> dict[str, str]:
    """Per source with landed files: a short hash of its files' names, sizes and modification times."""
    fingerprints = {}
    for source in load_registry().sources:
        stats = [(path.name, path.stat()) for path in landed_files(source, paths.landing)]
        files = [(name, stat.st_size, stat.st_mtime_ns) for name, stat in stats]
        if files:
            fingerprints[source.id] = hashlib.sha256(json.dumps(files).encode()).hexdigest()[:16]
    return fingerprints


@dg.sensor(
    job=nightly_refresh,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Starts the refresh when files land in data/landing/<source id>/.",
)
def landing_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    current = landing_fingerprints(DataPaths.from_env())
    previous = json.loads(context.cursor) if context.cursor else {}
    changed = sorted(source for source, fingerprint in current.items() if previous.get(source) != fingerprint)
    if not changed:
        return dg.SkipReason("no new or changed files in the landing folders")
    cursor = json.dumps(current, sort_keys=True)
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(
                run_key=hashlib.sha256(cursor.encode()).hexdigest()[:16],
                tags={"sozialmonitor/landed": ",".join(changed)[:200]},
            )
        ],
        cursor=cursor,
    )
