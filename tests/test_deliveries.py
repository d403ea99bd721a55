"""Deliveries per Kreis or kreisfreie Stadt: one body's bad file fails its own partition, nobody else's."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.definitions import build_definitions
from orchestration.refresh import instance_for, run_refresh
from sozialmonitor.settings import DataPaths
from tests.support import copy_of, published

CITY_TABLE = dg.AssetKey(["raw", "stadt_kleinraum"])


def raw_rows(paths: DataPaths, source_id: str) -> int:
    with duckdb.connect(str(paths.raw_db), read_only=True) as con:
        return con.execute(
            "select count(*) from stadt_kleinraum where source_id = ?", [source_id]
        ).fetchone()[0]


def test_a_bad_city_file_fails_that_citys_partition_and_the_refresh_goes_on(
    refreshed_sample: DataPaths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = copy_of(refreshed_sample, tmp_path / "data", monkeypatch)
    rows_before = raw_rows(paths, "stadt_bochum")
    bad = paths.landing / "stadt_bochum" / "bochum_kleinraeume_2023.txt"
    lines = bad.read_text(encoding="utf-8-sig").splitlines()
    fields = lines[2].split("\t")
    fields[3] = "-56"  # Bevoelkerung of Wattenscheid, third line of the file
    lines[2] = "\t".join(fields)
    bad.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")

    outcome = run_refresh(paths)

    # Bochum's run failed, the refresh went on; nothing new was loaded, so the version stays
    assert outcome.success and outcome.unchanged
    [failure] = outcome.failures
    assert failure.startswith("stadt_bochum: quarantined bochum_kleinraeume_2023.txt")
    assert "row 3" in failure and "Bevoelkerung" in failure
    assert outcome.ingested["stadt_bochum"].quarantined == 1
    assert "stadt_dortmund" not in outcome.ingested  # nothing new from the other bodies: no run for them
    assert not bad.exists() and list((paths.quarantine / "stadt_bochum").glob("*.report.md"))
    assert raw_rows(paths, "stadt_bochum") == rows_before  # the previous 2023 version stays

    partitions = build_definitions(paths).resolve_asset_graph().get(CITY_TABLE).partitions_def
    with instance_for(paths) as instance:
        status = instance.get_status_by_partition(CITY_TABLE, partitions.get_partition_keys(), partitions)
    assert status["bochum"] == dg.AssetPartitionStatus.FAILED
    assert {status[city] for city in ("dortmund", "duisburg", "essen", "gelsenkirchen")} == {
        dg.AssetPartitionStatus.MATERIALIZED
    }


def test_a_submission_for_another_bodys_areas_is_quarantined(
    refreshed_sample: DataPaths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Herne's Jugendamt file lands in Kreis Unna's folder: a mix-up, reported, not loaded as Unna's."""
    paths = copy_of(refreshed_sample, tmp_path / "data", monkeypatch)
    herne = paths.landing / "kommunale_meldungen_herne" / "jugendamt_05916_kita_2023.csv"
    misplaced = paths.landing / "kommunale_meldungen_kreis_unna" / "jugendamt_kita_2023_nachlieferung.csv"
    misplaced.write_bytes(herne.read_bytes())

    outcome = run_refresh(paths)

    [failure] = outcome.failures
    assert failure.startswith(
        "kommunale_meldungen_kreis_unna: quarantined jugendamt_kita_2023_nachlieferung.csv"
    )
    [report] = (paths.quarantine / "kommunale_meldungen_kreis_unna").glob("*.report.md")
    text = report.read_text(encoding="utf-8")
    assert "| Zeile | 2 |" in text and "| Spalte | Gebietsschluessel |" in text
    assert "'05916000' lies outside Kreis Unna" in text
    # nothing of Unna's was replaced: the publication carries exactly the previous values
    values = "select * from marts.fct_indicator_values order by all"
    assert outcome.unchanged and published(paths, values) == published(refreshed_sample, values)
