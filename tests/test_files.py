"""Durable and atomic file writing (`sozialmonitor.files`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sozialmonitor.files import fsync_tree, write_text_atomically


@pytest.mark.parametrize("durable", [False, True])
def test_text_is_written_whole_beside_nothing(tmp_path: Path, durable: bool) -> None:
    """The parent is created, an old file is replaced, and no temporary file stays behind."""
    target = tmp_path / "reports" / "latest.md"
    write_text_atomically(target, "alt", durable=durable)
    write_text_atomically(target, "neu: Größe ≥ 3\n", durable=durable)
    assert target.read_bytes() == "neu: Größe ≥ 3\n".encode()
    assert sorted(path.name for path in target.parent.iterdir()) == ["latest.md"]


def test_a_failed_write_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "latest.md"
    write_text_atomically(target, "alt")
    with pytest.raises(UnicodeEncodeError):
        write_text_atomically(target, "\udcff")  # a lone surrogate cannot be written as UTF-8
    assert target.read_text(encoding="utf-8") == "alt"


def test_fsync_tree_reaches_every_file_and_folder(tmp_path: Path) -> None:
    (tmp_path / "atlas" / "indikator").mkdir(parents=True)
    (tmp_path / "atlas" / "index.html").write_text("<!DOCTYPE html>")
    (tmp_path / "atlas" / "indikator" / "a.csv").write_text("")
    fsync_tree(tmp_path / "atlas")  # raises if anything cannot be opened
