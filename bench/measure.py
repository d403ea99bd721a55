"""Wall time and memory of a child process and everything it starts.

Two memory figures, both of the whole process tree below the child:

- `largest_mib`: `ru_maxrss` as `os.wait4` returns it for the child. Linux fills it with the larger of
  the child's own peak resident set and the largest peak of any descendant it waited for (`cmaxrss`):
  the high-water mark of the tree's largest single process, exact (the kernel's own count), but not a
  sum: a Python process at 500 MiB running dbt at 400 MiB reports 500.
- `tree_mib`: the largest sum of the resident sets (`/proc/<pid>/stat`, field rss) of all live
  processes of the tree, sampled every `INTERVAL` seconds from this process. A lower bound of the tree's
  true peak (a spike between two samples is missed); pages shared between processes count in each.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

INTERVAL = 0.1
PAGE = os.sysconf("SC_PAGE_SIZE")
MIB = 1024 * 1024


class BenchError(RuntimeError):
    """A measured command failed; the message carries the end of its log."""


@dataclass(frozen=True)
class Measurement:
    wall: float  # seconds, from start to exit of the child
    largest_mib: float  # ru_maxrss of the tree: the largest single process's peak
    tree_mib: float  # the largest sampled sum over the tree's live processes

    @staticmethod
    def summed(parts: Sequence[Measurement]) -> Measurement:
        """Phases run one after another: their times add up, their memory does not."""
        return Measurement(
            sum(part.wall for part in parts),
            max(part.largest_mib for part in parts),
            max(part.tree_mib for part in parts),
        )


def _processes() -> dict[int, tuple[int, int]]:
    """pid -> (parent pid, resident pages) of every process there is now."""
    found = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue  # ended meanwhile
        fields = stat[stat.rindex(b")") + 2 :].split()  # after "pid (comm) ": state, ppid, …
        found[int(entry.name)] = (int(fields[1]), int(fields[21]))
    return found


def tree_rss(root: int) -> int:
    """Bytes resident in `root` and all its live descendants now."""
    processes = _processes()
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in processes.items():
        children.setdefault(parent, []).append(pid)
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        if pid in processes:
            total += processes[pid][1] * PAGE
        stack += children.get(pid, [])
    return total


class TreeSampler(threading.Thread):
    """Samples the resident memory of a process tree until stopped; `peak` is the largest sum seen."""

    def __init__(self, root: int, interval: float = INTERVAL):
        super().__init__(daemon=True)
        self.root, self.interval, self.peak = root, interval, 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.peak = max(self.peak, tree_rss(self.root))
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def run_measured(command: Sequence[str], env: Mapping[str, str], log: Path) -> Measurement:
    """Run `command` to its end, its output into `log`; raise BenchError if it fails."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as output:
        started = time.perf_counter()
        child = subprocess.Popen(list(command), env=dict(env), stdout=output, stderr=output)
        sampler = TreeSampler(child.pid)
        sampler.start()
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        sampler.stop()
        child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        tail = log.read_text(errors="replace")[-4000:]
        raise BenchError(f"{' '.join(command)} failed (exit {child.returncode}), log {log}:\n{tail}")
    return Measurement(wall, usage.ru_maxrss / 1024, sampler.peak / MIB)
