"""`sozialmonitor serve`: Dagster's webserver and daemon as separate processes on one instance.

Why not `dagster dev` (what `make ui` ran before): it did not stop within 15 s of a SIGTERM, and a
service manager needs a clean stop; and the daemon should not share one process tree's fate with the
UI. Here each is its own process (`dagster-webserver`, `dagster-daemon run`), both on the instance of
`DAGSTER_HOME` (the data directory's SQLite instance by default, PostgreSQL in production:
deploy/dagster.yaml), plus optionally a read-only webserver on a second port for planners, who may
look at runs and checks but launch nothing. On SIGTERM or SIGINT every process is asked to stop
(SIGTERM; the daemon gets SIGINT, which it handles by stopping its threads), and after
`STOP_SECONDS` killed. If one of them ends by itself, the others are stopped too and the exit code
is not 0, so that systemd (deploy/) restarts the whole.

Under systemd, deploy/ runs the webserver and the daemon as two units instead, each restarted on its
own; this command is for one terminal (`make serve`) and for the tests.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

STOP_SECONDS = 20.0


@dataclass(frozen=True)
class Service:
    name: str
    command: list[str]
    stop_signal: signal.Signals


def services(host: str, port: int, read_only_port: int | None) -> list[Service]:
    """The processes of the deployment, with the executables beside this interpreter."""
    bin_dir = Path(sys.executable).parent
    workspace = ["-w", "workspace.yaml"]
    webserver = [str(bin_dir / "dagster-webserver"), *workspace, "-h", host]
    found = [
        Service("webserver", [*webserver, "-p", str(port)], signal.SIGTERM),
        Service("daemon", [str(bin_dir / "dagster-daemon"), "run", *workspace], signal.SIGINT),
    ]
    if read_only_port is not None:
        found.append(
            Service(
                "webserver (read-only)",
                [*webserver, "-p", str(read_only_port), "--read-only"],
                signal.SIGTERM,
            )
        )
    return found


def serve(services: list[Service], cwd: Path, env: dict[str, str]) -> int:
    """Run the services until a signal asks this process to stop (exit 0) or one of them ends
    (its exit code, at least 1)."""
    stop_requested: list[int] = []

    def request_stop(signum: int, _frame: object) -> None:
        stop_requested.append(signum)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, request_stop)
    running = {
        service.name: (service, subprocess.Popen(service.command, cwd=cwd, env=env)) for service in services
    }
    for name, (service, process) in running.items():
        print(
            f"sozialmonitor serve: {name} started (pid {process.pid}): {' '.join(service.command)}",
            flush=True,
        )
    ended: tuple[str, int] | None = None
    while not stop_requested and ended is None:
        time.sleep(0.2)
        ended = next(
            ((name, code) for name, (_, process) in running.items() if (code := process.poll()) is not None),
            None,
        )
    if ended is not None:
        print(
            f"sozialmonitor serve: {ended[0]} ended with exit code {ended[1]}; stopping the others",
            file=sys.stderr,
            flush=True,
        )
    _stop(list(running.values()))
    return 0 if ended is None else (ended[1] or 1)


def _stop(processes: list[tuple[Service, subprocess.Popen]]) -> None:
    for service, process in processes:
        if process.poll() is None:
            process.send_signal(service.stop_signal)
    deadline = time.monotonic() + STOP_SECONDS
    for service, process in processes:
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            print(
                f"sozialmonitor serve: {service.name} did not stop within {STOP_SECONDS:.0f} s: killed",
                file=sys.stderr,
                flush=True,
            )
            process.kill()
            process.wait()
    print("sozialmonitor serve: stopped", flush=True)


def instance_home(default: Path) -> Path:
    """The instance the services use: `DAGSTER_HOME` where set (production), else the data directory's."""
    return Path(os.environ.get("DAGSTER_HOME") or default)
