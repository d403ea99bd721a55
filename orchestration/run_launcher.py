"""Dagster's default run launcher, able to tell whether a run's process still lives.

Why: Dagster's run monitoring (the daemon's `run_monitoring`) fails a `STARTED` run whose worker died
only if the run launcher can check the worker's health, and the `DefaultRunLauncher` (a run worker
process started by the code server) cannot (`supports_check_run_worker_health` is False). So after
the whole deployment was killed (a reboot, an OOM kill of the service), the interrupted run stayed
`STARTED` for good and, with `max_concurrent_runs: 1`, every queued run behind it waited forever
(issue 14, measured on `make ui`).

How: the process that executes a run writes the run's first event, `RUN_START`, and Dagster records
its process id in that event (`DagsterEvent.pid`): the run worker's for a launched run, the
command's for `sozialmonitor refresh`, which executes its runs in its own process. The run lives while
that process does. A process id alone is not enough: after a reboot (or enough processes) the id is
another process's, so the process must also have started no later than the `RUN_START` event (its
start time from `/proc`, Linux). Elsewhere (no `/proc`) only "a process with this id exists" is asked.

Scope: one machine, where the daemon sees the run workers' processes (the embedded SQLite default and
the served PostgreSQL deployment). The Docker and Kubernetes run launchers check their containers
and jobs themselves (deploy/README.md).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from dagster import DagsterEventType, DagsterInstance, DagsterRun, DefaultRunLauncher
from dagster._core.launcher import CheckRunHealthResult, WorkerStatus

PROC = Path("/proc")
CLOCK_SLACK_SECONDS = 1.0  # /proc's start time has clock-tick resolution; an event is written after it


@dataclass(frozen=True)
class RunProcess:
    """The process that executes a run, as its `RUN_START` event recorded it."""

    pid: int
    started_by: float  # the time of the RUN_START event: the process existed then

    def alive(self, proc: Path = PROC) -> bool:
        """Whether this process (not a later one with the same id) still runs."""
        try:
            stat = (proc / str(self.pid) / "stat").read_text()
        except FileNotFoundError:
            return False
        except OSError:  # no /proc here: only whether some process has the id
            return _pid_exists(self.pid)
        # "pid (comm) state ... starttime": comm may hold spaces and parentheses, so split after its end
        fields = stat[stat.rindex(")") + 2 :].split()
        state, start_ticks = fields[0], int(fields[19])
        if state in ("Z", "X"):  # a zombie has ended; only its parent has not collected it yet
            return False
        started = _boot_time(proc) + start_ticks / os.sysconf("SC_CLK_TCK")
        return started <= self.started_by + CLOCK_SLACK_SECONDS


def run_process(instance: DagsterInstance, run: DagsterRun) -> RunProcess | None:
    """The process recorded by the run's `RUN_START` event (None before that event, or without a pid)."""
    records = instance.get_records_for_run(run.run_id, of_type=DagsterEventType.RUN_START, limit=1).records
    for record in records:
        event = record.event_log_entry
        if event.dagster_event is not None and event.dagster_event.pid is not None:
            return RunProcess(event.dagster_event.pid, event.timestamp)
    return None


class WatchedRunLauncher(DefaultRunLauncher):
    """`DefaultRunLauncher` that answers run monitoring's question: does the run's process still live?"""

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: DagsterRun) -> CheckRunHealthResult:
        process = run_process(self._instance, run)
        if process is None:
            return CheckRunHealthResult(WorkerStatus.UNKNOWN, "the run has recorded no process yet")
        if process.alive():
            return CheckRunHealthResult(WorkerStatus.RUNNING, f"process {process.pid} runs")
        return CheckRunHealthResult(
            WorkerStatus.FAILED,
            f"the run's process {process.pid} has ended without ending the run (killed with its "
            "deployment, or the machine restarted)",
        )


def _boot_time(proc: Path) -> float:
    for line in (proc / "stat").read_text().splitlines():
        if line.startswith("btime "):
            return float(line.split()[1])
    raise OSError(f"no btime in {proc / 'stat'}")


def _pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, as another user's
        return True
    return True
