"""Dagster's instance settings (`dagster.yaml` in the data directory's `dagster_home`), from the settings.

Two storages, one behaviour:

- **embedded** (default, nothing to set): SQLite files in the data directory, no server; the event log
  is orchestration/event_log.py's (connections kept open).
- **PostgreSQL** (production: `SOZIALMONITOR_POSTGRES_HOST` set): runs, event log and schedules in one
  database (`dagster-postgres`), so that the webserver, the daemon, run workers and
  `sozialmonitor refresh` share it. The file names the variables (`{env: …}`), never their values:
  the password stays in the environment (deploy/sozialmonitor.env, readable by the service only).

Both: one run at a time in request order (`QueuedRunCoordinator`, `max_concurrent_runs: 1`: every run
writes the same DuckDB files, which take one writer); the run launcher that tells run monitoring
whether a run's process lives (orchestration/run_launcher.py), so that a run whose process died with
the whole deployment is failed and the queue behind it goes on; such a run is retried once, a run that
failed a step (a failed gate check fails its step) never. The monitoring's seconds come from the
settings below, as do the PostgreSQL coordinates. The file is written again by every command (it
carries the data directory's absolute path); a file without the first line's mark is left alone.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from sozialmonitor.environment import whole_number

DAGSTER_YAML_MARK = "# Written by sozialmonitor"
POSTGRES_HOST_ENV = "SOZIALMONITOR_POSTGRES_HOST"
# placeholder in the file: (variable, default seconds)
MONITORING_SETTINGS = {
    "start_timeout": ("SOZIALMONITOR_RUN_START_TIMEOUT_SECONDS", 180),
    "cancel_timeout": ("SOZIALMONITOR_RUN_CANCEL_TIMEOUT_SECONDS", 180),
    "poll_interval": ("SOZIALMONITOR_RUN_MONITORING_INTERVAL_SECONDS", 30),
}
# the PostgreSQL connection: field: (variable Dagster reads it from, value written when it is not set;
# None: left out, e.g. no password for a local socket's peer or trust authentication)
POSTGRES_SETTINGS: dict[str, tuple[str, str | int | None]] = {
    "hostname": (POSTGRES_HOST_ENV, None),
    "port": ("SOZIALMONITOR_POSTGRES_PORT", 5432),
    "db_name": ("SOZIALMONITOR_POSTGRES_DB", "sozialmonitor"),
    "username": ("SOZIALMONITOR_POSTGRES_USER", "sozialmonitor"),
    "password": ("SOZIALMONITOR_POSTGRES_PASSWORD", None),
}

HEADER = f"""\
{DAGSTER_YAML_MARK}: Dagster's instance of this data directory. Remove this line to keep your own.
telemetry:
  enabled: false
run_coordinator:
  module: dagster
  class: QueuedRunCoordinator
  config:
    max_concurrent_runs: 1
"""
SQLITE = """\
# Dagster's SQLite event log in the same files, with its connections kept open and commits not flushed
# one by one (orchestration/event_log.py says why: about 20 ms an event otherwise).
event_log_storage:
  module: orchestration.event_log
  class: SqliteEventLogStorage
  config:
    base_dir: {runs}
"""
POSTGRES = """\
storage:
  postgres:
    postgres_db:
      scheme: "postgresql+psycopg2"  # the driver dagster-postgres installs (SQLAlchemy: psycopg 3)
{coordinates}
"""
MONITORING = """\
run_launcher:
  module: orchestration.run_launcher
  class: WatchedRunLauncher
run_monitoring:
  enabled: true
  start_timeout_seconds: {start_timeout}
  cancel_timeout_seconds: {cancel_timeout}
  max_resume_run_attempts: 0
  poll_interval_seconds: {poll_interval}
run_retries:
  enabled: true
  max_retries: 1
  retry_on_asset_or_op_failure: false
"""


def dagster_yaml(dagster_home: Path) -> str:
    """The instance's settings for the present environment."""
    seconds = {
        name: whole_number(variable, default) for name, (variable, default) in MONITORING_SETTINGS.items()
    }
    if os.environ.get(POSTGRES_HOST_ENV, "").strip():
        storage = POSTGRES.format(coordinates="\n".join(_postgres_coordinates()))
    else:
        # the event log's folder by its absolute path: a moved data directory finds its own
        storage = SQLITE.format(runs=json.dumps(str(dagster_home / "history" / "runs")))
    return HEADER + storage + MONITORING.format(**seconds)


def _postgres_coordinates() -> list[str]:
    lines = []
    for field, (variable, default) in POSTGRES_SETTINGS.items():
        if os.environ.get(variable, "").strip():
            lines.append(f"      {field}:\n        env: {variable}")
        elif default is not None:
            lines.append(f"      {field}: {json.dumps(default)}")
    return lines


def write_dagster_yaml(dagster_home: Path) -> None:
    """Write the settings unless someone keeps their own there (a file without the mark)."""
    path = dagster_home / "dagster.yaml"
    if not path.exists() or path.read_text(encoding="utf-8").startswith(DAGSTER_YAML_MARK):
        path.write_text(dagster_yaml(dagster_home), encoding="utf-8")
