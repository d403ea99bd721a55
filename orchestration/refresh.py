"""The night, in this process: every due delivery run, then the refresh, as the schedules queue them.

`sozialmonitor refresh` calls this (importing the code location only then, so that commands which
only read the published warehouse start fast). The runs go into the data directory's own Dagster
instance, so the UI shows them like the scheduled ones. A night with nothing new (see
orchestration/defs/nightly/quiet.py) runs the deadline checks alone and never builds the full code
location: that, dagster_dbt's import and the dbt manifest are what such a night would mostly pay for.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, fields

import dagster as dg

from orchestration.defs.nightly.jobs import (
    delivery_definitions,
    delivery_job_name,
    due_deliveries,
    refresh_subset,
)
from orchestration.defs.nightly.quiet import nothing_new, quiet_definitions
from orchestration.defs.nightly.reports import write_report
from orchestration.defs.resources import NOTHING_NEW_TAG, PHASE_TAG
from orchestration.defs.transform.dbt_warm import start_waiting_dbt
from orchestration.run_log import read_runs
from sozialmonitor.notify import notify, stderr_logger
from sozialmonitor.publication import current_version, read_publication
from sozialmonitor.run_outcome import REFRESH_JOB, RefreshOutcome, RunOutcome
from sozialmonitor.settings import DBT_PROJECT_DIR, DataPaths

# Dagster's console logger defaults to DEBUG (every step event); a person at a terminal wants INFO.
QUIET_LOGS = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}


def instance_for(paths: DataPaths) -> dg.DagsterInstance:
    """The data directory's Dagster instance (its dagster.yaml is written by `DataPaths.prepare`)."""
    return dg.DagsterInstance.from_config(str(paths.dagster_home))


@dataclass(frozen=True)
class Night:
    """The runs of a night, in order: the delivery runs (job, partition), then the refresh, whose job
    is built only when they are done (`refresh`), with the refresh's tags."""

    deliveries: list[tuple[dg.JobDefinition, str]]
    refresh: Callable[[], dg.JobDefinition]
    tags: dict[str, str]


def night_jobs(paths: DataPaths) -> Night:
    """This night's runs: on a night with nothing new the deadline checks alone, else every due
    delivery run and then the refresh (without the sources that have nothing to ingest, see
    `refresh_selection`). The delivery runs need no dbt: their code location is the raw assets alone
    (`delivery_definitions`), and the whole one, which needs the dbt manifest, is built after them. A
    manifest that is not current (a new data directory, changed definitions) is parsed during the
    delivery runs by the waiting dbt process (`start_waiting_dbt`), which the code location then waits
    for instead of parsing it itself: 2.6 s of the x100 first night, hidden behind its 20 delivery
    runs."""
    night = nothing_new(paths)
    if night is not None:
        quiet = quiet_definitions(paths).resolve_job_def(REFRESH_JOB)
        return Night([], lambda: quiet, {NOTHING_NEW_TAG: night.describe()})
    due = due_deliveries(paths)
    # dbt imports itself in another process meanwhile (orchestration/defs/transform/dbt_warm.py), and
    # parses a stale manifest there if delivery runs come first
    start_waiting_dbt(
        paths.dbt_target, DBT_PROJECT_DIR, DBT_PROJECT_DIR, paths.dbt_variables(), parse_stale=bool(due)
    )
    deliveries = delivery_definitions(paths).get_repository_def()
    jobs = [(deliveries.get_job(delivery_job_name(source.table)), source.lieferant) for source in due]
    return Night(jobs, lambda: _refresh_job(paths), {})


def _refresh_job(paths: DataPaths) -> dg.JobDefinition:
    # imported here: dagster_dbt and the dbt manifest are what a night with nothing new goes without
    from orchestration.definitions import build_definitions

    repository = build_definitions(paths).get_repository_def()
    assets, checks = refresh_subset(paths, repository) or (None, None)
    return repository.get_maybe_subset_job_def(
        REFRESH_JOB, asset_selection=assets, asset_check_selection=checks
    )


def run_refresh(paths: DataPaths) -> RefreshOutcome:
    """Every body's delivery run (one per partition with something to ingest), then the refresh; or,
    when nothing is new, the refresh's deadline checks alone."""
    paths.prepare()
    started = time.perf_counter()
    night = night_jobs(paths)
    version_before = current_version(paths)
    run_ids = []
    # dbt's console output goes to stderr with Dagster's log, so that stdout carries only the summary.
    with instance_for(paths) as instance, contextlib.redirect_stdout(sys.stderr):
        for job, partition in night.deliveries:
            run_ids.append(_execute(job, instance, partition=partition).run_id)
        refresh = night.refresh()
        run_ids.append(_execute(refresh, instance, tags=night.tags).run_id)
        jobs = [*night.deliveries, (refresh, None)]
        wall = time.perf_counter() - started
        phase_of = {
            node.name: node.definition.tags.get(PHASE_TAG, "other")
            for job, _ in jobs
            for node in job.graph.nodes
        }
        ran = read_runs(instance, run_ids, phase_of)
        report = write_report(ran, paths)
        notify(report, logger=stderr_logger())
    outcome = RefreshOutcome(**{item.name: getattr(ran, item.name) for item in fields(RunOutcome)})
    outcome.wall_seconds, outcome.report = wall, report.path
    if current_version(paths) != version_before:
        outcome.publication = read_publication(paths.published_db)
    return outcome


def _execute(
    job: dg.JobDefinition,
    instance: dg.DagsterInstance,
    partition: str | None = None,
    tags: dict[str, str] | None = None,
) -> dg.ExecuteInProcessResult:
    return job.execute_in_process(
        instance=instance, partition_key=partition, raise_on_error=False, run_config=QUIET_LOGS, tags=tags
    )
