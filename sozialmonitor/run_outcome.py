"""What runs did, in plain data: one `RunOutcome` for the refresh summary, the run report, the
publication record and the notifications.

`orchestration/run_log.py` fills it from Dagster's event log; everything here is independent of
Dagster, so that rendering, publishing and sending can be tested and read without it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sozialmonitor.checks import CheckResult
from sozialmonitor.freshness import DeliveryStatus
from sozialmonitor.publication import PublicationRecord

REFRESH_JOB = "nightly_refresh"
# The refresh's phases, in the order they run; every step is tagged with one (PHASE_TAG).
PHASES = ("ingest", "dbt", "gate", "publish")
# The dbt schemas whose models a run builds, coarse to fine (seeds in `reference`).
DBT_GROUPS = ("reference", "staging", "intermediate", "marts")


@dataclass(frozen=True)
class RunInfo:
    run_id: str
    job_name: str
    partition: str | None
    status: str  # Dagster's run status: SUCCESS, FAILURE, CANCELED, …
    started: datetime | None
    ended: datetime | None
    # a refresh that found nothing new: what it looked at (orchestration/defs/nightly/quiet.py)
    nothing_new: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status == "SUCCESS"

    @property
    def seconds(self) -> float | None:
        return (self.ended - self.started).total_seconds() if self.started and self.ended else None


@dataclass
class SourceIngest:
    """One source's files in these runs, from its raw asset's metadata (ingest/landing.py counts them)."""

    source_id: str
    files: int = 0
    loaded: int = 0
    quarantined: int = 0
    rows_loaded: int = 0
    rows_skipped: int = 0  # source rows for areas outside the Ruhr and its reference areas
    failed: str | None = None  # a body's delivery that failed (a file quarantined)
    file_pattern: str | None = None
    unmatched: list[str] = field(default_factory=list)  # in the landing folder, fitting no file pattern
    warnings: list[str] = field(default_factory=list)  # findings about files that loaded all the same

    @property
    def unchanged(self) -> int:
        return max(self.files - self.loaded - self.quarantined, 0)


@dataclass
class RunOutcome:
    """Runs in the order they ran; the last one (the refresh, at night) names the outcome."""

    runs: list[RunInfo]
    ingested: dict[str, SourceIngest] = field(default_factory=dict)
    models_built: list[str] = field(default_factory=list)
    checks: list[CheckResult] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # "<source or step>: <why>", failed steps only
    run_failures: list[str] = field(default_factory=list)  # runs that failed without a failed step
    published_version: str | None = None
    object_store: str | None = None  # the published version's copy (SOZIALMONITOR_PUBLISH_URL), if any
    stale: list[DeliveryStatus] | None = None  # None: no delivery_on_time check ran in these runs
    stale_as_of: date | None = None
    phase_seconds: dict[str, float] = field(default_factory=dict)

    @property
    def main_run(self) -> RunInfo:
        """The run the outcome is named after: the refresh, which comes last."""
        return self.runs[-1]

    @property
    def run_id(self) -> str:
        return self.main_run.run_id

    @property
    def succeeded(self) -> bool:
        """Every run succeeded (a body's quarantined delivery fails its own run)."""
        return all(run.succeeded for run in self.runs)

    @property
    def failed_checks(self) -> list[CheckResult]:
        return [check for check in self.checks if not check.passed]

    @property
    def nothing_new(self) -> str | None:
        """What the refresh looked at when it found nothing new and judged the deadlines alone."""
        return self.main_run.nothing_new


@dataclass
class RefreshOutcome(RunOutcome):
    """`sozialmonitor refresh`: the night's runs, with what the person at the terminal is told."""

    wall_seconds: float = 0.0
    publication: PublicationRecord | None = None  # the version this refresh published
    report: Path | None = None  # the run report's Markdown file

    @property
    def success(self) -> bool:
        """The refresh itself succeeded; a body's failed delivery does not fail the night."""
        return self.main_run.succeeded

    @property
    def published(self) -> bool:
        return self.publication is not None

    @property
    def unchanged(self) -> bool:
        """The run went through but found nothing new to build (no new file, no new definition)."""
        return self.success and not self.published
