"""Resources shared by every concern."""

from pathlib import Path

import dagster as dg

from sozialmonitor.settings import DATA_DIR_ENV, DataPaths

# Every op says which phase of the refresh it belongs to; run summaries and benchmarks group by it.
PHASE_TAG = "sozialmonitor/phase"


class DataDirResource(dg.ConfigurableResource):
    """The data directory, resolved from SOZIALMONITOR_DATA_DIR when a run starts."""

    root: str

    def paths(self) -> DataPaths:
        return DataPaths(Path(self.root).resolve())


def data_dir_resource() -> DataDirResource:
    return DataDirResource(root=dg.EnvVar(DATA_DIR_ENV))
