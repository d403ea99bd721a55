"""The gate's failure report: what failed, in which rows, and who delivered them, to forward as it is.

One Markdown file per failed suite and run under `<data>/gate/reports/<run id>/`. The examples name
the source file, row and column where the rows carry them; the files are traced through the raw
store's ingest log to their source and its owner in the registry, so the engineer knows whom to send
the report to.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb

from expectations.suites import Suite
from expectations.validate import ExpectationOutcome
from ingest.registry import load_registry

FILE_COLUMNS = ("source_file", "source_files")


def _files(outcomes: list[ExpectationOutcome]) -> set[str]:
    names = set()
    for outcome in outcomes:
        for example in outcome.examples:
            for column in FILE_COLUMNS:
                if example.get(column):
                    names.update(name.strip() for name in str(example[column]).split(","))
    return names


def deliverers(con: duckdb.DuckDBPyConnection, files: set[str]) -> list[tuple[str, str, str]]:
    """(owner, source id, file) for each landed file named in failing rows, from the raw store's log."""
    if not files:
        return []
    rows = con.execute(
        "select distinct source_id, file_name from raw.ingest_log "
        "where list_contains(?, file_name) order by all",
        [sorted(files)],
    ).fetchall()
    registry = {source.id: source for source in load_registry().sources}
    return [
        (registry[source_id].owner if source_id in registry else "unbekannt", source_id, file_name)
        for source_id, file_name in rows
    ]


def _table(examples: list[dict[str, object]]) -> list[str]:
    if not examples:
        return []
    columns = list(examples[0])
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += [
        "| " + " | ".join(str(example.get(column, "")) for column in columns) + " |" for example in examples
    ]
    return lines


def write_failure_report(
    con: duckdb.DuckDBPyConnection,
    suite: Suite,
    outcomes: list[ExpectationOutcome],
    run_id: str,
    reports_dir: Path,
) -> Path | None:
    """Write the report of a suite's failed expectations; None when nothing failed."""
    failed = [outcome for outcome in outcomes if not outcome.success]
    if not failed:
        return None
    blocking = [outcome for outcome in failed if outcome.blocking]
    lines = [
        f"# Prüfbericht Sozialmonitor Ruhr: {suite['name']}",
        "",
        f"- Lauf: `{run_id}`, {datetime.now(UTC):%d.%m.%Y %H:%M} UTC",
        f"- Ergebnis: {len(blocking)} blockierende und {len(failed) - len(blocking)} Warnprüfungen nicht "
        "bestanden"
        + (": **nicht veröffentlicht**, die letzte Veröffentlichung bleibt gültig." if blocking else "."),
        "",
    ]
    sources = deliverers(con, _files(failed))
    if sources:
        lines += ["## Betroffene Lieferungen", "", "| Lieferant | Quelle | Datei |", "|---|---|---|"]
        lines += [f"| {owner} | {source_id} | {file_name} |" for owner, source_id, file_name in sources]
        lines.append("")
    for outcome in failed:
        kind = "blockierend" if outcome.blocking else "Warnung"
        lines += [
            f"## {outcome.check_name} ({kind})",
            "",
            outcome.description,
            "",
            f"{outcome.unexpected_count} von {outcome.element_count} Zeilen verletzen die Regel "
            f"(`{outcome.expectation_type}`)." + (f" Fehler: {outcome.error}" if outcome.error else ""),
            "",
            *_table(outcome.examples),
            "",
        ]
        if outcome.docs_page:
            lines += [f"Great Expectations Data Docs: {outcome.docs_page}", ""]
    path = reports_dir / run_id / f"{suite['name']}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
