"""The municipal submission template (CSV or XLSX): golden file, every bad-file rule."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest

from ingest.errors import SourceError
from ingest.geography import RuhrGeography
from ingest.submission import SubmissionFile, SubmissionRow

GOLDEN = Path(__file__).with_name("fixtures") / "submissions" / "kita_seu_golden.csv"
EXPECTED = [
    SubmissionRow(2, "05913000", date(2023, 3, 1), "kita_betreut_unter_3", 4710, "ok"),
    SubmissionRow(3, "05913000-02", date(2023, 3, 1), "kita_betreut_unter_3", None, "suppressed"),
    SubmissionRow(4, "05978016", date(2023, 8, 1), "seu_untersucht", 148, "ok"),
    SubmissionRow(5, "05978016", date(2023, 8, 1), "seu_sprache_auffaellig", None, "missing"),
]


def read(path: Path) -> list[SubmissionRow]:
    return list(SubmissionFile(path, RuhrGeography.from_seeds()).rows())


def test_golden_csv_gives_exact_rows() -> None:
    assert read(GOLDEN) == EXPECTED


def test_the_same_submission_as_xlsx(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    for line in GOLDEN.read_text(encoding="utf-8").splitlines():
        book.active.append(
            [int(cell) if cell.isdigit() and len(cell) < 6 else (cell or None) for cell in line.split(";")]
        )
    book.save(tmp_path / "meldung.xlsx")
    assert read(tmp_path / "meldung.xlsx") == EXPECTED


BAD = [
    ("renamed column", "Merkmal;Anzahl", "Merkmal;Wert", "layout", 1, "Anzahl"),
    (
        "unknown area",
        "05978016;Holzwickede;01.08.2023;seu_untersucht",
        "05978099;Neuort;01.08.2023;seu_untersucht",
        "unknown_area",
        4,
        "Gebietsschluessel",
    ),
    ("unknown Merkmal", "seu_untersucht;148", "seu_geimpft;148", "layout", 4, "Merkmal"),
    (
        "wrong reference date",
        "01.08.2023;seu_untersucht",
        "31.12.2023;seu_untersucht",
        "reference_date",
        4,
        "Stichtag",
    ),
    ("negative count", ";148\r\n", ";-148\r\n", "negative_count", 4, "Anzahl"),
    # the code of an earlier template whose denominator changed: refused, not read under the new meaning
    ("retired Merkmal", "seu_sprache_auffaellig;", "seu_sprachdefizit;", "layout", 5, "Merkmal"),
    ("text in a count", ";4710\r\n", ";ca. 4700\r\n", "value_format", 2, "Anzahl"),
    ("duplicate key", "seu_sprache_auffaellig;", "seu_untersucht;", "duplicate_key", 5, "Merkmal"),
    ("truncated", ";seu_sprache_auffaellig;\r\n", ";seu_sprachdef", "layout", 5, None),
    ("extra field", ";4710\r\n", ";4710;4711\r\n", "layout", 2, None),
]


@pytest.mark.parametrize(("case", "old", "new", "rule", "row", "column"), BAD, ids=[case[0] for case in BAD])
def test_bad_submission_names_file_row_column_and_rule(
    tmp_path: Path, case: str, old: str, new: str, rule: str, row: int, column: str | None
) -> None:
    text = GOLDEN.read_bytes().decode("utf-8")
    assert old in text
    path = tmp_path / "meldung.csv"
    path.write_bytes(text.replace(old, new, 1).encode("utf-8"))
    with pytest.raises(SourceError) as caught:
        read(path)
    assert (caught.value.problem.rule, caught.value.problem.row, caught.value.problem.column) == (
        rule,
        row,
        column,
    )


def test_retired_merkmal_says_what_replaces_it(tmp_path: Path) -> None:
    path = tmp_path / "meldung.csv"
    path.write_bytes(GOLDEN.read_bytes().replace(b"seu_sprache_auffaellig;", b"seu_sprachdefizit;"))
    with pytest.raises(SourceError, match=r"'seu_sprachdefizit' is retired.*seu_sprache_getestet"):
        read(path)


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "meldung.csv").write_bytes(b"")
    with pytest.raises(SourceError, match="empty file"):
        read(tmp_path / "meldung.csv")
