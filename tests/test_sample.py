"""The sample generator: deterministic, in the real layouts, internally consistent like the real tables."""

from __future__ import annotations

from pathlib import Path

from ingest.genesis import DatencsvFile
from ingest.geography import RuhrGeography
from ingest.layouts import layout
from ingest.sample import SOURCE_ID, generate_sample, stichtage

GEMEINDEN_ID = "genesis_12411_bevoelkerung_gemeinden"


def test_same_inputs_same_bytes(tmp_path: Path) -> None:
    first = generate_sample(tmp_path / "a")
    second = generate_sample(tmp_path / "b")
    assert [path.read_bytes() for path in first] == [path.read_bytes() for path in second]
    assert sorted(path.name for path in first if path.parent.name == SOURCE_ID) == [
        f"12411-03-03-4_{year}-12-31.csv" for year in range(2014, 2024)
    ]
    assert sorted(path.name for path in first if path.parent.name == GEMEINDEN_ID) == [
        f"12411-02-03-5_{year}-12-31.csv" for year in range(2014, 2024)
    ]
    assert sorted(path.name for path in first if path.parent.name == "genesis_22151_grundsicherung") == [
        "22151-01-01-4_2014-12-31.csv",
        *(f"22151-01-02-4_{year}-12-31.csv" for year in range(2015, 2024)),
    ]
    assert sorted(path.name for path in first if path.parent.name == "genesis_22811_mindestsicherung") == [
        f"22811-01-01-4_{year}-12-31.csv" for year in range(2014, 2022)
    ]
    assert sorted(
        path.name for path in first if path.parent.name == "genesis_22221_asylbewerberleistungen"
    ) == [f"22221-01-01-4_{year}-12-31.csv" for year in range(2014, 2024)]
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


def test_older_downloads_are_latin1_newer_utf8_and_the_newest_is_the_api_answer(tmp_path: Path) -> None:
    written = [path for path in generate_sample(tmp_path) if path.parent.name == SOURCE_ID]
    encodings = {path.name[14:18]: DatencsvFile(path, layout("12411-03-03-4")).encoding for path in written}
    assert {year for year, encoding in encodings.items() if encoding == "latin-1"} == {
        "2014",
        "2015",
        "2016",
        "2017",
        "2018",
    }
    newest = (tmp_path / SOURCE_ID / "12411-03-03-4_2023-12-31.csv").read_text(encoding="utf-8")
    assert newest.startswith("Tabelle: 12411-03-03-4\n")
    assert "2023-12-31;05913;      Dortmund, Kreisfreie Stadt;Total;" in newest
    assert "created: 2024-06-20 / 09:41:07" in newest


def test_every_total_is_the_sum_of_its_parts_in_both_tables(tmp_path: Path) -> None:
    """The reader checks every sum (age groups, sexes, nationalities, Deutschland = its Länder, NRW = its
    Regierungsbezirke, a Kreis = its Gemeinden); here the same by hand for Kreis Wesel."""
    generate_sample(tmp_path)
    geography = RuhrGeography.from_seeds()
    kreise = DatencsvFile(tmp_path / SOURCE_ID / "12411-03-03-4_2022-12-31.csv", layout("12411-03-03-4"))
    rows = list(kreise.rows())
    insgesamt = ("Insgesamt", "Insgesamt")
    wesel = next(
        dict(zip(kreise.columns, row.values, strict=True))
        for row in rows
        if row.area_key == "05170" and row.labels == ("Insgesamt",)
    )
    gemeinden = DatencsvFile(
        tmp_path / GEMEINDEN_ID / "12411-02-03-5_2022-12-31.csv",
        layout("12411-02-03-5"),
        hierarchy=geography.hierarchy(frozenset({"bund", "land", "kreis"})),
    )
    members = [
        dict(zip(gemeinden.columns, row.values, strict=True))
        for row in gemeinden.rows()
        if row.area_key.startswith("05170") and len(row.area_key) == 8
    ]
    assert len(members) == 13
    assert wesel[insgesamt] == sum(member[insgesamt] for member in members)


def test_scale_lengthens_the_series_of_year_ends(tmp_path: Path) -> None:
    assert len(stichtage(3)) == 30
    assert (stichtage(3)[0].isoformat(), stichtage(3)[-1].isoformat()) == ("1994-12-31", "2023-12-31")
    written = generate_sample(tmp_path, scale=2)
    # 20 year ends of the two population tables, Grundsicherung, HLU and AsylbLG, 18 of the
    # Mindestsicherung (up to 2021); in the bundled ten years the five cities (Essen twice: Stadtbezirke
    # and Stadtteile), the BA workbook and the Jugendamt and Gesundheitsamt files of the 15 Kreise and
    # kreisfreie Städte ... less Kreis Unna's late Schuleingangsuntersuchung of 2023
    assert len(written) == 5 * 20 + 18 + (5 + 1 + 1 + 15 * 2) * 10 - 1
