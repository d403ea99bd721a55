"""The sample generator: deterministic, in the real layout, internally consistent like the real tables."""

from __future__ import annotations

from pathlib import Path

from ingest.genesis import DatencsvFile
from ingest.layouts import layout
from ingest.sample import SOURCE_ID, generate_sample, stichtage


def test_same_inputs_same_bytes(tmp_path: Path) -> None:
    first = generate_sample(tmp_path / "a")
    second = generate_sample(tmp_path / "b")
    assert [path.read_bytes() for path in first] == [path.read_bytes() for path in second]
    assert sorted(path.name for path in first if path.parent.name == SOURCE_ID) == [
        f"12411-03-03-4_{year}-12-31.csv" for year in range(2014, 2024)
    ]
    assert sorted(path.name for path in first if path.parent.name == "genesis_22151_grundsicherung") == [
        f"22151-01-01-4_{year}-12-31_flat.zip" for year in range(2014, 2024)
    ]
    assert sorted(path.name for path in first if path.parent.name == "stadt_bochum") == [
        f"bochum_kleinraeume_{year}.txt" for year in range(2014, 2024)
    ]
    assert sorted(path.name for path in first if path.parent.name == "ba_gemeindedaten") == [
        f"gemeindedaten_nrw_{year}-12.xlsx" for year in range(2014, 2024)
    ]
    assert sorted(path.name for path in first if "05562" in path.name)[:2] == [
        "gesundheitsamt_05562_seu_2014.xlsx",
        "gesundheitsamt_05562_seu_2015.xlsx",
    ]


def test_older_exports_are_latin1_newer_utf8(tmp_path: Path) -> None:
    bevoelkerung = layout("bevoelkerung_12411")
    encodings = {
        path.name[14:18]: DatencsvFile(path, bevoelkerung).encoding
        for path in generate_sample(tmp_path)
        if path.parent.name == SOURCE_ID
    }
    assert {year for year, encoding in encodings.items() if encoding == "latin-1"} == {
        "2014",
        "2015",
        "2016",
        "2017",
        "2018",
    }


def test_totals_are_the_sums_of_their_parts(tmp_path: Path) -> None:
    path = next(path for path in generate_sample(tmp_path) if path.name == "12411-03-03-4_2023-12-31.csv")
    rows = list(DatencsvFile(path, layout("bevoelkerung_12411")).rows())
    dortmund = {row.labels[0]: row.values for row in rows if row.area_key == "05913000"}
    total = dortmund.pop("Insgesamt")
    assert total == tuple(sum(group[i] for group in dortmund.values()) for i in range(9))
    insgesamt, maennlich, weiblich, deutsche, _, _, auslaender, _, _ = total
    assert insgesamt == maennlich + weiblich == deutsche + auslaender
    kreis_wesel = next(row.values for row in rows if row.area_key == "05170" and row.labels == ("Insgesamt",))
    gemeinden = [
        row.values
        for row in rows
        if row.area_key.startswith("05170") and len(row.area_key) == 8 and row.labels == ("Insgesamt",)
    ]
    assert len(gemeinden) == 13
    assert kreis_wesel[0] == sum(values[0] for values in gemeinden)


def test_scale_multiplies_reference_dates(tmp_path: Path) -> None:
    assert len(stichtage(3)) == 30
    assert stichtage(3)[-1].isoformat() == "2023-12-31"
    assert len(list((tmp_path / SOURCE_ID).glob("*.csv"))) == 0
    written = generate_sample(tmp_path, scale=2)
    # 20 month ends for population and Grundsicherung; at the 2 year ends among them the five cities,
    # the BA workbook and the Jugendamt and Gesundheitsamt files of the 15 Kreise and kreisfreie Städte
    # ... less Kreis Unna's late Schuleingangsuntersuchung of 2023
    assert len(written) == 2 * 20 + (5 + 1 + 15 * 2) * 2 - 1
