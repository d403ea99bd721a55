"""A bad file leaves the landing folder for `quarantine/<source id>/`, with a report beside it.

The report names the file, row, column and rule in words a data engineer can forward to whoever
delivered the file (German, as the municipalities read it), plus a JSON twin for machines. The file
is moved, not copied, so that the next run does not trip over it again; the rows of its previous
version stay in the raw store, so the last good data stays in use.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from ingest.errors import SourceProblem
from ingest.registry import Source


@dataclass(frozen=True)
class Quarantined:
    file: Path
    report: Path
    problem: SourceProblem


def quarantine(
    path: Path, source: Source, sha256: str, problem: SourceProblem, quarantine_dir: Path, now: datetime
) -> Quarantined:
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
                f"| Datei | {path.name} (sha256 {sha256}) |",
                f"| Zeile | {problem.row if problem.row is not None else '–'} |",
                f"| Spalte | {problem.column or '–'} |",
                f"| Regel | {problem.rule} |",
                f"| Befund | {problem.message} |",
                f"| Zeitpunkt | {now:%d.%m.%Y %H:%M:%S} UTC |",
                "",
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
