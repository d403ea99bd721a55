"""After each run: the run report in `<data>/reports/`, and a notification where one is configured.

Two run status sensors (one for success, one for failure) watch `nightly_refresh` and the delivery
jobs. A delivery run gets a report of its own. A `nightly_refresh` run gets the report of the whole
night: the delivery runs queued since the previous refresh, then itself (what `sozialmonitor
refresh` reports too); it is the one that is sent (mail and/or webhook, `sozialmonitor/notify.py`),
every night, so that silence means the platform did not run. A failed delivery run is sent at once
as well: a body's quarantined file should not wait for the morning.
"""

import dagster as dg

from expectations.data_docs import update_index
from orchestration.defs.nightly.jobs import delivery_jobs, nightly_refresh
from orchestration.defs.resources import DataDirResource
from orchestration.run_log import read_runs
from sozialmonitor.notify import notify
from sozialmonitor.run_outcome import RunOutcome
from sozialmonitor.run_report import RunReport, collect, write
from sozialmonitor.settings import DataPaths

REPORTED_JOBS = [nightly_refresh, *delivery_jobs]
FINISHED = [dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED]


def runs_of_the_night(instance: dg.DagsterInstance, run: dg.DagsterRun) -> list[str]:
    """The run ids a run's report covers, in the order they ran: a refresh reports the delivery runs
    created since the previous refresh with it (runs go one at a time, in the order they were queued)."""
    if run.job_name != nightly_refresh.name:
        return [run.run_id]
    record = instance.get_run_record_by_id(run.run_id)
    previous = instance.get_run_records(
        dg.RunsFilter(job_name=nightly_refresh.name, created_before=record.create_timestamp), limit=1
    )
    since = previous[0].create_timestamp if previous else None
    deliveries = [
        delivery
        for job in delivery_jobs
        for delivery in instance.get_run_records(
            dg.RunsFilter(
                job_name=job.name,
                statuses=FINISHED,
                created_after=since,
                created_before=record.create_timestamp,
            )
        )
    ]
    deliveries.sort(key=lambda delivery: delivery.create_timestamp)
    return [*(delivery.dagster_run.run_id for delivery in deliveries), run.run_id]


def write_report(outcome: RunOutcome, paths: DataPaths) -> RunReport:
    """The report of these runs, written; it knows where. With it the gate's Data Docs index comes up to
    date: the gate steps wrote their pages, the index that lists them is built once the run is over
    (`expectations/data_docs.py`)."""
    report = collect(outcome, paths)
    write(report, paths)
    update_index(paths.gate_data_docs)
    return report


def report_runs(instance: dg.DagsterInstance, run_ids: list[str], paths: DataPaths) -> RunReport:
    """Read these runs (in the order they ran) from the event log and write their report."""
    return write_report(read_runs(instance, run_ids), paths)


def report_and_notify(context: dg.RunStatusSensorContext, paths: DataPaths) -> None:
    run = context.dagster_run
    report = report_runs(context.instance, runs_of_the_night(context.instance, run), paths)
    context.log.info(f"run report: {report.path}")
    if run.job_name == nightly_refresh.name or not report.succeeded:
        notify(report, logger=context.log)


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    name="run_report_on_success",
    monitored_jobs=REPORTED_JOBS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Writes the run report to data/reports/ after a successful run; sends the refresh's.",
)
def run_report_on_success(context: dg.RunStatusSensorContext, data_dir: DataDirResource) -> None:
    report_and_notify(context, data_dir.paths())


@dg.run_failure_sensor(
    name="run_report_on_failure",
    monitored_jobs=REPORTED_JOBS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Writes the run report to data/reports/ after a failed run and sends it.",
)
def run_report_on_failure(context: dg.RunFailureSensorContext, data_dir: DataDirResource) -> None:
    report_and_notify(context, data_dir.paths())


report_sensors = [run_report_on_success, run_report_on_failure]
