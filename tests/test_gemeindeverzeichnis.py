"""The GV100AD reader and the geography refresh, on an excerpt of the real Gemeindeverzeichnis of
30.11.2023 (tests/fixtures/gv100ad/README.md says which lines and where from)."""

from __future__ import annotations

import csv
import shutil
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from ingest.errors import LayoutError
from ingest.gemeindeverzeichnis import Gv100adFile, GvRecord
from ingest.geography import DIRECTORY_PATH, SEEDS_DIR
from ingest.geography_refresh import DirectoryRow, SeedRow, plan_refresh, write_refresh
from sozialmonitor.cli import main
from sozialmonitor.settings import DATA_DIR_ENV

FIXTURE = Path(__file__).with_name("fixtures") / "gv100ad" / "GV100AD_301123.txt"
STAND = date(2023, 11, 30)
RECKLINGHAUSEN = [
    ("05562004", "Castrop-Rauxel, Stadt"),
    ("05562008", "Datteln, Stadt"),
    ("05562012", "Dorsten, Stadt"),
    ("05562014", "Gladbeck, Stadt"),
    ("05562016", "Haltern am See, Stadt"),
    ("05562020", "Herten, Stadt"),
    ("05562024", "Marl, Stadt"),
    ("05562028", "Oer-Erkenschwick, Stadt"),
    ("05562032", "Recklinghausen, Stadt"),
    ("05562036", "Waltrop, Stadt"),
]
# The old seed's keys for the same towns, shifted from Gladbeck on (05562040 was never issued).
SHIFTED = {
    "05562014": "05562016",
    "05562016": "05562020",
    "05562020": "05562024",
    "05562024": "05562028",
    "05562028": "05562032",
    "05562032": "05562036",
    "05562036": "05562040",
}


def records(path: Path = FIXTURE) -> list[GvRecord]:
    return list(Gv100adFile(path).records())


def test_the_excerpt_reads_to_exact_records() -> None:
    read = records()
    assert Counter(record.satzart for record in read) == {
        "10": 2,
        "20": 4,
        "30": 1,
        "40": 16,
        "50": 35,
        "60": 36,
    }
    by_key = {(record.satzart, record.schluessel): record for record in read}
    assert by_key["10", "05"] == GvRecord(1, "10", STAND, "05", "Nordrhein-Westfalen", "Düsseldorf", "")
    assert by_key["20", "055"] == GvRecord(42, "20", STAND, "055", "Reg.-Bez. Münster", "Münster", "")
    assert by_key["30", "0811"] == GvRecord(90, "30", STAND, "0811", "Region Stuttgart", "Stuttgart", "")
    assert by_key["40", "05562"] == GvRecord(
        49, "40", STAND, "05562", "Recklinghausen", "Recklinghausen", "43"
    )
    assert by_key["40", "05913"] == GvRecord(74, "40", STAND, "05913", "Dortmund, Stadt", "Dortmund", "41")
    assert by_key["50", "055620024"] == GvRecord(56, "50", STAND, "055620024", "Marl, Stadt", "", "50")
    assert by_key["50", "081155001"] == GvRecord(
        92, "50", STAND, "081155001", "GVV Aidlingen/Grafenau", "Aidlingen", "56"
    )
    assert by_key["60", "05913000"] == GvRecord(76, "60", STAND, "05913000", "Dortmund, Stadt", "", "61")
    assert by_key["60", "05170004"] == GvRecord(29, "60", STAND, "05170004", "Alpen", "", "64")
    assert by_key["60", "08115054"] == GvRecord(94, "60", STAND, "08115054", "Grafenau", "", "64")
    gemeinden = [(r.schluessel, r.name) for r in read if r.satzart == "60" and r.schluessel[:5] == "05562"]
    assert gemeinden == RECKLINGHAUSEN
    assert {r.textkennzeichen for r in read if r.satzart == "60" and r.schluessel[:5] == "05562"} == {"63"}


def test_an_older_latin1_file_reads_the_same(tmp_path: Path) -> None:
    """Before about 2019 Destatis wrote the file in ISO-8859-1; positions count characters either way."""
    old = tmp_path / "GV100AD_311218.txt"
    old.write_bytes(FIXTURE.read_text(encoding="utf-8").encode("latin-1"))
    assert records(old) == records()


def _bad(tmp_path: Path, line: int, text: str) -> LayoutError:
    lines = FIXTURE.read_text(encoding="utf-8").splitlines()
    lines[line - 1] = text
    bad = tmp_path / "GV100AD_301123.txt"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(LayoutError) as caught:
        records(bad)
    return caught.value


def _line(number: int) -> str:
    return FIXTURE.read_text(encoding="utf-8").splitlines()[number - 1]


@pytest.mark.parametrize(
    ("case", "line", "edit", "column"),
    [
        ("wrong Satzart", 56, lambda text: "70" + text[2:], "Satzart (Stellen 1-2)"),
        ("short line", 49, lambda text: text[:123], "Textkennzeichen (Stellen 123-124)"),
        ("short Gemeinde", 76, lambda text: text[:60], "Name (Stellen 23-72)"),
        ("long line", 1, lambda text: text + " ", "Satzende (Stellen 221-221)"),
        ("bad date", 42, lambda text: text[:2] + "20231131" + text[10:], "Gebietsstand (Stellen 3-10)"),
        (
            "other Gebietsstand",
            94,
            lambda text: text[:2] + "20231231" + text[10:],
            "Gebietsstand (Stellen 3-10)",
        ),
        (
            "letter in a key",
            63,
            lambda text: text[:15] + "O14" + text[18:],
            "Amtlicher Gemeindeschlüssel (Stellen 11-18)",
        ),
        (
            "unknown Kreis type",
            49,
            lambda text: text[:122] + "49" + text[124:],
            "Textkennzeichen (Stellen 123-124)",
        ),
        ("no name", 29, lambda text: text[:22] + " " * 50 + text[72:], "Name (Stellen 23-72)"),
    ],
)
def test_a_bad_record_names_file_line_and_field(
    tmp_path: Path, case: str, line: int, edit: Callable[[str], str], column: str
) -> None:
    error = _bad(tmp_path, line, edit(_line(line)))
    assert (error.problem.file, error.problem.row, error.problem.column, error.problem.rule) == (
        "GV100AD_301123.txt",
        line,
        column,
        "layout",
    )


def test_a_short_record_says_how_long_it_is(tmp_path: Path) -> None:
    error = _bad(tmp_path, 49, _line(49)[:123])
    assert error.problem.message == (
        "the record has 123 characters, GV100AD records have 220: "
        "Textkennzeichen (Stellen 123-124) is cut off"
    )


def _seeds(tmp_path: Path, shifted: bool) -> Path:
    """A copy of the seeds, optionally with the old seed's shifted keys for Kreis Recklinghausen."""
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, seeds)
    if shifted:
        path = seeds / "ruhr_gemeinden.csv"
        text = path.read_text(encoding="utf-8")
        for right in sorted(SHIFTED, reverse=True):
            text = text.replace(f"{right},", f"{SHIFTED[right]},")
        path.write_text(text, encoding="utf-8")
    return seeds


def test_the_refresh_derives_the_seed_rows_the_excerpt_holds() -> None:
    refresh = plan_refresh(FIXTURE)
    with (SEEDS_DIR / "ruhr_gemeinden.csv").open(encoding="utf-8", newline="") as handle:
        committed = [SeedRow(**row) for row in csv.DictReader(handle)]
    assert refresh.kreise_without_gemeinden == ["05954", "05978"]
    assert refresh.seed == [row for row in committed if row.kreis_ags not in ("05954", "05978")]
    assert len(refresh.seed) == 34
    assert refresh.seed_changes() == []


def test_the_refresh_finds_the_shifted_keys(tmp_path: Path) -> None:
    refresh = plan_refresh(FIXTURE, seeds_dir=_seeds(tmp_path, shifted=True))
    ks = "05562, kreisangehörige Stadt"
    assert refresh.seed_changes() == [
        f"+ 05562014 Gladbeck ({ks})",
        f"- 05562040 Waltrop ({ks})",
        f"~ 05562016 Gladbeck ({ks})  ->  05562016 Haltern am See ({ks})",
        f"~ 05562020 Haltern am See ({ks})  ->  05562020 Herten ({ks})",
        f"~ 05562024 Herten ({ks})  ->  05562024 Marl ({ks})",
        f"~ 05562028 Marl ({ks})  ->  05562028 Oer-Erkenschwick ({ks})",
        f"~ 05562032 Oer-Erkenschwick ({ks})  ->  05562032 Recklinghausen ({ks})",
        f"~ 05562036 Recklinghausen ({ks})  ->  05562036 Waltrop ({ks})",
    ]


def test_the_refresh_derives_the_directory_rows_the_excerpt_holds() -> None:
    refresh = plan_refresh(FIXTURE)
    rows = {row.schluessel: row for row in refresh.directory}
    assert Counter(row.ebene for row in refresh.directory) == {
        "land": 2,
        "regierungsbezirk": 4,
        "kreis": 16,
        "gemeinde": 34,  # NRW's only: Aidlingen and Grafenau are no rows of the directory
    }
    assert rows["05562"] == DirectoryRow("05562", "Recklinghausen", "kreis", "GV100AD 30.11.2023")
    assert rows["059"] == DirectoryRow("059", "Reg.-Bez. Arnsberg", "regierungsbezirk", "GV100AD 30.11.2023")
    assert rows["05562024"] == DirectoryRow("05562024", "Marl, Stadt", "gemeinde", "GV100AD 30.11.2023")
    # every name agrees with the 2015 one it replaces ("Marl, Westf" / "Marl, Stadt")
    assert refresh.directory_changes() == ([], 39)


def test_a_partial_file_is_not_written(tmp_path: Path) -> None:
    seeds, directory = _seeds(tmp_path, shifted=True), tmp_path / "gebietsverzeichnis.csv"
    shutil.copy(DIRECTORY_PATH, directory)
    before = (seeds / "ruhr_gemeinden.csv").read_bytes(), directory.read_bytes()
    refresh = plan_refresh(FIXTURE, seeds_dir=seeds, directory=directory)
    with pytest.raises(LayoutError, match="no Gemeinden of Ruhr Kreis 05954, 05978"):
        write_refresh(refresh, seeds_dir=seeds, directory=directory)
    assert ((seeds / "ruhr_gemeinden.csv").read_bytes(), directory.read_bytes()) == before


def test_write_rewrites_seed_and_directory(tmp_path: Path) -> None:
    """With the two Kreise the excerpt has no Gemeinden of left out of the Ruhr, it is complete."""
    seeds, directory = _seeds(tmp_path, shifted=True), tmp_path / "gebietsverzeichnis.csv"
    shutil.copy(DIRECTORY_PATH, directory)
    kreise = (seeds / "ruhr_kreise.csv").read_text(encoding="utf-8").splitlines()
    (seeds / "ruhr_kreise.csv").write_text(
        "\n".join(line for line in kreise if not line.startswith(("05954", "05978"))) + "\n", encoding="utf-8"
    )
    write_refresh(
        plan_refresh(FIXTURE, seeds_dir=seeds, directory=directory), seeds_dir=seeds, directory=directory
    )
    with (seeds / "ruhr_gemeinden.csv").open(encoding="utf-8", newline="") as handle:
        written = [(row["ags"], row["name"]) for row in csv.DictReader(handle) if row["kreis_ags"] == "05562"]
    assert written == [(key, name.removesuffix(", Stadt")) for key, name in RECKLINGHAUSEN]
    with directory.open(encoding="utf-8", newline="") as handle:
        rows = {row["schluessel"]: row for row in csv.DictReader(handle)}
    assert len(rows) == 929  # nothing dropped: keys the file lacks stay
    assert (rows["05562"]["name"], rows["05562"]["quelle"]) == ("Recklinghausen", "GV100AD 30.11.2023")
    assert (rows["DG"]["name"], rows["DG"]["quelle"]) == ("Deutschland", "12411-03-03-4 31.12.2015")
    assert list(rows)[:3] == ["DG", "01", "01001"]


def test_the_command_prints_what_differs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "data"))
    assert main(["geography", "--gv100ad", str(FIXTURE)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:4] == [
        "GV100AD_301123.txt: Gebietsstand 30.11.2023",
        "ruhr_gemeinden.csv: 34 Gemeinden derived, 0 differences",
        "  the file has no Gemeinden of 05954, 05978: their rows are not compared",
        "gebietsverzeichnis.csv: 56 keys in the file, 0 differences, 39 names spelt differently only",
    ]
    assert out[4].startswith("  873 keys not in the file, kept: 01 01001 ")
    bad = tmp_path / "GV100AD_301123.txt"
    bad.write_text("70" + _line(1)[2:] + "\n", encoding="utf-8")
    assert main(["geography", "--gv100ad", str(bad)]) == 2
    assert capsys.readouterr().err == (
        "sozialmonitor geography: GV100AD_301123.txt, row 1, column Satzart (Stellen 1-2): unknown Satzart "
        "'70': GV100AD has 10, 20, 30, 40, 50, 60 [rule: layout]\n"
    )
