"""City small-area CSVs through their YAML mappings: golden files, every bad-file rule, a sixth city."""

from __future__ import annotations

import re
import shutil
import typing
from datetime import date
from pathlib import Path

import duckdb
import pytest

from expectations.catalog import SMALL_AREA_LEVELS
from ingest.city_csv import CityCsvFile, CityRow
from ingest.city_mapping import CITIES_DIR, SmallAreaLevel, load_city_mapping, load_city_mappings
from ingest.errors import SourceError
from ingest.geography import RuhrGeography
from ingest.landing import ingest_source
from ingest.raw_store import RawStore
from ingest.registry import REGISTRY_PATH, load_registry
from ingest.sample import generate_sample
from sozialmonitor.atlas.data import SMALL_AREA_LEVELS as ATLAS_LEVELS

FIXTURES = Path(__file__).with_name("fixtures") / "cities"
DORTMUND = load_city_mapping(CITIES_DIR / "dortmund.yml")
DUISBURG = load_city_mapping(CITIES_DIR / "duisburg.yml")
D = date(2023, 12, 31)


def test_dortmund_golden_file_gives_exact_rows() -> None:
    reader = CityCsvFile(FIXTURES / "dortmund_golden.csv", DORTMUND)
    rows = list(reader.rows())
    assert len(rows) == 3 * 11 and reader.level == "stadtbezirk"
    assert rows[:3] == [
        CityRow(2, 4, D, "01", "bev_insgesamt", 54312, "ok"),
        CityRow(2, 5, D, "01", "bev_unter_18", 7102, "ok"),
        CityRow(2, 6, D, "01", "bev_65_plus", 8911, "ok"),
    ]
    # the two age groups added last, in the file's last two columns
    assert rows[8:10] == [
        CityRow(2, 12, D, "01", "bev_unter_15", 5874, "ok"),
        CityRow(2, 13, D, "01", "bev_15_bis_64", 39527, "ok"),
    ]
    nord = {row.measure: row.anzahl for row in rows if row.area_code == "02"}
    assert (nord["bev_auslaender"], nord["sgb2_unter_15"], nord["arbeitslose_unter_25"]) == (29870, 6321, 842)
    assert (nord["bev_unter_15"], nord["bev_15_bis_64"]) == (10712, 43293)
    # 10712 + 43293 + 6120 = 60125: under 15, 15 to 64 and 65 plus make up the inhabitants
    assert nord["bev_unter_15"] + nord["bev_15_bis_64"] + nord["bev_65_plus"] == nord["bev_insgesamt"]
    assert nord["sgb2_unter_15"] <= nord["bev_unter_15"] <= nord["bev_unter_18"]
    # the unemployed in the Rechtskreis SGB II: the file's last column, a part of both wholes it belongs to
    assert rows[10] == CityRow(2, 14, D, "01", "arbeitslose_sgb2", 2104, "ok")
    assert nord["arbeitslose_sgb2"] <= min(nord["arbeitslose"], nord["sgb2_regelleistungsberechtigte"])


def test_duisburg_long_golden_file_keeps_suppression_and_drops_unmapped_measures() -> None:
    rows = list(CityCsvFile(FIXTURES / "duisburg_golden.csv", DUISBURG).rows())
    assert rows == [
        CityRow(2, 4, D, "1", "bev_insgesamt", 87885, "ok"),
        CityRow(3, 4, D, "1", "bev_auslaender", 14102, "ok"),
        CityRow(4, 4, D, "1", "arbeitslose_unter_25", None, "suppressed"),
        CityRow(6, 4, D, "5", "bev_insgesamt", 108230, "ok"),
    ]


BAD_DORTMUND = [
    # (what is wrong, text replaced, replacement, rule, row, column)
    ("renamed column", "Ausländer;", "Nichtdeutsche;", "layout", 1, "Ausländer"),
    ("unknown area code", "\r\n03;", "\r\n13;", "unknown_area", 4, "Stadtbezirk-Nr"),
    ("duplicate key", "\r\n03;", "\r\n02;", "duplicate_key", 4, "Stadtbezirk-Nr"),
    ("negative count", ";12876;", ";-12876;", "negative_count", 3, "5 (Einwohner unter 18 Jahren)"),
    ("text in a count", ";6120;", ";6.120 Pers.;", "value_format", 3, "6 (Einwohner 65 Jahre und älter)"),
    ("truncated row", ";6630;39174;1561\r\n", ";66", "layout", 4, None),
    ("wrong reference date", "31.12.2023;57011", "30.06.2023;57011", "reference_date", 4, "Stichtag"),
    ("date in another format", "31.12.2023;60125", "2023-12-31;60125", "layout", 3, "Stichtag"),
]


@pytest.mark.parametrize(
    ("case", "old", "new", "rule", "row", "column"), BAD_DORTMUND, ids=[case[0] for case in BAD_DORTMUND]
)
def test_bad_dortmund_file_names_file_row_column_and_rule(
    tmp_path: Path, case: str, old: str, new: str, rule: str, row: int, column: str | None
) -> None:
    text = (FIXTURES / "dortmund_golden.csv").read_bytes().decode("utf-8")
    assert old in text
    path = tmp_path / "dortmund_2023.csv"
    path.write_bytes(text.replace(old, new, 1).encode("utf-8"))
    with pytest.raises(SourceError) as caught:
        list(CityCsvFile(path, DORTMUND).rows())
    problem = caught.value.problem
    assert (problem.file, problem.rule, problem.row, problem.column) == (path.name, rule, row, column)


@pytest.mark.parametrize(
    ("content", "rule"), [(b"", "layout"), (b"Stadtbezirk-Nr;Name;Stichtag\r\n", "layout")]
)
def test_empty_or_header_only_file_is_rejected(tmp_path: Path, content: bytes, rule: str) -> None:
    path = tmp_path / "dortmund_2023.csv"
    path.write_bytes(content)
    with pytest.raises(SourceError) as caught:
        list(CityCsvFile(path, DORTMUND).rows())
    assert caught.value.problem.rule == rule


def test_file_in_another_encoding_than_the_mapping_says(tmp_path: Path) -> None:
    path = tmp_path / "dortmund_2023.csv"
    path.write_bytes((FIXTURES / "dortmund_golden.csv").read_bytes().decode("utf-8").encode("cp1252"))
    with pytest.raises(SourceError, match="not utf-8") as caught:
        list(CityCsvFile(path, DORTMUND).rows())
    assert caught.value.problem.rule == "encoding"


def test_every_sample_city_loads_and_areas_sum_close_to_the_official_total(tmp_path: Path) -> None:
    generate_sample(tmp_path / "landing")
    store = RawStore(tmp_path / "raw.duckdb")
    registry = load_registry()
    cities = [source for source in registry.sources if source.family == "city_csv"]
    assert len(cities) >= 5
    levels = {f"stadt_{mapping.slug}": len(mapping.levels) for mapping in load_city_mappings()}
    for source in [registry.get("genesis_12411_bevoelkerung"), *cities]:
        load = ingest_source(source, tmp_path / "landing", store, RuhrGeography.from_seeds(), tmp_path / "q")
        # ten years, one file per year and level (Essen: Stadtbezirke and Stadtteile)
        assert load.quarantined == [] and len(load.loaded) == 10 * levels.get(source.id, 1)
    with duckdb.connect(str(store.path), read_only=True) as con:
        ratios = con.execute("""
            select r.ags, r.area_level, sum(r.anzahl) / any_value(g.anzahl) from stadt_kleinraum r
            join genesis_12411_bevoelkerung g on g.area_key = left(r.ags, 5) and g.stichtag = r.stichtag
             and g.altersgruppe = 'Insgesamt' and g.nationalitaet = 'Insgesamt' and g.geschlecht = 'Insgesamt'
            where r.measure = 'bev_insgesamt' and r.stichtag = date '2023-12-31'
            group by 1, 2 order by 1, 2""").fetchall()
        areas = con.execute(
            "select source_id, count(*) from stadt_kleinraum_gebiete group by 1 order by 1"
        ).fetchall()
        # every area of every city and year: the three age groups make up its inhabitants
        age_groups = con.execute("""
            with a as (
              pivot (select source_id, area_code, stichtag, measure, anzahl from stadt_kleinraum)
              on measure in ('bev_insgesamt', 'bev_unter_18', 'bev_unter_15', 'bev_15_bis_64', 'bev_65_plus',
                             'sgb2_unter_15', 'arbeitslose', 'arbeitslose_sgb2',
                             'sgb2_regelleistungsberechtigte')
              using any_value(anzahl))
            select count(*), count(*) filter (
              where bev_unter_15 + bev_15_bis_64 + bev_65_plus = bev_insgesamt
                and sgb2_unter_15 <= bev_unter_15 and bev_unter_15 < bev_unter_18
                and arbeitslose < 0.25 * bev_15_bis_64
                and arbeitslose_sgb2 <= arbeitslose and arbeitslose_sgb2 <= sgb2_regelleistungsberechtigte)
            from a""").fetchone()
    # a city's register counts a little more than the official Fortschreibung (its Kreis row: a kreisfreie
    # Stadt), never wildly more
    # each level of a city covers the whole city: Essen's Stadtteile add up like its Stadtbezirke
    assert [(ags, level) for ags, level, _ in ratios] == [
        ("05112000", "stadtbezirk"),
        ("05113000", "stadtbezirk"),
        ("05113000", "stadtteil"),
        ("05513000", "stadtbezirk"),
        ("05911000", "stadtbezirk"),
        ("05913000", "stadtbezirk"),
    ]
    assert all(1.0 < ratio < 1.02 for _, _, ratio in ratios), ratios
    # all 890 area-years (39 Stadtbezirke and 50 Stadtteile, ten years); one cannot be compared:
    # Duisburg's suppressed sgb2_unter_15 (2015, Bezirk 4)
    assert age_groups == ((6 + 12 + 7 + 9 + 5 + 50) * 10, (6 + 12 + 7 + 9 + 5 + 50) * 10 - 1)
    assert areas == [
        ("stadt_bochum", 6),
        ("stadt_dortmund", 12),
        ("stadt_duisburg", 7),
        ("stadt_essen", 9 + 50),
        ("stadt_gelsenkirchen", 5),
    ]


HERNE = """\
city: Herne
ags: "05916000"
owner: Stadt Herne, Fachbereich Statistik
licence: Datenlizenz Deutschland – Namensnennung – Version 2.0
cadence: yearly
file_pattern: "*.csv"
encoding: utf-8
separator: "|"
layout: wide
reference_date: {column: Datum, format: "%Y-%m-%d", must_be: "12-31"}
area: {column: Bezirk, level: stadtbezirk}
measures:
  bev_insgesamt: Einwohner
  arbeitslose: Arbeitslose
areas:
  "1": Herne-Mitte
  "2": Wanne
  "3": Eickel
  "4": Sodingen
"""


def test_a_sixth_city_is_added_by_yaml_alone(tmp_path: Path) -> None:
    cities = tmp_path / "cities"
    shutil.copytree(CITIES_DIR, cities)
    (cities / "herne.yml").write_text(HERNE, encoding="utf-8")
    herne = load_registry.__wrapped__(REGISTRY_PATH, cities).get("stadt_herne")
    landing = tmp_path / "landing" / herne.id
    landing.mkdir(parents=True)
    (landing / "herne_2023.csv").write_text(
        "Bezirk|Datum|Einwohner|Arbeitslose\n1|2023-12-31|50112|2301\n2|2023-12-31|41230|2544\n"
        "3|2023-12-31|33010|1302\n4|2023-12-31|32544|1190\n",
        encoding="utf-8",
    )
    store = RawStore(tmp_path / "raw.duckdb")
    load = ingest_source(herne, tmp_path / "landing", store, RuhrGeography.from_seeds(), tmp_path / "q")
    assert load.quarantined == [] and load.rows_loaded == 8
    with duckdb.connect(str(store.path), read_only=True) as con:
        assert con.execute("""select area_code, anzahl from stadt_kleinraum
            where source_id = 'stadt_herne' and measure = 'arbeitslose' order by 1""").fetchall() == [
            ("1", 2301),
            ("2", 2544),
            ("3", 1302),
            ("4", 1190),
        ]
        assert con.execute("select name from stadt_kleinraum_gebiete where area_code = '2'").fetchone() == (
            "Wanne",
        )


ESSEN = load_city_mapping(CITIES_DIR / "essen.yml")


def _essen_file(tmp_path: Path, area_columns: dict[str, str]) -> Path:
    """An Essen file with the given area columns (name -> code) and every mapped measure."""
    header = [*area_columns, "jahr", *ESSEN.measures.values()]
    values = [*area_columns.values(), "2023", *(str(100 + index) for index in range(len(ESSEN.measures)))]
    path = tmp_path / "essen_2023.csv"
    path.write_text(",".join(header) + "\n" + ",".join(values) + "\n", encoding="utf-8")
    return path


def test_essens_stadtteile_are_a_second_level_with_their_official_numbers() -> None:
    levels = {level: (column, areas) for level, column, areas in ESSEN.levels}
    assert list(levels) == ["stadtbezirk", "stadtteil"]
    column, stadtteile = levels["stadtteil"]
    assert column == "stadtteil" and len(stadtteile) == 50
    # the numbering of the Amt für Statistik (Handbuch Soziales – Gesundheit, map of the Stadtteile)
    assert (stadtteile["1"], stadtteile["10"], stadtteile["38"], stadtteile["50"]) == (
        "Stadtkern",
        "Rüttenscheid",
        "Stoppenberg",
        "Vogelheim",
    )


def test_a_file_holds_the_level_whose_area_column_it_has(tmp_path: Path) -> None:
    reader = CityCsvFile(_essen_file(tmp_path, {"stadtteil": "38"}), ESSEN)
    rows = list(reader.rows())
    assert reader.level == "stadtteil" and {row.area_code for row in rows} == {"38"}
    # a Stadtteil table that names each Stadtteil's Stadtbezirk, too, is read at the finer level
    reader = CityCsvFile(_essen_file(tmp_path, {"bezirk": "VI", "stadtteil": "38"}), ESSEN)
    assert {row.area_code for row in reader.rows()} == {"38"} and reader.level == "stadtteil"
    reader = CityCsvFile(_essen_file(tmp_path, {"bezirk": "VI"}), ESSEN)
    assert {row.area_code for row in reader.rows()} == {"VI"} and reader.level == "stadtbezirk"


@pytest.mark.parametrize(
    ("area_columns", "rule", "column", "message"),
    [
        ({"stadtteil": "VI"}, "unknown_area", "stadtteil", "(stadtteil)"),  # a Stadtbezirk's code
        ({"ortsteil": "38"}, "layout", "bezirk", "'stadtteil' (stadtteil)"),  # no level's column
    ],
)
def test_a_wrong_level_names_the_column_and_the_levels(
    tmp_path: Path, area_columns: dict[str, str], rule: str, column: str, message: str
) -> None:
    with pytest.raises(SourceError) as caught:
        list(CityCsvFile(_essen_file(tmp_path, area_columns), ESSEN).rows())
    problem = caught.value.problem
    assert (problem.rule, problem.column) == (rule, column) and message in problem.message


@pytest.mark.parametrize(
    ("further", "error"),
    [
        ('  - {column: stadtteil, level: stadtteil, areas: {"1": Herne-Mitte}}', "on two levels"),
        ('  - {column: Bezirk, level: stadtteil, areas: {"11": Baukau}}', "share an area column"),
        ('  - {column: stadtteil, level: stadtbezirk, areas: {"11": Baukau}}', "listed twice"),
    ],
)
def test_a_further_level_must_be_told_apart(tmp_path: Path, further: str, error: str) -> None:
    path = tmp_path / "herne.yml"
    path.write_text(HERNE + "further_levels:\n" + further + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=error):
        load_city_mapping(path)


def test_the_small_area_levels_are_one_vocabulary() -> None:
    """The mapping's levels, the catalog's, the atlas's and the dbt macro's are the same four."""
    macro = (Path(__file__).parents[1] / "dbt_project" / "macros" / "small_area_levels.sql").read_text()
    in_sql = tuple(re.findall(r"'([a-z_]+)'", macro.split("%}", 1)[1]))
    assert typing.get_args(SmallAreaLevel) == SMALL_AREA_LEVELS == ATLAS_LEVELS == in_sql
