"""dbt started ahead of time (orchestration/defs/transform/dbt_warm.py): the command dagster-dbt starts
hands itself to the waiting dbt process, which runs it as `dbt` would and ends; without one it runs dbt
itself; a waiting process nobody used is stopped, and one whose run's process died ends by itself."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from orchestration.defs.transform import assets, dbt_warm
from orchestration.defs.transform.assets import DBT_EXECUTABLE, dbt_project
from sozialmonitor.settings import DBT_PROJECT_DIR, DataPaths


def _launcher(tmp_path: Path, real_dbt: str = DBT_EXECUTABLE) -> Path:
    return dbt_warm.write_launcher(tmp_path / "bin", real_dbt)


def _run(launcher: Path, args: list[str], target: Path) -> subprocess.CompletedProcess:
    """The launcher as dagster-dbt starts it: a child of this process, stdout a pipe, the target in env."""
    env = {**os.environ, "DBT_TARGET_PATH": str(target)}
    return subprocess.run(
        [str(launcher), *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def _ended(pid: int) -> bool:
    """Gone, or a zombie nobody reaped (a container's first process may not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state in ("Z", "X")


def test_without_a_waiting_process_the_launcher_runs_dbt_itself(tmp_path: Path) -> None:
    fake = tmp_path / "fake_dbt"
    fake.write_text(f"#!{sys.executable}\nimport os, sys\nprint('fake', os.getpid(), *sys.argv[1:])\n")
    fake.chmod(0o755)
    ran = _run(_launcher(tmp_path, str(fake)), ["build", "--select", "x"], tmp_path / "target")
    assert ran.returncode == 0
    word, _pid, *args = ran.stdout.split()
    assert (word, args) == ("fake", ["build", "--select", "x"])


def test_the_waiting_process_runs_the_command_and_ends(tmp_path: Path) -> None:
    target = tmp_path / "target"
    dbt_warm.start_waiting_dbt(target, DBT_PROJECT_DIR, DBT_PROJECT_DIR)
    waiting = dbt_warm._WAITING[target]
    try:
        ran = _run(_launcher(tmp_path), ["parse", "--help"], target)
        assert ran.returncode == 0, ran.stderr
        assert "Usage: dbt parse" in ran.stdout  # dbt's own output, through the pipe
        assert waiting.wait(timeout=30) == 0  # it ran the one command and ended
        # dbt's exit code reaches dagster-dbt: an unknown subcommand is click's usage error, 2
        dbt_warm.start_waiting_dbt(target, DBT_PROJECT_DIR, DBT_PROJECT_DIR)
        second = dbt_warm._WAITING[target]
        assert second is not waiting
        failed = _run(_launcher(tmp_path), ["no-such-command"], target)
        assert failed.returncode == 2
        assert "No such command" in failed.stdout + failed.stderr
        assert second.wait(timeout=30) == 2
    finally:
        dbt_warm.stop_waiting_dbt(target)


def test_a_waiting_process_for_another_target_is_not_used(tmp_path: Path) -> None:
    dbt_warm.start_waiting_dbt(tmp_path / "other", DBT_PROJECT_DIR, DBT_PROJECT_DIR)
    waiting = dbt_warm._WAITING[tmp_path / "other"]
    fake = tmp_path / "fake_dbt"
    fake.write_text(f"#!{sys.executable}\nprint('fake')\n")
    fake.chmod(0o755)
    try:
        ran = _run(_launcher(tmp_path, str(fake)), ["build"], tmp_path / "target")
        assert ran.stdout.strip() == "fake"
        assert waiting.poll() is None  # still waiting for its own target's command
    finally:
        dbt_warm.stop_waiting_dbt(tmp_path / "other")
    assert waiting.poll() is not None


def test_an_unused_waiting_process_is_stopped_after_the_run(tmp_path: Path) -> None:
    target = tmp_path / "target"
    dbt_warm.start_waiting_dbt(target, DBT_PROJECT_DIR, DBT_PROJECT_DIR)
    dbt_warm.start_waiting_dbt(target, DBT_PROJECT_DIR, DBT_PROJECT_DIR)  # one waits: no second
    waiting = dbt_warm._WAITING[target]
    time.sleep(0.5)
    assert waiting.poll() is None
    dbt_warm.stop_waiting_dbt(target)
    assert waiting.poll() is not None
    assert target not in dbt_warm._WAITING


def test_a_waiting_process_ends_when_its_runs_process_is_gone(tmp_path: Path) -> None:
    """A run's process killed before its build (`kill -9` of a deployment) leaves no dbt behind."""
    started = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from orchestration.defs.transform import dbt_warm; "
            "from sozialmonitor.settings import DBT_PROJECT_DIR as p; "
            "t = Path(sys.argv[1]); dbt_warm.start_waiting_dbt(t, p, p); print(dbt_warm._WAITING[t].pid)",
            str(tmp_path / "target"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    pid = int(started.stdout)
    deadline = time.monotonic() + 30
    while not _ended(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _ended(pid)


def _parse_command(tmp_path: Path) -> list[str]:
    """A dbt command that takes seconds: a full parse of the project into a fresh target folder."""
    project = str(DBT_PROJECT_DIR)
    target = str(tmp_path / "target")
    return ["parse", "--project-dir", project, "--profiles-dir", project, "--target-path", target]


def _start_relay(tmp_path: Path) -> subprocess.Popen:
    env = {**os.environ, "DBT_TARGET_PATH": str(tmp_path / "target"), "DBT_LOG_PATH": str(tmp_path)}
    command = [str(_launcher(tmp_path)), *_parse_command(tmp_path), "--vars", f'{{"data_dir": "{tmp_path}"}}']
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_dbt_stops_when_the_command_dagster_dbt_started_is_interrupted_or_killed(tmp_path: Path) -> None:
    """dagster-dbt interrupts a step's dbt with SIGINT, and kills it when that does not end it: the
    SIGINT reaches dbt in the waiting process, and a killed relay takes that process with it."""
    target = tmp_path / "target"
    for signum, relay_ends_with in ((signal.SIGINT, None), (signal.SIGKILL, -signal.SIGKILL)):
        # the log of the round before would say at once that dbt has the command: the relay could be
        # killed before the waiting process took it, which then ends with 0, nobody to run it for
        (tmp_path / "dbt.log").unlink(missing_ok=True)
        dbt_warm.start_waiting_dbt(target, DBT_PROJECT_DIR, DBT_PROJECT_DIR)
        waiting = dbt_warm._WAITING[target]
        try:
            relay = _start_relay(tmp_path)
            deadline = time.monotonic() + 60
            while not (tmp_path / "dbt.log").exists() and time.monotonic() < deadline:
                time.sleep(0.1)  # until dbt has the command (its log begins) and parses
            time.sleep(0.3)
            assert relay.poll() is None and waiting.poll() is None
            relay.send_signal(signum)
            code = relay.wait(timeout=30)
            assert waiting.wait(timeout=30) != 0  # dbt did not finish its parse
            if relay_ends_with is None:  # dbt's own exit code after the interrupt, passed on
                assert code == waiting.returncode
            else:
                assert (code, waiting.returncode) == (relay_ends_with, -signal.SIGKILL)
        finally:
            dbt_warm.stop_waiting_dbt(target)


def test_each_installation_has_its_own_launcher(tmp_path: Path) -> None:
    """A webserver and a run container may share the data directory with different interpreters: each
    writes its own launcher, and one written before is left as it is."""
    first = _launcher(tmp_path)
    again = _launcher(tmp_path)
    other = _launcher(tmp_path, "/elsewhere/bin/dbt")
    assert first == again and first != other
    assert first.read_text().startswith(f"#!{sys.executable} -IS\n")
    assert "'/elsewhere/bin/dbt'" in other.read_text()
    assert os.access(first, os.X_OK)


@pytest.mark.slow  # parses the project into the data directory, then two dbt processes
def test_the_waiting_process_parses_ahead_and_the_command_uses_it_only_if_it_would_parse_the_same(
    data_paths: DataPaths, tmp_path: Path
) -> None:
    """Given the build's variables, the waiting process parses the project before the command comes,
    and the command skips its own parse; a command with other variables, or naming its target, parses
    as it always did."""
    dbt_project(data_paths)  # the code location's parse: the manifest is current
    target, variables = data_paths.dbt_target, data_paths.dbt_variables()
    other = variables.replace('"duckdb_threads": 2', '"duckdb_threads": 1')
    assert other != variables
    cases = [(variables, [], False), (other, [], True), (variables, ["--target", "local"], True)]
    for given, more, parses_itself in cases:
        dbt_warm.start_waiting_dbt(target, DBT_PROJECT_DIR, DBT_PROJECT_DIR, variables)
        waiting = dbt_warm._WAITING[target]
        command = ["ls", "--resource-type", "model", "--log-level", "debug", "--vars", given, *more]
        try:
            ran = subprocess.run(
                [str(_launcher(tmp_path)), *command],
                env=dbt_warm.command_env(target, DBT_PROJECT_DIR, DBT_PROJECT_DIR),
                cwd=DBT_PROJECT_DIR,  # as dagster-dbt runs it
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            assert ran.returncode == 0, ran.stdout[-2000:] + ran.stderr[-2000:]
            assert waiting.wait(timeout=30) == 0  # the command ran in the waiting process
        finally:
            dbt_warm.stop_waiting_dbt(target)
        events = [json.loads(line)["info"] for line in ran.stdout.splitlines()]
        # the project's models listed, from the manifest parsed ahead or by the command itself
        assert "sozialmonitor.marts.fct_indicator_values" in {event["msg"] for event in events}
        # dbt checks the partial-parse state (its variables among it) whenever it parses
        assert ("StateCheckVarsHash" in {event["name"] for event in events}) == parses_itself


def test_without_a_current_manifest_the_waiting_process_can_write_it_and_the_code_location_waits_for_it(
    data_paths: DataPaths, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new data directory has no manifest: the waiting process parses it into the target, holding
    the target's parse lock from its start, and the code location, loaded meanwhile, waits for that
    parse and uses the manifest instead of parsing the project beside it."""
    target, variables = data_paths.dbt_target, data_paths.dbt_variables()
    assert not dbt_warm.manifest_current(target, DBT_PROJECT_DIR)
    dbt_warm.start_waiting_dbt(target, DBT_PROJECT_DIR, DBT_PROJECT_DIR, variables, parse_stale=True)
    waiting = dbt_warm._WAITING[target]
    try:
        assert dbt_warm._taken_parse_lock(target) is None  # the waiting process holds it from its start

        def parse_here(paths: DataPaths) -> None:
            raise AssertionError("the code location parsed the project itself")

        monkeypatch.setattr(assets, "parse_manifest", parse_here)
        dbt_project(data_paths)  # returns once the waiting process has written a current manifest
        assert dbt_warm.manifest_current(target, DBT_PROJECT_DIR)
        assert waiting.poll() is None  # and waits on for the build's command
        lock = dbt_warm._taken_parse_lock(target)  # released
        assert lock is not None
        os.close(lock)
    finally:
        dbt_warm.stop_waiting_dbt(target)
    # asked to leave a stale manifest to the code location (nothing to do before it is needed), it
    # takes no lock and writes nothing
    (target / "manifest.json").unlink()
    dbt_warm.start_waiting_dbt(target, DBT_PROJECT_DIR, DBT_PROJECT_DIR, variables)
    try:
        lock = dbt_warm._taken_parse_lock(target)
        assert lock is not None
        os.close(lock)
    finally:
        dbt_warm.stop_waiting_dbt(target)
    assert not (target / "manifest.json").exists()
