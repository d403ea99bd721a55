"""The gate's suites: generated from the catalog, committed, loadable by GX, and failing on bad data."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from expectations.catalog import CATALOG_PATH, load_catalog
from expectations.result_format import MAX_EXAMPLES
from expectations.suites import build_suites, read_suites, render
from expectations.validate import prefiltered, validate_relation
from sozialmonitor.settings import DataPaths
from tests.support import staging_table


def test_committed_suites_match_the_catalog() -> None:
    """Run `make expectations` (or `sozialmonitor expectations`) after changing the catalog."""
    committed = read_suites()
    assert set(committed) == set(build_suites())
    for relation, suite in build_suites().items():
        assert render(committed[relation]) == render(suite), f"expectations/suites/{relation}.json is stale"


def test_one_range_check_per_catalog_indicator() -> None:
    names = [
        item["meta"]["check_name"] for item in read_suites()["marts.fct_indicator_values"]["expectations"]
    ]
    assert [name for name in names if name.startswith("value_in_range__")] == [
        f"value_in_range__{indicator.indicator_id}" for indicator in load_catalog()
    ]


def test_catalog_errors_name_the_row(tmp_path: Path) -> None:
    broken = tmp_path / "indicator_catalog.csv"
    lines = CATALOG_PATH.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace(",%,100,", ",Prozent,100,")
    broken.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(ValueError, match=r"indicator_catalog.csv, row 3 \(bevoelkerungsentwicklung_5j\)"):
        load_catalog.__wrapped__(broken)


def broken_fact_warehouse() -> duckdb.DuckDBPyConnection:
    """A small warehouse whose fact table holds known faults, each commented with the check it breaks:
    the areas, the catalog, the facts and the disclosure groups the fact suite's query reads."""
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute("create schema intermediate")
    con.execute(
        "create table marts.dim_area as select unnest(['05913000', '05112000', '05170', '05170004', "
        "'05170040', '05954', '05954004', '05954008']) as area_id"
    )
    con.execute("create table marts.dim_indicator as select * from read_csv(?)", [str(CATALOG_PATH)])
    con.execute("""create table marts.fct_indicator_values as select * from (values
        ('auslaenderanteil', '05913000', date '2023-12-31', 120, 100, 120.0, 'ok', false, 'f.csv', false),
        ('auslaenderanteil', '05913000', date '2023-12-31', 20, 100, 20.0, 'ok', false, 'f.csv', false),
        ('anteil_unter_18', '05112000', date '2023-12-31', -1, 100, -1.0, 'ok', false, 'f.csv', false),
        ('anteil_65_plus', '05112000', date '2023-12-31', 5, 0, null, 'ok', false, 'f.csv', false),
        ('armut', '05112000', date '2023-12-31', 5, 10, 50.0, 'geheim', false, 'f.csv', false),
        -- unknown area; 30 / 200 is 15.0, not 15.5
        ('anteil_65_plus', '05999999', date '2023-12-31', 30, 200, 15.5, 'ok', false, 'f.csv', false),
        -- Bevölkerung 1,000, but the Ausländeranteil divides by 1,200; and it jumps 11.67 points in a year
        ('bevoelkerung', '05112000', date '2023-12-31', 1000, null, 1000.0, 'ok', false, 'f.csv', false),
        ('auslaenderanteil', '05112000', date '2023-12-31', 100, 1200, 8.33, 'ok', false, 'f.csv', false),
        ('auslaenderanteil', '05112000', date '2022-12-31', 200, 1000, 20.0, 'ok', false, 'f.csv', false),
        -- a jump of 10 points across a declared series break: said by series_break, not judged
        ('anteil_unter_18', '05913000', date '2022-12-31', 100, 1000, 10.0, 'ok', false, 'f.csv', false),
        ('anteil_unter_18', '05913000', date '2023-12-31', 200, 1000, 20.0, 'ok', false, 'f.csv', true),
        -- more children in care than live there: an error (Destatis' Betreuungsquote cannot exceed 100 %)
        ('kita_quote_3_bis_6', '05913000', date '2023-03-01', 201, 200, 100.5, 'ok', false, 'f.csv', false),
        -- zeros: the source's "-" may be published, a 0 the platform was delivered as a number may not
        ('jugendarbeitslosenanteil', '05112000', date '2023-12-31', 0, 500, 0.0, 'ok', true, 'f.csv', false),
        ('jugendarbeitslosenanteil', '05112000', date '2022-12-31', 0, 500, 0.0, 'ok', false, 'f.csv', false)
    ) t(indicator_id, area_id, period, numerator, denominator, value, status, published_zero,
        source_files, series_break)""")
    # Kreis 05170 = 05170004 + 05170040: the hidden Gemeinde is 50 - 30. Kreis 05954 = 05954004 + 05954008,
    # both hidden: only their sum is known.
    con.execute("""insert into marts.fct_indicator_values
        select 'seu_uebergewicht_anteil', area_id, date '2023-08-01', numerator, denominator, value, status,
            false, 'f.csv', false
        from (values
            ('05170', 50, 500, 10.0, 'ok'), ('05170004', 30, 300, 10.0, 'ok'),
            ('05170040', null, 200, null, 'suppressed'),
            ('05954', 40, 400, 10.0, 'ok'), ('05954004', null, 200, null, 'suppressed'),
            ('05954008', null, 200, null, 'suppressed')
        ) t(area_id, numerator, denominator, value, status)""")
    con.execute("""create table intermediate.int_disclosure_groups as
        select 'seu_uebergewicht_anteil' as indicator_id, date '2023-08-01' as period, kreis as group_area_id,
            unnest([kreis, kreis || '004', kreis || gemeinde]) as area_id
        from (values ('05170', '040'), ('05954', '008')) t(kreis, gemeinde)""")
    return con


def test_fact_suite_fails_exactly_on_broken_rows() -> None:
    """Every generated expectation of the fact suite, run by GX itself on a small table with known faults:
    each one fails, on exactly the rows built to break it."""
    con = broken_fact_warehouse()
    outcomes = {o.check_name: o for o in validate_relation(con, read_suites()["marts.fct_indicator_values"])}
    failing = {name: outcome.unexpected_count for name, outcome in outcomes.items() if not outcome.success}
    assert failing == {
        "key_unique": 2,
        "indicator_in_catalog": 1,
        "status_known": 1,
        "numerator_not_negative": 1,
        "denominator_positive": 1,
        "numerator_le_denominator__auslaenderanteil": 1,
        "numerator_le_denominator__anteil_65_plus": 1,
        "value_matches_numerator_and_denominator": 1,
        "area_in_dim_area": 1,
        # numerator -1 < 3; denominator 0 < 100; a 0 delivered as a number (not the source's "-")
        "no_published_cell_below_disclosure_minimum": 3,
        "no_suppressed_cell_recoverable": 1,  # 05170040 = 50 - 30; 05954004 and 05954008 stay unknown
        "denominator_agrees_with_population": 3,  # 05112000 in 2023 has 1,000 inhabitants
        "plausible_change": 2,  # 20.0 -> 8.33 in 05112000, and the duplicate pair in 05913000
        "value_present_when_ok": 1,
        "value_in_range__auslaenderanteil": 1,
        "value_in_range__anteil_unter_18": 1,
        "numerator_le_denominator__kita_quote_3_bis_6": 1,
        "value_in_range__kita_quote_3_bis_6": 1,
    }
    assert outcomes["value_in_range__kita_quote_3_bis_6"].blocking  # an error, not a warning
    assert not outcomes["plausible_change"].blocking  # plausibility warns, it does not block
    assert outcomes["value_in_range__auslaenderanteil"].examples == [
        {
            "value": 120.0,
            "indicator_id": "auslaenderanteil",
            "area_id": "05913000",
            "period": "2023-12-31",
            "source_files": "f.csv",
        }
    ]


def test_completeness_fails_when_a_gemeinde_is_not_accounted_for() -> None:
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute("create table marts.dim_indicator as select * from read_csv(?)", [str(CATALOG_PATH)])
    # sgb2_quote: 52 of 53 Gemeinden listed for the newest period; one gap without a reason
    con.execute("""create table marts.mart_data_availability as
        select 'sgb2_quote' as indicator_id, printf('%08d', i) as area_id, 'gemeinde' as level,
               date '2023-12-31' as period, case when i = 7 then null else 'published' end as availability
        from range(52) as r(i)""")
    outcomes = {
        o.check_name: o for o in validate_relation(con, read_suites()["marts.mart_data_availability"])
    }
    assert {name: o.unexpected_count for name, o in outcomes.items() if not o.success} == {
        "every_gemeinde_accounted_for": 1,
        "every_gap_has_a_reason": 1,
    }


def test_a_mindestsicherung_benefit_that_differs_from_its_own_statistic_warns() -> None:
    """Dortmund's HLU in 22811 beside 22121: equal in 2019; 3 apart in 2020, within the two tables'
    rounding to 5 (2 each, from the registry); 5 apart in 2021 and 1 apart in 2019's SGB II (no rounding
    before 2020, none ever for the BA): two warnings, naming both files."""
    con = duckdb.connect()
    con.execute("create schema intermediate")
    con.execute("create schema reference")
    con.execute("""create table reference.mindestsicherung_measures as select * from (values
        ('mindestsicherung', null), ('mindestsicherung_hlu', 'hlu_ausserhalb_einrichtungen'),
        ('mindestsicherung_sgb2', 'sgb2_regelleistungsberechtigte')
    ) t(measure_id, same_as)""")
    con.execute(
        "create table intermediate.int_measures (area_id varchar, period date, measure_id varchar, "
        "value bigint, origin varchar, source_id varchar, source_files varchar)"
    )
    table, hlu, ba = (
        "genesis_22811_mindestsicherung",
        "genesis_22121_hilfe_lebensunterhalt",
        "ba_gemeindedaten",
    )
    rows = [
        ("2019-12-31", "mindestsicherung", 90000, "delivered", table, "a.csv"),
        ("2019-12-31", "mindestsicherung_hlu", 1500, "delivered", table, "a.csv"),
        ("2019-12-31", "hlu_ausserhalb_einrichtungen", 1500, "delivered", hlu, "h.csv"),
        ("2019-12-31", "mindestsicherung_sgb2", 80000, "delivered", table, "a.csv"),
        ("2019-12-31", "sgb2_regelleistungsberechtigte", 80001, "summed", ba, "b.xlsx"),
        ("2020-12-31", "mindestsicherung_hlu", 1505, "delivered", table, "a.csv"),
        ("2020-12-31", "hlu_ausserhalb_einrichtungen", 1502, "delivered", hlu, "h.csv"),
        ("2021-12-31", "mindestsicherung_hlu", 1510, "delivered", table, "a.csv"),
        ("2021-12-31", "hlu_ausserhalb_einrichtungen", 1515, "delivered", hlu, "h.csv"),
    ]
    con.executemany("insert into intermediate.int_measures values ('05913', ?, ?, ?, ?, ?, ?)", rows)
    [outcome] = validate_relation(con, read_suites()["intermediate.int_measures"])
    assert (outcome.check_name, outcome.success, outcome.unexpected_count, outcome.blocking) == (
        "mindestsicherung_components_agree",
        False,
        2,
        False,
    )
    assert sorted((str(row["period"])[:4], row["source_files"]) for row in outcome.examples) == [
        ("2019", "a.csv, b.xlsx"),
        ("2021", "a.csv, h.csv"),
    ]


def test_small_areas_far_from_the_city_total_warn() -> None:
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute("""create table marts.mart_small_area_reconciliation as select * from (values
        ('05913000', date '2023-12-31', 'bev_insgesamt', 12, 600000, 594000, 6000, 1.01),
        ('05913000', date '2023-12-31', 'arbeitslose', 12, 40000, 31000, 9000, 29.03)
    ) t(area_id, period, measure_id, small_areas, small_area_sum, official_value, difference,
        difference_percent)""")
    [outcome] = validate_relation(con, read_suites()["marts.mart_small_area_reconciliation"])
    assert (outcome.check_name, outcome.success, outcome.unexpected_count, outcome.blocking) == (
        "small_areas_add_up_to_the_city",
        False,
        1,
        False,
    )


def test_large_row_local_suite_is_validated_in_chunks_with_every_row_counted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The staging suite is row-local: with a chunk of 4 rows, 10 rows go through GX in 3 frames and the
    failing counts and examples add up across them (DuckDB's pre-filter off, so GX sees every row)."""
    monkeypatch.setattr("expectations.validate.CHUNK_ROWS", 4)
    monkeypatch.setattr("expectations.validate.unexpected_predicate", lambda item: None)
    con = staging_table()
    outcomes = {
        o.check_name: o for o in validate_relation(con, read_suites()["staging.stg_genesis__bevoelkerung"])
    }
    negative = outcomes["anzahl_not_negative"]
    assert (negative.success, negative.element_count, negative.unexpected_count) == (False, 10, 2)
    assert [example["source_row"] for example in negative.examples] == [9, 16]
    assert (outcomes["status_known"].unexpected_count, outcomes["anzahl_present_when_ok"].success) == (
        1,
        True,
    )


def test_empty_table_still_reports_every_check() -> None:
    con = duckdb.connect()
    con.execute("create schema staging")
    con.execute("""create table staging.stg_genesis__bevoelkerung (source_file varchar, source_row integer,
        source_column integer, area_key varchar, stichtag date, anzahl bigint, status varchar)""")
    suite = read_suites()["staging.stg_genesis__bevoelkerung"]
    outcomes = validate_relation(con, suite)
    assert [o.check_name for o in outcomes] == [item["meta"]["check_name"] for item in suite["expectations"]]


def staging_and_reconciliation() -> duckdb.DuckDBPyConnection:
    con = staging_table()
    con.execute("create schema marts")
    con.execute("""create table marts.mart_small_area_reconciliation as
        select '05913000' as area_id, date '2023-12-31' as period, 'm' || i as measure_id,
               12 as small_areas, 100 + i as small_area_sum, 100 as official_value, i as difference,
               i * 1.5 as difference_percent
        from range(12) t(i)""")
    return con


def fact_warehouse_with_a_clean_duplicate() -> duckdb.DuckDBPyConnection:
    """The broken fact table and an exact copy of a row that breaks nothing else: only the uniqueness
    check finds it, so the pre-filter must hand GX both copies for their own sake."""
    con = broken_fact_warehouse()
    con.execute("""insert into marts.fct_indicator_values select * from marts.fct_indicator_values
        where indicator_id = 'anteil_unter_18' and area_id = '05913000' and period = date '2022-12-31'""")
    return con


@pytest.mark.parametrize(
    ("relation", "warehouse"),
    [
        ("staging.stg_genesis__bevoelkerung", staging_and_reconciliation),
        ("marts.mart_small_area_reconciliation", staging_and_reconciliation),
        ("marts.fct_indicator_values", broken_fact_warehouse),
        ("marts.fct_indicator_values", fact_warehouse_with_a_clean_duplicate),
    ],
)
def test_duckdb_prefilter_gives_the_same_outcomes_as_gx_on_every_row(
    relation: str, warehouse: Callable[[], duckdb.DuckDBPyConnection], monkeypatch: pytest.MonkeyPatch
) -> None:
    """DuckDB hands GX only the rows that can fail (for the fact suite also every row of a duplicated
    key). Counts, verdicts and examples must equal GX judging every row itself."""
    con = warehouse()
    suite = read_suites()[relation]
    assert prefiltered(suite)
    fast = validate_relation(con, suite)
    monkeypatch.setattr("expectations.validate.unexpected_predicate", lambda item: None)
    assert not prefiltered(suite)
    assert fast == validate_relation(con, suite)
    assert any(not outcome.success for outcome in fast)  # the tables do break the suites


# Faults put into a copy of the refreshed sample's warehouse, so that every suite fails on real rows
# (most checks on more rows than GX keeps as examples, so which rows it keeps is compared too).
SAMPLE_FAULTS = [
    """insert into marts.fct_indicator_values select * from marts.fct_indicator_values
        where hash(indicator_id, area_id, period) % 97 = 0""",
    "update marts.fct_indicator_values set value = value * 3 where hash(area_id, period) % 13 = 0",
    "update marts.fct_indicator_values set numerator = -1 where hash(indicator_id, area_id) % 41 = 0",
    "update marts.fct_indicator_values set status = 'geheim' where hash(area_id, indicator_id) % 53 = 0",
    "update staging.stg_genesis__bevoelkerung set anzahl = -anzahl - 1 where source_row % 37 = 0",
    "update staging.stg_genesis__bevoelkerung set status = 'x', anzahl = null where source_row % 41 = 0",
    "update intermediate.int_measures set value = value + 1000 where hash(area_id, measure_id) % 3 = 0",
    "update intermediate.int_measures__delivered set value = value + 7 where hash(area_id, period) % 3 = 0",
    "update marts.mart_data_availability set availability = null where hash(area_id, period) % 5 = 0",
    "update marts.mart_small_area_reconciliation set difference_percent = difference_percent + 20",
]


def test_every_suite_judges_the_broken_sample_as_gx_on_every_row(
    refreshed_sample: DataPaths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every suite on the bundled sample with faults put in: the pre-filtered path (DuckDB hands GX the
    rows that can fail and counts the rows) gives exactly GX's outcomes on every row: verdicts, counts,
    examples."""
    for database in (refreshed_sample.build_db, refreshed_sample.raw_db):
        shutil.copy(database, tmp_path / database.name)
    con = duckdb.connect(str(tmp_path / refreshed_sample.build_db.name))
    con.execute(f"attach '{tmp_path / refreshed_sample.raw_db.name}' as raw")
    for fault in SAMPLE_FAULTS:
        con.execute(fault)
    suites = read_suites().values()
    assert all(prefiltered(suite) for suite in suites)
    fast = {suite["name"]: validate_relation(con, suite) for suite in suites}
    monkeypatch.setattr("expectations.validate.unexpected_predicate", lambda item: None)
    for suite in suites:
        outcomes = fast[suite["name"]]
        assert outcomes == validate_relation(con, suite), suite["name"]
        assert any(not outcome.success for outcome in outcomes), suite["name"]
    failing_rows = [outcome.unexpected_count for outcomes in fast.values() for outcome in outcomes]
    assert sum(count > MAX_EXAMPLES for count in failing_rows) >= 10


def test_the_judge_loads_in_the_background_while_the_caller_goes_on() -> None:
    """The refresh starts GX's import before dbt's build; a fresh interpreter shows that the module
    the code location imports brings no pandas, that the thread leaves the caller free at once, and
    GX and the validating module loaded once it ends."""
    script = (
        "import sys, time\n"
        "from expectations.background import import_judge_in_background\n"
        "print('pandas' in sys.modules)\n"
        "started = time.perf_counter()\n"
        "thread = import_judge_in_background()\n"
        "returned = time.perf_counter() - started\n"
        "thread.join()\n"
        "loaded = time.perf_counter() - started\n"
        "print(all(m in sys.modules for m in ('great_expectations', 'expectations.validate')))\n"
        "print(returned < loaded / 10)\n"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert run.stdout.split() == ["False", "True", "True"]
