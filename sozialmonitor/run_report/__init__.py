"""The run report: what one refresh (its delivery runs and `nightly_refresh`) did, as Markdown and HTML.

Written to `<data>/reports/runs/<start>-<run id>.md` (and `.html`), and copied to
`<data>/reports/latest.md` (`latest.html`), by `sozialmonitor refresh` at its end and by the run
status sensors under `make ui` after each run. What the runs did comes from Dagster's event log, read
once into a `RunOutcome` (orchestration/run_log.py); the report adds the report files the runs wrote
(quarantine and gate reports) and the published versions, which never change once written: the
report never opens the raw store or the build warehouse, so writing it never holds a lock a run
needs. Stale sources are the late deliveries the run's `delivery_on_time` checks found
(`sozialmonitor/freshness.py`).

Sections (`sections.py`, one function each): runs and status; per source files loaded / unchanged /
quarantined and the quarantine reports, files in a landing folder that fit no file pattern, warnings
about loaded files; dbt models built; checks passed and failed, with the gate's failure reports; the
publication (or "nothing published, current stays <version>"); stale sources with their owners; the
headline indicators for the Metropole Ruhr in the published version against the version before.
"""

from sozialmonitor.run_report.model import RunReport, collect, headline_diffs
from sozialmonitor.run_report.render import reports_dir, write

__all__ = ["RunReport", "collect", "headline_diffs", "reports_dir", "write"]
