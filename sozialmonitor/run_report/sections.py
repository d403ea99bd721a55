"""The report section by section, as blocks that render to Markdown and to HTML alike (render.py)."""

from __future__ import annotations

from collections import Counter
from datetime import date

from sozialmonitor.run_outcome import DBT_GROUPS, REFRESH_JOB
from sozialmonitor.run_report.model import HeadlineDiff, RunReport
from sozialmonitor.settings import DataPaths

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


def runs(report: RunReport, paths: DataPaths) -> list[Block]:
    main = report.main_run
    out: list[Block] = [
        ("h1", f"Sozialmonitor Ruhr – run report {main.job_name} {main.run_id}"),
        ("p", report.headline),
        ("p", f"Written {report.written_at:%Y-%m-%d %H:%M:%S} UTC; data directory {paths.root}."),
        ("h2", "Runs"),
    ]
    rows = [
        [
            run.job_name,
            run.partition or "–",
            run.run_id,
            run.status,
            f"{run.started:%Y-%m-%d %H:%M:%S}" if run.started else "–",
            f"{run.seconds:.1f}" if run.seconds is not None else "–",
        ]
        for run in report.runs
    ]
    out.append(("table", (["job", "partition", "run id", "status", "started (UTC)", "seconds"], rows)))
    failures = [failure.splitlines()[0] for failure in report.failures] + report.run_failures
    if failures:
        out.append(("ul", [f"failed: {failure}" for failure in failures]))
    return out


def ingested(report: RunReport, paths: DataPaths) -> list[Block]:
    out: list[Block] = [("h2", "Ingested")]
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
        totals: Counter[str] = Counter()
        for row in report.ingested.values():
            totals.update(loaded=row.loaded, unchanged=row.unchanged, quarantined=row.quarantined)
        out.append(
            (
                "p",
                f"{totals['loaded']} files loaded, {totals['unchanged']} unchanged (skipped by checksum), "
                f"{totals['quarantined']} quarantined.",
            )
        )
    elif report.nothing_new:
        out.append(("p", f"Nothing new: {report.nothing_new}. Only the delivery deadlines were checked."))
    else:
        out.append(("p", "No source was ingested in these runs."))
    if report.quarantine_reports:
        out.append(("p", "Quarantine reports (to forward to the deliverer):"))
        out.append(("ul", [str(path) for path in report.quarantine_reports]))
    return out + unmatched_and_warnings(report, paths)


def unmatched_and_warnings(report: RunReport, paths: DataPaths) -> list[Block]:
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


def built(report: RunReport, paths: DataPaths) -> list[Block]:
    if not report.models_built:
        return [("h2", "Built"), ("p", "No dbt model was built in these runs.")]
    groups = Counter(model.split("/")[0] for model in report.models_built)
    counts = ", ".join(f"{groups[group]} {group}" for group in DBT_GROUPS if groups[group])
    return [
        ("h2", "Built"),
        ("p", f"{len(report.models_built)} dbt models and seeds built: {counts}."),
        ("ul", [model for model in report.models_built if model.startswith("marts/")]),
    ]


def checks(report: RunReport, paths: DataPaths) -> list[Block]:
    failed = report.failed_checks
    blocking = [check for check in failed if check.severity == "ERROR"]
    out: list[Block] = [
        ("h2", "Checks"),
        (
            "p",
            f"{len(report.checks) - len(failed)} passed, {len(failed)} failed "
            f"({len(blocking)} blocking, {len(failed) - len(blocking)} warnings).",
        ),
    ]
    if failed:
        rows = [
            [
                check.asset,
                check.check_name,
                check.severity,
                "–" if check.failing_rows is None else str(check.failing_rows),
            ]
            for check in failed
        ]
        out.append(("table", (["asset", "check", "severity", "failing"], rows)))
    if report.gate_reports:
        out.append(("p", "Gate failure reports (to forward to the deliverers):"))
        out.append(("ul", [str(path) for path in report.gate_reports]))
    return out


def publication(report: RunReport, paths: DataPaths) -> list[Block]:
    if report.published_version:
        previous = f" (previous: {report.previous_version})." if report.previous_version else "."
        text = f"Published version {report.published_version}: {paths.published / report.published_version}"
        store = [("p", f"Object store: {report.object_store}.")] if report.object_store else []
        return [("h2", "Publication"), ("p", text + previous), *store]
    if report.main_run.job_name == REFRESH_JOB:
        current = report.current_version
        text = f"Nothing published, current stays {current}." if current else "Nothing published (yet)."
        return [("h2", "Publication"), ("p", text)]
    return [
        ("h2", "Publication"),
        ("p", f"Not a refresh: nothing to publish; current is {report.current_version or '–'}."),
    ]


def stale_sources(report: RunReport, paths: DataPaths) -> list[Block]:
    heading: Block = ("h2", "Stale sources")
    if report.stale is None:
        return [
            heading,
            ("p", "Not judged in these runs (the nightly refresh checks every delivery's deadline)."),
        ]
    if not report.stale:
        return [heading, ("p", f"None: every source delivered on time (as of {_day(report.stale_as_of)}).")]
    header = ["source", "owner", "cadence", "newest period", "next period", "due", "missing periods"]
    rows = [
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
    ]
    late = f"{len(report.stale)} deliveries late as of {_day(report.stale_as_of)} "
    return [heading, ("p", late + "(rule: sozialmonitor/freshness.py):"), ("table", (header, rows))]


def headline_indicators(report: RunReport, paths: DataPaths) -> list[Block]:
    out: list[Block] = [("h2", "Headline indicators, Metropole Ruhr")]
    if not report.published_version:
        out.append(("p", "No new version, nothing to compare."))
    elif not report.previous_version:
        out.append(("p", f"First version kept ({report.published_version}): no previous version to compare."))
    if report.headlines:
        header = [
            "indicator",
            "unit",
            "period",
            report.published_version or "now",
            "period before",
            report.previous_version or "before",
            "change",
        ]
        rows = [
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
        ]
        out.append(("table", (header, rows)))
    return out


SECTIONS = (runs, ingested, built, checks, publication, stale_sources, headline_indicators)


def blocks(report: RunReport, paths: DataPaths) -> list[Block]:
    return [block for section in SECTIONS for block in section(report, paths)]
