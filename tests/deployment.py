"""A served deployment (`sozialmonitor serve`) in a test: start, submit runs, wait for them, kill it."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import dagster as dg

SOZIALMONITOR = str(Path(sys.executable).with_name("sozialmonitor"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Deployment:
    """`sozialmonitor serve` in its own process group (so that it can be killed as a whole)."""

    def __init__(self, env: dict[str, str], log: Path):
        self.env, self.log = env, log
        self.port, self.read_only_port = free_port(), free_port()
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 180) -> None:
        command = [
            SOZIALMONITOR,
            "serve",
            "--port",
            str(self.port),
            "--read-only-port",
            str(self.read_only_port),
        ]
        with open(self.log, "a", encoding="utf-8") as log:
            self.process = subprocess.Popen(
                command, env=self.env, stdout=log, stderr=log, start_new_session=True
            )
        wait_for(
            lambda: self.answers(self.port) and self.answers(self.read_only_port), timeout, "the webservers"
        )

    def answers(self, port: int) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5) as response:
                return response.status == 200
        except OSError:
            return False

    def submit(self, job: str) -> str:
        from dagster_graphql import DagsterGraphQLClient

        client = DagsterGraphQLClient("127.0.0.1", port_number=self.port)
        return client.submit_job_execution(job, repository_location_name="sozialmonitor")

    def kill(self) -> None:
        """SIGKILL to the whole deployment, as a power cut does (or systemd, which kills a failed service's
        whole control group): its process group, and the processes that left it. The code servers
        Dagster starts run in sessions of their own and survived the group's kill, reparented and still
        waiting nine minutes later; they carry the data directory in their command line."""
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):  # the group may have ended already
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        for pid in self.strays():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def strays(self) -> list[int]:
        """Processes other than this one whose command line names the deployment's data directory."""
        data_dir = self.env["SOZIALMONITOR_DATA_DIR"].encode()
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            try:
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue  # ended meanwhile
            if data_dir in command:
                found.append(int(entry.name))
        return found

    def __enter__(self) -> Deployment:
        return self

    def __exit__(self, *exc: object) -> None:
        """Whatever the test found: nothing of the deployment outlives it."""
        if self.process is not None and (self.process.poll() is None or self.strays()):
            self.kill()

    def stop(self) -> float:
        """SIGTERM, as systemd stops a service; returns the seconds until it ended."""
        assert self.process is not None
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)
        return time.monotonic() - started


def wait_for(condition: Callable[[], object], timeout: float, what: str) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := condition():
            return found
        time.sleep(0.2)
    raise TimeoutError(f"waited {timeout:.0f} s for {what}")


def steps_started(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    return [
        record.event_log_entry.step_key
        for record in instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.STEP_START).records
    ]
