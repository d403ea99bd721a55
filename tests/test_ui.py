"""`make ui` (sozialmonitor ui) serves the Dagster UI on 127.0.0.1 with the code location loaded."""

from __future__ import annotations

import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

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


@pytest.mark.slow  # the UI and its daemon in child processes
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


LAUNCH = """mutation($params: ExecutionParams!) { launchRun(executionParams: $params) {
  __typename ... on LaunchRunSuccess { run { runId } } ... on PythonError { message } } }"""
RUNS = """{ runsOrError { ... on Runs { results { runId jobName status startTime endTime
  tags { key value } } } } }"""


def graphql(port: int, query: str, variables: dict | None = None) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["data"]


@pytest.mark.slow  # two whole refreshes through the UI's daemon
def test_a_second_run_waits_for_the_first_and_completes(tmp_path: Path) -> None:
    """DuckDB files take one writer: the instance runs one run at a time, the next one queues and then
    completes. Two deliveries are launched back to back; they must not overlap and both succeed."""
    paths = DataPaths(tmp_path / "data")
    bodies = ("herne", "hamm")
    template = Path(__file__).with_name("fixtures") / "submissions" / "kita_seu_golden.csv"
    for body, ags in zip(bodies, ("05916000", "05915000"), strict=True):
        folder = paths.landing / f"kommunale_meldungen_{body}"
        folder.mkdir(parents=True)
        rows = template.read_text(encoding="utf-8").splitlines()
        kept = [rows[0], *(line for line in rows[1:] if line.startswith("05913000;"))]
        (folder / "jugendamt_2023.csv").write_text(
            "\n".join(line.replace("05913000", ags, 1) for line in kept) + "\n", encoding="utf-8"
        )
    port = free_port()
    env = {**os.environ, "SOZIALMONITOR_DATA_DIR": str(paths.root)}
    ui = subprocess.Popen(
        [str(Path(sys.executable).with_name("sozialmonitor")), "ui", "--port", str(port)],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            time.sleep(1)
            try:
                if "ingest_kommunale_meldungen" in jobs(port):
                    break
            except OSError:
                continue
        launched = []
        for body in bodies:
            params = {
                "selector": {
                    "repositoryLocationName": "sozialmonitor",
                    "repositoryName": "__repository__",
                    "jobName": "ingest_kommunale_meldungen",
                },
                "executionMetadata": {"tags": [{"key": "dagster/partition", "value": body}]},
                "runConfigData": {},
            }
            result = graphql(port, LAUNCH, {"params": params})["launchRun"]
            assert result["__typename"] == "LaunchRunSuccess", result
            launched.append(result["run"]["runId"])
        deadline, runs = time.monotonic() + 240, {}
        while time.monotonic() < deadline:
            runs = {run["runId"]: run for run in graphql(port, RUNS)["runsOrError"]["results"]}
            if all(runs[run_id]["status"] in ("SUCCESS", "FAILURE", "CANCELED") for run_id in launched):
                break
            time.sleep(2)
        assert [runs[run_id]["status"] for run_id in launched] == ["SUCCESS", "SUCCESS"]
        finished = sorted(
            (run["startTime"], run["endTime"]) for run in runs.values() if run["startTime"] and run["endTime"]
        )
        # no run started before the one before it had ended (the sensor may have queued runs, too)
        assert all(later[0] >= earlier[1] for earlier, later in itertools.pairwise(finished))
    finally:
        os.killpg(ui.pid, signal.SIGTERM)
        ui.wait(timeout=30)
