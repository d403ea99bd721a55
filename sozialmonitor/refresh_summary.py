"""What `sozialmonitor refresh` prints at its end: phases, sources, checks, the publication.

The person who started the refresh reads it on stdout (Dagster's log goes to stderr); the run report
(sozialmonitor/run_report/) says the same at length and is what gets sent.
"""

from __future__ import annotations

from sozialmonitor.publication import current_version
from sozialmonitor.run_outcome import PHASES, REFRESH_JOB, RefreshOutcome, SourceIngest
from sozialmonitor.settings import DataPaths


def _unmatched_and_warnings(ingested: dict[str, SourceIngest]) -> list[str]:
    """Below the source table: files nobody loaded because their name fits no pattern, and findings
    about files that loaded all the same. Both pass without failing anything, so they are spelled out."""
    lines: list[str] = []
    rows = sorted(ingested.values(), key=lambda row: row.source_id)
    unmatched = [
        f"  {row.source_id}: {name} (pattern {row.file_pattern})" for row in rows for name in row.unmatched
    ]
    if unmatched:
        lines += ["\nnot loaded, the name fits no file pattern (rename the file to fit, or move it away):"]
        lines += unmatched
    warnings = [f"  {row.source_id}: {warning}" for row in rows for warning in row.warnings]
    if warnings:
        lines += ["\nloaded with warnings (the data is in; worth a look or a question to the deliverer):"]
        lines += warnings
    return lines


def _sources(ingested: dict[str, SourceIngest]) -> list[str]:
    lines = [
        f"\n{'source':<40} {'files':>6} {'new':>5} {'rows loaded':>12} {'skipped':>8} {'quarantined':>12}"
    ]
    for row in sorted(ingested.values(), key=lambda row: row.source_id):
        lines.append(
            f"{row.source_id:<40} {row.files:>6} {row.loaded:>5} "
            f"{row.rows_loaded:>12} {row.rows_skipped:>8} {row.quarantined:>12}"
        )
    lines.append("(skipped: source rows for areas outside the Ruhr and its reference areas)")
    return lines + _unmatched_and_warnings(ingested)


def _checks(outcome: RefreshOutcome) -> list[str]:
    failed = outcome.failed_checks
    lines = [f"\nchecks: {len(outcome.checks) - len(failed)} passed, {len(failed)} failed"]
    for check in failed:
        rows = f": {check.failing_rows} rows" if check.failing_rows is not None else ""
        lines.append(f"  FAILED {check.asset} {check.check_name} ({check.severity}){rows}")
        if check.examples:
            lines += [f"    {line}" for line in check.examples.splitlines()[:6]]
    for report in sorted({check.failure_report for check in failed if check.failure_report}):
        lines.append(f"  report to forward: {report}")
    return lines + [f"  failed: {failure}" for failure in outcome.failures]


def _publication(outcome: RefreshOutcome, paths: DataPaths) -> list[str]:
    lines = []
    if outcome.publication is not None:
        lines.append("\npublished tables (rows):")
        lines += [f"  {table:<40} {rows:>8}" for table, rows in outcome.publication.tables.items()]
        lines.append(f"\npublished version {outcome.publication.version}: {outcome.publication.path.parent}")
        lines.append(f"current: {paths.published_db}")
    elif paths.published_db.exists():
        lines.append(f"\nthe previous publication is untouched: {paths.published_db}")
    if outcome.report is not None:
        lines.append(f"run report: {outcome.report}")
    return lines


def _state(outcome: RefreshOutcome, paths: DataPaths) -> list[str]:
    """The first line, and on a night with nothing new what was looked at: only the deadlines ran."""
    if outcome.success and outcome.nothing_new:
        return [
            f"succeeded: nothing new, version {current_version(paths)} stays current",
            f"{outcome.nothing_new}: only the delivery deadlines were checked",
        ]
    if outcome.unchanged:
        return [f"succeeded: nothing changed, version {current_version(paths)} stays current"]
    return ["succeeded" if outcome.success and outcome.published else "FAILED: nothing was published"]


def format_summary(outcome: RefreshOutcome, paths: DataPaths) -> str:
    state, *detail = _state(outcome, paths)
    lines = [f"{REFRESH_JOB} run {outcome.run_id} {state}", *detail, "", "phase      seconds"]
    for phase in PHASES:
        lines.append(f"{phase:<10} {outcome.phase_seconds.get(phase, 0.0):7.1f}")
    lines.append(f"{'total':<10} {outcome.wall_seconds:7.1f}  (wall time of the run, incl. Dagster start-up)")
    if outcome.ingested:
        lines += _sources(outcome.ingested)
    return "\n".join(lines + _checks(outcome) + _publication(outcome, paths))
