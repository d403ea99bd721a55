"""The Ruhr geography: the 53 Gemeinden pinned to the official list, everything derived from the seed
keyed like it, the key decisions of ingestion, and names that belong to their key.

Where the literal lists come from (both checkable by anyone):
- regionalstatistik.de, table 12411-02-03-5 (regionale Tiefe Gemeinden) and 12411-03-03-4 (Kreise und
  krfr. Städte), Stichtag 31.12.2015, downloads of 10.10.2017 (copies: src/12411-02-03-5_00.csv and
  src/12411-03-03-4_00.csv in github.com/datenguide/genesapi-data); © Statistische Ämter des Bundes und
  der Länder, dl-de/by-2-0. The name lists below are their rows for the Ruhr, NRW and Deutschland,
  copied as printed (indentation included).
- Destatis, Gemeindeverzeichnis GV100AD, Gebietsstand 30.11.2023 (Satzart 60, Textkennzeichen 61
  kreisfreie Stadt, 63 Stadt, 64 Gemeinde) for gemeinde_typ.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from ingest.city_mapping import load_city_mappings
from ingest.geography import (
    DIRECTORY_PATH,
    SEEDS_DIR,
    AreaDecision,
    RuhrGeography,
    has_official_shape,
    names_agree,
    read_directory,
)
from sozialmonitor.atlas.data import PACKAGE, gemeinde_tiles

KS, KG = "kreisangehörige Stadt", "kreisangehörige Gemeinde"
RUHR_GEMEINDEN = [
    ("05112000", "Duisburg", "05112", "kreisfreie Stadt"),
    ("05113000", "Essen", "05113", "kreisfreie Stadt"),
    ("05117000", "Mülheim an der Ruhr", "05117", "kreisfreie Stadt"),
    ("05119000", "Oberhausen", "05119", "kreisfreie Stadt"),
    ("05170004", "Alpen", "05170", KG),
    ("05170008", "Dinslaken", "05170", KS),
    ("05170012", "Hamminkeln", "05170", KS),
    ("05170016", "Hünxe", "05170", KG),
    ("05170020", "Kamp-Lintfort", "05170", KS),
    ("05170024", "Moers", "05170", KS),
    ("05170028", "Neukirchen-Vluyn", "05170", KS),
    ("05170032", "Rheinberg", "05170", KS),
    ("05170036", "Schermbeck", "05170", KG),
    ("05170040", "Sonsbeck", "05170", KG),
    ("05170044", "Voerde (Niederrhein)", "05170", KS),
    ("05170048", "Wesel", "05170", KS),
    ("05170052", "Xanten", "05170", KS),
    ("05512000", "Bottrop", "05512", "kreisfreie Stadt"),
    ("05513000", "Gelsenkirchen", "05513", "kreisfreie Stadt"),
    ("05562004", "Castrop-Rauxel", "05562", KS),
    ("05562008", "Datteln", "05562", KS),
    ("05562012", "Dorsten", "05562", KS),
    ("05562014", "Gladbeck", "05562", KS),
    ("05562016", "Haltern am See", "05562", KS),
    ("05562020", "Herten", "05562", KS),
    ("05562024", "Marl", "05562", KS),
    ("05562028", "Oer-Erkenschwick", "05562", KS),
    ("05562032", "Recklinghausen", "05562", KS),
    ("05562036", "Waltrop", "05562", KS),
    ("05911000", "Bochum", "05911", "kreisfreie Stadt"),
    ("05913000", "Dortmund", "05913", "kreisfreie Stadt"),
    ("05914000", "Hagen", "05914", "kreisfreie Stadt"),
    ("05915000", "Hamm", "05915", "kreisfreie Stadt"),
    ("05916000", "Herne", "05916", "kreisfreie Stadt"),
    ("05954004", "Breckerfeld", "05954", KS),
    ("05954008", "Ennepetal", "05954", KS),
    ("05954012", "Gevelsberg", "05954", KS),
    ("05954016", "Hattingen", "05954", KS),
    ("05954020", "Herdecke", "05954", KS),
    ("05954024", "Schwelm", "05954", KS),
    ("05954028", "Sprockhövel", "05954", KS),
    ("05954032", "Wetter (Ruhr)", "05954", KS),
    ("05954036", "Witten", "05954", KS),
    ("05978004", "Bergkamen", "05978", KS),
    ("05978008", "Bönen", "05978", KG),
    ("05978012", "Fröndenberg/Ruhr", "05978", KS),
    ("05978016", "Holzwickede", "05978", KG),
    ("05978020", "Kamen", "05978", KS),
    ("05978024", "Lünen", "05978", KS),
    ("05978028", "Schwerte", "05978", KS),
    ("05978032", "Selm", "05978", KS),
    ("05978036", "Unna", "05978", KS),
    ("05978040", "Werne", "05978", KS),
]

# The rows of 12411-02-03-5 (31.12.2015) for Deutschland, NRW and the Ruhr, as printed. The kreisfreie
# Städte appear only with their Kreis key.
GEMEINDE_TABLE = [
    ("DG", "Deutschland"),
    ("05", "  Nordrhein-Westfalen"),
    ("05112", "      Duisburg, Kreisfreie Stadt"),
    ("05113", "      Essen, Kreisfreie Stadt"),
    ("05117", "      Mülheim an der Ruhr, Kreisfreie Stadt"),
    ("05119", "      Oberhausen, Kreisfreie Stadt"),
    ("05170", "      Wesel, Kreis"),
    ("05170004", "        Alpen"),
    ("05170008", "        Dinslaken"),
    ("05170012", "        Hamminkeln"),
    ("05170016", "        Hünxe"),
    ("05170020", "        Kamp-Lintfort"),
    ("05170024", "        Moers"),
    ("05170028", "        Neukirchen-Vluyn"),
    ("05170032", "        Rheinberg"),
    ("05170036", "        Schermbeck"),
    ("05170040", "        Sonsbeck"),
    ("05170044", "        Voerde (Niederrhein)"),
    ("05170048", "        Wesel"),
    ("05170052", "        Xanten"),
    ("05512", "      Bottrop, Kreisfreie Stadt"),
    ("05513", "      Gelsenkirchen, Kreisfreie Stadt"),
    ("05562", "      Recklinghausen, Kreis"),
    ("05562004", "        Castrop-Rauxel"),
    ("05562008", "        Datteln"),
    ("05562012", "        Dorsten"),
    ("05562014", "        Gladbeck"),
    ("05562016", "        Haltern am See"),
    ("05562020", "        Herten"),
    ("05562024", "        Marl, Westf"),
    ("05562028", "        Oer-Erkenschwick"),
    ("05562032", "        Recklinghausen"),
    ("05562036", "        Waltrop"),
    ("05911", "      Bochum, Kreisfreie Stadt"),
    ("05913", "      Dortmund, Kreisfreie Stadt"),
    ("05914", "      Hagen, Kreisfreie Stadt"),
    ("05915", "      Hamm, Kreisfreie Stadt"),
    ("05916", "      Herne, Kreisfreie Stadt"),
    ("05954", "      Ennepe-Ruhr-Kreis"),
    ("05954004", "        Breckerfeld"),
    ("05954008", "        Ennepetal"),
    ("05954012", "        Gevelsberg"),
    ("05954016", "        Hattingen"),
    ("05954020", "        Herdecke"),
    ("05954024", "        Schwelm"),
    ("05954028", "        Sprockhövel"),
    ("05954032", "        Wetter (Ruhr)"),
    ("05954036", "        Witten"),
    ("05978", "      Unna, Kreis"),
    ("05978004", "        Bergkamen"),
    ("05978008", "        Bönen"),
    ("05978012", "        Fröndenberg/Ruhr"),
    ("05978016", "        Holzwickede"),
    ("05978020", "        Kamen"),
    ("05978024", "        Lünen"),
    ("05978028", "        Schwerte"),
    ("05978032", "        Selm"),
    ("05978036", "        Unna, Stadt"),
    ("05978040", "        Werne"),
]
# The rows of 12411-03-03-4 (31.12.2015) for the same areas.
KREIS_TABLE = [
    ("DG", "Deutschland"),
    ("05", "  Nordrhein-Westfalen"),
    ("05112", "      Duisburg, Kreisfreie Stadt"),
    ("05113", "      Essen, Kreisfreie Stadt"),
    ("05117", "      Mülheim an der Ruhr, Kreisfreie Stadt"),
    ("05119", "      Oberhausen, Kreisfreie Stadt"),
    ("05170", "      Wesel, Kreis"),
    ("05512", "      Bottrop, Kreisfreie Stadt"),
    ("05513", "      Gelsenkirchen, Kreisfreie Stadt"),
    ("05562", "      Recklinghausen, Kreis"),
    ("05911", "      Bochum, Kreisfreie Stadt"),
    ("05913", "      Dortmund, Kreisfreie Stadt"),
    ("05914", "      Hagen, Kreisfreie Stadt"),
    ("05915", "      Hamm, Kreisfreie Stadt"),
    ("05916", "      Herne, Kreisfreie Stadt"),
    ("05954", "      Ennepe-Ruhr-Kreis"),
    ("05978", "      Unna, Kreis"),
]


@pytest.fixture(scope="module")
def geography() -> RuhrGeography:
    return RuhrGeography.from_seeds()


def _seed(file: str) -> list[dict[str, str]]:
    with (SEEDS_DIR / file).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _keys(path: Path, column: str) -> list[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [row[column] for row in csv.DictReader(line for line in handle if not line.startswith("#"))]


def test_the_seed_holds_the_53_official_gemeinden() -> None:
    rows = [(r["ags"], r["name"], r["kreis_ags"], r["gemeinde_typ"]) for r in _seed("ruhr_gemeinden.csv")]
    assert rows == RUHR_GEMEINDEN
    assert {kreis for _, _, kreis, _ in RUHR_GEMEINDEN} == {r["kreis_ags"] for r in _seed("ruhr_kreise.csv")}


def test_sample_basis_tiles_and_city_mappings_are_keyed_like_the_seed() -> None:
    seed = [ags for ags, *_ in RUHR_GEMEINDEN]
    basis = Path(__file__).parents[1] / "ingest" / "sample" / "basis.csv"
    assert sorted(_keys(basis, "ags")) == seed
    assert sorted(_keys(PACKAGE / "gemeinden_kacheln.csv", "ags")) == seed
    assert sorted(tile.area_id for tile in gemeinde_tiles()) == seed
    assert {area.split("-")[0] for area in _keys(PACKAGE / "stadtbezirke_kacheln.csv", "area_id")} <= set(
        seed
    )
    assert {mapping.city: mapping.ags for mapping in load_city_mappings()} == {
        "Bochum": "05911000",
        "Dortmund": "05913000",
        "Duisburg": "05112000",
        "Essen": "05113000",
        "Gelsenkirchen": "05513000",
    }


def test_sample_basis_keeps_each_gemeinde_its_own_inhabitants() -> None:
    """Recklinghausen is the largest town of its Kreis (111,734 inhabitants in GV100AD 30.11.2023),
    Waltrop one of the smallest (29,644): the shifted keys had swapped such values."""
    with (Path(__file__).parents[1] / "ingest" / "sample" / "basis.csv").open(encoding="utf-8") as handle:
        basis = {row["ags"]: int(row["einwohner_2023"]) for row in csv.DictReader(handle)}
    assert (basis["05562032"], basis["05562036"], basis["05562014"]) == (111_510, 29_350, 76_230)


@pytest.mark.parametrize(
    ("key", "decision"),
    [
        ("05913000", AreaDecision.KEEP),  # Dortmund, Gemeinde
        ("05913", AreaDecision.KEEP),  # Dortmund, Kreis
        ("05562032", AreaDecision.KEEP),  # Recklinghausen
        ("DG", AreaDecision.KEEP),
        ("05", AreaDecision.KEEP),
        ("05111000", AreaDecision.SKIP),  # Düsseldorf
        ("05154004", AreaDecision.SKIP),  # Bedburg-Hau, Kreis Kleve
        ("05334002", AreaDecision.SKIP),  # Aachen in the Städteregion
        ("05354004", AreaDecision.SKIP),  # Alsdorf in the Kreis Aachen, dissolved 2009: older files
        ("051", AreaDecision.SKIP),  # Regierungsbezirk Düsseldorf
        ("03", AreaDecision.SKIP),  # Niedersachsen
        ("03152", AreaDecision.SKIP),  # Landkreis Göttingen until 31.10.2016
        ("03159", AreaDecision.SKIP),  # Landkreis Göttingen since 1.11.2016
        ("16056", AreaDecision.SKIP),  # Eisenach until 30.6.2021
        ("03241001", AreaDecision.SKIP),  # Hannover: Gemeinden outside NRW are judged by shape
        ("03151401002", AreaDecision.SKIP),  # Barwedel, a Gemeinde in a Samtgemeinde (GENESIS, 11 digits)
        ("0713101", AreaDecision.SKIP),  # Verbandsgemeinde Adenau (GENESIS, 7 digits)
        ("11001", AreaDecision.SKIP),  # Berlin-Mitte: the directory lists no Kreis of Berlin
        ("05562040", AreaDecision.NOT_OFFICIAL),  # the old seed's Waltrop: never issued
        ("05913999", AreaDecision.NOT_OFFICIAL),  # below a Ruhr Kreis, not a Ruhr Gemeinde
        ("055620032", AreaDecision.NOT_OFFICIAL),  # below a Ruhr Kreis, not a Ruhr Gemeinde
        ("05999", AreaDecision.NOT_OFFICIAL),  # NRW's Kreise are all listed
        ("05154999", AreaDecision.NOT_OFFICIAL),  # NRW's Gemeinden are all listed
        ("16999", AreaDecision.UNLISTED),  # outside NRW the directory may lag: skipped and reported
        ("05313", AreaDecision.SKIP),  # Aachen (alt): real Kreis tables still print it
        ("5913000", AreaDecision.NOT_OFFICIAL),  # the leading zero lost
        ("17", AreaDecision.NOT_OFFICIAL),
        ("0559", AreaDecision.NOT_OFFICIAL),
        ("ABC", AreaDecision.NOT_OFFICIAL),
        ("", AreaDecision.NOT_OFFICIAL),
    ],
)
def test_decide(geography: RuhrGeography, key: str, decision: AreaDecision) -> None:
    assert geography.decide(key) is decision


def test_why_a_key_is_not_official(geography: RuhrGeography) -> None:
    assert geography.not_official_reason("05562040") == (
        "'05562040' is no official German key of the Ruhr: it lies in Recklinghausen, Kreis (05562) "
        "but is none of the Ruhr's 53 Gemeinden"
    )
    assert geography.not_official_reason("05999") == (
        "'05999' is no official German key: the official key directory lists every Kreis key of Land 05, "
        "and not this one"
    )
    assert geography.not_official_reason("5913000").startswith("'5913000' is no official German key: those")


def test_official_name_and_level(geography: RuhrGeography) -> None:
    assert [(geography.official_name(key), geography.ebene(key)) for key in ("05562024", "05562", "05")] == [
        ("Marl, Westf", "gemeinde"),
        ("Recklinghausen, Kreis", "kreis"),
        ("Nordrhein-Westfalen", "land"),
    ]
    assert (geography.official_name("05913000"), geography.ebene("059")) == (
        "Dortmund, Stadt",
        "regierungsbezirk",
    )
    assert (geography.official_name("05562040"), geography.ebene("05562040")) == (None, None)


@pytest.mark.parametrize(("key", "printed"), GEMEINDE_TABLE + KREIS_TABLE)
def test_every_name_the_2015_tables_print_for_the_ruhr_agrees(
    geography: RuhrGeography, key: str, printed: str
) -> None:
    assert names_agree(geography.official_name(key) or "", printed)
    if len(key) == 5 and key + "000" in geography.gemeinde_keys:  # the kreisfreie Stadt as Gemeinde
        assert names_agree(geography.official_name(key + "000") or "", printed)


def test_the_seed_names_agree_with_the_printed_names() -> None:
    printed = dict(GEMEINDE_TABLE)
    seed = {r["ags"]: r["name"] for r in _seed("ruhr_gemeinden.csv")}
    seed |= {r["kreis_ags"]: r["name"] for r in _seed("ruhr_kreise.csv")}
    seed |= {r["area_id"]: r["name"] for r in _seed("referenzgebiete.csv")}
    assert len(seed) == 70
    disagree = [
        (key, name)
        for key, name in seed.items()
        if not names_agree(name, printed.get(key) or printed[key[:5]])
    ]
    assert disagree == []


@pytest.mark.parametrize(
    ("key", "delivered"),
    [
        # the old seed's shifted keys with the names it gave them
        ("05562014", "Haltern am See"),
        ("05562016", "Gladbeck"),
        ("05562020", "Haltern am See"),
        ("05562024", "Herten"),
        ("05562028", "Marl"),
        ("05562032", "Oer-Erkenschwick"),
        ("05562036", "Recklinghausen"),
    ],
)
def test_a_shifted_key_does_not_agree_with_its_name(
    geography: RuhrGeography, key: str, delivered: str
) -> None:
    assert not names_agree(geography.official_name(key) or "", delivered)


@pytest.mark.parametrize(
    ("official", "delivered", "agree"),
    [
        ("Kreis Wesel", "Wesel, Kreis", True),
        ("Wesel, Kreis", "Wesel", True),  # GV100AD: Kreis records carry no designation
        ("Ennepe-Ruhr-Kreis", "      Ennepe-Ruhr-Kreis", True),
        ("Mülheim an der Ruhr", "Mülheim an der Ruhr, Stadt", True),
        ("Städteregion Aachen (einschl. Stadt Aachen)", "Städteregion Aachen", True),
        ("Roetgen (ab 21.10.2009)", "Roetgen", True),
        ("Münster, Regierungsbezirk", "Reg.-Bez. Münster", True),
        ("Hagen, Kreisfreie Stadt", "Hagen, Stadt der FernUniversität", True),
        ("Mu\u0308nster", "Münster", True),  # decomposed umlaut
        ("Wesel", "Dinslaken", False),
        ("Recklinghausen", "", False),
        ("", "", False),
    ],
)
def test_names_agree(official: str, delivered: str, agree: bool) -> None:
    assert names_agree(official, delivered) is agree


def test_the_directory_lists_germany_and_the_gemeinden_of_nrw() -> None:
    directory = read_directory()
    by_level: dict[str, list[str]] = {}
    for key, entry in directory.items():
        assert has_official_shape(key), key
        by_level.setdefault(entry.ebene, []).append(key)
    assert {level: len(keys) for level, keys in by_level.items()} == {
        "bund": 1,
        "land": 16,
        "regierungsbezirk": 35,
        "kreis": 472,  # the 471 of the 2015 table and 05313 Aachen (alt) of the 2024 one
        "gemeinde": 405,
    }
    lengths = {level: {len(key) for key in keys} for level, keys in by_level.items()}
    assert lengths == {"bund": {2}, "land": {2}, "regierungsbezirk": {3}, "kreis": {5}, "gemeinde": {8}}
    assert {key[:2] for key in by_level["gemeinde"]} == {"05"}
    assert [directory[key].name for key in ("05", "051", "05354", "03159", "16056", "16063")] == [
        "Nordrhein-Westfalen",
        "Düsseldorf, Regierungsbezirk",
        "Aachen, Kreis",
        "Göttingen, Landkreis",
        "Eisenach, krsfr. Stadt",
        "Wartburgkreis",
    ]


def test_the_directory_says_where_each_row_comes_from() -> None:
    with DIRECTORY_PATH.open(encoding="utf-8", newline="") as handle:
        quelle = {row["schluessel"]: row["quelle"] for row in csv.DictReader(handle)}
    assert quelle["05562024"] == "12411-02-03-5 31.12.2015"
    assert quelle["05562"] == "12411-03-03-4 31.12.2015"
    assert quelle["05913000"] == "GV100AD 30.11.2023"
    assert quelle["05354004"] == "12411-02-03-5 31.12.2015 (ohne Werte)"
    assert quelle["03159"].endswith("gebildet am 1.11.2016 aus 03152 und 03156")
    assert quelle["16056"].endswith("am 1.7.2021 in den Wartburgkreis (16063) eingegliedert")
    current_nrw = [key for key, text in quelle.items() if len(key) == 8 and "ohne Werte" not in text]
    assert len(current_nrw) == 396
