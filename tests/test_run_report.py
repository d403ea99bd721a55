"""The run report: written by `sozialmonitor refresh` and by the run status sensors, from the event log."""

from __future__ import annotations

import json
import re
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.defs.nightly.reports import report_runs, run_report_on_success, runs_of_the_night
from orchestration.defs.resources import DataDirResource
from orchestration.refresh import run_refresh
from orchestration.run_log import read_runs
from sozialmonitor.freshness import FRESHNESS_DATE_ENV
from sozialmonitor.publication import current_version, published_versions
from sozialmonitor.refresh_summary import format_summary
from sozialmonitor.run_report import collect, headline_diffs, reports_dir
from sozialmonitor.settings import DataPaths
from tests.support import CliRefresh, change_dortmund_cell, copy_of, population_file

SGB2_2023 = "| SGB-II-Quote (INKAR-Abgrenzung) (`sgb2_quote`) | % | 2023-12-31 | 14.79 |"


def instance_of(paths: DataPaths) -> dg.DagsterInstance:
    return dg.DagsterInstance.from_config(str(paths.dagster_home))


def nightly_run(instance: dg.DagsterInstance) -> dg.DagsterRun:
    [record] = instance.get_run_records(dg.RunsFilter(job_name="nightly_refresh"), limit=1)
    return record.dagster_run


def test_the_refresh_writes_the_report_and_names_it(cli_refresh: CliRefresh) -> None:
    paths = cli_refresh.paths
    [line] = [line for line in cli_refresh.stdout.splitlines() if line.startswith("run report: ")]
    report = Path(line.removeprefix("run report: "))
    assert report.parent == reports_dir(paths) / "runs"
    version = current_version(paths)
    run_id = version.split("-")[-1]  # a version is named <time>Z-<first 8 characters of the run id>
    assert re.fullmatch(rf"\d{{8}}T\d{{6}}-{run_id}[0-9a-f-]+\.md", report.name)
    text = report.read_text(encoding="utf-8")
    assert (reports_dir(paths) / "latest.md").read_text(encoding="utf-8") == text
    assert report.with_suffix(".html").exists() and (reports_dir(paths) / "latest.html").exists()

    assert f"succeeded: published version {version}; checks " in text
    # one run per delivering body (15 offices, 5 cities), then the refresh
    assert text.count("| ingest_kommunale_meldungen | ") == 15
    assert text.count("| ingest_stadt_kleinraum | ") == 5
    assert re.search(r"\| nightly_refresh \| – \| [0-9a-f-]{36} \| SUCCESS \|", text)
    assert "| genesis_12411_bevoelkerung | 10 | 10 | 0 | 0 | 33660 | ok |" in text
    # Kreis Unna's 10 Gemeinden, ten years: 2 Kita rows a year, 7 Schuleingangsuntersuchung rows in the
    # nine years it delivered (its 2023 file is late)
    assert f"| kommunale_meldungen_kreis_unna | 19 | 19 | 0 | 0 | {10 * 10 * 2 + 10 * 9 * 7} | ok |" in text
    assert "427 files loaded, 0 unchanged (skipped by checksum), 0 quarantined." in text
    assert "48 dbt models and seeds built: 15 reference, 12 staging, 9 intermediate, 12 marts." in text
    checks = re.search(r"\n(\d+) passed, 0 failed \(0 blocking, 0 warnings\)\.\n", text)
    assert checks and f"checks: {checks[1]} passed, 0 failed" in cli_refresh.stdout
    assert "None: every source delivered on time (as of 2024-03-31)." in text
    assert f"First version kept ({version}): no previous version to compare." in text
    assert SGB2_2023 + " – | – | – |" in text
    assert "| Bevölkerung (`bevoelkerung`) | Personen | 2023-12-31 | 5,126,536 |" in text
    assert (
        "| Grundsicherung im Alter (Altersarmut) (`grundsicherung_alter_quote`) | % | 2023-12-31 | 4.40 |"
        in text
    )


@pytest.fixture
def with_an_earlier_version(
    refreshed_sample: DataPaths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> DataPaths:
    """The sample as if a version with data up to 2022 had been published a year before."""
    paths = copy_of(refreshed_sample, tmp_path / "data", monkeypatch)
    [version] = published_versions(paths)
    earlier = paths.published / "20241201T020000Z-0123abcd"
    shutil.copytree(paths.published / version, earlier)
    with duckdb.connect(str(earlier / "warehouse.duckdb")) as con:
        con.execute("delete from marts.fct_indicator_values where period >= date '2023-01-01'")
        # the Ruhr's Grundsicherungsquote of 2022 as 2023's, so that one headline reads "unchanged"
        con.execute(
            "update marts.fct_indicator_values set value = 4.40 where indicator_id = "
            "'grundsicherung_alter_quote' and area_id = 'ruhr' and period = date '2022-12-31'"
        )
    return paths


def test_headline_indicators_against_the_previous_version(with_an_earlier_version: DataPaths) -> None:
    paths = with_an_earlier_version
    earlier, version = published_versions(paths)
    diffs = {diff.indicator_id: diff for diff in headline_diffs(paths, version, earlier)}
    assert (diffs["sgb2_quote"].value_before, diffs["sgb2_quote"].value_now, diffs["sgb2_quote"].change) == (
        14.4,
        14.79,
        0.39,
    )
    assert diffs["bevoelkerung"].change == 5126536 - 5133995

    with instance_of(paths) as instance:
        report = report_runs(instance, [nightly_run(instance).run_id], paths).path
    text = report.read_text(encoding="utf-8")
    assert f"(previous: {earlier})." in text
    assert f"| indicator | unit | period | {version} | period before | {earlier} | change |" in text
    assert SGB2_2023 + " 2022-12-31 | 14.40 | +0.39 pp |" in text
    assert (
        "| Kinderarmut: Sozialgeld unter 15 Jahren (INKAR) (`sgb2_quote_unter_15`) | % | 2023-12-31 | "
        "21.44 | 2022-12-31 | 20.80 | +0.64 pp |" in text
    )
    assert (
        "| Arbeitslosenanteil (`arbeitslosenanteil`) | % | 2023-12-31 | 7.14 | 2022-12-31 | 7.02 | +0.12 pp |"
        in text
    )
    assert "| 4.40 | 2022-12-31 | 4.40 | unchanged |" in text
    assert "| 5,126,536 | 2022-12-31 | 5,133,995 | -7,459 |" in text
    assert "<td>+0.39 pp</td>" in report.with_suffix(".html").read_text(encoding="utf-8")


def test_a_failed_night_reports_the_quarantine_the_gate_and_the_late_sources(
    refreshed_sample: DataPaths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = copy_of(refreshed_sample, tmp_path / "data", monkeypatch)
    version = current_version(paths)
    # Herne's Kita file lands in Kreis Unna's folder (quarantined: Unna's delivery run fails) …
    herne = paths.landing / "kommunale_meldungen_herne" / "jugendamt_05916_kita_2023.csv"
    misplaced = paths.landing / "kommunale_meldungen_kreis_unna" / "jugendamt_kita_2023_nachlieferung.csv"
    misplaced.write_bytes(herne.read_bytes())
    # … and a negative count in Dortmund's population, its totals lowered to match, fails the gate
    change_dortmund_cell(
        population_file(paths, "2022-12-31"), "unter 3 Jahre", 11, "-{original}", consistent=True
    )
    monkeypatch.setenv(FRESHNESS_DATE_ENV, "2024-06-30")

    outcome = run_refresh(paths)

    assert not outcome.published and current_version(paths) == version
    assert f"\nrun report: {outcome.report}" in format_summary(outcome, paths)
    text = outcome.report.read_text(encoding="utf-8")
    assert f"nightly_refresh {outcome.run_id} FAILED: nothing published, current stays {version}; " in text
    assert "| ingest_kommunale_meldungen | kreis_unna | " in text and "| FAILURE |" in text
    assert (
        "- failed: kommunale_meldungen_kreis_unna: quarantined jugendamt_kita_2023_nachlieferung.csv" in text
    )
    assert "| kommunale_meldungen_kreis_unna | 20 | 0 | 19 | 1 | 0 | **failed**: quarantined" in text
    assert "| genesis_12411_bevoelkerung | 10 | 1 | 9 | 0 | 3366 | ok |" in text
    [quarantine_report] = (paths.quarantine / "kommunale_meldungen_kreis_unna").glob("*.report.md")
    assert f"- {quarantine_report}" in text
    assert "| staging/stg_genesis__bevoelkerung | anzahl_not_negative | ERROR | 2 |" in text
    [gate_report] = (paths.gate_reports / outcome.run_id).glob("staging.*.md")
    assert f"- {gate_report}" in text
    assert (
        f"Nothing published, current stays {version}." in text
        and "No new version, nothing to compare." in text
    )
    # judged on 30.06.2024: BA's January 2024 and Kreis Unna's SEU 2023 are overdue
    assert "2 deliveries late as of 2024-06-30" in text
    assert (
        "| kommunale_meldungen_kreis_unna (Schuleingangsuntersuchung) | Jugendämter und Gesundheitsämter der "
        "Kreise und kreisfreien Städte – Kreis Unna | yearly | 2022-08-01 | 2023-08-01 | 2024-05-01 | 1 |"
    ) in text
    assert (
        "| ba_gemeindedaten | Statistik der Bundesagentur für Arbeit (Gemeindedaten Nordrhein-Westfalen) | "
        "monthly | 2023-12-31 | 2024-01-31 | 2024-04-30 | 2 |"
    ) in text
    assert "| raw/kommunale_meldungen | delivery_on_time | WARN | 1 |" in text


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict]]]:
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", received
    server.shutdown()
    server.server_close()


@pytest.fixture
def notified(
    refreshed_sample: DataPaths,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    webhook: tuple[str, list[dict]],
) -> tuple[DataPaths, list[dict]]:
    """A copy of the refreshed sample whose notifications go to the local webhook: (paths, posts)."""
    paths = copy_of(refreshed_sample, tmp_path / "data", monkeypatch)
    url, received = webhook
    monkeypatch.setenv("SOZIALMONITOR_WEBHOOK_URL", url)
    return paths, received


def sense_success(instance: dg.DagsterInstance, run: dg.DagsterRun, paths: DataPaths) -> None:
    """Evaluate the success sensor for a finished run, as the daemon would."""
    [event] = instance.all_logs(run.run_id, of_type=dg.DagsterEventType.RUN_SUCCESS)
    context = dg.build_run_status_sensor_context(
        sensor_name=run_report_on_success.name,
        dagster_event=event.dagster_event,
        dagster_instance=instance,
        dagster_run=run,
        resources={"data_dir": DataDirResource(root=str(paths.root))},
    )
    run_report_on_success(context)


def test_the_sensor_reports_the_night_after_the_refresh_and_sends_it(
    notified: tuple[DataPaths, list[dict]],
) -> None:
    paths, received = notified
    with instance_of(paths) as instance:
        run = nightly_run(instance)
        night = runs_of_the_night(instance, run)
        sense_success(instance, run, paths)
        expected = collect(read_runs(instance, night), paths)
    assert len(night) == 21 and night[-1] == run.run_id
    [report] = (reports_dir(paths) / "runs").glob(f"*-{run.run_id}.md")  # the CLI's report, rewritten
    assert report.read_text(encoding="utf-8").startswith(
        f"# Sozialmonitor Ruhr – run report nightly_refresh {run.run_id}"
    )
    [sent] = received
    assert (sent["run_id"], sent["run_ids"], sent["status"]) == (run.run_id, night, "SUCCESS")
    assert sent["published_version"] == current_version(paths) and sent["report_path"] == str(report)
    assert sent["checks_failed"] == 0 and sent["checks_passed"] == len(expected.checks)


def test_a_delivery_run_gets_its_own_report_and_is_sent_only_when_it_failed(
    notified: tuple[DataPaths, list[dict]],
) -> None:
    paths, received = notified
    with instance_of(paths) as instance:
        [record] = instance.get_run_records(
            dg.RunsFilter(job_name="ingest_kommunale_meldungen", tags={"dagster/partition": "kreis_unna"})
        )
        run = record.dagster_run
        assert runs_of_the_night(instance, run) == [run.run_id]
        sense_success(instance, run, paths)
    [report] = (reports_dir(paths) / "runs").glob(f"*-{run.run_id}.md")
    text = report.read_text(encoding="utf-8")
    assert f"ingest_kommunale_meldungen {run.run_id} succeeded: delivery run (the refresh publishes)" in text
    assert f"| kommunale_meldungen_kreis_unna | 19 | 19 | 0 | 0 | {10 * 10 * 2 + 10 * 9 * 7} | ok |" in text
    assert "Not judged in these runs" in text
    assert received == []  # a successful delivery is told with the night's refresh
