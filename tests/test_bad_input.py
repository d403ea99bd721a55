"""Bad deliveries of every family, landed together into a copy of the refreshed sample: each one ends in
quarantine with a report that names its file, rule, row and column, the other deliveries still load, and
the published version stays the one that was current (nothing good was new, so nothing is published).

Each bad file is a copy of a real-format sample file with one thing broken, the way a download, an
export or a careless edit breaks it. The flat-file cases land in a source of their own (no registered
source is delivered as ffcsv), ingested beside the night's refresh.
"""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import openpyxl
import pytest

from ingest.geography import RuhrGeography
from ingest.landing import ingest_source
from ingest.raw_store import RawStore
from orchestration.refresh import run_refresh
from sozialmonitor.publication import current_version
from sozialmonitor.refresh_summary import format_summary
from sozialmonitor.run_outcome import RefreshOutcome
from sozialmonitor.settings import DATA_DIR_ENV, DataPaths
from tests.support import FLAT_SOURCE, sha256

KREISE = ("genesis_12411_bevoelkerung", "12411-03-03-4_2022-12-31.csv")
GEMEINDEN = ("genesis_12411_bevoelkerung_gemeinden", "12411-02-03-5_2022-12-31.csv")
GRUNDSICHERUNG = ("genesis_22151_grundsicherung", "22151-01-02-4_2022-12-31.csv")
BA = ("ba_gemeindedaten", "gemeindedaten_nrw_2022-12.xlsx")
DORTMUND = ("stadt_dortmund", "dortmund_kleinraeume_2022.csv")
KITA = ("kommunale_meldungen_dortmund", "jugendamt_05913_kita_2022.csv")
FLAT = Path(__file__).with_name("fixtures") / "genesis" / "12411-01-01-4_v4_de_flat.csv"


def replace(old: str, new: str, count: int = 1) -> Callable[[str], str]:
    def edit(text: str) -> str:
        assert old in text, old
        return text.replace(old, new, count)

    return edit


def line_edit(
    predicate: Callable[[str], bool], edit: Callable[[list[str]], list[str]]
) -> Callable[[str], str]:
    """Edit the first line the predicate picks, as a list of its fields."""

    def apply(text: str) -> str:
        lines = text.split("\n")
        index = next(number for number, line in enumerate(lines) if predicate(line))
        lines[index] = ";".join(edit(lines[index].split(";")))
        return "\n".join(lines)

    return apply


def duplicate(predicate: Callable[[str], bool], field: int, delta: int) -> Callable[[str], str]:
    """Repeat the first line the predicate picks below itself, one field changed by `delta` (0: the same)."""

    def apply(text: str) -> str:
        lines = text.split("\n")
        index = next(number for number, line in enumerate(lines) if predicate(line))
        fields = lines[index].split(";")
        fields[field] = str(int(fields[field]) + delta)
        lines.insert(index + 1, ";".join(fields))
        return "\n".join(lines)

    return apply


def add(field: int, delta: int) -> Callable[[list[str]], list[str]]:
    def edit(fields: list[str]) -> list[str]:
        fields[field] = str(int(fields[field]) + delta)
        return fields

    return edit


def dortmund_row(age: str) -> Callable[[str], bool]:
    return lambda line: ";05913;" in line and f";{age};" in line


@dataclass(frozen=True)
class Case:
    name: str
    source: str
    file: str  # name of the bad file in the landing folder
    base: str | None  # the sample file it is made from (None: made from nothing)
    edit: Callable[[str], str] | None  # a text edit of the base; or
    build: Callable[[bytes], bytes] | None  # a binary one
    rule: str
    words: str  # in the report's finding
    row: int | None = None


def text_case(name, where, edit, rule, words, row=None, encoding="utf-8"):  # type: ignore[no-untyped-def]
    source, base = where
    return Case(name, source, f"bad_{name}.{base.rsplit('.', 1)[1]}", base, edit, None, rule, words, row)


def binary_case(name, where, build, rule, words, suffix=None):  # type: ignore[no-untyped-def]
    source, base = where
    return Case(
        name, source, f"bad_{name}.{suffix or base.rsplit('.', 1)[1]}", base, None, build, rule, words
    )


def zip_bomb(_: bytes) -> bytes:
    """A ZIP whose one member inflates 20 MiB of zeros from a few KB (ratio far above 200)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("gemeindedaten.xml", b"\0" * (20 * 2**20))
    return buffer.getvalue()


def zip_slip(base: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../../etc/gemeindedaten.xml", base[:100])
    return buffer.getvalue()


def workbook_edit(cell: str, value: object) -> Callable[[bytes], bytes]:
    def build(base: bytes) -> bytes:
        book = openpyxl.load_workbook(io.BytesIO(base))
        book.active[cell] = value
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()

    return build


def ten_megabyte_line(base: bytes) -> bytes:
    head, _, tail = base.partition(b"\n")
    return head + b"\n" + b"05913;" + b"9" * (10 * 2**20) + b"\n" + tail


CASES = [
    # GENESIS datencsv, 12411-03-03-4 (Kreise)
    text_case(
        "duplicate_row",
        KREISE,
        duplicate(dortmund_row("unter 3 Jahre"), 5, 0),
        "duplicate_key",
        "twice, with the same values",
    ),
    text_case(
        "duplicate_other_value",
        KREISE,
        duplicate(dortmund_row("unter 3 Jahre"), 5, 1),
        "duplicate_key",
        "twice, with different values",
    ),
    text_case(
        "key_nobody_issued",
        KREISE,
        line_edit(dortmund_row("20 bis unter 25 Jahre"), lambda f: [f[0], "05999", *f[2:]]),
        "unknown_area",
        "'05999' is no official German key",
    ),
    text_case(
        "key_lost_its_zero",
        KREISE,
        line_edit(dortmund_row("20 bis unter 25 Jahre"), lambda f: [f[0], "5913", *f[2:]]),
        "unknown_area",
        "'5913' is no official German key",
    ),
    text_case(
        "age_group_missing",
        KREISE,
        line_edit(dortmund_row("20 bis unter 25 Jahre"), lambda f: []),
        "incomplete_area",
        "1 of 22 rows missing (20 bis unter 25 Jahre)",
    ),
    text_case(
        "field_missing",
        KREISE,
        line_edit(dortmund_row("20 bis unter 25 Jahre"), lambda f: f[:-1]),
        "layout",
        "expected 13 fields",
    ),
    text_case(
        "cell_changed",
        KREISE,
        line_edit(dortmund_row("20 bis unter 25 Jahre"), add(5, 7)),
        "totals",
        "but its parts add up to",
    ),
    text_case(
        "another_table",
        KREISE,
        replace("GENESIS-Tabelle: 12411-03-03-4", "GENESIS-Tabelle: 12411-02-03-5"),
        "description",
        "belongs in landing/genesis_12411_bevoelkerung_gemeinden/",
        1,
    ),
    text_case(
        "another_depth",
        KREISE,
        replace("regionale Tiefe: Kreise und krfr. Städte", "regionale Tiefe: Gemeinden"),
        "description",
        "regionale Tiefe: Gemeinden",
        4,
    ),
    text_case(
        "another_unit",
        KREISE,
        replace("Bevölkerungsstand (Anzahl)", "Bevölkerungsstand (Prozent)"),
        "description",
        "unit 'Prozent'",
        6,
    ),
    text_case(
        "half_year_stichtag",
        KREISE,
        replace("31.12.2022;05913", "30.06.2022;05913"),
        "reference_date",
        "31.12.",
    ),
    text_case(
        "renamed_header",
        KREISE,
        replace(
            "Ausländer(innen);Ausländer(innen);Ausländer(innen)",
            "Ausländer(innen);Ausländerinnen;Ausländer(innen)",
        ),
        "layout",
        "header label 'Ausländerinnen'",
        7,
    ),
    text_case(
        "text_in_count",
        KREISE,
        line_edit(dortmund_row("unter 3 Jahre"), lambda f: [*f[:5], "12.5OO", *f[6:]]),
        "value_format",
        "'12.5OO' is neither",
    ),
    text_case(
        "truncated",
        KREISE,
        lambda text: text[: text.index("__________")],
        "layout",
        "without the GENESIS footer",
    ),
    text_case(
        "no_data_rows",
        KREISE,
        lambda text: text[: text.index("31.12.2022")] + text[text.index("__________") :],
        "layout",
        "no data rows",
    ),
    binary_case("empty", KREISE, lambda _: b"", "layout", "empty file"),
    binary_case(
        "binary_garbage", KREISE, lambda _: bytes(range(256)) * 64, "layout", "line 1 should name the table"
    ),
    binary_case("ten_megabyte_line", KREISE, ten_megabyte_line, "line_too_long", "limits.max_line_bytes"),
    binary_case("zip_bomb_as_csv", KREISE, zip_bomb, "archive", "gemeindedaten.xml"),
    # GENESIS datencsv, 12411-02-03-5 (Gemeinden)
    text_case(
        "shifted_key",
        GEMEINDEN,
        replace("05562032;        Recklinghausen", "05562032;        Oer-Erkenschwick"),
        "area_name",
        "officially 'Recklinghausen'",
    ),
    text_case(
        "gemeinde_off_its_kreis",
        GEMEINDEN,
        line_edit(
            lambda line: line.startswith("05562014;"),
            lambda f: [
                *f[:2],
                *(str(int(v) + 10) if i in (0, 17, 18, 35) else v for i, v in enumerate(f[2:])),
            ],
        ),
        "totals",
        "area 05562 (Recklinghausen, Kreis)",
    ),
    text_case(
        "gemeinde_missing_its_stichtag",
        GEMEINDEN,
        replace("31.12.2022;;", ";;"),
        "layout",
        "before the line that gives its Stichtag",
    ),
    # GENESIS datencsv, 22151-01-02-4 (rounded to 5 since 2020: a part off by 50 is beyond it)
    text_case(
        "grundsicherung_part_changed",
        GRUNDSICHERUNG,
        line_edit(lambda line: ";05913;" in line and ";männlich;" in line, add(5, 50)),
        "totals",
        "rounding allows",
    ),
    text_case(
        "grundsicherung_year_missing",
        GRUNDSICHERUNG,
        replace("2022;05913", ";05913"),
        "layout",
        "expected a data row 'Stichtag;Schlüssel;Name;Geschlecht;<11 Werte>'",
    ),
    # BA workbooks
    binary_case("ba_text_in_count", BA, workbook_edit("C8", "ca. 40000"), "value_format", "ca. 40000"),
    binary_case("ba_renamed_header", BA, workbook_edit("A5", "Gebiet"), "layout", "no header row"),
    binary_case("ba_zip_bomb", BA, zip_bomb, "archive", "gemeindedaten.xml"),
    binary_case("ba_zip_slip", BA, zip_slip, "archive", "../../etc/gemeindedaten.xml"),
    binary_case(
        "ba_not_a_workbook",
        BA,
        lambda base: b"Regionalschl\xfcssel;Gemeinde\n05913000;Dortmund\n",
        "layout",
        "workbook",
    ),
    # a city's small areas
    text_case(
        "city_unknown_area",
        DORTMUND,
        replace("\n03;Innenstadt-Ost", "\n13;Innenstadt-Ost"),
        "unknown_area",
        "13",
    ),
    text_case(
        "city_duplicate_area",
        DORTMUND,
        replace("\n03;Innenstadt-Ost", "\n02;Innenstadt-Ost"),
        "duplicate_key",
        "02",
    ),
    text_case(
        "city_negative_count",
        DORTMUND,
        line_edit(lambda line: line.startswith("02;"), lambda f: [*f[:4], "-" + f[4], *f[5:]]),
        "negative_count",
        "-",
    ),
    text_case(
        "city_wrong_stichtag", DORTMUND, replace("31.12.2022", "30.06.2022"), "reference_date", "30.06.2022"
    ),
    # a Jugendamt's submission
    text_case(
        "submission_outside_its_territory",
        KITA,
        replace(
            "05913000;Dortmund;01.03.2022;kita_betreut_unter_3",
            "05911000;Bochum;01.03.2022;kita_betreut_unter_3",
        ),
        "unknown_area",
        "05911000",
    ),
    text_case(
        "submission_wrong_stichtag",
        KITA,
        replace(
            "05913000;Dortmund;01.03.2022;kita_betreut_unter_3",
            "05913000;Dortmund;31.12.2022;kita_betreut_unter_3",
        ),
        "reference_date",
        "31.12.2022",
    ),
    text_case(
        "submission_unknown_merkmal",
        KITA,
        replace(";kita_betreut_unter_3;", ";kita_betreut_unter_1;"),
        "layout",
        "kita_betreut_unter_1",
    ),
]
FLAT_CASES = [
    (
        "flat_duplicate",
        replace(";GESM;männlich;292178", ";GESW;weiblich;292178"),
        "duplicate_key",
        "delivered twice",
    ),
    (
        "flat_total_off",
        replace(";GESM;männlich;292178", ";GESM;männlich;292179"),
        "totals",
        "2 parts add up to 595472",
    ),
    (
        "flat_other_statistic",
        replace("\n12411;Fortschreibung", "\n12421;Fortschreibung"),
        "description",
        "this is statistic 12421",
    ),
    ("flat_text_in_value", replace(";595471", ";595.47l"), "value_format", "595.47l"),
]


@dataclass(frozen=True)
class Night:
    paths: DataPaths
    outcome: RefreshOutcome
    version_before: str | None
    published_before: str
    flat_load: object


@pytest.fixture(scope="module")
def night(refreshed_sample: DataPaths, tmp_path_factory: pytest.TempPathFactory) -> Night:
    root = tmp_path_factory.mktemp("bad_input") / "data"
    shutil.copytree(refreshed_sample.root, root, symlinks=True)
    paths = DataPaths(root)
    for case in CASES:
        folder = paths.landing / case.source
        base = (folder / case.base).read_bytes() if case.base else b""
        data = case.edit(base.decode("utf-8")).encode("utf-8") if case.edit else case.build(base)  # type: ignore[misc]
        (folder / case.file).write_bytes(data)
    (paths.landing / "genesis_12411_bevoelkerung" / "Lieferung 2024.zip").write_bytes(
        b"PK\x05\x06" + b"\0" * 18
    )
    flat = paths.landing / FLAT_SOURCE.id
    flat.mkdir()
    text = FLAT.read_text(encoding="utf-8")
    for name, edit, _, _ in FLAT_CASES:
        (flat / f"{name}_flat.csv").write_text(edit(text), encoding="utf-8")
    version_before = current_version(paths)
    published_before = sha256(paths.published_db)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(DATA_DIR_ENV, str(root))
        outcome = run_refresh(paths)
        flat_load = ingest_source(
            FLAT_SOURCE, paths.landing, RawStore(paths.raw_db), RuhrGeography.from_seeds(), paths.quarantine
        )
    return Night(paths, outcome, version_before, published_before, flat_load)


def report_of(paths: DataPaths, source: str, file: str) -> dict[str, object]:
    [report] = (paths.quarantine / source).glob(f"*__{file}.report.json")
    return json.loads(report.read_text(encoding="utf-8"))


def test_there_are_thirty_and_more_cases_over_every_family() -> None:
    assert len(CASES) + len(FLAT_CASES) >= 30
    assert {case.source for case in CASES} == {
        KREISE[0],
        GEMEINDEN[0],
        GRUNDSICHERUNG[0],
        BA[0],
        DORTMUND[0],
        KITA[0],
    }


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_a_bad_delivery_ends_in_quarantine_with_a_report_naming_it(night: Night, case: Case) -> None:
    folder = night.paths.quarantine / case.source
    assert not (night.paths.landing / case.source / case.file).exists()
    assert len(list(folder.glob(f"*__{case.file}"))) == 1  # the file itself, moved
    report = report_of(night.paths, case.source, case.file)
    assert (report["file"], report["rule"]) == (case.file, case.rule), report
    assert case.words in str(report["message"]), report
    if case.row is not None:
        assert report["row"] == case.row
    markdown = next(folder.glob(f"*__{case.file}.report.md")).read_text(encoding="utf-8")
    assert case.file in markdown and case.rule in markdown


@pytest.mark.parametrize(("name", "edit", "rule", "words"), FLAT_CASES, ids=[case[0] for case in FLAT_CASES])
def test_a_bad_flat_file_ends_in_quarantine_with_a_report_naming_it(
    night: Night, name, edit, rule, words
) -> None:  # type: ignore[no-untyped-def]
    report = report_of(night.paths, FLAT_SOURCE.id, f"{name}_flat.csv")
    assert (report["rule"], words in str(report["message"])) == (rule, True), report


def test_nothing_bad_reached_the_warehouse_and_the_published_version_is_unchanged(night: Night) -> None:
    assert night.outcome.success and not night.outcome.published  # nothing new: no build, no publication
    assert current_version(night.paths) == night.version_before
    assert sha256(night.paths.published_db) == night.published_before
    with duckdb.connect(str(night.paths.raw_db), read_only=True) as con:
        logged = {name for (name,) in con.execute("select file_name from ingest_log").fetchall()}
    assert logged.isdisjoint({case.file for case in CASES} | {f"{name}_flat.csv" for name, *_ in FLAT_CASES})
    assert "12411-01-01-4_v4_de_flat.csv" not in logged and len(logged) > 300  # the good ones stay


def test_a_file_that_fits_no_pattern_is_named_not_moved(night: Night) -> None:
    assert (night.paths.landing / "genesis_12411_bevoelkerung" / "Lieferung 2024.zip").exists()
    assert "Lieferung 2024.zip" in format_summary(night.outcome, night.paths)
