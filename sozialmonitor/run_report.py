"""The run report: what one refresh (its delivery runs and `nightly_refresh`) did, as Markdown and HTML.

Written to `<data>/reports/runs/<start>-<run id>.md` (and `.html`), and copied to
`<data>/reports/latest.md` (`latest.html`), by `sozialmonitor refresh` at its end and by the run
status sensors under `make ui` after each run. Everything comes from Dagster's event log (what each
run ingested, quarantined, built, checked and published), from the report files the runs wrote
(quarantine and gate reports), and from the published versions, which never change once written: the
report never opens the raw store or the build warehouse, so writing it never holds a lock a run
needs. Stale sources are the late deliveries the run's `delivery_on_time` checks found
(`sozialmonitor/freshness.py`).

Sections: runs and status; per source files loaded / unchanged / quarantined and the quarantine
reports, files in a landing folder that fit no file pattern, warnings about loaded files; dbt models
built; checks passed and failed, with the gate's failure reports; the publication (or "nothing
published, current stays <version>"); stale sources with their owners; the headline indicators for
the Metropole Ruhr in the published version against the version before.
"""

from __future__ import annotations

import html
import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from sozialmonitor.freshness import DELIVERY_CHECK, DeliveryStatus
from sozialmonitor.publication import current_version, published_versions
from sozialmonitor.settings import DataPaths

if TYPE_CHECKING:
    from dagster import DagsterInstance

HEADLINE_REGION = "ruhr"
HEADLINE_INDICATORS = (
    "sgb2_quote",
    "sgb2_quote_unter_15",
    "arbeitslosenanteil",
    "grundsicherung_alter_quote",
    "bevoelkerung",
)
DBT_GROUPS = ("reference", "staging", "intermediate", "marts")
PUBLISHED_ASSET = "published_warehouse"


def reports_dir(paths: DataPaths) -> Path:
    return paths.root / "reports"


@dataclass(frozen=True)
class RunInfo:
    run_id: str
    job_name: str
    partition: str | None
    status: str  # Dagster's run status: SUCCESS, FAILURE, CANCELED, …
    started: datetime | None
    ended: datetime | None

    @property
    def succeeded(self) -> bool:
        return self.status == "SUCCESS"

    @property
    def seconds(self) -> float | None:
        return (self.ended - self.started).total_seconds() if self.started and self.ended else None


@dataclass
class SourceIngest:
    source_id: str
    files: int = 0
    loaded: int = 0
    quarantined: int = 0
    rows_loaded: int = 0
    rows_skipped: int = 0
    failed: str | None = None  # a body's delivery that failed (a file quarantined)
    file_pattern: str | None = None
    unmatched: list[str] = field(default_factory=list)  # in the landing folder, fitting no file pattern
    warnings: list[str] = field(default_factory=list)  # findings about files that loaded all the same

    @property
    def unchanged(self) -> int:
        return max(self.files - self.loaded - self.quarantined, 0)


@dataclass(frozen=True)
class CheckInfo:
    asset: str
    name: str
    passed: bool
    severity: str
    failing_rows: int | None = None
    failure_report: str | None = None


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
class RunReport:
    runs: list[RunInfo]
    ingested: dict[str, SourceIngest] = field(default_factory=dict)
    quarantine_reports: list[Path] = field(default_factory=list)
    models_built: list[str] = field(default_factory=list)
    checks: list[CheckInfo] = field(default_factory=list)
    gate_reports: list[Path] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    published_version: str | None = None
    current_version: str | None = None
    previous_version: str | None = None
    stale: list[DeliveryStatus] | None = None  # None: no delivery_on_time check ran in these runs
    stale_as_of: date | None = None
    headlines: list[HeadlineDiff] = field(default_factory=list)
    written_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    path: Path | None = None
    html_path: Path | None = None

    @property
    def main_run(self) -> RunInfo:
        """The run the report is named after: the refresh, which comes last."""
        return self.runs[-1]

    @property
    def succeeded(self) -> bool:
        return all(run.succeeded for run in self.runs)

    @property
    def status(self) -> str:
        return "SUCCESS" if self.succeeded else "FAILURE"

    @property
    def failed_checks(self) -> list[CheckInfo]:
        return [check for check in self.checks if not check.passed]

    @property
    def headline(self) -> str:
        """One line: which run, how it went, what was published."""
        main = self.main_run
        state = "succeeded" if self.succeeded else "FAILED"
        if self.published_version:
            outcome = f"published version {self.published_version}"
        elif main.job_name == "nightly_refresh":
            outcome = f"nothing published, current stays {self.current_version or '(nothing published yet)'}"
        else:
            outcome = "delivery run (the refresh publishes)"
        late = f", {len(self.stale)} late deliveries" if self.stale else ""
        failed = len(self.failed_checks)
        return (
            f"{main.job_name} {main.run_id} {state}: {outcome}; "
            f"checks {len(self.checks) - failed} passed, {failed} failed{late}"
        )


# --- collecting from the event log -------------------------------------------------------------------


def _value(entry: object) -> object:
    return getattr(entry, "value", entry)


def _run_info(instance: DagsterInstance, run_id: str) -> RunInfo:
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
    )


def _ingest_row(report: RunReport, source_id: str, metadata: dict[str, object]) -> SourceIngest:
    row = report.ingested.setdefault(source_id, SourceIngest(source_id))
    row.files = int(metadata.get("files") or 0)
    row.loaded = int(metadata.get("files_loaded") or 0)
    row.quarantined = int(metadata.get("files_quarantined") or 0)
    row.rows_loaded = int(metadata.get("rows_loaded") or 0)
    row.rows_skipped = int(metadata.get("source_rows_skipped") or 0)
    row.file_pattern = str(metadata["file_pattern"]) if metadata.get("file_pattern") else None
    row.unmatched = [str(name) for name in metadata.get("unmatched") or ()]
    row.warnings = [str(warning) for warning in metadata.get("warnings") or ()]
    return row


def _collect_events(instance: DagsterInstance, report: RunReport) -> None:
    import dagster as dg

    wanted = {
        dg.DagsterEventType.ASSET_MATERIALIZATION,
        dg.DagsterEventType.ASSET_CHECK_EVALUATION,
        dg.DagsterEventType.STEP_FAILURE,
        dg.DagsterEventType.RUN_FAILURE,
    }
    models: list[str] = []
    for run in report.runs:
        step_failed = False
        for record in instance.all_logs(run.run_id, of_type=wanted):
            event = record.dagster_event
            if event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION:
                materialization = event.event_specific_data.materialization
                key = materialization.asset_key
                metadata = {name: _value(value) for name, value in materialization.metadata.items()}
                if key.path[0] == "raw" and "files" in metadata:
                    _ingest_row(report, str(metadata.get("source", key.path[-1])), metadata)
                elif key.path[0] in DBT_GROUPS:
                    models.append(key.to_user_string())
                elif key.to_user_string() == PUBLISHED_ASSET and "path" in metadata:
                    report.published_version = Path(str(metadata["path"])).parent.name
            elif event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
                evaluation = event.event_specific_data
                metadata = {name: _value(value) for name, value in evaluation.metadata.items()}
                report.checks.append(
                    CheckInfo(
                        evaluation.asset_key.to_user_string(),
                        evaluation.check_name,
                        evaluation.passed,
                        evaluation.severity.value,
                        metadata.get("failing_rows"),
                        metadata.get("failure_report"),
                    )
                )
                if evaluation.check_name == DELIVERY_CHECK:
                    report.stale = report.stale or []
                    report.stale += [DeliveryStatus.from_json(item) for item in metadata.get("late") or []]
                    if metadata.get("as_of"):
                        report.stale_as_of = date.fromisoformat(str(metadata["as_of"]))
            elif event.event_type == dg.DagsterEventType.STEP_FAILURE:
                failure = event.step_failure_data
                if failure.error is not None and failure.error.cls_name == "DagsterAssetCheckFailedError":
                    continue  # reported with the checks
                step_failed = True
                user = failure.user_failure_data
                metadata = {name: _value(value) for name, value in user.metadata.items()} if user else {}
                description = (user.description if user else None) or (
                    failure.error.message.strip().splitlines()[0] if failure.error else "failed"
                )
                if "source" in metadata and "files" in metadata:
                    _ingest_row(report, str(metadata["source"]), metadata).failed = description
                report.failures.append(f"{metadata.get('source', event.step_key)}: {description}")
            elif event.event_type == dg.DagsterEventType.RUN_FAILURE and not step_failed:
                report.failures.append(f"{run.job_name} {run.run_id}: {event.message or 'run failed'}")
    report.models_built = sorted(set(models))


def _files_since(folder: Path, pattern: str, since: datetime | None) -> list[Path]:
    if not folder.exists():
        return []
    earliest = since.timestamp() - 1 if since else 0
    return sorted(path for path in folder.glob(pattern) if path.stat().st_mtime >= earliest)


# --- the published versions ---------------------------------------------------------------------------


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


def collect(instance: DagsterInstance, run_ids: list[str], paths: DataPaths) -> RunReport:
    """Everything the report says about these runs (in the order they ran; the last names the report)."""
    if not run_ids:
        raise ValueError("a run report needs at least one run")
    report = RunReport([_run_info(instance, run_id) for run_id in run_ids])
    _collect_events(instance, report)
    since = min((run.started for run in report.runs if run.started), default=None)
    for source_id, row in sorted(report.ingested.items()):
        if row.quarantined or row.failed:
            report.quarantine_reports += _files_since(paths.quarantine / source_id, "*.report.md", since)
    for run in report.runs:
        report.gate_reports += _files_since(paths.gate_reports / run.run_id, "*.md", None)
    _publication(paths, report)
    return report


# --- rendering ----------------------------------------------------------------------------------------

Block = tuple[str, object]  # ("h1"|"h2"|"p"|"ul", text or items) or ("table", (header, rows))


def _number(value: float | None, decimals: int, status: str | None = None) -> str:
    if value is None:
        return status or "–"
    text = f"{value:,.{decimals}f}"
    return text + (f" ({status})" if status and status != "ok" else "")


def _change(diff: HeadlineDiff) -> str:
    change = diff.change
    if change is None:
        return "–"
    if change == 0:
        return "unchanged"
    points = " pp" if diff.unit == "%" else ""
    return f"{change:+,.{diff.decimals}f}{points}"


def _day(value: date | None) -> str:
    return value.isoformat() if value else "–"


def _unmatched_and_warnings(report: RunReport, paths: DataPaths) -> list[Block]:
    """Files that lie in a landing folder unread (their name fits no pattern) and warnings about files
    that loaded: neither fails a run, so the report names them."""
    rows = sorted(report.ingested.values(), key=lambda row: row.source_id)
    out: list[Block] = []
    unmatched = [
        f"`{paths.landing / row.source_id / name}` (pattern `{row.file_pattern or '?'}`)"
        for row in rows
        for name in row.unmatched
    ]
    if unmatched:
        out.append(
            (
                "p",
                f"{len(unmatched)} files not loaded because their name fits no file pattern of the source "
                "(rename them to fit, or move them away):",
            )
        )
        out.append(("ul", unmatched))
    warnings = [f"{row.source_id}: {warning}" for row in rows for warning in row.warnings]
    if warnings:
        out.append(
            (
                "p",
                f"{len(warnings)} warnings about files that loaded all the same (worth a look, or a question "
                "to the deliverer):",
            )
        )
        out.append(("ul", warnings))
    return out


def blocks(report: RunReport, paths: DataPaths) -> list[Block]:
    main = report.main_run
    out: list[Block] = [
        ("h1", f"Sozialmonitor Ruhr – run report {main.job_name} {main.run_id}"),
        ("p", report.headline),
        ("p", f"Written {report.written_at:%Y-%m-%d %H:%M:%S} UTC; data directory {paths.root}."),
        ("h2", "Runs"),
        (
            "table",
            (
                ["job", "partition", "run id", "status", "started (UTC)", "seconds"],
                [
                    [
                        run.job_name,
                        run.partition or "–",
                        run.run_id,
                        run.status,
                        f"{run.started:%Y-%m-%d %H:%M:%S}" if run.started else "–",
                        f"{run.seconds:.1f}" if run.seconds is not None else "–",
                    ]
                    for run in report.runs
                ],
            ),
        ),
    ]
    if report.failures:
        out.append(("ul", [f"failed: {failure}" for failure in report.failures]))

    out.append(("h2", "Ingested"))
    if report.ingested:
        rows = [
            [
                row.source_id,
                str(row.files),
                str(row.loaded),
                str(row.unchanged),
                str(row.quarantined),
                str(row.rows_loaded),
                f"**failed**: {row.failed}" if row.failed else ("quarantined" if row.quarantined else "ok"),
            ]
            for row in sorted(report.ingested.values(), key=lambda row: row.source_id)
        ]
        header = ["source", "files", "loaded", "unchanged", "quarantined", "rows loaded", "state"]
        out.append(("table", (header, rows)))
        totals = Counter()
        for row in report.ingested.values():
            totals.update(loaded=row.loaded, unchanged=row.unchanged, quarantined=row.quarantined)
        out.append(
            (
                "p",
                f"{totals['loaded']} files loaded, {totals['unchanged']} unchanged (skipped by checksum), "
                f"{totals['quarantined']} quarantined.",
            )
        )
    else:
        out.append(("p", "No source was ingested in these runs."))
    if report.quarantine_reports:
        out.append(("p", "Quarantine reports (to forward to the deliverer):"))
        out.append(("ul", [str(path) for path in report.quarantine_reports]))
    out += _unmatched_and_warnings(report, paths)

    out.append(("h2", "Built"))
    if report.models_built:
        groups = Counter(model.split("/")[0] for model in report.models_built)
        out.append(
            (
                "p",
                f"{len(report.models_built)} dbt models and seeds built: "
                + ", ".join(f"{groups[group]} {group}" for group in DBT_GROUPS if groups[group])
                + ".",
            )
        )
        out.append(("ul", [model for model in report.models_built if model.startswith("marts/")]))
    else:
        out.append(("p", "No dbt model was built in these runs."))

    failed = report.failed_checks
    out.append(("h2", "Checks"))
    blocking = [check for check in failed if check.severity == "ERROR"]
    out.append(
        (
            "p",
            f"{len(report.checks) - len(failed)} passed, {len(failed)} failed "
            f"({len(blocking)} blocking, {len(failed) - len(blocking)} warnings).",
        )
    )
    if failed:
        out.append(
            (
                "table",
                (
                    ["asset", "check", "severity", "failing"],
                    [
                        [
                            check.asset,
                            check.name,
                            check.severity,
                            "–" if check.failing_rows is None else str(check.failing_rows),
                        ]
                        for check in failed
                    ],
                ),
            )
        )
    if report.gate_reports:
        out.append(("p", "Gate failure reports (to forward to the deliverers):"))
        out.append(("ul", [str(path) for path in report.gate_reports]))

    out.append(("h2", "Publication"))
    if report.published_version:
        out.append(
            (
                "p",
                f"Published version {report.published_version}: {paths.published / report.published_version}"
                + (f" (previous: {report.previous_version})." if report.previous_version else "."),
            )
        )
    elif main.job_name == "nightly_refresh":
        current = report.current_version
        out.append(
            (
                "p",
                f"Nothing published, current stays {current}." if current else "Nothing published (yet).",
            )
        )
    else:
        out.append(("p", f"Not a refresh: nothing to publish; current is {report.current_version or '–'}."))

    out.append(("h2", "Stale sources"))
    if report.stale is None:
        out.append(("p", "Not judged in these runs (the nightly refresh checks every delivery's deadline)."))
    elif not report.stale:
        out.append(("p", f"None: every source delivered on time (as of {_day(report.stale_as_of)})."))
    else:
        out.append(
            (
                "p",
                f"{len(report.stale)} deliveries late as of {_day(report.stale_as_of)} "
                "(rule: sozialmonitor/freshness.py):",
            )
        )
        out.append(
            (
                "table",
                (
                    ["source", "owner", "cadence", "newest period", "next period", "due", "missing periods"],
                    [
                        [
                            status.label,
                            status.owner,
                            status.cadence,
                            _day(status.newest_period) if status.newest_period else "never delivered",
                            _day(status.next_period),
                            _day(status.due),
                            "–" if status.periods_missing is None else str(status.periods_missing),
                        ]
                        for status in report.stale
                    ],
                ),
            )
        )

    out.append(("h2", "Headline indicators, Metropole Ruhr"))
    if not report.published_version:
        out.append(("p", "No new version, nothing to compare."))
    elif not report.previous_version:
        out.append(("p", f"First version kept ({report.published_version}): no previous version to compare."))
    if report.headlines:
        out.append(
            (
                "table",
                (
                    [
                        "indicator",
                        "unit",
                        "period",
                        report.published_version or "now",
                        "period before",
                        report.previous_version or "before",
                        "change",
                    ],
                    [
                        [
                            f"{diff.name} (`{diff.indicator_id}`)",
                            diff.unit,
                            _day(diff.period_now),
                            _number(diff.value_now, diff.decimals, diff.status_now),
                            _day(diff.period_before),
                            _number(diff.value_before, diff.decimals, diff.status_before),
                            _change(diff),
                        ]
                        for diff in report.headlines
                    ],
                ),
            )
        )
    return out


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(items: list[Block]) -> str:
    lines: list[str] = []
    for kind, content in items:
        if kind == "h1":
            lines += [f"# {content}", ""]
        elif kind == "h2":
            lines += [f"## {content}", ""]
        elif kind == "p":
            lines += [str(content), ""]
        elif kind == "ul":
            lines += [f"- {item}" for item in content] + [""]
        elif kind == "table":
            header, rows = content
            lines.append("| " + " | ".join(header) + " |")
            lines.append("|" + "---|" * len(header))
            lines += ["| " + " | ".join(_cell(cell) for cell in row) + " |" for row in rows]
            lines.append("")
    return "\n".join(lines)


def _inline_html(text: str) -> str:
    """Escape, then the two inline marks the report uses: **bold** and `code`."""
    parts = html.escape(text).split("**")
    text = "".join(f"<strong>{part}</strong>" if index % 2 else part for index, part in enumerate(parts))
    parts = text.split("`")
    return "".join(f"<code>{part}</code>" if index % 2 else part for index, part in enumerate(parts))


STYLE = """body{font-family:system-ui,sans-serif;margin:2em;max-width:80em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1em}
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left}
th{background:#f2f2f2}td:not(:first-child){font-variant-numeric:tabular-nums}code{background:#f6f6f6}"""


def render_html(items: list[Block], title: str) -> str:
    body: list[str] = []
    for kind, content in items:
        if kind in ("h1", "h2", "p"):
            body.append(f"<{kind}>{_inline_html(str(content))}</{kind}>")
        elif kind == "ul":
            body.append("<ul>" + "".join(f"<li>{_inline_html(item)}</li>" for item in content) + "</ul>")
        elif kind == "table":
            header, rows = content
            head = "".join(f"<th>{_inline_html(cell)}</th>" for cell in header)
            cells = "".join(
                "<tr>" + "".join(f"<td>{_inline_html(cell)}</td>" for cell in row) + "</tr>" for row in rows
            )
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{cells}</tbody></table>")
    return (
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{STYLE}</style></head>\n<body>\n" + "\n".join(body) + "\n</body></html>\n"
    )


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.tmp")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def write(report: RunReport, paths: DataPaths) -> Path:
    """The report as `reports/runs/<start>-<run id>.md` and `.html`, and as `reports/latest.*`."""
    main = report.main_run
    started = main.started or report.written_at
    stem = f"{started.astimezone(UTC):%Y%m%dT%H%M%S}-{main.run_id}"
    items = blocks(report, paths)
    markdown, page = render_markdown(items), render_html(items, f"Run report {main.job_name} {main.run_id}")
    runs = reports_dir(paths) / "runs"
    report.path, report.html_path = runs / f"{stem}.md", runs / f"{stem}.html"
    _write_atomically(report.path, markdown)
    _write_atomically(report.html_path, page)
    _write_atomically(reports_dir(paths) / "latest.md", markdown)
    _write_atomically(reports_dir(paths) / "latest.html", page)
    return report.path


def report_runs(instance: DagsterInstance, run_ids: list[str], paths: DataPaths) -> RunReport:
    """Collect and write the report of these runs; the report knows where it was written."""
    report = collect(instance, run_ids, paths)
    write(report, paths)
    return report


def write_run_report(instance: DagsterInstance, run_ids: list[str], paths: DataPaths) -> Path:
    """Write the report of these runs (in the order they ran) and return the Markdown file's path."""
    return report_runs(instance, run_ids, paths).path
