"""A landed file's checksum: read once a process while the file stays as it is, read again whenever it
may have changed, even when size and mtime are those of the version read before."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from ingest import raw_store
from ingest.raw_store import file_sha256

OLD_MTIME_NS = 1_700_000_000_000_000_000  # 2023-11-14: a delivery that landed long ago


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the files `file_sha256` reads (one `hashlib.sha256` digest per file read; the tests
    compute their expected checksums with `hashlib.new`, which is not counted)."""
    counted: list[int] = []
    real: Callable[..., hashlib._Hash] = hashlib.sha256

    def counting(*args: bytes) -> hashlib._Hash:
        counted.append(1)
        return real(*args)

    monkeypatch.setattr(raw_store.hashlib, "sha256", counting)
    monkeypatch.setattr(raw_store, "_hashed", {})
    return counted


def landed(path: Path, content: bytes) -> Path:
    """Write the file and give it an old mtime, as a delivery that has been lying there since."""
    path.write_bytes(content)
    os.utime(path, ns=(OLD_MTIME_NS, OLD_MTIME_NS))
    return path


@pytest.fixture
def settled(tmp_path: Path, reads: list[int], monkeypatch: pytest.MonkeyPatch) -> Path:
    """A landed file `a.csv` (`1;2;3`) whose status changed long enough ago to be remembered: the racy
    window set to 0, so its ctime (now, a moment ago) counts as long ago."""
    monkeypatch.setattr(raw_store, "RACY_NS", 0)
    path = landed(tmp_path / "a.csv", b"1;2;3\n")
    time.sleep(0.02)
    return path


def test_a_file_whose_status_changed_long_ago_is_read_once(settled: Path, reads: list[int]) -> None:
    assert file_sha256(settled) == file_sha256(settled) == hashlib.new("sha256", b"1;2;3\n").hexdigest()
    assert len(reads) == 1


def test_a_file_written_just_now_is_read_every_time(tmp_path: Path, reads: list[int]) -> None:
    path = landed(tmp_path / "a.csv", b"1;2;3\n")  # its ctime is now: the same tick may change it again
    file_sha256(path)
    file_sha256(path)
    assert len(reads) == 2


def test_a_file_rewritten_with_the_same_size_and_mtime_is_read_again(settled: Path) -> None:
    before = file_sha256(settled)
    time.sleep(0.02)
    landed(settled, b"1;2;4\n")  # in place: same inode, same size, the old mtime restored
    assert (settled.stat().st_size, settled.stat().st_mtime_ns) == (6, OLD_MTIME_NS)
    assert before != file_sha256(settled) == hashlib.new("sha256", b"1;2;4\n").hexdigest()


def test_a_file_replaced_by_a_rename_is_read_again(settled: Path) -> None:
    file_sha256(settled)
    os.replace(landed(settled.with_name(".a.csv.part"), b"9;9;9\n"), settled)
    assert file_sha256(settled) == hashlib.new("sha256", b"9;9;9\n").hexdigest()
