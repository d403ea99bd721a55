"""Series breaks: declared once in the registry, marked on every value that compares across them.

The expected flags are derived here from the registry's dates and the sample's Stichtage, not read back
from the warehouse's SQL: a value is flagged when a break's first date lies after the period it is compared
with and at or before its own period.
"""

from __future__ import annotations

import itertools
from datetime import date

import duckdb
import pytest

from expectations.suites import FACT_QUERY
from ingest.registry import Registry, Source, load_registry
from ingest.series_breaks import write_series_breaks
from sozialmonitor.settings import DataPaths
from tests.support import published

DORTMUND, DORTMUND_KREIS, INNENSTADT_NORD = "05913000", "05913", "05913000-02"


def zensus_break() -> date:
    (change,) = load_registry().get("genesis_12411_bevoelkerung").all_series_breaks()
    assert (change.aspect, change.before, change.after) == ("Zensusbasis", "Zensus 2011", "Zensus 2022")
    return change.ab


def test_rounding_is_a_break_without_being_declared_twice() -> None:
    source = load_registry().get("genesis_22151_grundsicherung")
    breaks = source.all_series_breaks()
    assert [(item.ab, item.aspect) for item in breaks] == [
        (date(2012, 1, 1), "Altersabgrenzung"),
        (date(2020, 1, 1), "Rundung"),  # from `rounding: [{base: 5, ab: 2020-01-01}]`
    ]
    assert breaks[1].after == "auf Vielfache von 5 gerundet"


def test_the_raw_store_holds_exactly_the_registry_s_breaks() -> None:
    registry = Registry(
        sources=(
            Source(
                id="quelle",
                title="t",
                family="ba_xlsx",
                owner="o",
                cadence="yearly",
                licence="l",
                series_breaks=[
                    {"ab": "2016-01-01", "aspect": "Revision", "before": "alt", "after": "neu", "note": "n"}
                ],
                rounding=[{"base": 3, "ab": "2021-01-01"}],
            ),
        )
    )
    con = duckdb.connect()
    assert write_series_breaks(con, registry) == 2
    assert write_series_breaks(con, registry) == 2  # rewritten, not appended
    assert con.execute("select source_id, ab, aspect, after from series_breaks order by ab").fetchall() == [
        ("quelle", date(2016, 1, 1), "Revision", "neu"),
        ("quelle", date(2021, 1, 1), "Rundung", "auf Vielfache von 3 gerundet"),
    ]


def facts(paths: DataPaths, indicator: str, area: str) -> dict[date, tuple]:
    return {
        period: (basis, crossed, note)
        for period, basis, crossed, note in published(
            paths,
            "select period, series_basis, series_break, series_break_note from marts.fct_indicator_values "
            "where indicator_id = ? and area_id = ? order by period",
            [indicator, area],
        )
    }


@pytest.mark.parametrize("area", [DORTMUND, DORTMUND_KREIS])  # Gemeinde table and Kreis table
def test_population_periods_carry_their_census_basis_and_the_break(
    refreshed_sample: DataPaths, area: str
) -> None:
    ab = zensus_break()
    series = facts(refreshed_sample, "bevoelkerung", area)
    periods = sorted(series)
    assert periods[0] < ab <= periods[-1]  # the sample spans the break
    for previous, period in itertools.pairwise(periods):
        basis, crossed, note = series[period]
        assert basis == ("Zensusbasis: Zensus 2022" if period >= ab else "Zensusbasis: Zensus 2011")
        assert crossed == (previous < ab <= period), period
        assert (note is not None) == crossed
        if crossed:
            assert "Zensus 2011 → Zensus 2022" in note and "nicht revidiert" in note
    assert series[periods[0]][1] is False  # the first period compares with nothing


def test_five_year_development_says_when_it_compares_two_census_bases(refreshed_sample: DataPaths) -> None:
    ab = zensus_break()
    series = facts(refreshed_sample, "bevoelkerungsentwicklung_5j", DORTMUND)
    crossing = {period for period, (_, crossed, _) in series.items() if crossed}
    expected = {period for period in series if date(period.year - 5, period.month, period.day) < ab <= period}
    assert crossing == expected and len(expected) >= 2  # 2022 and 2023 compare with 2017 and 2018


def test_a_city_register_has_no_census_basis(refreshed_sample: DataPaths) -> None:
    series = facts(refreshed_sample, "bevoelkerung", INNENSTADT_NORD)
    assert series and all(basis is None and not crossed for basis, crossed, _ in series.values())


def test_rates_take_the_breaks_of_numerator_and_denominator(refreshed_sample: DataPaths) -> None:
    """Grundsicherung im Alter (22151, rounded from 2020) over the population (Zensus 2022 from 2022)."""
    series = facts(refreshed_sample, "grundsicherung_alter_quote", DORTMUND_KREIS)
    assert series[date(2020, 12, 31)][1] and "Rundung" in series[date(2020, 12, 31)][2]
    assert series[date(2022, 12, 31)][1] and "Zensusbasis" in series[date(2022, 12, 31)][2]
    assert not series[date(2021, 12, 31)][1] and not series[date(2023, 12, 31)][1]
    assert series[date(2021, 12, 31)][0] == (
        "Altersabgrenzung: ab der Altersgrenze nach § 41 Abs. 2 SGB XII; Rundung: auf Vielfache von 5 "
        "gerundet; Zensusbasis: Zensus 2011"
    )


def test_the_plausibility_check_does_not_judge_a_change_across_a_break(refreshed_sample: DataPaths) -> None:
    with duckdb.connect(str(refreshed_sample.build_db), read_only=True) as con:  # the gate reads the build
        rows = con.execute(
            f"select series_break, change_previous_period from ({FACT_QUERY}) as checked "
            "where value is not null"
        ).fetchall()
    across = [change for crossed, change in rows if crossed]
    assert across and all(change is None for change in across)
    assert any(change is not None for crossed, change in rows if not crossed)
