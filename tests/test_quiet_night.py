"""A night with nothing new: only the delivery deadlines, in a `nightly_refresh` run that says so; and
what counts as something new (a landed file, a source to fetch from, an unmatched file, a loaded file
not yet published, a changed definition) takes the full path."""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

import sozialmonitor.publication
from ingest.genesis_api import USER_ENV
from ingest.raw_store import RawStore
from ingest.registry import load_registry
from orchestration.definitions import build_definitions
from orchestration.defs.nightly.quiet import delivery_check_keys, nothing_new
from orchestration.defs.resources import NOTHING_NEW_TAG, DataDirResource
from orchestration.keys import raw_asset_key
from orchestration.refresh import instance_for, night_jobs, run_refresh
from sozialmonitor.freshness import DELIVERY_CHECK, FRESHNESS_DATE_ENV, stale_sources
from sozialmonitor.publication import DEFINITION_FILES, current_version
from sozialmonitor.refresh_summary import format_summary
from sozialmonitor.settings import PROJECT_ROOT, DataPaths
from tests.support import change_dortmund_cell, copy_of, population_file

AT_TWO = datetime(2026, 11, 30, 2, 0, tzinfo=ZoneInfo("Europe/Berlin"))


@pytest.fixture
def quiet(refreshed_sample: DataPaths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> DataPaths:
    """A refreshed data directory of its own, on a day when deliveries are late."""
    monkeypatch.setenv(FRESHNESS_DATE_ENV, "2026-11-30")
    return copy_of(refreshed_sample, tmp_path / "data", monkeypatch)


def landed_file_count(paths: DataPaths) -> int:
    return sum(1 for path in paths.landing.rglob("*") if path.is_file() and not path.name.startswith("."))


def test_a_night_with_nothing_new_runs_the_deadlines_alone_and_says_so(quiet: DataPaths) -> None:
    before = current_version(quiet)
    outcome = run_refresh(quiet)
    assert outcome.success and outcome.publication is None and current_version(quiet) == before
    assert [run.job_name for run in outcome.runs] == ["nightly_refresh"]
    assert outcome.ingested == {} and outcome.models_built == []
    # every raw asset's deadline judged, nothing else; the late ones as the rule computes them
    raw_assets = {raw_asset_key(source).to_user_string() for source in load_registry().sources}
    assert {(check.asset, check.check_name) for check in outcome.checks} == {
        (asset, DELIVERY_CHECK) for asset in raw_assets
    }
    late = sorted(status.label for status in stale_sources(quiet))
    assert late and sorted(status.label for status in outcome.stale) == late
    files, sources = landed_file_count(quiet), len(load_registry().sources)
    seen = f"the {files} landed files of {sources} sources are in the raw store as they are"
    summary = format_summary(outcome, quiet)
    assert f"succeeded: nothing new, version {before} stays current\n{seen}" in summary
    report = outcome.report.read_text(encoding="utf-8")
    assert f"succeeded: nothing new, current stays {before}" in report and f"Nothing new: {seen}" in report
    assert f"{len(late)} deliveries late as of 2026-11-30" in report
    with instance_for(quiet) as instance:  # the run in the UI, with what it looked at
        run = instance.get_run_by_id(outcome.run_id)
    assert run.status == dg.DagsterRunStatus.SUCCESS and run.tags[NOTHING_NEW_TAG].startswith(seen)


def test_the_quiet_night_of_the_command_line_imports_neither_dbt_nor_gx(quiet: DataPaths) -> None:
    """What makes it fast: dagster_dbt, the dbt manifest and great_expectations stay out of the process."""
    code = (
        "import sys\nfrom sozialmonitor.cli import main\ncode = main(['refresh'])\n"
        "heavy = ('dagster_dbt', 'dbt', 'great_expectations')\n"
        "print('loaded:', sorted(name for name in heavy if name in sys.modules))\nsys.exit(code)"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "succeeded: nothing new" in run.stdout and "loaded: []" in run.stdout


@pytest.mark.parametrize("change", ["replaced", "new_body_file", "unmatched", "web_service", "loaded"])
def test_something_new_takes_the_full_path(
    quiet: DataPaths, change: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert nothing_new(quiet) is not None
    if change == "replaced":  # a file landed again under its name, one count changed
        change_dortmund_cell(population_file(quiet, "2023-12-31"), "Insgesamt", 4, "{original}1")
    elif change == "new_body_file":
        essen = quiet.landing / "stadt_essen"
        shutil.copy(essen / "essen_kleinraeume_2023.csv", essen / "essen_kleinraeume_2024.csv")
    elif change == "unmatched":
        (quiet.landing / "ba_gemeindedaten" / "Lieferung.txt").write_text("?", encoding="utf-8")
    elif change == "web_service":  # with credentials, the GENESIS sources may fetch a new table
        monkeypatch.setenv(USER_ENV, "someone")
    else:  # a delivery run loaded a file that no version has published yet
        with RawStore(quiet.raw_db).connect() as con:
            con.execute(
                "insert into ingest_log values ('stadt_essen', ?, ?, 0, 0, null, ?)",
                ["essen_kleinraeume_2024.csv", "0" * 64, datetime(2026, 11, 30)],
            )
    assert nothing_new(quiet) is None
    night = night_jobs(quiet)
    assert "warehouse_models" in {node.name for node in night.refresh().graph.nodes} and night.tags == {}


def test_a_changed_definition_takes_the_full_path(
    quiet: DataPaths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The definitions as a copy of the project's, then one indicator of the catalog changed."""
    project = tmp_path / "project"
    for name in DEFINITION_FILES:
        copy = shutil.copytree if (PROJECT_ROOT / name).is_dir() else shutil.copy
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        copy(PROJECT_ROOT / name, project / name)
    monkeypatch.setattr(sozialmonitor.publication, "PROJECT_ROOT", project)
    assert nothing_new(quiet) is not None
    catalog = project / "dbt_project" / "seeds" / "indicator_catalog.csv"
    catalog.write_text(catalog.read_text(encoding="utf-8").replace("Anteil", "Quote", 1), encoding="utf-8")
    assert nothing_new(quiet) is None


def test_the_schedule_asks_for_the_deadlines_alone_on_a_quiet_night(quiet: DataPaths) -> None:
    defs = build_definitions(quiet)
    schedule = defs.resolve_schedule_def("nightly_refresh_schedule")
    resources = {"data_dir": DataDirResource(root=str(quiet.root))}
    with dg.build_schedule_context(scheduled_execution_time=AT_TWO, resources=resources) as context:
        [request] = schedule.evaluate_tick(context).run_requests
    assert request.asset_selection == [] and set(request.asset_check_keys) == set(delivery_check_keys())
    assert "landed files" in request.tags[NOTHING_NEW_TAG]
    # what the daemon then runs: `nightly_refresh` subset to that one step
    job = defs.get_repository_def().get_maybe_subset_job_def(
        schedule.job_name, asset_selection=set(), asset_check_selection=set(request.asset_check_keys)
    )
    assert [node.name for node in job.graph.nodes] == [DELIVERY_CHECK]
    population_file(quiet, "2023-12-31").write_bytes(b"new\n")
    with dg.build_schedule_context(
        scheduled_execution_time=AT_TWO, resources=resources, repository_def=defs.get_repository_def()
    ) as context:
        [request] = schedule.evaluate_tick(context).run_requests
    assert NOTHING_NEW_TAG not in request.tags
    # the refresh, with the one source that has something new of the seven it ingests itself
    raw_selected = {key.to_user_string() for key in request.asset_selection if key.path[0] == "raw"}
    assert raw_selected == {"raw/genesis_12411_bevoelkerung"}
    assert set(request.asset_check_keys) >= set(delivery_check_keys())
