"""What the report says: the runs' outcome, the report files they wrote, and the published versions."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from sozialmonitor.publication import current_version, published_versions
from sozialmonitor.run_outcome import REFRESH_JOB, RunOutcome
from sozialmonitor.settings import DataPaths

HEADLINE_REGION = "ruhr"
HEADLINE_INDICATORS = (
    "sgb2_quote",
    "sgb2_quote_unter_15",
    "arbeitslosenanteil",
    "grundsicherung_alter_quote",
    "bevoelkerung",
)


@dataclass(frozen=True)
class HeadlineDiff:
    indicator_id: str
    name: str
    unit: str
    decimals: int
    period_now: date | None
    value_now: float | None
    status_now: str | None
    period_before: date | None
    value_before: float | None
    status_before: str | None

    @property
    def change(self) -> float | None:
        if self.value_now is None or self.value_before is None:
            return None
        return round(self.value_now - self.value_before, self.decimals)


@dataclass
class RunReport(RunOutcome):
    quarantine_reports: list[Path] = field(default_factory=list)
    gate_reports: list[Path] = field(default_factory=list)
    current_version: str | None = None
    previous_version: str | None = None
    headlines: list[HeadlineDiff] = field(default_factory=list)
    written_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    path: Path | None = None
    html_path: Path | None = None

    @property
    def status(self) -> str:
        return "SUCCESS" if self.succeeded else "FAILURE"

    @property
    def headline(self) -> str:
        """One line: which run, how it went, what was published."""
        main = self.main_run
        state = "succeeded" if self.succeeded else "FAILED"
        if self.published_version:
            outcome = f"published version {self.published_version}"
        elif self.nothing_new:
            outcome = f"nothing new, current stays {self.current_version}"
        elif main.job_name == REFRESH_JOB:
            outcome = f"nothing published, current stays {self.current_version or '(nothing published yet)'}"
        else:
            outcome = "delivery run (the refresh publishes)"
        late = f", {len(self.stale)} late deliveries" if self.stale else ""
        failed = len(self.failed_checks)
        return (
            f"{main.job_name} {main.run_id} {state}: {outcome}; "
            f"checks {len(self.checks) - failed} passed, {failed} failed{late}"
        )


def _files_since(folder: Path, pattern: str, since: datetime | None) -> list[Path]:
    if not folder.exists():
        return []
    earliest = since.timestamp() - 1 if since else 0
    return sorted(path for path in folder.glob(pattern) if path.stat().st_mtime >= earliest)


def _headline_values(db: Path) -> dict[str, tuple[str, str, int, date, float | None, str]]:
    """indicator → (name, unit, decimals, newest period, value, status) for the headline region."""
    indicators = ", ".join(f"'{indicator}'" for indicator in HEADLINE_INDICATORS)
    if not db.exists():
        return {}
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            f"""select f.indicator_id, i.name, i.unit, coalesce(i.decimals, 2), f.period, f.value, f.status
                from marts.fct_indicator_values f join marts.dim_indicator i using (indicator_id)
                where f.area_id = ? and f.indicator_id in ({indicators})
                qualify row_number() over (partition by f.indicator_id order by f.period desc) = 1""",
            [HEADLINE_REGION],
        ).fetchall()
    return {row[0]: row[1:] for row in rows}


def headline_diffs(paths: DataPaths, version: str, previous: str | None) -> list[HeadlineDiff]:
    """The headline indicators for the Metropole Ruhr, newest period, in `version` against `previous`."""
    now = _headline_values(paths.version_db(version))
    before = _headline_values(paths.version_db(previous)) if previous else {}
    diffs = []
    for indicator in HEADLINE_INDICATORS:
        meta = now.get(indicator) or before.get(indicator)
        if meta is None:
            continue
        current, old = now.get(indicator), before.get(indicator)
        diffs.append(
            HeadlineDiff(
                indicator,
                *meta[:3],
                *(current[3:] if current else (None, None, None)),
                *(old[3:] if old else (None, None, None)),
            )
        )
    return diffs


def _publication(paths: DataPaths, report: RunReport) -> None:
    report.current_version = current_version(paths)
    versions = published_versions(paths)
    if report.published_version and report.published_version in versions:
        index = versions.index(report.published_version)
        report.previous_version = versions[index - 1] if index > 0 else None
        report.headlines = headline_diffs(paths, report.published_version, report.previous_version)


def collect(outcome: RunOutcome, paths: DataPaths) -> RunReport:
    """The report of these runs: their outcome, the report files they wrote, the published versions."""
    report = RunReport(**{item.name: getattr(outcome, item.name) for item in fields(RunOutcome)})
    since = min((run.started for run in report.runs if run.started), default=None)
    for source_id, row in sorted(report.ingested.items()):
        if row.quarantined or row.failed:
            report.quarantine_reports += _files_since(paths.quarantine / source_id, "*.report.md", since)
    for run in report.runs:
        report.gate_reports += _files_since(paths.gate_reports / run.run_id, "*.md", None)
    _publication(paths, report)
    return report
