"""02:00 Europe/Berlin, after the municipalities' night-time deliveries and before the working day."""

import dagster as dg

from orchestration.defs.nightly.jobs import nightly_refresh

nightly_refresh_schedule = dg.ScheduleDefinition(
    name="nightly_refresh_schedule",
    job=nightly_refresh,
    cron_schedule="0 2 * * *",
    execution_timezone="Europe/Berlin",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
