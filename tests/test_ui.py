"""`make ui` (sozialmonitor ui) serves the Dagster UI on 127.0.0.1 with the code location loaded."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from sozialmonitor.settings import DataPaths

JOBS_QUERY = """{ repositoriesOrError { ... on RepositoryConnection { nodes { name jobs { name } } } } }"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def jobs(port: int) -> set[str]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": JOBS_QUERY}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        nodes = json.load(response)["data"]["repositoriesOrError"].get("nodes", [])
    return {job["name"] for node in nodes for job in node["jobs"]}


def test_ui_serves_the_nightly_job(tmp_path: Path) -> None:
    paths = DataPaths(tmp_path / "data")
    port = free_port()
    env = {**os.environ, "SOZIALMONITOR_DATA_DIR": str(paths.root)}
    sozialmonitor = Path(sys.executable).with_name("sozialmonitor")
    ui = subprocess.Popen(
        [str(sozialmonitor), "ui", "--port", str(port)],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline, found = time.monotonic() + 120, set()
        while time.monotonic() < deadline and "nightly_refresh" not in found:
            time.sleep(1)
            try:
                found = jobs(port)
            except OSError:
                continue
        assert "nightly_refresh" in found
        assert (paths.dagster_home / "dagster.yaml").exists()  # Dagster's instance lives in the data dir
    finally:
        os.killpg(ui.pid, signal.SIGTERM)
        ui.wait(timeout=30)
