"""The served deployment killed as a whole while a run is in flight (issue 14): after the restart the
interrupted run is failed by run monitoring and retried once, and the queued refresh behind it runs
and publishes; SIGTERM stops the deployment within seconds."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
import pytest

from orchestration.refresh import instance_for
from sozialmonitor.cli import main
from sozialmonitor.publication import verify_version
from sozialmonitor.settings import DATA_DIR_ENV, DataPaths
from tests.deployment import Deployment, steps_started, wait_for

MONITORING_SECONDS = 2
DONE = (dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED)


def served_instance_env(paths: DataPaths) -> dict[str, str]:
    return {
        **os.environ,
        **paths.environment(),
        "SOZIALMONITOR_FRESHNESS_DATE": "2024-03-31",
        "SOZIALMONITOR_RUN_MONITORING_INTERVAL_SECONDS": str(MONITORING_SECONDS),
    }


@pytest.mark.slow  # a refresh, then a deployment started twice with three runs
@pytest.mark.parametrize("storage", ["sqlite", "postgres"])
def test_a_run_killed_with_the_deployment_is_failed_retried_once_and_the_queue_goes_on(
    storage: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    if storage == "postgres":
        request.getfixturevalue("postgres_database")  # the instance's settings name it
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "data"))
    monkeypatch.setenv("SOZIALMONITOR_FRESHNESS_DATE", "2024-03-31")
    paths = DataPaths.from_env()
    assert main(["sample"]) == 0 and main(["refresh"]) == 0  # everything landed is loaded: no sensor runs
    with instance_for(paths) as instance:
        assert (
            type(instance.run_storage).__name__
            == {"sqlite": "SqliteRunStorage", "postgres": "PostgresRunStorage"}[storage]
        )
    # the runs below must build and publish, and no file may land (the landing sensor would queue runs
    # of its own): without a current version the refresh builds again
    paths.published_current.unlink()
    with Deployment(served_instance_env(paths), tmp_path / "serve.log") as deployment:
        deployment.start()
        check_kill_and_restart(deployment, paths)
    assert verify_version(paths.published_current) == []


def check_kill_and_restart(deployment: Deployment, paths: DataPaths) -> None:
    """Two refreshes submitted, the deployment killed once the first one builds, started again: the
    first is failed by run monitoring and retried once, the second runs, SIGTERM stops it all."""
    interrupted, queued = deployment.submit("nightly_refresh"), deployment.submit("nightly_refresh")
    with instance_for(paths) as instance:
        wait_for(lambda: "warehouse_models" in steps_started(instance, interrupted), 300, "dbt to start")
        deployment.kill()
        assert instance.get_run_by_id(interrupted).status == dg.DagsterRunStatus.STARTED
        assert instance.get_run_by_id(queued).status == dg.DagsterRunStatus.QUEUED

        deployment.start()
        wait_for(lambda: instance.get_run_by_id(queued).status in DONE, 600, "the queued refresh")
        assert instance.get_run_by_id(queued).status == dg.DagsterRunStatus.SUCCESS
        assert instance.get_run_by_id(interrupted).status == dg.DagsterRunStatus.FAILURE
        retried = dg.RunsFilter(tags={"dagster/parent_run_id": interrupted})
        retries = wait_for(lambda: instance.get_runs(retried), 120, "the retry")
        assert len(retries) == 1  # at most one retry
        assert retries[0].tags["dagster/retry_strategy"] == "ALL_STEPS"
        wait_for(lambda: instance.get_run_by_id(retries[0].run_id).status in DONE, 600, "the retry")
        assert instance.get_run_by_id(retries[0].run_id).status == dg.DagsterRunStatus.SUCCESS
        assert not instance.get_runs(dg.RunsFilter(tags={"dagster/parent_run_id": retries[0].run_id}))
    assert deployment.stop() < 30
    # the webservers' and the daemon's code servers end with them: nothing of the deployment is left
    wait_for(lambda: not deployment.strays(), 30, "the deployment's processes to end")
