"""A run whose process died is failed by run monitoring, and retried once unless a step failed
(orchestration/run_launcher.py, the run monitoring and retries in the data directory's dagster.yaml)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.events import DagsterEvent, DagsterEventType, RunFailureReason
from dagster._core.events.log import EventLogEntry
from dagster._core.execution.retries import auto_reexecution_should_retry_run
from dagster._core.launcher import WorkerStatus
from dagster._core.storage.dagster_run import DagsterRunStatus
from dagster._daemon.monitoring.run_monitoring import monitor_started_run

from orchestration.refresh import instance_for
from orchestration.run_launcher import WatchedRunLauncher
from sozialmonitor.settings import DataPaths


def started_run(instance: dg.DagsterInstance, pid: int, at: float) -> dg.DagsterRun:
    """A run that its process `pid` started at `at` (the RUN_START event a run's process writes)."""
    run = instance.add_run(dg.DagsterRun(job_name="nightly_refresh", status=DagsterRunStatus.STARTED))
    start = DagsterEvent(DagsterEventType.RUN_START.value, job_name=run.job_name, pid=pid)
    instance.store_event(
        EventLogEntry(None, logging.DEBUG, "", run.run_id, at, dagster_event=start, job_name=run.job_name)
    )
    return run


def ended_process() -> int:
    """The id of a process that has ended and been collected (by now no process has it, in practice)."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def health(paths: DataPaths, pid: int, at: float) -> WorkerStatus:
    with instance_for(paths) as instance:
        assert isinstance(instance.run_launcher, WatchedRunLauncher)
        return instance.run_launcher.check_run_worker_health(started_run(instance, pid, at)).status


def test_a_run_lives_while_the_process_that_started_it_does(data_paths: DataPaths) -> None:
    assert health(data_paths, os.getpid(), time.time()) == WorkerStatus.RUNNING
    assert health(data_paths, ended_process(), time.time()) == WorkerStatus.FAILED


def test_a_process_id_given_to_a_later_process_is_not_the_run_alive(data_paths: DataPaths) -> None:
    """This test's process started after 2001-09-09 (epoch 1e9): it cannot be the process of a run that
    started then, as after a reboot a new process may have the id a run's worker had."""
    assert health(data_paths, os.getpid(), 1e9) == WorkerStatus.FAILED


def test_an_ended_process_its_parent_has_not_collected_is_not_alive(data_paths: DataPaths) -> None:
    zombie = subprocess.Popen([sys.executable, "-c", "pass"])
    deadline = time.time() + 30
    while Path(f"/proc/{zombie.pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
        assert time.time() < deadline
        time.sleep(0.05)
    assert health(data_paths, zombie.pid, time.time()) == WorkerStatus.FAILED
    zombie.wait()


def test_a_run_without_a_recorded_process_is_not_judged(data_paths: DataPaths) -> None:
    with instance_for(data_paths) as instance:
        run = instance.add_run(dg.DagsterRun(job_name="nightly_refresh", status=DagsterRunStatus.STARTED))
        assert instance.run_launcher.check_run_worker_health(run).status == WorkerStatus.UNKNOWN


def test_monitoring_fails_a_dead_run_and_it_is_retried_once_but_never_after_a_step_failed(
    data_paths: DataPaths,
) -> None:
    with instance_for(data_paths) as instance:
        run = started_run(instance, ended_process(), time.time())
        monitor_started_run(instance, None, instance.get_run_record_by_id(run.run_id), logging.getLogger())
        failed = instance.get_run_by_id(run.run_id)
        assert failed.status == DagsterRunStatus.FAILURE
        assert auto_reexecution_should_retry_run(instance, failed, None)
        assert not auto_reexecution_should_retry_run(instance, failed, RunFailureReason.STEP_FAILURE)
        retry = instance.add_run(
            dg.DagsterRun(
                job_name=run.job_name,
                status=DagsterRunStatus.FAILURE,
                parent_run_id=run.run_id,
                root_run_id=run.run_id,
                tags={
                    "dagster/retry_number": "1",
                    "dagster/parent_run_id": run.run_id,
                    "dagster/root_run_id": run.run_id,
                },
            )
        )
        assert not auto_reexecution_should_retry_run(instance, retry, None)  # at most one retry


def test_the_monitoring_seconds_come_from_the_settings(
    data_paths: DataPaths, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOZIALMONITOR_RUN_MONITORING_INTERVAL_SECONDS", "5")
    monkeypatch.setenv("SOZIALMONITOR_RUN_START_TIMEOUT_SECONDS", "60")
    data_paths.prepare()
    with instance_for(data_paths) as instance:
        settings = instance.run_monitoring_settings
        assert (settings["poll_interval_seconds"], settings["start_timeout_seconds"]) == (5, 60)
        assert (settings["cancel_timeout_seconds"], instance.run_retries_max_retries) == (180, 1)
    monkeypatch.setenv("SOZIALMONITOR_RUN_MONITORING_INTERVAL_SECONDS", "bald")
    with pytest.raises(ValueError, match="SOZIALMONITOR_RUN_MONITORING_INTERVAL_SECONDS must be a whole"):
        data_paths.prepare()
