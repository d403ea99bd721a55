"""Dagster's event log read once: the events of some runs turned into one `RunOutcome`.

The refresh summary, the run report, the publication record and the notifications all read what a
run did from here (sozialmonitor/run_outcome.py says what that is), so that a new kind of event is
understood in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg

from orchestration.defs.resources import NOTHING_NEW_TAG
from orchestration.keys import PUBLISHED_ASSET, RAW_PREFIX
from sozialmonitor.checks import CheckResult
from sozialmonitor.freshness import DELIVERY_CHECK, DeliveryStatus
from sozialmonitor.run_outcome import DBT_GROUPS, RunInfo, RunOutcome, SourceIngest

_EVENTS = {
    dg.DagsterEventType.STEP_START,
    dg.DagsterEventType.STEP_SUCCESS,
    dg.DagsterEventType.STEP_FAILURE,
    dg.DagsterEventType.ASSET_MATERIALIZATION,
    dg.DagsterEventType.ASSET_CHECK_EVALUATION,
    dg.DagsterEventType.RUN_FAILURE,
}
# A step that failed only because its blocking checks failed: reported with the checks, not as a step.
_CHECK_FAILED = "DagsterAssetCheckFailedError"


def _values(metadata: Mapping[str, object]) -> dict[str, object]:
    return {name: getattr(entry, "value", entry) for name, entry in metadata.items()}


def run_info(instance: dg.DagsterInstance, run_id: str) -> RunInfo:
    record = instance.get_run_record_by_id(run_id)
    if record is None:
        raise KeyError(f"no run {run_id} in the Dagster instance")
    run = record.dagster_run

    def moment(timestamp: float | None) -> datetime | None:
        return datetime.fromtimestamp(timestamp, UTC) if timestamp else None

    created = record.create_timestamp
    created = created if created.tzinfo else created.replace(tzinfo=UTC)
    return RunInfo(
        run_id,
        run.job_name,
        run.tags.get("dagster/partition"),
        run.status.value,
        moment(record.start_time) or created,
        moment(record.end_time),
        run.tags.get(NOTHING_NEW_TAG),
    )


def check_result(evaluation: dg.AssetCheckEvaluation) -> CheckResult:
    metadata = _values(evaluation.metadata)
    return CheckResult(
        evaluation.asset_key.to_user_string(),
        evaluation.check_name,
        evaluation.passed,
        evaluation.severity.value,
        metadata.get("failing_rows"),
        metadata.get("examples"),
        metadata.get("failure_report"),
    )


def check_results(instance: dg.DagsterInstance, run_id: str) -> list[CheckResult]:
    """Every asset check evaluated in one run (dbt tests, GX expectations, delivery deadlines)."""
    records = instance.get_records_for_run(
        run_id=run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION, limit=100_000
    ).records
    return [check_result(record.event_log_entry.dagster_event.event_specific_data) for record in records]


def _ingest(outcome: RunOutcome, source_id: str, metadata: dict[str, object]) -> SourceIngest:
    row = outcome.ingested.setdefault(source_id, SourceIngest(source_id))
    row.files = int(metadata.get("files") or 0)
    row.loaded = int(metadata.get("files_loaded") or 0)
    row.quarantined = int(metadata.get("files_quarantined") or 0)
    row.rows_loaded = int(metadata.get("rows_loaded") or 0)
    row.rows_skipped = int(metadata.get("source_rows_skipped") or 0)
    row.file_pattern = str(metadata["file_pattern"]) if metadata.get("file_pattern") else None
    row.unmatched = [str(name) for name in metadata.get("unmatched") or ()]
    row.warnings = [str(warning) for warning in metadata.get("warnings") or ()]
    return row


def _materialization(outcome: RunOutcome, event: dg.DagsterEvent, models: set[str]) -> None:
    materialization = event.event_specific_data.materialization
    key = materialization.asset_key
    metadata = _values(materialization.metadata)
    if key.path[0] == RAW_PREFIX and "files" in metadata:  # not a table written beside the source's
        _ingest(outcome, str(metadata.get("source", key.path[-1])), metadata)
    elif key.path[0] in DBT_GROUPS:
        models.add(key.to_user_string())
    elif key.to_user_string() == PUBLISHED_ASSET and "path" in metadata:
        outcome.published_version = Path(str(metadata["path"])).parent.name
        outcome.object_store = str(metadata["object_store"]) if "object_store" in metadata else None


def _check(outcome: RunOutcome, evaluation: dg.AssetCheckEvaluation) -> None:
    outcome.checks.append(check_result(evaluation))
    if evaluation.check_name == DELIVERY_CHECK:
        metadata = _values(evaluation.metadata)
        outcome.stale = (outcome.stale or []) + [
            DeliveryStatus.from_json(item) for item in metadata.get("late") or []
        ]
        if metadata.get("as_of"):
            outcome.stale_as_of = date.fromisoformat(str(metadata["as_of"]))


def _step_failure(outcome: RunOutcome, event: dg.DagsterEvent) -> bool:
    """A failed step as "<source or step>: <why>"; False for a step its failed checks stopped."""
    failure = event.step_failure_data
    if failure.error is not None and failure.error.cls_name == _CHECK_FAILED:
        return False
    user = failure.user_failure_data
    metadata = _values(user.metadata) if user else {}
    description = (user.description if user else None) or (
        failure.error.message.strip() if failure.error else "failed"
    )
    if "source" in metadata and "files" in metadata:  # a body's delivery: its files count with the others
        _ingest(outcome, str(metadata["source"]), metadata).failed = description
    outcome.failures.append(f"{metadata.get('source', event.step_key)}: {description}")
    return True


def read_runs(
    instance: dg.DagsterInstance, run_ids: list[str], phase_of: Mapping[str, str] | None = None
) -> RunOutcome:
    """The outcome of these runs, in the order they ran. With `phase_of` (step key → phase), the
    seconds each phase's steps took are added up."""
    if not run_ids:
        raise ValueError("an outcome needs at least one run")
    outcome = RunOutcome([run_info(instance, run_id) for run_id in run_ids])
    models: set[str] = set()
    for run in outcome.runs:
        step_started: dict[str, float] = {}
        step_failed = False
        for record in instance.all_logs(run.run_id, of_type=_EVENTS):
            event = record.dagster_event
            kind = event.event_type
            if kind == dg.DagsterEventType.STEP_START:
                step_started[event.step_key] = record.timestamp
            elif kind in (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE) and phase_of:
                phase = phase_of.get(event.step_key, "other")
                seconds = record.timestamp - step_started[event.step_key]
                outcome.phase_seconds[phase] = outcome.phase_seconds.get(phase, 0.0) + seconds
            if kind == dg.DagsterEventType.STEP_FAILURE:
                step_failed = _step_failure(outcome, event) or step_failed
            elif kind == dg.DagsterEventType.ASSET_MATERIALIZATION:
                _materialization(outcome, event, models)
            elif kind == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
                _check(outcome, event.event_specific_data)
            elif kind == dg.DagsterEventType.RUN_FAILURE and not step_failed:
                outcome.run_failures.append(f"{run.job_name} {run.run_id}: {event.message or 'run failed'}")
    outcome.models_built = sorted(models)
    return outcome
