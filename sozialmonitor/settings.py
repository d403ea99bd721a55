"""Where the platform reads and writes: one data directory.

Everything the platform writes (landing files, raw and build warehouses, the published warehouse,
dbt artifacts and logs, Dagster's instance) lies below it. An entry point (the command line, the code
location's `defs`, the benchmark) reads `SOZIALMONITOR_DATA_DIR` once, through `DataPaths.from_env`;
from there the paths are passed on: to Dagster as a resource, to dbt as a variable. Nothing here sets
the environment.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from sozialmonitor.environment import whole_number

DATA_DIR_ENV = "SOZIALMONITOR_DATA_DIR"
KEEP_VERSIONS_ENV = "SOZIALMONITOR_KEEP_VERSIONS"
KEEP_VERSIONS_DEFAULT = 5
# What one DuckDB connection may use (ingest, dbt, gate, publication): the whole refresh at x100 must
# stay within 2 GB of peak RSS on the 2-core machine, and DuckDB otherwise takes 80 % of the RAM.
DUCKDB_MEMORY_ENV = "SOZIALMONITOR_DUCKDB_MEMORY_LIMIT"
DUCKDB_MEMORY_DEFAULT = "1GB"
DUCKDB_THREADS_ENV = "SOZIALMONITOR_DUCKDB_THREADS"
DUCKDB_THREADS_DEFAULT = 2
# The raw store's writer (ingest) on its own: it appends what Python parsed, batch by batch, and a second
# DuckDB thread only competes with the parsing for the 2 cores (measured at x100, the ingest child of the
# bench: threads 1 24.0-24.4 s wall and 365 MB, threads 2 25.6-27.3 s and 450 MB).
INGEST_THREADS_ENV = "SOZIALMONITOR_INGEST_THREADS"
INGEST_THREADS_DEFAULT = 1
PROJECT_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"


@dataclass(frozen=True)
class DataPaths:
    root: Path

    @classmethod
    def from_env(cls) -> DataPaths:
        """For entry points only: the directory `SOZIALMONITOR_DATA_DIR` names, or ./data."""
        return cls(Path(os.environ.get(DATA_DIR_ENV) or PROJECT_ROOT / "data").resolve())

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    @property
    def quarantine(self) -> Path:
        """Files that could not be loaded, each with a report naming file, row, column and rule."""
        return self.root / "quarantine"

    @property
    def raw_db(self) -> Path:
        return self.root / "warehouse" / "raw.duckdb"

    @property
    def build_db(self) -> Path:
        """Where dbt builds; the gate validates it here, analysts never read it."""
        return self.root / "warehouse" / "build.duckdb"

    @property
    def published(self) -> Path:
        """One folder per published version, and the `current` pointer to the newest."""
        return self.root / "published"

    @property
    def published_current(self) -> Path:
        return self.published / "current"

    @property
    def published_db(self) -> Path:
        """The current version's warehouse, through the pointer: what analysts open."""
        return self.published_current / "warehouse.duckdb"

    def version_db(self, version: str) -> Path:
        return self.published / version / "warehouse.duckdb"

    @property
    def gate_data_docs(self) -> Path:
        """GX Data Docs of the gate's validations (HTML), linked from each check in the UI."""
        return self.root / "gate" / "data_docs"

    @property
    def gate_reports(self) -> Path:
        """Failure reports of the publication gate, one per failed run, to forward to the deliverer."""
        return self.root / "gate" / "reports"

    @property
    def keep_versions(self) -> int:
        """How many published versions stay on disk (older ones are pruned after a publication)."""
        return whole_number(KEEP_VERSIONS_ENV, KEEP_VERSIONS_DEFAULT)

    @property
    def duckdb_config(self) -> dict[str, str]:
        """`memory_limit` and `threads` for every connection that does the platform's heavy work."""
        memory = (os.environ.get(DUCKDB_MEMORY_ENV) or DUCKDB_MEMORY_DEFAULT).strip()
        return {
            "memory_limit": memory,
            "threads": str(whole_number(DUCKDB_THREADS_ENV, DUCKDB_THREADS_DEFAULT)),
        }

    @property
    def ingest_duckdb_config(self) -> dict[str, str]:
        """The raw store writer's settings: the same memory limit, its own thread count."""
        return {
            **self.duckdb_config,
            "threads": str(whole_number(INGEST_THREADS_ENV, INGEST_THREADS_DEFAULT)),
        }

    @property
    def dbt_target(self) -> Path:
        return self.root / "dbt" / "target"

    @property
    def dagster_home(self) -> Path:
        return self.root / "dagster_home"

    def dbt_vars(self) -> list[str]:
        """The arguments that point a dbt command at this directory (dbt_project/profiles.yml reads
        the variable `data_dir`)."""
        return ["--vars", self.dbt_variables()]

    def dbt_variables(self) -> str:
        """The value of `dbt_vars`' `--vars`: this directory and DuckDB's limits, as JSON."""
        config = self.duckdb_config
        variables = {
            "data_dir": str(self.root),
            "duckdb_memory_limit": config["memory_limit"],
            "duckdb_threads": int(config["threads"]),
        }
        return json.dumps(variables)

    def prepare(self) -> None:
        """Create the directories, and Dagster's instance settings where nobody wrote their own."""
        for directory in (
            self.landing,
            self.quarantine,
            self.raw_db.parent,
            self.published,
            self.dbt_target,
            self.dagster_home,
        ):
            directory.mkdir(parents=True, exist_ok=True)
        from sozialmonitor.instance import write_dagster_yaml  # the instance's settings, from these

        write_dagster_yaml(self.dagster_home)

    def environment(self) -> dict[str, str]:
        """The variables a child process (the Dagster UI, a dbt command) needs to work in this
        directory, for an entry point to pass on explicitly."""
        return {
            DATA_DIR_ENV: str(self.root),
            "DAGSTER_HOME": str(self.dagster_home),
            "DBT_TARGET_PATH": str(self.dbt_target),
            "DBT_LOG_PATH": str(self.dbt_target),
            "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "GX_ANALYTICS_ENABLED": "false",
        }
