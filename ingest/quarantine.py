"""A bad file leaves the landing folder for `quarantine/<source id>/`, with a report beside it.

The report names the file, row, column and rule in words a data engineer can forward to whoever
delivered the file (German, as the municipalities read it), plus a JSON twin for machines. The file
is moved, not copied, so that the next run does not trip over it again; the rows of its previous
version stay in the raw store, so the last good data stays in use.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from ingest.errors import SourceProblem
from ingest.registry import Source

# What the person reading the report can do, for the rules where it is not "correct the cell and deliver
# again": files that could not be read at all, or are beyond the limits of `ingest/sources.yml`.
ADVICE = {
    "unreadable": "Beim Lesen der Datei ist ein unerwarteter Fehler aufgetreten (siehe Befund). Bitte "
    "prüfen, ob es die richtige Datei im erwarteten Format ist und ob sie vollständig übertragen wurde. "
    "Ist die Datei in Ordnung, liegt der Fehler im Sozialmonitor: dann bitte diesen Bericht an dessen "
    "Betrieb weitergeben.",
    "archive": "Das ZIP-Archiv wurde nicht entpackt. Bitte die Datei neu herunterladen bzw. neu packen "
    "(ein Archiv mit genau den erwarteten Dateien). Die Grenzen stehen in `ingest/sources.yml` unter "
    "`limits:`.",
    "file_too_large": "Die Datei wurde nicht gelesen. Ist sie wirklich so groß, muss die Grenze in "
    "`ingest/sources.yml` unter `limits:` begründet angehoben werden.",
    "line_too_long": "Die Datei wurde nicht weiter gelesen. Meist ist sie beschädigt oder in einem falschen "
    "Format exportiert (z. B. ohne Zeilenumbrüche). Die Grenze steht in `ingest/sources.yml` unter "
    "`limits:`.",
}


@dataclass(frozen=True)
class Quarantined:
    file: Path
    report: Path
    problem: SourceProblem


def _cell(text: str) -> str:
    """A value in one cell of the report's table: one line, no column separator of its own."""
    return re.sub(r"[\r\n\t]+", " ", text).replace("|", "\\|")


def quarantine(
    path: Path, source: Source, sha256: str, problem: SourceProblem, quarantine_dir: Path, now: datetime
) -> Quarantined:
    """Move the file and write its report; `sha256` is empty when the file could not even be read."""
    folder = quarantine_dir / source.id
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{now:%Y%m%dT%H%M%S}__{path.name}"
    moved = folder / stem
    shutil.move(path, moved)
    report = folder / f"{stem}.report.md"
    report.write_text(
        "\n".join(
            [
                f"# Datei nicht übernommen: {path.name}",
                "",
                "| | |",
                "|---|---|",
                f"| Quelle | {source.id}: {source.title} |",
                f"| Lieferant | {source.owner} |",
                f"| Datei | {_cell(path.name)} (sha256 {sha256 or '–'}) |",
                f"| Zeile | {problem.row if problem.row is not None else '–'} |",
                f"| Spalte | {_cell(problem.column or '–')} |",
                f"| Regel | {problem.rule} |",
                f"| Befund | {_cell(problem.message)} |",
                f"| Zeitpunkt | {now:%d.%m.%Y %H:%M:%S} UTC |",
                "",
                *([ADVICE[problem.rule], ""] if problem.rule in ADVICE else []),
                "Die Datei wurde nicht geladen; eine früher gelieferte Fassung derselben Datei bleibt in "
                "Gebrauch. Bitte eine berichtigte Datei unter demselben Namen erneut liefern "
                f"(Eingangsordner `landing/{source.id}/`).",
                "",
            ]
        ),
        encoding="utf-8",
    )
    record = {
        "source_id": source.id,
        "file_sha256": sha256,
        "quarantined_at": now.isoformat(),
        **asdict(problem),
    }
    report.with_suffix(".json").write_text(
        json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return Quarantined(moved, report, problem)
