"""The platform's phases, each run in its own child process by the benchmark: the platform's own functions
as the assets call them, without Dagster (the whole orchestrated refresh is measured apart).

- ingest: `ingest.landing.ingest_source` for every registered source, as the raw assets call it.
- dbt: `prepare_raw_tables` and `dbt build` (seeds, models, tests), as `warehouse_models` does.
- gate: `expectations.validate.validate_relation` for every suite of `expectations/suites/`, as the
  gate's asset checks do; the outcomes are written to `bench-gate.json` for the limit to compare with.
- publish: `sozialmonitor.publication.publish` (marts, Parquet, record, atlas, `current` pointer).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

GATE_OUTCOMES = "bench-gate.json"


def _ingest() -> None:
    from ingest.geography import RuhrGeography
    from ingest.landing import ingest_source
    from ingest.raw_store import RawStore
    from ingest.registry import load_registry
    from sozialmonitor.settings import DataPaths

    paths = DataPaths.from_env()
    geography = RuhrGeography.from_seeds()
    for source in load_registry().sources:
        load = ingest_source(
            source,
            paths.landing,
            RawStore(paths.raw_db, paths.ingest_duckdb_config),
            geography,
            paths.quarantine,
        )
        if load.quarantined:
            raise SystemExit(f"quarantined: {[str(item.problem) for item in load.quarantined]}")


def _dbt() -> None:
    from ingest.geography import RuhrGeography
    from ingest.landing import prepare_raw_tables
    from ingest.raw_store import RawStore
    from sozialmonitor.settings import DBT_PROJECT_DIR, DataPaths

    paths = DataPaths.from_env()
    prepare_raw_tables(RawStore(paths.raw_db, paths.ingest_duckdb_config), RuhrGeography.from_seeds())
    subprocess.run(
        [str(Path(sys.executable).with_name("dbt")), "build", "--quiet", *paths.dbt_vars()],
        cwd=DBT_PROJECT_DIR,
        env={**os.environ, **paths.environment()},
        check=True,
    )


def _gate() -> None:
    from expectations.data_docs import update_index
    from expectations.suites import read_suites
    from expectations.validate import validate_relation
    from sozialmonitor.settings import DataPaths
    from sozialmonitor.warehouse import connect_build

    paths = DataPaths.from_env()
    unexpected: dict[str, dict[str, int]] = {}
    for suite in read_suites().values():
        with connect_build(paths) as con:
            outcomes = validate_relation(con, suite, docs_dir=paths.gate_data_docs)
        unexpected[suite["name"]] = {outcome.check_name: outcome.unexpected_count for outcome in outcomes}
        failed = [outcome.check_name for outcome in outcomes if not outcome.success and outcome.blocking]
        if failed:
            raise SystemExit(f"gate failed: {suite['name']}: {failed}")
    update_index(paths.gate_data_docs)  # as the platform does once the run is over
    (paths.root / GATE_OUTCOMES).write_text(json.dumps(unexpected, indent=1), encoding="utf-8")


def _publish() -> None:
    from sozialmonitor.publication import publish
    from sozialmonitor.settings import DataPaths

    paths = DataPaths.from_env()
    paths.prepare()
    publish(paths, "bench", [])


PHASES = {"ingest": _ingest, "dbt": _dbt, "gate": _gate, "publish": _publish}


def run_platform_phase(phase: str) -> None:
    """Executed in the child process: one phase against SOZIALMONITOR_DATA_DIR."""
    from sozialmonitor.settings import DataPaths

    DataPaths.from_env().prepare()
    PHASES[phase]()
