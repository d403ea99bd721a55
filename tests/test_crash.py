"""Killed at any moment, a refresh never leaves a partial publication (write–audit–publish), and the
next refresh publishes (bench/soak.py is the long version: `make soak`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.soak import soak, table
from sozialmonitor.settings import DataPaths


@pytest.mark.slow  # four whole refreshes on the bundled sample, three of them killed
def test_refreshes_killed_at_random_moments_leave_current_whole_and_the_next_publishes(
    tmp_path: Path,
) -> None:
    attempts, full, final = soak(DataPaths(tmp_path / "data"), kills=3, seed=14)
    summary = table(attempts, full, final)
    assert [attempt.problems for attempt in attempts] == [[], [], []], summary
    assert not [attempt.exit_code for attempt in attempts if attempt.exit_code], summary  # none failed
    assert any(attempt.killed_after is not None for attempt in attempts), summary
    assert final, summary
