"""Resources shared by every concern."""

from pathlib import Path

import dagster as dg

from sozialmonitor.settings import DataPaths

# Every op says which phase of the refresh it belongs to; run summaries and benchmarks group by it.
PHASE_TAG = "sozialmonitor/phase"
# A `nightly_refresh` run that found nothing new carries what it looked at (defs/nightly/quiet.py).
NOTHING_NEW_TAG = "sozialmonitor/nothing_new"


class DataDirResource(dg.ConfigurableResource):
    """The data directory: every asset, check, sensor and schedule finds its files through this one
    resource (the code location's entry point says which directory; see orchestration/definitions.py)."""

    root: str

    def paths(self) -> DataPaths:
        return DataPaths(Path(self.root).resolve())
