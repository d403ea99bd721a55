"""The gate's suites: generated from the catalog, committed, loadable by GX, and failing on bad data."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from expectations.catalog import CATALOG_PATH, load_catalog
from expectations.suites import build_suites, read_suites, render
from expectations.validate import validate_relation


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


def test_fact_suite_fails_exactly_on_broken_rows() -> None:
    """Every GX expectation kind of the fact suite, run by GX itself on a small table with known faults."""
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute("""create table marts.fct_indicator_values as select * from (values
        ('auslaenderanteil', '05913000', date '2023-12-31', 120, 100, 120.0, 'ok', 'f.csv'),
        ('auslaenderanteil', '05913000', date '2023-12-31', 20, 100, 20.0, 'ok', 'f.csv'),
        ('anteil_unter_18', '05112000', date '2023-12-31', -1, 100, -1.0, 'ok', 'f.csv'),
        ('anteil_65_plus', '05112000', date '2023-12-31', 5, 0, null, 'ok', 'f.csv'),
        ('armut', '05112000', date '2023-12-31', 5, 10, 50.0, 'geheim', 'f.csv')
    ) t(indicator_id, area_id, period, numerator, denominator, value, status, source_files)""")
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
        "value_present_when_ok": 1,
        "value_in_range__auslaenderanteil": 1,
        "value_in_range__anteil_unter_18": 1,
    }
    assert outcomes["value_in_range__auslaenderanteil"].examples == [
        {
            "value": 120.0,
            "indicator_id": "auslaenderanteil",
            "area_id": "05913000",
            "period": "2023-12-31",
            "source_files": "f.csv",
        }
    ]


def test_large_row_local_suite_is_validated_in_chunks_with_every_row_counted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The staging suite is row-local: with a chunk of 4 rows, 10 rows go through GX in 3 frames and the
    failing counts and examples add up across them."""
    monkeypatch.setattr("expectations.validate.CHUNK_ROWS", 4)
    con = duckdb.connect()
    con.execute("create schema staging")
    con.execute("""create table staging.stg_genesis__bevoelkerung as
        select 'f.csv' as source_file, i + 7 as source_row, 5 as source_column, '05913000' as area_key,
               date '2023-12-31' as stichtag,
               case when i in (2, 9) then -1 else i end as anzahl,
               case when i = 5 then 'geheim' else 'ok' end as status
        from range(10) t(i)""")
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
