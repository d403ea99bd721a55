"""`sozialmonitor query` and `status` on the published warehouse, read-only."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from sozialmonitor.cli import main
from sozialmonitor.publication import current_version, publish
from sozialmonitor.settings import DataPaths
from tests.support import copy_of


@pytest.fixture
def published(refreshed_sample: DataPaths, monkeypatch: pytest.MonkeyPatch) -> DataPaths:
    monkeypatch.setenv("SOZIALMONITOR_DATA_DIR", str(refreshed_sample.root))
    return refreshed_sample


SQL = (
    "select area_id, value from marts.fct_indicator_values where indicator_id = 'auslaenderanteil' "
    "and period = date '2023-12-31' and area_id in ('05913000', '05170040') order by area_id"
)


def expected(paths: DataPaths) -> list[tuple[str, float]]:
    with duckdb.connect(str(paths.published_db), read_only=True) as con:
        return con.execute(SQL).fetchall()


def test_query_csv(published: DataPaths, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", SQL, "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["area_id,value", *(f"{area},{value}" for area, value in expected(published))]


def test_query_json(published: DataPaths, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", SQL, "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(row["area_id"], row["value"]) for row in rows] == expected(published)


def test_query_table(published: DataPaths, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", SQL]) == 0
    out = capsys.readouterr().out
    for area, value in expected(published):
        assert area in out and str(value) in out


def test_query_cannot_write(published: DataPaths) -> None:
    with pytest.raises(duckdb.Error, match="read-only"):
        main(["query", "delete from marts.dim_area"])


def test_status_names_the_run_and_tables(published: DataPaths, capsys: pytest.CaptureFixture[str]) -> None:
    with duckdb.connect(str(published.published_db), read_only=True) as con:
        (run_id,) = con.execute("select run_id from meta.publication").fetchone()
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    assert f"by run {run_id}" in out
    assert "marts.fct_indicator_values" in out and "20360 rows" in out
    assert "0 failed" in out
    assert f"current version: {current_version(published)}" in out


def test_query_an_earlier_version_by_name_or_time(
    refreshed_sample: DataPaths,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A report can be reproduced from the version it was made with, while newer ones exist."""
    paths = copy_of(refreshed_sample, tmp_path / "data", monkeypatch)
    first = current_version(paths)
    with duckdb.connect(str(paths.build_db)) as con:  # the next run's build: one value changed
        con.execute(
            "update marts.fct_indicator_values set value = 99.0 where indicator_id = 'sgb2_quote' "
            "and area_id = '05913000' and period = date '2023-12-31'"
        )
    second = publish(paths, "run-after", []).version
    sql = (
        "select value from marts.fct_indicator_values where indicator_id = 'sgb2_quote' "
        "and area_id = '05913000' and period = date '2023-12-31'"
    )
    values = {}
    moment = datetime.strptime(first[:15], "%Y%m%dT%H%M%S").isoformat()  # when the first was published
    for option in ([], ["--version", first], ["--as-of", moment]):
        assert main(["query", sql, "--format", "csv", *option]) == 0
        values[tuple(option[:1])] = capsys.readouterr().out.splitlines()[1]
    assert values[()] == "99.0" and values[("--version",)] == values[("--as-of",)] != "99.0"
    assert second > first
    assert main(["query", "select 1", "--version", "19990101T000000Z-nothing"]) == 2
    assert "no published version" in capsys.readouterr().err


def test_query_before_anything_is_published(
    data_paths: DataPaths, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["query", "select 1"]) == 2
    assert "nothing published yet" in capsys.readouterr().err


def test_a_sample_scale_beyond_four_digit_years_is_refused_before_anything_is_written(
    data_paths: DataPaths, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sample", "--scale", "103"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("sozialmonitor sample: scale 103") and "(scale 1 to 102)" in error
    assert not any(data_paths.landing.iterdir())
