"""Delivery deadlines: the newest reporting period in the raw store against the source's cadence."""

from __future__ import annotations

from datetime import date

import dagster as dg
import pytest

from ingest.registry import load_registry
from orchestration.defs.ingest.freshness import freshness_checks
from orchestration.defs.resources import DataDirResource
from sozialmonitor.freshness import (
    DELIVERY_CHECK,
    FRESHNESS_DATE_ENV,
    add_months,
    delivery_status,
    stale_sources,
    today,
)
from sozialmonitor.settings import DataPaths

UNNA_SEU = ("kommunale_meldungen_kreis_unna", "seu")


def late(paths: DataPaths, on: date) -> set[tuple[str, str | None]]:
    return {(status.source_id, status.stream) for status in stale_sources(paths, on)}


def test_month_ends_stay_month_ends() -> None:
    assert add_months(date(2023, 12, 31), 12 + 9) == date(2025, 9, 30)
    assert add_months(date(2023, 12, 31), 1) == date(2024, 1, 31)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2023, 3, 1), 21) == date(2024, 12, 1)  # Kita-Stichtag 01.03.
    assert add_months(date(2022, 8, 1), 21) == date(2024, 5, 1)  # SEU-Stichtag 01.08.


def test_the_sample_is_on_time_in_spring_2024_and_every_source_is_late_in_november_2026(
    refreshed_sample: DataPaths,
) -> None:
    assert stale_sources(refreshed_sample, date(2024, 3, 31)) == []
    statuses = delivery_status(refreshed_sample, date(2026, 11, 25))
    registry = load_registry()
    assert {status.source_id for status in statuses if status.late} == {s.id for s in registry.sources}
    assert all(status.late for status in statuses)
    by_key = {(status.source_id, status.stream): status for status in statuses}
    population = by_key[("genesis_12411_bevoelkerung", None)]
    assert (population.newest_period, population.next_period, population.due) == (
        date(2023, 12, 31),
        date(2024, 12, 31),
        date(2025, 9, 30),
    )
    # by 25.11.2026 the Stichtage 31.12.2024 and 31.12.2025 (due 30.09.2026) should be there
    assert (population.expected_period, population.periods_missing) == (date(2025, 12, 31), 2)
    # 22811 comes out later (registry: publication_lag_months 21): 2022 due 30.09.2024, 2024 on 30.09.2026
    mindestsicherung = by_key[("genesis_22811_mindestsicherung", None)]
    assert (mindestsicherung.newest_period, mindestsicherung.due) == (date(2021, 12, 31), date(2024, 9, 30))
    assert (mindestsicherung.expected_period, mindestsicherung.periods_missing) == (date(2024, 12, 31), 3)
    assert population.owner.startswith("IT.NRW / Statistische Ämter des Bundes und der Länder")
    # every body delivers Kita (01.03.) and SEU (01.08.), judged apart; Kreis Unna's SEU 2023 is missing
    unna = by_key[UNNA_SEU]
    assert (unna.newest_period, unna.periods_missing) == (date(2022, 8, 1), 3)
    assert unna.owner == "Jugendämter und Gesundheitsämter der Kreise und kreisfreien Städte – Kreis Unna"
    assert by_key[("kommunale_meldungen_dortmund", "kita")].newest_period == date(2023, 3, 1)
    assert by_key[("stadt_essen", None)].owner == "Stadt Essen, Amt für Statistik, Stadtforschung und Wahlen"
    assert len(statuses) == 7 + 15 * 2 + 5  # 6 GENESIS sources and BA, 15 bodies x Kita and SEU, 5 cities


def test_kreis_unnas_missing_seu_is_late_from_the_day_after_its_due_date(refreshed_sample: DataPaths) -> None:
    assert late(refreshed_sample, date(2024, 4, 30)) == set()
    # BA's monthly workbooks: after December 2023, January 2024 is due by 30.04.2024
    assert late(refreshed_sample, date(2024, 5, 1)) == {("ba_gemeindedaten", None)}  # SEU due that day
    assert late(refreshed_sample, date(2024, 5, 2)) == {("ba_gemeindedaten", None), UNNA_SEU}
    # half a year on, the other bodies' SEU 2023 (01.08.2023) is still on time: due 01.05.2025; the
    # Mindestsicherung 2022 (22811, 21 months after its Stichtag) was due 30.09.2024
    assert late(refreshed_sample, date(2024, 9, 30)) == {("ba_gemeindedaten", None), UNNA_SEU}
    assert late(refreshed_sample, date(2024, 11, 30)) == {
        ("ba_gemeindedaten", None),
        UNNA_SEU,
        ("genesis_22811_mindestsicherung", None),
    }
    # the yearly official tables: Stichtag 31.12.2024 is due by 30.09.2025
    assert ("genesis_12411_bevoelkerung", None) not in late(refreshed_sample, date(2025, 9, 30))
    assert ("genesis_12411_bevoelkerung", None) in late(refreshed_sample, date(2025, 10, 1))


def test_a_source_that_never_delivered_is_late(data_paths: DataPaths) -> None:
    statuses = stale_sources(data_paths, date(2024, 3, 31))  # an empty data directory
    assert len(statuses) == 7 + 15 * 2 + 5  # 6 GENESIS sources and BA, 15 bodies x Kita and SEU, 5 cities
    assert {(status.newest_period, status.due) for status in statuses} == {(None, None)}
    assert "nothing delivered yet" in statuses[0].describe()


def test_the_day_is_fixed_by_the_environment_or_is_today_in_berlin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(FRESHNESS_DATE_ENV, "2026-11-25")
    assert today() == date(2026, 11, 25)
    monkeypatch.setenv(FRESHNESS_DATE_ENV, "25.11.2026")
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        today()
    monkeypatch.delenv(FRESHNESS_DATE_ENV)
    assert abs((today() - date.today()).days) <= 1


def run_check(asset: str, paths: DataPaths) -> dg.AssetCheckResult:
    key = dg.AssetKey(["raw", asset])
    [checks] = freshness_checks  # one step judges every raw asset
    context = dg.build_asset_check_context(resources={"data_dir": DataDirResource(root=str(paths.root))})
    [result] = [result for result in checks(context) if result.asset_key == key]
    return result


def test_the_check_warns_with_owner_newest_period_and_due_date(
    refreshed_sample: DataPaths, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(FRESHNESS_DATE_ENV, "2024-06-30")
    meldungen = run_check("kommunale_meldungen", refreshed_sample)
    assert (meldungen.passed, meldungen.severity) == (False, dg.AssetCheckSeverity.WARN)
    metadata = {key: value.value for key, value in meldungen.metadata.items()}
    assert (
        metadata["owner"] == "Jugendämter und Gesundheitsämter der Kreise und kreisfreien Städte – Kreis Unna"
    )
    assert (metadata["newest_period"], metadata["due"], metadata["as_of"]) == (
        "2022-08-01",
        "2024-05-01",
        "2024-06-30",
    )
    assert metadata["failing_rows"] == 1
    assert "| kommunale_meldungen_kreis_unna (Schuleingangsuntersuchung) |" in metadata["examples"]
    population = run_check("genesis_12411_bevoelkerung", refreshed_sample)
    assert population.passed
    assert population.metadata["due"].value == "2025-09-30"  # the next deadline: Stichtag 31.12.2024


def test_the_checks_run_every_night_in_the_refresh_and_owners_show_on_the_assets(
    defs: dg.Definitions,
) -> None:
    nightly = defs.resolve_job_def("nightly_refresh")
    assert "delivery_on_time" in {node.name for node in nightly.graph.nodes}
    expected = {
        dg.AssetCheckKey(dg.AssetKey(["raw", "genesis_12411_bevoelkerung"]), DELIVERY_CHECK),
        dg.AssetCheckKey(dg.AssetKey(["raw", "kommunale_meldungen"]), DELIVERY_CHECK),
    }
    assert expected <= set(nightly.asset_layer.asset_graph.asset_check_keys)
    delivery = defs.resolve_job_def("ingest_kommunale_meldungen")
    assert [node.name for node in delivery.graph.nodes] == ["raw__kommunale_meldungen"]
    specs = {
        spec.key.asset_key.to_user_string(): spec for check in freshness_checks for spec in check.check_specs
    }
    assert set(specs) == {
        "raw/genesis_12411_bevoelkerung",
        "raw/genesis_12411_bevoelkerung_gemeinden",
        "raw/genesis_22151_grundsicherung",
        "raw/genesis_22811_mindestsicherung",
        "raw/genesis_22121_hilfe_lebensunterhalt",
        "raw/genesis_22221_asylbewerberleistungen",
        "raw/ba_gemeindedaten",
        "raw/kommunale_meldungen",
        "raw/stadt_kleinraum",
    }
    assert {spec.name for spec in specs.values()} == {DELIVERY_CHECK}
    assert not any(spec.blocking for spec in specs.values())
    graph = defs.resolve_asset_graph()
    assert graph.get(dg.AssetKey(["raw", "ba_gemeindedaten"])).owners == [
        "team:Statistik der Bundesagentur für Arbeit (Gemeindedaten Nordrhein-Westfalen)"
    ]
    assert "team:Stadt Essen, Amt für Statistik, Stadtforschung und Wahlen" in (
        graph.get(dg.AssetKey(["raw", "stadt_kleinraum"])).owners
    )
