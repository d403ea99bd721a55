"""dbt in a forked child behaves, for dagster-dbt, like the `dbt` executable: the same output lines on
the same pipe, the same exit codes (orchestration/defs/transform/forked_dbt.py)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from dagster_dbt.core import dbt_cli_invocation

from orchestration.defs.transform.assets import DBT_EXECUTABLE
from orchestration.defs.transform.forked_dbt import ForkedDbtProcess, dbt_forked

TIME = re.compile(r"\x1b\[0m\d\d:\d\d:\d\d ")  # dbt's console lines start with the time of day


def both(args: list[str], cwd: Path) -> list[tuple[int, list[str]]]:
    """Exit code and output lines of `args` run by the executable and by a forked child."""
    results = []
    for popen in (subprocess.Popen, ForkedDbtProcess):
        process = popen(
            [DBT_EXECUTABLE, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=cwd, env={}
        )
        with process.stdout:
            lines = [TIME.sub("", line.decode()) for line in process.stdout]
        results.append((process.wait(), lines))
    return results


def test_a_command_that_works_says_the_same_and_ends_with_0(tmp_path: Path) -> None:
    executable, forked = both(["debug", "--config-dir", "--profiles-dir", str(tmp_path)], tmp_path)
    assert forked == executable
    assert forked[0] == 0 and f"xdg-open {tmp_path}\n" in forked[1]


def test_a_command_dbt_rejects_says_the_same_and_ends_with_2(tmp_path: Path) -> None:
    """2: dbt's code for an error before any node ran (here a project folder that does not exist)."""
    executable, forked = both(["build", "--project-dir", str(tmp_path / "nicht_da")], tmp_path)
    assert forked == executable
    assert forked[0] == 2 and any("does not exist" in line for line in forked[1])


def test_only_dagster_dbts_launch_is_forked_and_only_inside_the_block() -> None:
    with dbt_forked():
        assert dbt_cli_invocation.subprocess.Popen is ForkedDbtProcess
        assert subprocess.Popen is not ForkedDbtProcess
    assert dbt_cli_invocation.subprocess is subprocess
    with pytest.raises(RuntimeError), dbt_forked():
        raise RuntimeError("a launch that fails leaves dagster-dbt as it was")
    assert dbt_cli_invocation.subprocess is subprocess
