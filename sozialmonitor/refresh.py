"""Run the nightly refresh in-process and summarise it for the person who started it.

Dagster and the code location are imported here, not at module level of the CLI, so that commands
that only read the published warehouse start fast.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from sozialmonitor.publication import PublicationRecord, current_version, read_publication
from sozialmonitor.settings import DataPaths

PHASES = ("ingest", "dbt", "gate", "publish")
JOB_NAME = "nightly_refresh"
# Dagster's console logger defaults to DEBUG (every step event); a person at a terminal wants INFO.
QUIET_LOGS = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}


@dataclass(frozen=True)
class CheckOutcome:
    asset: str
    check_name: str
    passed: bool
    severity: str
    failing_rows: int | None = None
    examples: str | None = None
    failure_report: str | None = None


@dataclass
class RefreshOutcome:
    run_id: str
    success: bool
    published: bool
    phase_seconds: dict[str, float]
    wall_seconds: float
    checks: list[CheckOutcome] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    ingest_metadata: dict[str, dict[str, object]] = field(default_factory=dict)
    publication: PublicationRecord | None = None
    report: Path | None = None  # the run report (data/reports/runs/…md)

    @property
    def unchanged(self) -> bool:
        """The run went through but found nothing new to build (no new file, no new definition)."""
        return self.success and not self.published


def run_refresh(paths: DataPaths) -> RefreshOutcome:
    """Every body's delivery run (one per partition with something to ingest), then the refresh, in
    the order the schedules queue them at night."""
    paths.prepare()
    started = time.perf_counter()
    import dagster as dg

    from ingest.landing import delivery_due
    from orchestration.definitions import defs
    from orchestration.defs.nightly.jobs import DELIVERY_TABLES, delivery_job_name
    from orchestration.defs.resources import PHASE_TAG
    from sozialmonitor.notify import notify, stderr_logger
    from sozialmonitor.run_report import report_runs

    runs = [
        (defs.resolve_job_def(delivery_job_name(table)), source.lieferant)
        for table, sources in DELIVERY_TABLES.items()
        for source in sources
        if delivery_due(source, paths.landing)
    ]
    runs.append((defs.resolve_job_def(JOB_NAME), None))
    version_before = current_version(paths)
    records, run_ids = [], []
    # dbt's console output goes to stderr with Dagster's log, so that stdout carries only the summary.
    with dg.DagsterInstance.get() as instance, contextlib.redirect_stdout(sys.stderr):
        for job, partition in runs:
            result = job.execute_in_process(
                instance=instance, partition_key=partition, raise_on_error=False, run_config=QUIET_LOGS
            )
            records += instance.all_logs(result.run_id)
            run_ids.append(result.run_id)
        wall = time.perf_counter() - started
        report = report_runs(instance, run_ids, paths)
        notify(report, logger=stderr_logger())

    phase_of = {
        node.name: node.definition.tags.get(PHASE_TAG, "other") for job, _ in runs for node in job.graph.nodes
    }
    step_started: dict[tuple[str, str], float] = {}
    phase_seconds: dict[str, float] = defaultdict(float)
    outcome = RefreshOutcome(result.run_id, result.success, False, phase_seconds, wall, report=report.path)
    for record in records:
        event = record.dagster_event
        if event is None:
            continue
        step = (record.run_id, event.step_key)
        if event.event_type == dg.DagsterEventType.STEP_START:
            step_started[step] = record.timestamp
        elif event.event_type in (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE):
            phase_seconds[phase_of.get(event.step_key, "other")] += record.timestamp - step_started[step]
            failure = (
                event.step_failure_data if event.event_type == dg.DagsterEventType.STEP_FAILURE else None
            )
            # a step that failed only because its blocking checks failed is reported with the checks
            if failure is not None and failure.error.cls_name != "DagsterAssetCheckFailedError":
                user = failure.user_failure_data
                metadata = {k: v.value for k, v in user.metadata.items()} if user else {}
                if "source" in metadata:  # a body's delivery: its files are summarised with the others
                    outcome.ingest_metadata[str(metadata["source"])] = metadata
                outcome.failures.append(
                    f"{metadata.get('source', event.step_key)}: "
                    f"{(user.description if user else None) or failure.error.message.strip()}"
                )
        elif event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            metadata = evaluation.metadata
            outcome.checks.append(
                CheckOutcome(
                    evaluation.asset_key.to_user_string(),
                    evaluation.check_name,
                    evaluation.passed,
                    evaluation.severity.value,
                    metadata["failing_rows"].value if "failing_rows" in metadata else None,
                    metadata["examples"].value if "examples" in metadata else None,
                    metadata["failure_report"].value if "failure_report" in metadata else None,
                )
            )
        elif event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION:
            materialization = event.event_specific_data.materialization
            key = materialization.asset_key
            metadata = {k: v.value for k, v in materialization.metadata.items()}
            if key.path[0] == "raw" and "files" in metadata:  # not a table written beside the source's
                outcome.ingest_metadata[str(metadata.get("source", key.path[-1]))] = metadata
    if current_version(paths) != version_before:
        outcome.published = True
        outcome.publication = read_publication(paths.published_db)
    return outcome


def _unmatched_and_warnings(ingest_metadata: dict[str, dict[str, object]]) -> list[str]:
    """Below the source table: files nobody loaded because their name fits no pattern, and findings
    about files that loaded all the same. Both pass without failing anything, so they are spelled out."""
    lines: list[str] = []
    unmatched = [
        f"  {source_id}: {name} (pattern {metadata.get('file_pattern')})"
        for source_id, metadata in sorted(ingest_metadata.items())
        for name in metadata.get("unmatched") or ()
    ]
    if unmatched:
        lines += ["\nnot loaded, the name fits no file pattern (rename the file to fit, or move it away):"]
        lines += unmatched
    warnings = [
        f"  {source_id}: {warning}"
        for source_id, metadata in sorted(ingest_metadata.items())
        for warning in metadata.get("warnings") or ()
    ]
    if warnings:
        lines += ["\nloaded with warnings (the data is in; worth a look or a question to the deliverer):"]
        lines += warnings
    return lines


def format_summary(outcome: RefreshOutcome, paths: DataPaths) -> str:
    if outcome.unchanged:
        state = f"succeeded: nothing changed, version {current_version(paths)} stays current"
    else:
        state = "succeeded" if outcome.success and outcome.published else "FAILED: nothing was published"
    lines = [f"nightly_refresh run {outcome.run_id} {state}", "", "phase      seconds"]
    for phase in PHASES:
        lines.append(f"{phase:<10} {outcome.phase_seconds.get(phase, 0.0):7.1f}")
    lines.append(f"{'total':<10} {outcome.wall_seconds:7.1f}  (wall time of the run, incl. Dagster start-up)")
    if outcome.ingest_metadata:
        lines.append(
            f"\n{'source':<40} {'files':>6} {'new':>5} {'rows loaded':>12} {'skipped':>8} {'quarantined':>12}"
        )
        for source_id, metadata in sorted(outcome.ingest_metadata.items()):
            lines.append(
                f"{source_id:<40} {metadata.get('files'):>6} {metadata.get('files_loaded'):>5} "
                f"{metadata.get('rows_loaded'):>12} {metadata.get('source_rows_skipped'):>8} "
                f"{metadata.get('files_quarantined'):>12}"
            )
        lines.append("(skipped: source rows for areas outside the Ruhr and its reference areas)")
        lines += _unmatched_and_warnings(outcome.ingest_metadata)
    failed = [check for check in outcome.checks if not check.passed]
    lines.append(f"\nchecks: {len(outcome.checks) - len(failed)} passed, {len(failed)} failed")
    for check in failed:
        rows = f": {check.failing_rows} rows" if check.failing_rows is not None else ""
        lines.append(f"  FAILED {check.asset} {check.check_name} ({check.severity}){rows}")
        if check.examples:
            lines += [f"    {line}" for line in check.examples.splitlines()[:6]]
    for report in sorted({check.failure_report for check in failed if check.failure_report}):
        lines.append(f"  report to forward: {report}")
    for failure in outcome.failures:
        lines.append(f"  failed: {failure}")
    if outcome.publication is not None:
        lines.append("\npublished tables (rows):")
        lines += [f"  {table:<40} {rows:>8}" for table, rows in outcome.publication.tables.items()]
        lines.append(f"\npublished version {outcome.publication.version}: {outcome.publication.path.parent}")
        lines.append(f"current: {paths.published_db}")
    elif paths.published_db.exists():
        lines.append(f"\nthe previous publication is untouched: {paths.published_db}")
    if outcome.report is not None:
        lines.append(f"run report: {outcome.report}")
    return "\n".join(lines)
