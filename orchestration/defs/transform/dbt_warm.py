"""dbt started ahead of time: the run's side of `dbt_server.py` (the waiting process) and `dbt_relay.py`
(the command dagster-dbt starts).

The dbt resource starts the waiting process when the run sets its resources up, that is before its
first step (in-process executor: once per run), and `sozialmonitor refresh` as soon as it knows the night
builds, so that dbt's 2.7 s of imports overlap what comes before the build; the build's command then
costs the relay's 0.03 s start. Nothing depends on it for correctness: a relay that finds no waiting
process runs dbt itself, and the resource stops a process its run never used.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from orchestration.defs.transform.dbt_relay import socket_name

RELAY = Path(__file__).with_name("dbt_relay.py")
SERVER = Path(__file__).with_name("dbt_server.py")
PARSE_LOCK = ".parse.lock"  # in the target folder: held by whoever parses the project into it


def write_launcher(folder: Path, real_dbt: str) -> Path:
    """The executable dagster-dbt runs as `dbt`: the relay in an interpreter started isolated and without
    site packages (`-IS`: 0.03 s), falling back to `real_dbt`. Named for this interpreter and checkout
    (processes of other installations, a webserver's and a run container's, share the data directory),
    written only when missing or different, through a file of this process's own (the webserver's and
    the daemon's code servers write it side by side)."""
    installation = hashlib.sha256(f"{sys.executable}\0{RELAY}\0{real_dbt}".encode()).hexdigest()[:12]
    path = folder / f"dbt-{installation}"
    text = (
        f"#!{sys.executable} -IS\n"
        '"""dbt for Sozialmonitor Ruhr\'s runs: see orchestration/defs/transform/dbt_warm.py."""\n'
        "import sys\n"
        f"sys.path.insert(0, {str(RELAY.parent)!r})\n"
        "import dbt_relay\n"
        f"dbt_relay.main({real_dbt!r})\n"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        temporary.write_text(text, encoding="utf-8")
        temporary.chmod(0o755)
        temporary.replace(path)
    return path


# The waiting process of each target folder, in this process: started by whoever knows first that a
# build comes (`sozialmonitor refresh` once it knows the night has something new, or the run's dbt
# resource), used by the build, stopped by the resource after its run when unused.
_WAITING: dict[Path, subprocess.Popen] = {}


def manifest_current(target_path: Path, project_dir: Path) -> bool:
    """Whether `target_path` holds a manifest of the project as it is: present, newer than every file of
    the project, and whole (dbt writes `manifest.json` in place, and a build killed while writing it
    left a cut file that failed every later load of the code location: `make soak`, 38 refreshes in
    a row). The code location parses the project again when not (`assets.dbt_project`)."""
    manifest = target_path / "manifest.json"
    if not manifest.exists():
        return False
    newest_source = max(path.stat().st_mtime for path in project_dir.rglob("*") if path.is_file())
    if manifest.stat().st_mtime < newest_source:
        return False
    try:
        json.loads(manifest.read_bytes())  # the 1.2 MB manifest: about 15 ms
    except ValueError:
        return False
    return True


def command_env(target_path: Path, project_dir: Path, profiles_dir: Path) -> dict[str, str]:
    """The environment dagster-dbt gives a dbt command (`DbtCliResource.cli`, dagster-dbt 0.29): this
    process's own with dagster-dbt's variables, the log as JSON lines, the folders."""
    return {
        "PYTHONLEGACYWINDOWSSTDIO": "1",
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "DAGSTER_DBT_CLI": "true",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_LOG_FORMAT": "json",
        "DBT_TARGET_PATH": str(target_path),
        "DBT_LOG_PATH": str(target_path),
        "DBT_PROFILES_DIR": str(profiles_dir),
        "DBT_PROJECT_DIR": str(project_dir),
    }


def start_waiting_dbt(
    target_path: Path,
    project_dir: Path,
    profiles_dir: Path,
    variables: str | None = None,
    parse_stale: bool = False,
) -> None:
    """Start the process that imports dbt and waits for this process's dbt command for `target_path`,
    unless one already waits. Its environment is the one dagster-dbt will give the command
    (`command_env`: what dbt's modules might read as they load, and what a parse ahead reads; the
    command brings its own, which replaces it), unbuffered: dbt's log lines reach dagster-dbt as they
    are written, as from a process dagster-dbt started.
    `variables`, the `--vars` the build will have: the process parses the project with them while it
    waits (`dbt_server.py`), writing nothing, while the manifest in `target_path` is current
    (`manifest_current`). When it is not and `parse_stale` (the caller has other work before it needs
    the manifest), it writes the manifest, as the code location's parse would, holding the target's
    parse lock (`parse_lock`), which this process takes for it before it starts: the code location,
    loaded meanwhile, waits for that parse instead of making its own beside it. Else the code location
    parses, in its process, where dbt is imported already (2.6 s, against 5 s for the waiting process's
    import and parse)."""
    waiting = _WAITING.get(target_path)
    if waiting is not None and waiting.poll() is None:
        return
    env = command_env(target_path, project_dir, profiles_dir)
    # listening before this returns: a relay that comes at once finds it (the process itself takes
    # 0.05 s to start)
    with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as listener:
        listener.bind("\0" + socket_name(os.getpid(), str(target_path)))
        listener.listen(1)
        ahead, lock = [], None
        if variables is not None and manifest_current(target_path, project_dir):
            ahead = [variables]
        elif variables is not None and parse_stale:
            lock = _taken_parse_lock(target_path)
            ahead = [variables] if lock is None else [variables, str(lock)]
        try:
            _WAITING[target_path] = subprocess.Popen(
                [sys.executable, str(SERVER), str(listener.fileno()), str(os.getpid()), *ahead],
                env=env,
                cwd=project_dir,  # where dagster-dbt runs the command: the parse ahead runs there too
                # what dbt writes before the command's own output arrives (the parse ahead) goes nowhere
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                pass_fds=[listener.fileno(), *([] if lock is None else [lock])],
            )
        finally:
            if lock is not None:
                os.close(lock)  # the lock stays with the process, released when it has parsed or ended


def _parse_lock_file(target_path: Path) -> int:
    """An open file descriptor of the target's parse lock file (made if missing)."""
    target_path.mkdir(parents=True, exist_ok=True)
    return os.open(target_path / PARSE_LOCK, os.O_RDWR | os.O_CREAT, 0o644)


def _taken_parse_lock(target_path: Path) -> int | None:
    """The target's parse lock, taken (an open file descriptor to hand on), or None while another
    process parses into the target."""
    lock = _parse_lock_file(target_path)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(lock)
        return None
    return lock


@contextmanager
def parse_lock(target_path: Path) -> Iterator[None]:
    """Held while a process parses the project into `target_path` (`flock`: released when the process
    ends, however it ends), so that two never write its manifest side by side; waits for the holder."""
    lock = _parse_lock_file(target_path)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield
    finally:
        os.close(lock)


def stop_waiting_dbt(target_path: Path) -> None:
    """After a run: stop the waiting process no command came for (one that ran dbt has ended)."""
    process = _WAITING.pop(target_path, None)
    if process is None:
        return
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
