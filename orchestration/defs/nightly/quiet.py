"""A night with nothing new: known before the code location is built, run as the deadlines alone.

Most nights nobody delivers. The full refresh would then ingest nothing (every landed file is skipped
by its checksum), build nothing and publish nothing (`warehouse_models` skips when the publication's
input fingerprint is unchanged), yet it costs seconds before it gets there: dagster_dbt's import, the
dbt manifest turned into ~130 assets, and an event per planned asset in the instance. What a night
must still do is judge every source's delivery deadline (`delivery_on_time`: a late body delivers
nothing, so a quiet night is exactly when lateness shows) and leave a run in the instance that says
how it went.

`nothing_new` decides it from files alone, the same way the full path would find it: every source's
`delivery_due` is false (no landed file the raw store does not hold under its name with the same
sha256, no portal or GENESIS web service to fetch from, no file whose name fits no pattern) and the
current version's input fingerprint equals the fingerprint now (no file loaded and no definition
changed since it was published). Then the night is a `nightly_refresh` run of the deadline checks
only, tagged with what was looked at: the command line runs `quiet_definitions` (no dagster_dbt, no
GX), the 02:00 schedule asks the code location's `nightly_refresh` for the same checks as a subset.
Anything else, or a raw store a run is writing, takes the full path.
"""

from __future__ import annotations

from dataclasses import dataclass

import dagster as dg
import duckdb

from ingest.landing import delivery_due, landed_files
from ingest.raw_store import RawStore
from ingest.registry import load_registry
from orchestration.defs.ingest.freshness import freshness_checks
from orchestration.defs.resources import NOTHING_NEW_TAG, DataDirResource
from sozialmonitor.publication import current_inputs, current_version, publication_inputs
from sozialmonitor.run_outcome import REFRESH_JOB
from sozialmonitor.settings import DataPaths


@dataclass(frozen=True)
class NothingNew:
    """What a quiet night looked at before it decided that the current version stays."""

    version: str
    sources: int  # registered sources whose landing folders were looked at
    files: int  # their landed files, every one held by the raw store as it is

    def describe(self) -> str:
        return (
            f"the {self.files} landed files of {self.sources} sources are in the raw store as they are, "
            f"no source has anything to fetch, no definition changed since version {self.version}"
        )


def nothing_new(paths: DataPaths) -> NothingNew | None:
    """The night's look at the landing folders and the definitions, or None when a refresh has work to
    do (or cannot tell: no version with a recorded fingerprint, a run writing the raw store)."""
    published, version = current_inputs(paths), current_version(paths)
    if published is None or version is None:
        return None
    try:
        held = RawStore(paths.raw_db).held_files()
        if publication_inputs(paths) != published:  # the cheap half first: no landed file is read
            return None
    except duckdb.IOException:  # a run holds the raw store: whatever it writes, the full path sees
        return None
    sources = load_registry().sources
    if any(delivery_due(source, paths.landing, held.get(source.id, {})) for source in sources):
        return None
    files = sum(len(landed_files(source, paths.landing)) for source in sources)
    return NothingNew(version, len(sources), files)


def delivery_check_keys() -> list[dg.AssetCheckKey]:
    """Every source's `delivery_on_time` check: what a quiet night runs."""
    return [key for checks in freshness_checks for key in checks.check_keys]


quiet_refresh = dg.define_asset_job(
    name=REFRESH_JOB,
    selection=dg.AssetSelection.checks(*delivery_check_keys()),
    description="The nightly refresh of a night with nothing new: every delivery deadline judged.",
)


def quiet_definitions(paths: DataPaths) -> dg.Definitions:
    """The command line's code location for a quiet night: the deadline checks and their one resource.
    The checks' assets are not in it (the checks only read the raw store), so neither is dbt."""
    return dg.Definitions(
        asset_checks=freshness_checks,
        jobs=[quiet_refresh],
        resources={"data_dir": DataDirResource(root=str(paths.root))},
        executor=dg.in_process_executor,
    )


def quiet_run_request(night: NothingNew) -> dg.RunRequest:
    """The schedule's request for a quiet night: `nightly_refresh` with the deadline checks only."""
    return dg.RunRequest(
        asset_selection=[], asset_check_keys=delivery_check_keys(), tags={NOTHING_NEW_TAG: night.describe()}
    )
