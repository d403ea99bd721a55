"""The GENESIS datencsv reader on extracts of real downloads (tests/fixtures/genesis/README.md), on the
variants real exports come in, and on every way a file can break its table's rules.

Expected values are copied from the real files: a person can find each one in the fixture's line.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ingest.errors import (
    DescriptionError,
    DuplicateKeyError,
    IncompleteAreaError,
    LayoutError,
    ReferenceDateError,
    SourceError,
    TotalsError,
    ValueFormatError,
)
from ingest.genesis import DatencsvFile
from ingest.genesis_format import DatencsvRow
from ingest.layouts import LEISTUNG, MINDESTSICHERUNG_SGB2, SGB2_LEISTUNGSBERECHTIGTE, layout

FIXTURES = Path(__file__).with_name("fixtures") / "genesis"
KREISE = FIXTURES / "12411-03-03-4_2015_extract.csv"
GEMEINDEN = FIXTURES / "12411-02-03-5_2015_extract.csv"
GRUSI_2014 = FIXTURES / "22151-01-01-4_2014_extract.csv"
GRUSI_2016 = FIXTURES / "22151-01-02-4_2016_extract.csv"
MINDEST = FIXTURES / "22811-01-01-4_2015_extract.csv"
HLU = FIXTURES / "22121-01-03-4_2015_extract.csv"
ASYL = FIXTURES / "22221-01-01-4_2015_extract.csv"
RECKLINGHAUSEN_GEMEINDEN = tuple(
    f"05562{number}" for number in ("004", "008", "012", "014", "016", "020", "024", "028", "032", "036")
)
D2015 = date(2015, 12, 31)


def read(path: Path, table: str, **options: object) -> list[DatencsvRow]:
    return list(DatencsvFile(path, layout(table), **options).rows())  # type: ignore[arg-type]


def variant(tmp_path: Path, source: Path, *replacements: tuple[str, str], encoding: str = "utf-8") -> Path:
    text = source.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / source.name
    path.write_bytes(text.encode(encoding))
    return path


def problem_of(path: Path, table: str, error: type[SourceError], **options: object) -> tuple:
    with pytest.raises(error) as caught:
        read(path, table, **options)
    problem = caught.value.problem
    return problem.file, problem.row, problem.column, problem.message


# --- real files -------------------------------------------------------------------------------------


def test_kreis_table_gives_the_real_cells() -> None:
    export = DatencsvFile(KREISE, layout("12411-03-03-4"))
    rows = list(export.rows())
    assert len(rows) == 5 * 22
    dortmund = [row for row in rows if row.area_key == "05913"]
    assert [row.labels[0] for row in dortmund][:2] == ["unter 3 Jahre", "3 bis unter 6 Jahre"]
    total = dortmund[-1]  # 31.12.2015;05913;Dortmund, Kreisfreie Stadt;Insgesamt;586181;…
    assert (total.stichtag, total.area_name, total.labels) == (
        D2015,
        "Dortmund, Kreisfreie Stadt",
        ("Insgesamt",),
    )
    assert total.values[:3] == (586181, 287846, 298335)
    assert export.columns[6] == ("Ausländer", "Insgesamt")  # "Ausländer(innen)" in the file
    assert (export.description.table_code, export.description.unit) == ("12411-03-03-4", "Anzahl")
    assert export.description.regionale_tiefe == "Kreise und krfr. Städte"
    assert export.description.made_at == "10.10.2017 / 16:36:03"
    assert export.encoding == "utf-8"


def test_gemeinde_table_reads_the_stichtag_above_the_columns() -> None:
    export = DatencsvFile(GEMEINDEN, layout("12411-02-03-5"), hierarchy={"05562": RECKLINGHAUSEN_GEMEINDEN})
    rows = {row.area_key: row for row in export.rows()}
    assert set(rows) == {"DG", "05", "05562", "05913", *RECKLINGHAUSEN_GEMEINDEN}
    gladbeck = rows["05562014"]
    assert (gladbeck.stichtag, gladbeck.area_name, gladbeck.labels) == (D2015, "Gladbeck", ())
    assert export.columns[0] == ("Insgesamt", "unter 3 Jahre")
    assert export.columns[17] == ("Insgesamt", "Insgesamt")
    assert gladbeck.values[0] == 1987  # 05562014;        Gladbeck;1987;…
    assert rows["05913"].area_name == "Dortmund, Kreisfreie Stadt"  # a kreisfreie Stadt: its Kreis key


def test_grundsicherung_since_2015_gives_the_year_as_stichtag() -> None:
    export = DatencsvFile(GRUSI_2016, layout("22151-01-02-4"))
    rows = list(export.rows())
    dortmund = next(row for row in rows if row.area_key == "05913" and row.labels == ("Insgesamt",))
    assert dortmund.stichtag == date(2016, 12, 31)  # 2016;05913;      Dortmund, Kreisfreie Stadt;Insgesamt;…
    assert dortmund.values == (12627, 5001, 7626, 11151, 4098, 7053, 1476, 903, 573, 9145, 3482)
    assert export.columns[1] == ("Insgesamt", "18 Jahre bis unter die Altersgrenze", "Insgesamt")
    assert export.columns[9:] == (
        ("Insgesamt", "Insgesamt", "Deutsche"),
        ("Insgesamt", "Insgesamt", "Ausländer"),
    )


def test_a_real_inconsistency_outside_the_ruhr_is_a_warning_inside_it_an_error() -> None:
    """Landkreis Böblingen, 31.12.2013: 824 male recipients, but 641 German + 329 foreign ones (970)."""
    export = DatencsvFile(GRUSI_2014, layout("22151-01-01-4"), loaded=lambda key: key[:2] in ("DG", "05"))
    assert len(list(export.rows())) == 105
    assert [(w.rule, w.row, w.column) for w in export.warnings] == [
        ("totals", 37, "5 (männlich / Insgesamt / Insgesamt / Insgesamt)"),
        ("totals", 39, "15 (Insgesamt / Insgesamt / Insgesamt / Ausländer)"),
    ]
    assert "Nationalität 'Insgesamt' is 824, but its parts add up to 970" in export.warnings[0].message
    assert problem_of(GRUSI_2014, "22151-01-01-4", TotalsError)[:2] == (GRUSI_2014.name, 37)


def area_cells(
    path: Path, table: str, area: str, stichtag: date = D2015
) -> dict[tuple[str, ...], int | None]:
    """One area's total row at a Stichtag: value column (its labels) -> count."""
    export = DatencsvFile(path, layout(table))
    return next(
        dict(zip(export.columns, row.values, strict=True))
        for row in export.rows()
        if (row.area_key, row.stichtag) == (area, stichtag) and row.labels in ((), ("Insgesamt",))
    )


def test_mindestsicherung_table_gives_the_real_cells() -> None:
    export = DatencsvFile(MINDEST, layout("22811-01-01-4"))
    rows = list(export.rows())
    assert [(row.stichtag.year, row.area_key) for row in rows] == [
        (year, key) for year in (2015, 2014) for key in ("DG", "05", "05562", "05913")
    ]
    # 31.12.2014;05913;      Dortmund, Kreisfreie Stadt;97995;82311;59353;22958;1219;12319;2146
    assert rows[-1].values == (97995, 82311, 59353, 22958, 1219, 12319, 2146)
    assert export.columns[:4] == (
        (LEISTUNG.total, "zusammen"),
        (MINDESTSICHERUNG_SGB2, "zusammen"),
        *((MINDESTSICHERUNG_SGB2, part) for part in SGB2_LEISTUNGSBERECHTIGTE.parts),
    )
    assert (export.description.unit, export.description.regionale_tiefe) == (
        "Anzahl",
        "Kreise und krfr. Städte",
    )


def test_mindestsicherung_of_dortmund_2015_is_the_sum_of_its_benefits_in_their_own_tables() -> None:
    """22811-01-01-4, 31.12.2015, Dortmund: 104311 recipients. Its HLU, Grundsicherung and AsylbLG columns
    are the counts of the benefits' own tables (22121-01-03-4 outside institutions, 22151-01-02-4 and
    22221-01-01-4 in total), its SGB II column the erwerbsfähige plus the nicht erwerbsfähige
    Leistungsberechtigte: the official definition, recomputed from four real files."""
    official = area_cells(MINDEST, "22811-01-01-4", "05913")
    hlu = area_cells(HLU, "22121-01-03-4", "05913")  # the age groups under a caption "Altersgruppe"
    grusi = area_cells(GRUSI_2016, "22151-01-02-4", "05913")
    asyl = area_cells(ASYL, "22221-01-01-4", "05913")
    sgb2 = official[(MINDESTSICHERUNG_SGB2, "zusammen")]
    benefits = {
        LEISTUNG.parts[1]: hlu[("Insgesamt", "Insgesamt", "außerhalb von Einrichtungen", "Insgesamt")],
        LEISTUNG.parts[2]: grusi[("Insgesamt", "Insgesamt", "Insgesamt")],
        LEISTUNG.parts[3]: asyl[("Insgesamt", "Insgesamt", "Insgesamt")],
    }
    assert benefits == {benefit: official[(benefit, "zusammen")] for benefit in benefits}
    assert sgb2 == sum(official[(MINDESTSICHERUNG_SGB2, part)] for part in SGB2_LEISTUNGSBERECHTIGTE.parts)
    assert official[(LEISTUNG.total, "zusammen")] == sgb2 + sum(benefits.values()) == 104311


def test_a_mindestsicherung_total_that_is_not_the_sum_of_its_benefits_is_an_error(tmp_path: Path) -> None:
    path = variant(
        tmp_path,
        MINDEST,
        (
            "31.12.2015;05913;      Dortmund, Kreisfreie Stadt;104311;",
            "31.12.2015;05913;      Dortmund, Kreisfreie Stadt;104312;",
        ),
    )
    file, row, column, message = problem_of(path, "22811-01-01-4", TotalsError)
    assert (file, row, column) == (MINDEST.name, 13, f"4 ({LEISTUNG.total} / zusammen)")
    assert f"Art der Leistung '{LEISTUNG.total}' is 104312, but its parts add up to 104311" in message


# --- the variants real exports come in ----------------------------------------------------------------


def api_variant(tmp_path: Path) -> Path:
    """12411-03-03-4 as the REST API 2020 answers with language=en (issue 10): `Tabelle:`, ISO dates,
    `Total`, `Ausländer/-innen`, the title wrapped inside "regionale Tiefe", an English licence and
    `created:`."""
    return variant(
        tmp_path,
        KREISE,
        ("GENESIS-Tabelle: 12411-03-03-4", "Tabelle: 12411-03-03-4"),
        ("31.12.2015;", "2015-12-31;"),
        ("Insgesamt", "Total"),
        ("Ausländer(innen)", "Ausländer/-innen"),
        (
            "- (ab 2011);;;;;;;;;;;;\nregionale Tiefe: Kreise und",
            "- regionale Tiefe: Kreise;;;;;;;;;;;;\nund",
        ),
        (
            "Dieses Werk ist lizensiert unter der Datenlizenz Deutschland",
            "This work is licensed under the Data licence Germany",
        ),
        ("Stand: 10.10.2017 / 16:36:03", "created: 2025-06-20 / 09:41:07"),
    )


def test_the_api_answer_reads_like_the_web_download(tmp_path: Path) -> None:
    export = DatencsvFile(api_variant(tmp_path), layout("12411-03-03-4"))
    assert list(export.rows()) == read(KREISE, "12411-03-03-4")
    assert export.description.regionale_tiefe == "Kreise und krfr. Städte"
    assert export.description.made_at == "2025-06-20 / 09:41:07"


def test_latin1_reads_like_utf8(tmp_path: Path) -> None:
    latin1 = variant(tmp_path, GEMEINDEN, encoding="latin-1")
    export = DatencsvFile(latin1, layout("12411-02-03-5"))
    assert export.encoding == "latin-1"
    assert list(export.rows()) == read(GEMEINDEN, "12411-02-03-5")


def test_a_header_label_given_once_over_its_group_reads_like_repeated_labels(tmp_path: Path) -> None:
    merged = variant(
        tmp_path,
        KREISE,
        (
            ";;;;Insgesamt;Insgesamt;Insgesamt;Deutsche;Deutsche;Deutsche;Ausländer(innen);Ausländer(innen);Ausländer(innen)",
            ";;;;Insgesamt;;;Deutsche;;;Ausländer(innen);;",
        ),
    )
    assert read(merged, "12411-03-03-4") == read(KREISE, "12411-03-03-4")


# --- the file must be the table its folder takes ---------------------------------------------------


@pytest.mark.parametrize(
    ("replacements", "error", "row", "words"),
    [
        (
            (("GENESIS-Tabelle: 12411-03-03-4", "GENESIS-Tabelle: 12411-02-03-5"),),
            DescriptionError,
            1,
            "this is table 12411-02-03-5",
        ),
        (
            (("GENESIS-Tabelle: 12411-03-03-4", "Bevölkerung"),),
            LayoutError,
            1,
            "line 1 should name the table",
        ),
        (
            (("regionale Tiefe: Kreise und krfr. Städte", "regionale Tiefe: Gemeinden"),),
            DescriptionError,
            4,
            "depth 'Kreise'",
        ),
        (
            (("Bevölkerungsstand (Anzahl)", "Bevölkerungsstand (Prozent)"),),
            DescriptionError,
            6,
            "unit 'Prozent'",
        ),
        (
            (
                (
                    "31.12.2015;05913;      Dortmund, Kreisfreie Stadt;unter 3",
                    "30.06.2015;05913;      Dortmund, Kreisfreie Stadt;unter 3",
                ),
            ),
            ReferenceDateError,
            97,
            "31.12.",
        ),
    ],
)
def test_what_the_file_says_about_itself_is_checked(tmp_path, replacements, error, row, words) -> None:  # type: ignore[no-untyped-def]
    file, found_row, _, message = problem_of(variant(tmp_path, KREISE, *replacements), "12411-03-03-4", error)
    assert (file, found_row) == (KREISE.name, row)
    assert words in message


# --- layout errors name the first line that did not fit ---------------------------------------------


def test_a_renamed_header_label_names_row_and_column(tmp_path: Path) -> None:
    path = variant(
        tmp_path,
        KREISE,
        (
            "Ausländer(innen);Ausländer(innen);Ausländer(innen)",
            "Ausländer(innen);Ausländerinnen;Ausländer(innen)",
        ),
    )
    assert problem_of(path, "12411-03-03-4", LayoutError)[1:3] == (7, "12")


def test_text_in_a_count_names_file_row_and_column(tmp_path: Path) -> None:
    path = variant(tmp_path, KREISE, (";Insgesamt;586181;287846;", ";Insgesamt;586181;2878A6;"))
    file, row, column, message = problem_of(path, "12411-03-03-4", ValueFormatError)
    assert (file, row, column) == (KREISE.name, 118, "6 (Insgesamt / männlich)")
    assert "'2878A6'" in message


def test_an_unknown_age_group_names_row_and_column(tmp_path: Path) -> None:
    path = variant(
        tmp_path,
        KREISE,
        (
            ";05913;      Dortmund, Kreisfreie Stadt;90 Jahre und mehr",
            ";05913;      Dortmund, Kreisfreie Stadt;90 und älter",
        ),
    )
    assert problem_of(path, "12411-03-03-4", LayoutError)[1:3] == (117, "4 (altersgruppe)")


def test_a_missing_field_names_the_row(tmp_path: Path) -> None:
    path = variant(tmp_path, KREISE, (";Insgesamt;586181;287846;298335;", ";Insgesamt;586181;287846;"))
    _, row, _, message = problem_of(path, "12411-03-03-4", LayoutError)
    assert (row, message[: len("expected 13 fields")]) == (118, "expected 13 fields")


def test_a_truncated_file_without_footer_is_rejected(tmp_path: Path) -> None:
    text = KREISE.read_text(encoding="utf-8")
    path = tmp_path / "truncated.csv"
    path.write_text(text[: text.index("__________")], encoding="utf-8")
    assert "footer" in problem_of(path, "12411-03-03-4", LayoutError)[3]


@pytest.mark.parametrize(
    "content", [b"", b"GENESIS-Tabelle: 12411-03-03-4\n", b"GENESIS-Tabelle: 12411-03-03-4\n__________\n"]
)
def test_an_empty_file_is_an_error_not_an_empty_table(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    with pytest.raises(LayoutError, match=r"no data rows|empty"):
        read(path, "12411-03-03-4")


# --- content: duplicates, complete areas, totals ------------------------------------------------------


def test_a_row_delivered_twice_is_an_error_even_with_the_same_values(tmp_path: Path) -> None:
    line = next(
        line
        for line in KREISE.read_text(encoding="utf-8").splitlines()
        if ";05913;" in line and "unter 3" in line
    )
    for copy in (line, line.replace(";16164;", ";16165;")):
        path = variant(tmp_path, KREISE, (line, f"{line}\n{copy}"))
        _, row, column, message = problem_of(path, "12411-03-03-4", DuplicateKeyError)
        assert (row, column) == (98, "2 (Schlüssel)")
        assert "rows 97 and 98" in message


def test_an_area_with_a_missing_age_group_is_incomplete(tmp_path: Path) -> None:
    line = next(
        line
        for line in KREISE.read_text(encoding="utf-8").splitlines()
        if ";05913;" in line and "20 bis unter 25" in line
    )
    _, row, column, message = problem_of(
        variant(tmp_path, KREISE, (line + "\n", "")), "12411-03-03-4", IncompleteAreaError
    )
    assert (row, column) == (97, "4 (altersgruppe)")
    assert "05913" in message and "20 bis unter 25 Jahre" in message


def test_a_changed_cell_breaks_its_totals(tmp_path: Path) -> None:
    """Dortmund, 20 bis unter 25, Deutsche männlich: one more than the real 14,953."""
    path = variant(
        tmp_path,
        KREISE,
        (
            ";20 bis unter 25 Jahre;39051;20247;18804;30009;14953;",
            ";20 bis unter 25 Jahre;39051;20247;18804;30009;14954;",
        ),
    )
    file, row, column, message = problem_of(path, "12411-03-03-4", TotalsError)
    assert (file, row, column) == (KREISE.name, 103, "6 (20 bis unter 25 Jahre / Insgesamt / männlich)")
    assert "Nationalität 'Insgesamt' is 20247, but its parts add up to 20248" in message


def test_a_secret_cell_does_not_hide_another_total_of_its_area(tmp_path: Path) -> None:
    """Dortmund as above, and its foreign women under 3 (1242) kept secret: the sums over the secret cell
    cannot be checked, the one over 14,954 still can (an area with a symbol is summed cell by cell)."""
    path = variant(
        tmp_path,
        KREISE,
        (
            ";unter 3 Jahre;16164;8168;7996;13609;6855;6754;2555;1313;1242",
            ";unter 3 Jahre;16164;8168;7996;13609;6855;6754;2555;1313;.",
        ),
        (
            ";20 bis unter 25 Jahre;39051;20247;18804;30009;14953;",
            ";20 bis unter 25 Jahre;39051;20247;18804;30009;14954;",
        ),
    )
    file, row, column, message = problem_of(path, "12411-03-03-4", TotalsError)
    assert (file, row, column) == (KREISE.name, 103, "6 (20 bis unter 25 Jahre / Insgesamt / männlich)")
    assert "Nationalität 'Insgesamt' is 20247, but its parts add up to 20248" in message


def test_a_gemeinde_that_does_not_add_up_to_its_kreis_is_found(tmp_path: Path) -> None:
    """Gladbeck raised by 10 in every cell of one age group: its row is consistent, its Kreis is not."""
    line = next(
        line for line in GEMEINDEN.read_text(encoding="utf-8").splitlines() if line.startswith("05562014;")
    )
    cells = line.split(";")
    for index in (2, 19, 20, 37):  # Insgesamt and männlich, each for "unter 3" and the total
        cells[index] = str(int(cells[index]) + 10)
    path = variant(tmp_path, GEMEINDEN, (line, ";".join(cells)))
    _, row, column, message = problem_of(
        path, "12411-02-03-5", TotalsError, hierarchy={"05562": RECKLINGHAUSEN_GEMEINDEN}
    )
    assert (row, column) == (13, "3 (Insgesamt / unter 3 Jahre)")
    assert "area 05562 (Recklinghausen, Kreis)" in message and "add up to" in message
    assert read(path, "12411-02-03-5")  # without the hierarchy the file is consistent in itself


def test_rounding_from_the_registry_widens_the_tolerance(tmp_path: Path) -> None:
    """Dortmund 2016, male recipients 18 bis unter die Altersgrenze + 2: off by 2 needs rounding to 5."""
    path = variant(
        tmp_path,
        GRUSI_2016,
        (
            "2016;05913;      Dortmund, Kreisfreie Stadt;männlich;5736;2755;",
            "2016;05913;      Dortmund, Kreisfreie Stadt;männlich;5736;2757;",
        ),
    )
    assert problem_of(path, "22151-01-02-4", TotalsError)[1:3] == (
        19,
        "6 (männlich / Insgesamt / 18 Jahre bis unter die Altersgrenze / Insgesamt)",
    )
    assert len(read(path, "22151-01-02-4", rounding=lambda _: 5)) == 24
