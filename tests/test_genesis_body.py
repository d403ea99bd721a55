"""The column-wise reading of a datencsv file (`ingest/genesis_body.py`) against the row-by-row reader on
the same files: on a clean file it must give exactly the reader's rows (line, Stichtag, key, name,
labels, values, statuses) and what the file says about itself; on a file that breaks any rule it must
give nothing, so that the row-by-row reader finds and words the finding.

The files are the real extracts of tests/fixtures/genesis and the variants of test_genesis_reader.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import numpy as np
import pytest

from ingest import genesis_body, genesis_loaders
from ingest.errors import UnknownAreaError
from ingest.genesis import DatencsvFile
from ingest.genesis_body import read_body
from ingest.genesis_format import DatencsvRow
from ingest.layouts import layout
from tests.test_genesis_reader import (
    ASYL,
    GEMEINDEN,
    GRUSI_2014,
    GRUSI_2016,
    HLU,
    KREISE,
    MINDEST,
    RECKLINGHAUSEN_GEMEINDEN,
    api_variant,
    variant,
)
from tests.test_staging import CELLS, SOURCE, ingest

TABLES = {
    KREISE: "12411-03-03-4",
    GEMEINDEN: "12411-02-03-5",
    GRUSI_2014: "22151-01-01-4",
    GRUSI_2016: "22151-01-02-4",
    MINDEST: "22811-01-01-4",
    HLU: "22121-01-03-4",
    ASYL: "22221-01-01-4",
}
HIERARCHY = {"05562": RECKLINGHAUSEN_GEMEINDEN}
# Dortmund's foreign women under 3 (1242) kept secret, and its men of 20 to 25 a symbol for "nil"
SECRET = (
    ";unter 3 Jahre;16164;8168;7996;13609;6855;6754;2555;1313;1242",
    ";unter 3 Jahre;16164;8168;7996;13609;6855;6754;2555;1313;.",
)

# three more cells of Dortmund without a value, each under another symbol
SYMBOLS = (
    (";3 bis unter 6 Jahre;14889;", ";3 bis unter 6 Jahre;x;"),
    (";6 bis unter 10 Jahre;19881;", ";6 bis unter 10 Jahre;/;"),
    (";10 bis unter 15 Jahre;25607;", ";10 bis unter 15 Jahre;...;"),
)


@pytest.fixture(autouse=True)
def any_size(monkeypatch: pytest.MonkeyPatch) -> None:
    """The extracts are smaller than a real file: read column-wise whatever their size."""
    monkeypatch.setattr(genesis_body, "MIN_BYTES", 0)


def test_a_small_file_is_read_row_by_row(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(genesis_body, "MIN_BYTES", KREISE.stat().st_size + 1)
    assert read_body(DatencsvFile(KREISE, layout("12411-03-03-4"))) is None


def both(path: Path, table: str, **options: object) -> tuple[list[DatencsvRow] | None, list[DatencsvRow]]:
    """The rows read column by column (None: not clean) and row by row, of two readers of the file."""
    body = read_body(DatencsvFile(path, layout(table), **options))  # type: ignore[arg-type]
    by_rows = list(DatencsvFile(path, layout(table), **options).rows())  # type: ignore[arg-type]
    if body is None:
        return None, by_rows
    return body.rows_at(np.arange(len(body.values))), by_rows


@pytest.mark.parametrize("path", [path for path in TABLES if path != GRUSI_2014], ids=lambda p: p.name)
def test_a_clean_real_file_reads_column_wise_as_row_by_row(path: Path) -> None:
    columns, rows = both(path, TABLES[path], hierarchy=HIERARCHY)
    assert rows and columns == rows


def test_what_the_file_says_about_itself_is_read_as_row_by_row(tmp_path: Path) -> None:
    path = api_variant(tmp_path)
    body = read_body(DatencsvFile(path, layout("12411-03-03-4")))
    by_rows = DatencsvFile(path, layout("12411-03-03-4"))
    list(by_rows.rows())
    assert body is not None
    assert body.export.description == by_rows.description
    assert body.export.description.made_at == "2025-06-20 / 09:41:07"
    assert body.export.columns == by_rows.columns


@pytest.mark.parametrize(
    ("source", "replacements", "encoding"),
    [
        (KREISE, (("31.12.2015;", "2015-12-31;"), ("Insgesamt", "Total")), "utf-8"),
        (GEMEINDEN, (), "latin-1"),
        (KREISE, (SECRET,), "utf-8"),
        (KREISE, (SECRET, *SYMBOLS), "latin-1"),
        (KREISE, (("\n", "\r\n"),), "utf-8"),
        (KREISE, (("\n", ";\n"),), "utf-8"),
    ],
    ids=["api", "latin-1", "secret cell", "symbols in latin-1", "crlf", "trailing separators"],
)
def test_a_clean_variant_reads_column_wise_as_row_by_row(
    tmp_path: Path, source: Path, replacements: tuple[tuple[str, str], ...], encoding: str
) -> None:
    path = variant(tmp_path, source, *replacements, encoding=encoding)
    columns, rows = both(path, TABLES[source], hierarchy=HIERARCHY)
    assert columns == rows


def test_a_secret_cell_gives_its_status_and_no_value(tmp_path: Path) -> None:
    columns, _ = both(variant(tmp_path, KREISE, SECRET), "12411-03-03-4")
    assert columns is not None
    dortmund = next(row for row in columns if row.area_key == "05913" and row.labels == ("unter 3 Jahre",))
    assert (dortmund.values[-1], dortmund.statuses[-1], dortmund.statuses[0]) == (None, "unknown", "ok")


def line_of(path: Path, *words: str) -> str:
    return next(
        line for line in path.read_text(encoding="utf-8").splitlines() if all(w in line for w in words)
    )


UNDER_3 = line_of(KREISE, ";05913;", "unter 3")
TOTALS = (
    ";20 bis unter 25 Jahre;39051;20247;18804;30009;14953;",
    ";20 bis unter 25 Jahre;39051;20247;18804;30009;14954;",
)
# files the row-by-row reader rejects (test_genesis_reader has each finding), or reads in a way the
# column-wise reading does not judge (a blank line, a quoted cell)
NOT_CLEAN = {
    "text in a count": (KREISE, (";Insgesamt;586181;287846;", ";Insgesamt;586181;2878A6;")),
    "missing field": (KREISE, (";Insgesamt;586181;287846;298335;", ";Insgesamt;586181;287846;")),
    "duplicate": (KREISE, (UNDER_3, f"{UNDER_3}\n{UNDER_3}")),
    "incomplete": (KREISE, (line_of(KREISE, ";05913;", "20 bis unter 25") + "\n", "")),
    "totals": (KREISE, TOTALS),
    "totals beside a secret cell": (KREISE, SECRET, TOTALS),
    "a total above its parts": (KREISE, (TOTALS[0], TOTALS[0].replace(";14953;", ";14952;"))),
    "reference date": (KREISE, ("31.12.2015;05913;", "30.06.2015;05913;")),
    "unknown age group": (KREISE, ("Stadt;90 Jahre und mehr", "Stadt;90 und älter")),
    "blank line": (KREISE, (UNDER_3 + "\n", UNDER_3 + "\n\n")),
    "quoted cell": (KREISE, (";Insgesamt;586181;", ';Insgesamt;"586181";')),
    "no footer": (KREISE, ("__________", "")),
    "rounding": (GRUSI_2016, (";männlich;5736;2755;", ";männlich;5736;2757;")),
}


@pytest.mark.parametrize("case", NOT_CLEAN)
def test_a_file_that_is_not_clean_is_left_to_the_row_by_row_reader(tmp_path: Path, case: str) -> None:
    source, *replacements = NOT_CLEAN[case]
    path = variant(tmp_path, source, *replacements)
    assert read_body(DatencsvFile(path, layout(TABLES[source]))) is None


def test_a_broken_total_outside_the_ruhr_is_left_to_the_row_by_row_reader() -> None:
    """Landkreis Böblingen 2013 (test_genesis_reader): a warning only the row-by-row reader words."""
    assert read_body(DatencsvFile(GRUSI_2014, layout("22151-01-01-4"), loaded=lambda _: False)) is None


def test_a_gemeinde_that_does_not_add_up_to_its_kreis_is_left_to_the_row_by_row_reader(
    tmp_path: Path,
) -> None:
    line = line_of(GEMEINDEN, "05562014;")
    cells = line.split(";")
    for index in (2, 19, 20, 37):
        cells[index] = str(int(cells[index]) + 10)
    path = variant(tmp_path, GEMEINDEN, (line, ";".join(cells)))
    assert read_body(DatencsvFile(path, layout("12411-02-03-5"), hierarchy=HIERARCHY)) is None
    assert read_body(DatencsvFile(path, layout("12411-02-03-5"))) is not None  # consistent in itself


def test_rounding_widens_the_tolerance_as_row_by_row(tmp_path: Path) -> None:
    path = variant(tmp_path, GRUSI_2016, (";männlich;5736;2755;", ";männlich;5736;2757;"))
    columns, rows = both(path, "22151-01-02-4", rounding=lambda _: 5)
    assert columns == rows and len(rows) == 24


def test_an_unofficial_key_is_left_to_the_row_by_row_reader() -> None:
    def check_key(row: DatencsvRow) -> None:
        if row.area_key == "05913":
            raise UnknownAreaError(KREISE.name, "no official key", row=row.line)

    assert read_body(DatencsvFile(KREISE, layout("12411-03-03-4"), check_key=check_key)) is None


def loaded(root: Path, monkeypatch: pytest.MonkeyPatch, column_wise: bool) -> tuple[list[tuple], list[tuple]]:
    """The raw rows (without the load time) and the ingest log of the Kreis extract loaded, read column
    by column or, with `read_body` answering None, row by row."""
    with monkeypatch.context() as patch:
        if not column_wise:
            patch.setattr(genesis_loaders, "read_body", lambda _: None)
        folder = root / "landing" / SOURCE.id
        folder.mkdir(parents=True)
        shutil.copy(variant(root, KREISE, SECRET, *SYMBOLS), folder / "12411-03-03-4_2015.csv")
        load = ingest(root)
    assert not load.quarantined
    with duckdb.connect(str(root / "raw.duckdb"), read_only=True) as con:
        raw = con.execute(
            f"select area_key, status, anzahl, * exclude (loaded_at) from {SOURCE.table} order by all"
        ).fetchall()
        log = con.execute("select * exclude (loaded_at) from ingest_log").fetchall()
    return raw, log


def test_the_raw_rows_of_a_file_read_column_wise_are_those_read_row_by_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    column_wise = loaded(tmp_path / "columns", monkeypatch, column_wise=True)
    row_by_row = loaded(tmp_path / "rows", monkeypatch, column_wise=False)
    assert column_wise == row_by_row
    assert len(column_wise[0]) == CELLS  # 4 areas of the Ruhr and its reference areas, 22 rows, 9 columns
    assert ("05913", "unknown", None) in {row[:3] for row in column_wise[0]}
