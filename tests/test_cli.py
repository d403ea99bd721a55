"""`sozialmonitor query` and `status` on the published warehouse, read-only."""

from __future__ import annotations

import json

import duckdb
import pytest

from sozialmonitor.cli import main
from sozialmonitor.settings import DataPaths


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
    assert "marts.fct_indicator_values" in out and "2130 rows" in out
    assert "0 failed" in out


def test_query_before_anything_is_published(
    data_paths: DataPaths, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["query", "select 1"]) == 2
    assert "nothing published yet" in capsys.readouterr().err
