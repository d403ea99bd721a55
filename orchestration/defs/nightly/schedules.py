"""The night: every body's delivery at 01:30, the refresh at 02:00 Europe/Berlin.

After the municipalities' night-time deliveries and before the working day. Delivery runs are
queued ahead of the refresh (one run at a time), so the refresh sees what they loaded; a delivery
still queued at 02:00 has its file not yet in the raw store, so the refresh tick takes the full path.
"""

import dagster as dg
import duckdb

from orchestration.defs.nightly.jobs import (
    DELIVERY_TABLES,
    delivery_job_name,
    delivery_run_request,
    due_deliveries,
    nightly_refresh,
    refresh_run_request,
)
from orchestration.defs.nightly.quiet import nothing_new, quiet_run_request
from orchestration.defs.resources import DataDirResource

TIMEZONE = "Europe/Berlin"


@dg.schedule(
    name="nightly_refresh_schedule",
    job=nightly_refresh,
    cron_schedule="0 2 * * *",
    execution_timezone=TIMEZONE,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="The refresh; on a night with nothing new, its delivery deadline checks alone.",
)
def nightly_refresh_schedule(
    context: dg.ScheduleEvaluationContext, data_dir: DataDirResource
) -> dg.RunRequest:
    """A schedule runs one job, so a quiet night is a subset of `nightly_refresh` (its deadline checks),
    tagged with what the tick looked at, and any other night is one without the sources that have
    nothing to ingest (`refresh_selection`); what lands between the tick and the run is the landing
    sensor's to start a refresh for."""
    paths = data_dir.paths()
    night = nothing_new(paths)
    return refresh_run_request(paths, context.repository_def) if night is None else quiet_run_request(night)


def build_delivery_schedule(table: str) -> dg.ScheduleDefinition:
    @dg.schedule(
        name=f"{delivery_job_name(table)}_schedule",
        job_name=delivery_job_name(table),
        cron_schedule="30 1 * * *",
        execution_timezone=TIMEZONE,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description=f"One run per body with files landed for {table} or a portal to fetch from.",
    )
    def _schedule(
        context: dg.ScheduleEvaluationContext, data_dir: DataDirResource
    ) -> list[dg.RunRequest] | dg.SkipReason:
        night = context.scheduled_execution_time.date().isoformat()
        try:
            due = due_deliveries(data_dir.paths(), table)
        except duckdb.IOException:  # a run holds the raw store: ask again at the next tick
            return dg.SkipReason("the raw store is being written by a run; due deliveries not known yet")
        requests = [delivery_run_request(source, run_key=f"{source.id}:{night}") for source in due]
        return requests or dg.SkipReason(f"no body has delivered into {table}")

    return _schedule


delivery_schedules = [build_delivery_schedule(table) for table in DELIVERY_TABLES]
