"""GX Data Docs of a gate run: one page per suite run, written only under the docs directory."""

from __future__ import annotations

import html
import re
import tempfile
from pathlib import Path

import pytest

from expectations.data_docs import update_index
from expectations.suites import Suite, expectation, read_suites, suite
from expectations.validate import validate_relation
from tests.support import project_files, staging_table


@pytest.fixture
def empty_home_and_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    home, tmp = tmp_path / "home", tmp_path / "tmp"
    home.mkdir()
    tmp.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr(tempfile, "tempdir", None)  # tempfile caches the directory it found first
    return home, tmp


def page_text(path: Path) -> str:
    text = re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8"))
    return re.sub(r"\s+", " ", html.unescape(text))


def test_failed_checks_link_to_the_gx_page_of_the_run(
    tmp_path: Path, empty_home_and_tmp: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Validated in 3 chunks: the page shows one verdict per check over all 10 rows."""
    monkeypatch.setattr("expectations.validate.CHUNK_ROWS", 4)
    docs = tmp_path / "docs"
    before = project_files()

    outcomes = {
        o.check_name: o
        for o in validate_relation(
            staging_table(), read_suites()["staging.stg_genesis__bevoelkerung"], docs_dir=docs
        )
    }

    pages = {outcome.docs_page for outcome in outcomes.values()}
    assert len(pages) == 1 and None not in pages
    page = Path(pages.pop())
    assert page.is_file() and page.suffix == ".html"
    assert page.is_relative_to(docs / "validations" / "staging" / "stg_genesis__bevoelkerung")
    assert page.read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html>")
    text = page_text(page)
    assert "Expectation Suite: staging.stg_genesis__bevoelkerung" in text
    assert "Status: Failed" in text
    # anzahl_not_negative over all chunks: 2 of 10 rows (one in the first chunk, one in the last)
    assert "values must be greater than or equal to 0" in text
    assert "2 unexpected values found. 20% of 10 total rows." in text
    # status_known: the unknown status is shown
    assert "geheim" in text
    assert (outcomes["anzahl_not_negative"].success, outcomes["status_known"].success) == (False, False)
    # the index, built once the run is over, lists the page; a second call has nothing to add
    assert not (docs / "index.html").exists()
    assert update_index(docs) and not update_index(docs)
    index = docs / "index.html"
    assert page.relative_to(docs).as_posix() in index.read_text(encoding="utf-8")
    assert "anzahl_not_negative" in page_text(
        docs / "expectations" / "staging" / "stg_genesis__bevoelkerung.html"
    )

    home, tmp = empty_home_and_tmp
    assert list(home.iterdir()) == [] and list(tmp.iterdir()) == []
    assert sorted(path.name for path in tmp_path.iterdir()) == ["docs", "home", "tmp"]
    assert project_files() == before


def test_a_later_suite_keeps_the_pages_of_earlier_runs(
    tmp_path: Path, empty_home_and_tmp: tuple[Path, Path]
) -> None:
    """Each suite is validated in its own GX context; building the index must not drop the pages of
    the other suites or of earlier runs (GX removes pages its stores do not know)."""
    docs = tmp_path / "docs"
    con = staging_table()
    staging = read_suites()["staging.stg_genesis__bevoelkerung"]
    first = Path(validate_relation(con, staging, docs_dir=docs)[0].docs_page)
    con.execute("create schema marts")
    con.execute("create table marts.tiny as select * from (values (1), (1), (2)) t(id)")
    unique = suite(
        "marts.tiny",
        ["id"],
        [expectation("id_unique", "expect_column_values_to_be_unique", "One row per id.", column="id")],
    )
    (outcome,) = validate_relation(con, unique, docs_dir=docs)
    second = Path(validate_relation(con, staging, docs_dir=docs)[0].docs_page)

    assert not outcome.success and outcome.unexpected_count == 2
    pages = [first, Path(outcome.docs_page), second]
    assert len(set(pages)) == 3 and all(page.is_file() for page in pages)
    assert "values must be unique" in page_text(pages[1])
    assert update_index(docs)
    index = (docs / "index.html").read_text(encoding="utf-8")
    assert all(page.relative_to(docs).as_posix() in index for page in pages)
    home, tmp = empty_home_and_tmp
    assert list(home.iterdir()) == [] and list(tmp.iterdir()) == []


def test_without_docs_dir_nothing_is_written(tmp_path: Path, empty_home_and_tmp: tuple[Path, Path]) -> None:
    outcomes = validate_relation(staging_table(), read_suites()["staging.stg_genesis__bevoelkerung"])
    assert {outcome.docs_page for outcome in outcomes} == {None}
    assert sorted(path.name for path in tmp_path.iterdir()) == ["home", "tmp"]
    home, tmp = empty_home_and_tmp
    assert list(home.iterdir()) == [] and list(tmp.iterdir()) == []


def test_the_suite_page_follows_the_suite_and_an_unchanged_suite_stays_as_stored(
    tmp_path: Path, empty_home_and_tmp: tuple[Path, Path]
) -> None:
    """The suite page is rendered from the stored suite: a run with the same suite leaves the stored
    one as it is (its ids too), a run with a changed suite stores and shows the change."""
    docs = tmp_path / "docs"
    con = staging_table()
    con.execute("create schema marts")
    con.execute("create table marts.tiny as select * from (values (1), (2)) t(id)")

    def tiny(description: str) -> Suite:
        check = expectation(
            "id_set", "expect_column_values_to_be_in_set", description, column="id", value_set=[1, 2]
        )
        return suite("marts.tiny", ["id"], [check])

    stored = docs / "stores" / "expectation_suites" / "marts" / "tiny.json"
    validate_relation(con, tiny("Ids one or two."), docs_dir=docs)
    first = stored.read_text(encoding="utf-8")
    validate_relation(con, tiny("Ids one or two."), docs_dir=docs)
    assert stored.read_text(encoding="utf-8") == first
    validate_relation(con, tiny("Only the ids one and two."), docs_dir=docs)
    assert stored.read_text(encoding="utf-8") != first
    text = page_text(docs / "expectations" / "marts" / "tiny.html")
    assert "Only the ids one and two." in text and "Ids one or two." not in text
