"""A source's files reach the raw store together (`ingest/staging.py`): the accepted ones committed in
one transaction per bounded batch. What one file per transaction guaranteed must still hold: a bad file
changes nothing, a changed file replaces its previous rows, the store never holds half a file, a failed
commit leaves the store as it was before it."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from ingest import genesis_loaders, staging
from ingest.genesis_loaders import DatencsvLoader
from ingest.geography import RuhrGeography
from ingest.landing import SourceLoad, ingest_source
from ingest.loaders import LoadStats, Provenance
from ingest.raw_store import LoggedFile, RawStore, file_sha256
from ingest.registry import Source, load_registry
from ingest.staging import StagedFiles

GOLDEN = Path(__file__).with_name("fixtures") / "genesis" / "12411-03-03-4_2015_extract.csv"
SOURCE = load_registry().get("genesis_12411_bevoelkerung")
CELLS = 4 * 22 * 9  # of GOLDEN: 4 areas kept (Münster is outside the Ruhr), 22 rows, 9 value columns
ORIGINAL_LOAD = DatencsvLoader.load


def land(root: Path, *names: str) -> list[Path]:
    folder = root / "landing" / SOURCE.id
    folder.mkdir(parents=True, exist_ok=True)
    return [Path(shutil.copy(GOLDEN, folder / name)) for name in names]


def break_value(path: Path) -> None:
    """A letter in a count (line 118, column 6): the reader rejects the file (rule value_format)."""
    path.write_bytes(path.read_bytes().replace(b";586181;287846;", b";586181;2878A6;"))


def ingest(root: Path) -> SourceLoad:
    store = RawStore(root / "raw.duckdb")
    return ingest_source(SOURCE, root / "landing", store, RuhrGeography.from_seeds(), root / "quarantine")


def rows(root: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(root / "raw.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def files_in_store(root: Path) -> list[tuple]:
    """Per file: the raw rows, their sha256s, and the sha256 of the ingest log (None if not logged)."""
    return rows(
        root,
        f"""select raw.file_name, count(*), list_sort(list_distinct(list(raw.file_sha256))),
                   any_value(log.file_sha256)
            from {SOURCE.table} raw left join ingest_log log using (source_id, file_name)
            group by all order by 1""",
    )


def test_good_files_load_and_the_bad_one_among_them_is_quarantined(tmp_path: Path) -> None:
    good_a, bad, good_c = land(tmp_path, "a_2015.csv", "b_2015.csv", "c_2015.csv")
    break_value(bad)

    load = ingest(tmp_path)

    [moved] = load.quarantined
    assert (moved.problem.file, moved.problem.row, moved.problem.rule) == ("b_2015.csv", 118, "value_format")
    assert load.rows_loaded == 2 * CELLS
    sha = file_sha256(GOLDEN)
    assert files_in_store(tmp_path) == [("a_2015.csv", CELLS, [sha], sha), ("c_2015.csv", CELLS, [sha], sha)]
    assert rows(tmp_path, "select count(*) from ingest_log") == [(2,)]
    assert good_a.exists() and good_c.exists() and not bad.exists()


def test_a_changed_file_is_replaced_in_the_same_commit_as_a_new_one(tmp_path: Path) -> None:
    [changed] = land(tmp_path, "a_2015.csv")
    ingest(tmp_path)
    lines = changed.read_text(encoding="utf-8").split("\n")
    changed.write_text("\n".join(line for line in lines if ";05562;" not in line), encoding="utf-8")
    land(tmp_path, "b_2015.csv")

    load = ingest(tmp_path)

    assert [(file.file_name, file.rows_loaded) for file in load.loaded] == [
        ("a_2015.csv", 3 * 22 * 9),  # Recklinghausen (05562) left out: 3 areas
        ("b_2015.csv", CELLS),
    ]
    new, golden = file_sha256(changed), file_sha256(GOLDEN)
    assert files_in_store(tmp_path) == [
        ("a_2015.csv", 3 * 22 * 9, [new], new),
        ("b_2015.csv", CELLS, [golden], golden),
    ]
    # b was loaded after a, whose new version lacks Recklinghausen: b is compared with that version
    assert not [warning for warning in load.warnings if warning.rule == "area_missing_since_previous"]


def test_a_file_whose_insert_fails_leaves_none_of_its_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A row the raw table refuses (NULL in a NOT NULL column) inserted by the file's own statement, as a
    batch of a large file is, after the file's good rows were staged."""
    land(tmp_path, "a_2015.csv", "b_2015.csv", "c_2015.csv")
    after_load(monkeypatch, "b_2015.csv", insert_a_refused_row)

    result = ingest(tmp_path)

    [moved] = result.quarantined
    assert (moved.problem.file, moved.problem.rule) == ("b_2015.csv", "unreadable")
    assert "NOT NULL constraint failed" in moved.problem.message
    assert [name for name, *_ in files_in_store(tmp_path)] == ["a_2015.csv", "c_2015.csv"]
    assert rows(tmp_path, f"select count(*) from {SOURCE.table}") == [(2 * CELLS,)]
    # the refused insert aborted the transaction that held a's rows: a was loaded again, once
    assert [(file.file_name, file.rows_loaded) for file in result.loaded] == [
        ("a_2015.csv", CELLS),
        ("c_2015.csv", CELLS),
    ]


def test_a_file_that_fails_after_its_rows_were_buffered_leaves_none_of_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """b fails once its rows wait in the buffer between a's and c's: a and c load, b leaves nothing."""
    land(tmp_path, "a_2015.csv", "b_2015.csv", "c_2015.csv")
    after_load(monkeypatch, "b_2015.csv", fail_after_handing_over)

    result = ingest(tmp_path)

    [moved] = result.quarantined
    assert (moved.problem.file, moved.problem.rule) == ("b_2015.csv", "unreadable")
    sha = file_sha256(GOLDEN)
    assert files_in_store(tmp_path) == [("a_2015.csv", CELLS, [sha], sha), ("c_2015.csv", CELLS, [sha], sha)]


@pytest.mark.parametrize("buffer_cells", [staging.BUFFER_CELLS, 2 * CELLS])
def test_a_refused_buffer_loads_its_files_one_by_one_and_only_the_refused_file_is_quarantined(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, buffer_cells: int
) -> None:
    """c's buffered rows hold a NULL key, which the raw table refuses when the buffer of several files
    is inserted (a, b, c, d in one buffer; or a, b in one and c, d in the next): the files of the
    rolled-back transaction load again one insert each, and c alone is quarantined."""
    land(tmp_path, "a_2015.csv", "b_2015.csv", "c_2015.csv", "d_2015.csv")
    monkeypatch.setattr(staging, "BUFFER_CELLS", buffer_cells)
    null_key_in_rows_of(monkeypatch, "c_2015.csv")

    result = ingest(tmp_path)

    [moved] = result.quarantined
    assert (moved.problem.file, moved.problem.rule) == ("c_2015.csv", "unreadable")
    assert "NOT NULL constraint failed" in moved.problem.message
    assert [(file.file_name, file.rows_loaded) for file in result.loaded] == [
        ("a_2015.csv", CELLS),
        ("b_2015.csv", CELLS),
        ("d_2015.csv", CELLS),
    ]
    sha = file_sha256(GOLDEN)
    assert files_in_store(tmp_path) == [
        (name, CELLS, [sha], sha) for name in ("a_2015.csv", "b_2015.csv", "d_2015.csv")
    ]


def test_a_buffer_refused_while_a_file_reads_the_previous_delivery_does_not_blame_that_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """a's buffered rows hold a NULL key; b fails after its rows were buffered, so c is compared with a,
    whose rows c's load reads back: that insert of the buffer is refused while c loads. a alone is
    quarantined for it, b for its own failure, and c loads."""
    land(tmp_path, "a_2015.csv", "b_2015.csv", "c_2015.csv")
    null_key_in_rows_of(monkeypatch, "a_2015.csv")
    after_load(monkeypatch, "b_2015.csv", fail_after_handing_over)

    result = ingest(tmp_path)

    assert [(moved.problem.file, moved.problem.rule) for moved in result.quarantined] == [
        ("a_2015.csv", "unreadable"),
        ("b_2015.csv", "unreadable"),
    ]
    assert "NOT NULL constraint failed" in result.quarantined[0].problem.message
    sha = file_sha256(GOLDEN)
    assert files_in_store(tmp_path) == [("c_2015.csv", CELLS, [sha], sha)]


def test_commits_are_bounded_and_a_failed_commit_keeps_the_ones_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two files a commit (2 x 792 rows): a, b committed; c, d staged, their commit fails with a full disk."""
    land(tmp_path, "a_2015.csv", "b_2015.csv", "c_2015.csv", "d_2015.csv")
    monkeypatch.setattr(staging, "STAGE_MAX_ROWS", 2 * CELLS)
    original_commit, commits = StagedFiles.commit, []

    def commit(self: StagedFiles) -> None:
        commits.append(sorted(self.pending))
        if len(commits) == 2:
            raise duckdb.IOException("could not write: No space left on device")
        original_commit(self)

    monkeypatch.setattr(StagedFiles, "commit", commit)

    with pytest.raises(duckdb.IOException):
        ingest(tmp_path)

    assert commits == [["a_2015.csv", "b_2015.csv"], ["c_2015.csv", "d_2015.csv"]]
    assert [name for name, *_ in files_in_store(tmp_path)] == ["a_2015.csv", "b_2015.csv"]
    assert rows(tmp_path, "select file_name from ingest_log order by 1") == [("a_2015.csv",), ("b_2015.csv",)]
    assert not (tmp_path / "quarantine").exists()

    monkeypatch.setattr(StagedFiles, "commit", original_commit)
    again = ingest(tmp_path)  # the next run loads what the failed commit left in the landing folder

    assert [file.file_name for file in again.loaded] == ["c_2015.csv", "d_2015.csv"]
    assert rows(tmp_path, f"select count(*) from {SOURCE.table}") == [(4 * CELLS,)]
    assert again.files_in_store == 4


def test_the_previous_delivery_may_still_be_staged(tmp_path: Path) -> None:
    """A file is compared with the file loaded before it, whether that one is committed or not; each
    load here by a new loader, which remembers no areas of its own."""
    land(tmp_path, "a_2015.csv")
    ingest(tmp_path)  # a in the store
    b, c = land(tmp_path, "b_2015.csv", "c_2015.csv")
    lines = c.read_text(encoding="utf-8").split("\n")
    c.write_text("\n".join(line for line in lines if ";05562;" not in line), encoding="utf-8")
    with RawStore(tmp_path / "raw.duckdb").connect() as con:
        staged = StagedFiles(con, SOURCE.id, SOURCE.table)
        warnings = {path.name: stage(staged, path) for path in (b, c)}
        assert staged.previous_delivery(c.name).file_name == b.name  # not committed
        assert staged.areas_of(staged.pending[b.name].file) == staged.areas_of(staged.held["a_2015.csv"])

    assert warnings == {
        b.name: [],
        c.name: ["05562 (Recklinghausen, Kreis) was in the previous delivery b_2015.csv and is missing now"],
    }


def stage(staged: StagedFiles, path: Path) -> list[str]:
    """Stage the file as `ingest_source` does; the messages of its warnings about areas
    of the previous delivery."""
    sha, now = file_sha256(path), datetime.now(UTC).replace(tzinfo=None)
    with staged.file(path.name, sha):
        stats = DatencsvLoader(RuhrGeography.from_seeds()).load(
            staged, SOURCE, path, Provenance(SOURCE.id, path.name, sha, now)
        )
    staged.accept(LoggedFile(path.name, sha, stats.rows_loaded, stats.source_rows_skipped, now), None)
    return [warning.message for warning in stats.warnings if warning.rule == "area_missing_since_previous"]


def after_load(
    monkeypatch: pytest.MonkeyPatch, name: str, then: Callable[[StagedFiles, Source, Path], None]
) -> None:
    """The loader, with `then` run after the file `name` has loaded (its rows handed over)."""

    def load(
        self: DatencsvLoader, staged: StagedFiles, source: Source, path: Path, provenance: Provenance
    ) -> LoadStats:
        stats = ORIGINAL_LOAD(self, staged, source, path, provenance)
        if path.name == name:
            then(staged, source, path)
        return stats

    monkeypatch.setattr(DatencsvLoader, "load", load)


def fail_after_handing_over(staged: StagedFiles, source: Source, path: Path) -> None:
    raise ValueError("a rule that failed after the rows were handed over")


def insert_a_refused_row(staged: StagedFiles, source: Source, path: Path) -> None:
    """A row the raw table refuses (NULL in NOT NULL columns), by the file's own statement."""
    staged.con.execute(
        f"insert into {staged.table} (source_id, file_name) values (?, ?)", [source.id, path.name]
    )


def null_key_in_rows_of(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """The file `name`'s first cell handed over with no area key, which the raw table refuses."""
    original_columns = genesis_loaders._CellInserter._columns

    def columns(self: genesis_loaders._CellInserter) -> dict:
        batch = original_columns(self)
        if self.provenance.file_name == name:
            batch["area_key"] = [None, *batch["area_key"][1:]]
        return batch

    monkeypatch.setattr(genesis_loaders._CellInserter, "_columns", columns)
