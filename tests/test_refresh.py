"""The nightly refresh end to end: published values equal a hand calculation from the source file,
and a bad source file stops publication, leaves the published file byte-identical and says where
the problem is (file, row, column)."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from orchestration.refresh import run_refresh
from sozialmonitor.checks import CheckResult
from sozialmonitor.publication import current_version
from sozialmonitor.refresh_summary import format_summary
from sozialmonitor.run_outcome import RefreshOutcome
from sozialmonitor.settings import DBT_PROJECT_DIR, DataPaths
from tests.support import CliRefresh, change_dortmund_cell, copy_of, population_file, published, sha256

UNDER_18 = (
    "unter 3 Jahre",
    "3 bis unter 6 Jahre",
    "6 bis unter 10 Jahre",
    "10 bis unter 15 Jahre",
    "15 bis unter 18 Jahre",
)
FROM_65 = (
    "65 bis unter 70 Jahre",
    "70 bis unter 75 Jahre",
    "75 bis unter 80 Jahre",
    "80 bis unter 85 Jahre",
    "85 bis unter 90 Jahre",
    "90 Jahre und mehr",
)
TOTAL, FOREIGN_TOTAL = 4, 10  # field index: Insgesamt/Insgesamt, Ausländer/Insgesamt


def by_hand(path: Path, area_key: str) -> dict[str, tuple[int, int]]:
    """Numerator and denominator of each indicator, read off the export with nothing but the csv module
    (the 2023 file is the web service's answer: its total row says "Total")."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = {
            "Insgesamt" if row[3] == "Total" else row[3]: row
            for row in csv.reader(handle, delimiter=";")
            if len(row) == 13 and row[1] == area_key
        }
    total = int(rows["Insgesamt"][TOTAL])
    return {
        "anteil_unter_18": (sum(int(rows[group][TOTAL]) for group in UNDER_18), total),
        "anteil_65_plus": (sum(int(rows[group][TOTAL]) for group in FROM_65), total),
        "auslaenderanteil": (int(rows["Insgesamt"][FOREIGN_TOTAL]), total),
    }


def test_region_is_the_sum_of_its_kreise(refreshed_sample: DataPaths) -> None:
    path = population_file(refreshed_sample, "2023-12-31")
    kreise = [
        "05112",
        "05113",
        "05117",
        "05119",
        "05170",
        "05512",
        "05513",
        "05562",
        "05911",
        "05913",
        "05914",
        "05915",
        "05916",
        "05954",
        "05978",
    ]
    numerator = sum(by_hand(path, kreis)["auslaenderanteil"][0] for kreis in kreise)
    denominator = sum(by_hand(path, kreis)["auslaenderanteil"][1] for kreis in kreise)
    assert published(
        refreshed_sample,
        """select numerator, denominator, value from marts.fct_indicator_values
                                          where area_id = 'ruhr' and indicator_id = 'auslaenderanteil'
                                          and period = date '2023-12-31'""",
    ) == [(numerator, denominator, round(numerator / denominator * 100, 2))]


def test_every_gemeinde_has_every_indicator_for_every_period(refreshed_sample: DataPaths) -> None:
    levels = published(refreshed_sample, "select level, count(*) from marts.dim_area group by 1 order by 1")
    assert levels == [
        ("bund", 1),
        ("gemeinde", 53),
        ("kreis", 15),
        ("land", 1),
        ("region", 1),
        ("stadtbezirk", 6 + 12 + 7 + 9 + 5),
        ("stadtteil", 50),  # Essen's
    ]
    rows_per_period = published(
        refreshed_sample,
        """select indicator_id, period, count(*) from marts.fct_indicator_values
           join marts.dim_area using (area_id) where level = 'gemeinde' group by all""",
    )
    incomplete = {(indicator, period): rows for indicator, period, rows in rows_per_period if rows != 53}
    # Kreis Unna's 10 Gemeinden lack the Schuleingangsuntersuchung of 2023 (a late delivery in the sample)
    assert incomplete == {
        (indicator, date(2023, 8, 1)): 43
        for indicator in (
            "seu_sprache_auffaellig_anteil",
            "seu_visuomotorik_auffaellig_anteil",
            "seu_uebergewicht_anteil",
        )
    }
    # 17 Gemeinde indicators (the Ausländeranteil is published down to the Kreise only), 10 periods each
    assert len(rows_per_period) == 17 * 10


def test_refresh_prints_a_summary_and_writes_nothing_outside_the_data_dir(cli_refresh: CliRefresh) -> None:
    out = cli_refresh.stdout
    for phase in ("ingest", "dbt", "gate", "publish", "total"):
        assert f"\n{phase} " in out
    assert "checks: " in out and " 0 failed" in out
    assert re.search(r"\n  marts.fct_indicator_values +20360\n", out)
    assert f"current: {cli_refresh.paths.published_db}" in out
    # ten files: Deutschland, NRW and the 15 Ruhr Kreise kept (17 x 22 rows x 9 cells = 3,366 cells a
    # file), 15 other Länder, 5 Regierungsbezirke and 3 Kreise outside the Ruhr skipped (23 x 22 rows)
    assert re.search(r"\ngenesis_12411_bevoelkerung +10 +10 +33660 +5060 +0\n", out)
    assert list(cli_refresh.home.iterdir()) == []
    assert list(cli_refresh.tmp.iterdir()) == []
    assert cli_refresh.project_files_after == cli_refresh.project_files_before
    assert not (DBT_PROJECT_DIR / "target").exists() and not (DBT_PROJECT_DIR / "logs").exists()


@dataclass(frozen=True)
class BrokenRun:
    paths: DataPaths
    outcome: RefreshOutcome
    file: Path
    line: int
    original: str
    published_before: str


@pytest.fixture
def refresh_with_broken_cell(
    refreshed_sample: DataPaths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., BrokenRun]:
    """Copy the published sample, change one cell of Dortmund in its 2022 Kreis table
    (tests.support.change_dortmund_cell), refresh."""

    def run(altersgruppe: str, field: int, text: str, consistent: bool = False) -> BrokenRun:
        paths = copy_of(refreshed_sample, tmp_path / "data", monkeypatch)
        before = sha256(paths.published_db)
        path = population_file(paths, "2022-12-31")
        number, original = change_dortmund_cell(path, altersgruppe, field, text, consistent=consistent)
        return BrokenRun(paths, run_refresh(paths), path, number, original, before)

    return run


def failed_checks(outcome: RefreshOutcome) -> dict[str, CheckResult]:
    return {check.check_name: check for check in outcome.checks if not check.passed}


def assert_nothing_published(broken: BrokenRun) -> None:
    assert not broken.outcome.published and not broken.outcome.success
    assert sha256(broken.paths.published_db) == broken.published_before


def test_a_negative_count_that_adds_up_fails_the_gate(
    refresh_with_broken_cell: Callable[..., BrokenRun],
) -> None:
    """A count made negative with its totals lowered to match: the reader's sums hold, the gate stops it."""
    broken = refresh_with_broken_cell(
        "unter 3 Jahre", 11, "-{original}", consistent=True
    )  # Ausländer männlich
    assert_nothing_published(broken)
    failed = failed_checks(broken.outcome)
    assert {name for name, check in failed.items() if check.severity == "ERROR"} == {"anzahl_not_negative"}
    assert failed["population_tables_agree"].severity == "WARN"  # the Gemeinde table disagrees, too
    assert broken.outcome.failures == []  # reported once, as the failed check, not again as a failed step
    assert failed["anzahl_not_negative"].asset == "staging/stg_genesis__bevoelkerung"
    # the changed cell, and the foreigners' total of its age group that was lowered with it below zero
    assert failed["anzahl_not_negative"].failing_rows == 2
    example = f"| -{broken.original} | {broken.file.name} | {broken.line} | 12 | 05913 | 2022-12-31 |"
    assert example in failed["anzahl_not_negative"].examples
    # the report to forward names the rule, the row and who delivered the file
    report = Path(failed["anzahl_not_negative"].failure_report).read_text(encoding="utf-8")
    assert "## anzahl_not_negative (blockierend)" in report and example in report
    assert "| IT.NRW / Statistische Ämter des Bundes und der Länder" in report and broken.file.name in report
    assert "**nicht veröffentlicht**" in report


def test_a_kreis_table_that_disagrees_with_the_gemeinde_table_is_published_with_a_warning(
    refresh_with_broken_cell: Callable[..., BrokenRun],
) -> None:
    """Dortmund's foreign boys under 3 tenfold in its Kreis row, every total raised to match: the file adds
    up in itself, but the Gemeinde table of the same Fortschreibung counts fewer Dortmunders. Each level
    is published from its own table, and the warning names both values and both files."""
    broken = refresh_with_broken_cell("unter 3 Jahre", 11, "{original}0", consistent=True)
    assert broken.outcome.published
    failed = failed_checks(broken.outcome)
    assert {name for name, check in failed.items() if check.severity == "ERROR"} == set()
    check = failed["population_tables_agree"]
    assert (check.asset, check.severity, check.failing_rows) == (
        "intermediate/int_measures__delivered",
        "WARN",
        1,
    )
    assert "| 05913 | 2022-12-31 |" in check.examples and broken.file.name in check.examples


def test_unreadable_file_is_quarantined_and_the_last_good_data_stays_published(
    refreshed_sample: DataPaths, refresh_with_broken_cell: Callable[..., BrokenRun]
) -> None:
    values = "select * from marts.fct_indicator_values order by all"
    broken = refresh_with_broken_cell("Insgesamt", 12, "4O1")
    # nothing new was loaded, so nothing is rebuilt or published: the current version stays
    assert broken.outcome.success and broken.outcome.unchanged
    assert not broken.file.exists()
    [report] = (broken.paths.quarantine / "genesis_12411_bevoelkerung").glob("*.report.md")
    text = report.read_text(encoding="utf-8")
    assert f"| Zeile | {broken.line} |" in text and "| Spalte | 13 (Ausländer / weiblich) |" in text
    assert "'4O1' is neither a whole count nor a GENESIS symbol" in text
    failed = failed_checks(broken.outcome)
    assert set(failed) == {"no_quarantined_files"}
    assert failed["no_quarantined_files"].severity == "WARN"
    # the file's previous version stays in the raw store: the new publication has the same values
    assert published(broken.paths, values) == published(refreshed_sample, values)


def test_a_refresh_that_loads_nothing_skips_the_build_and_publishes_nothing(
    refreshed_sample: DataPaths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file whose name fits no pattern sends the night the full way (its run names it), where nothing
    loads: the build, the gate and the publication skip (the night with nothing at all: test_quiet_night)."""
    paths = copy_of(refreshed_sample, tmp_path / "data", monkeypatch)
    (paths.landing / "ba_gemeindedaten" / "Lieferung.txt").write_text("?", encoding="utf-8")
    before = current_version(paths)
    outcome = run_refresh(paths)
    assert outcome.unchanged and current_version(paths) == before and outcome.nothing_new is None
    assert outcome.ingested["ba_gemeindedaten"].unmatched == ["Lieferung.txt"]
    assert outcome.phase_seconds.get("gate", 0.0) == 0.0 and outcome.phase_seconds.get("publish", 0.0) == 0.0
    assert f"succeeded: nothing changed, version {before} stays current" in format_summary(outcome, paths)


def test_published_marts_carry_their_dbt_descriptions(refreshed_sample: DataPaths) -> None:
    comments = dict(
        published(
            refreshed_sample,
            """select column_name, comment from duckdb_columns()
               where schema_name = 'marts' and table_name = 'fct_indicator_values'""",
        )
    )
    assert comments["status"].startswith("ok; provisional (a source marked a count provisional)")
    assert all(comments.values())
