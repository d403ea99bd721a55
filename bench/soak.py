"""`make soak`: kill `sozialmonitor refresh` (SIGKILL, the whole process group) at random moments, and
show that `current` is a complete version after every kill and that the next refresh publishes.

Each attempt first re-delivers one file (Bochum 2023, Wattenscheid's population +1 per attempt), so
that every refresh has work in every phase to be killed in; the kill comes at a uniformly random
moment between the start and 1.1 times the wall time of an uninterrupted refresh (measured first), so
some attempts finish. After each attempt `publication.verify_version` checks the version `current`
points to (manifest, warehouse tables and row counts, Parquet files, atlas). At the end one refresh
runs uninterrupted and must publish the last delivery.

    python bench/soak.py --kills 50 [--seed 1] [--data-dir D]   (make soak; the bundled sample)

The table counts the kills by the phase the killed run was in (from the step the run's events last
started) and the partial publications found (must be 0).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from sozialmonitor.publication import MANIFEST, current_version, verify_version
from sozialmonitor.settings import DATA_DIR_ENV, DataPaths

SOZIALMONITOR = str(Path(sys.executable).with_name("sozialmonitor"))
REDELIVERED = Path("stadt_bochum") / "bochum_kleinraeume_2023.txt"
PHASES = (("raw__", "ingest"), ("delivery_on_time", "ingest"), ("warehouse_models", "dbt"))
PHASES += (("gx__", "gate"), ("published_warehouse", "publish"))


@dataclass(frozen=True)
class Attempt:
    killed_after: float | None  # seconds after the start; None: the refresh ended before the kill
    exit_code: int | None  # of a refresh that ended by itself (None: killed)
    phase: str  # of the killed run's last started step ("start": none yet); "finished" if not killed
    published: bool  # whether `current` changed during the attempt
    problems: list[str]  # what verify_version found wrong with `current` afterwards


def redeliver(paths: DataPaths, increment: int) -> None:
    """Bochum's 2023 file again, Wattenscheid's population + `increment`."""
    path = paths.landing / REDELIVERED
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    fields = lines[2].split("\t")
    fields[3] = str(int(fields[3]) + increment)
    lines[2] = "\t".join(fields)
    path.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")


def refresh(paths: DataPaths, kill_after: float | None) -> tuple[float | None, int | None]:
    """`sozialmonitor refresh` in its own process group, killed with the group after `kill_after`
    seconds unless it ended before; returns when it was killed (None: it ended by itself) and the exit
    code of a refresh that ended by itself."""
    env = {**os.environ, DATA_DIR_ENV: str(paths.root), "SOZIALMONITOR_FRESHNESS_DATE": "2024-03-31"}
    started = time.monotonic()
    with open(paths.root / "soak.log", "a", encoding="utf-8") as log:
        process = subprocess.Popen(
            [SOZIALMONITOR, "refresh"], env=env, stdout=log, stderr=log, start_new_session=True
        )
        try:
            return None, process.wait(timeout=kill_after)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            return time.monotonic() - started, None


def last_phase(paths: DataPaths) -> str:
    """The phase of the step the newest run last started (its events in the data directory's instance)."""
    from orchestration.refresh import instance_for  # Dagster only for this look-up

    with instance_for(paths) as instance:
        runs = instance.get_runs(limit=1)
        steps = (
            [event.step_key for event in instance.all_logs(runs[0].run_id) if event.step_key] if runs else []
        )
    for prefix, phase in PHASES:
        if steps and steps[-1].startswith(prefix):
            return phase
    return "start"


def attempt(paths: DataPaths, kill_after: float) -> Attempt:
    redeliver(paths, 1)
    before = current_version(paths)
    killed, exit_code = refresh(paths, kill_after)
    phase = last_phase(paths) if killed is not None else "finished"
    problems = verify_version(paths.published_current) if before or current_version(paths) else []
    return Attempt(killed, exit_code, phase, current_version(paths) != before, problems)


def publishes_last_delivery(paths: DataPaths) -> bool:
    """Whether the current version was built from the landed Bochum file as it is now (its sha256 in
    the version's record of source files)."""
    digest = hashlib.sha256((paths.landing / REDELIVERED).read_bytes()).hexdigest()
    manifest = json.loads((paths.published_current / MANIFEST).read_text(encoding="utf-8"))
    return {"source_id": REDELIVERED.parts[0], "file_name": REDELIVERED.name, "sha256": digest} in manifest[
        "source_files"
    ]


def soak(paths: DataPaths, kills: int, seed: int) -> tuple[list[Attempt], float, bool]:
    """`kills` attempts after one full and one timed refresh; then the refresh that must publish.
    Returns the attempts, the uninterrupted wall time, and whether the final refresh published the last
    delivery."""
    rng = random.Random(seed)
    subprocess.run(
        [SOZIALMONITOR, "sample"],
        env={**os.environ, DATA_DIR_ENV: str(paths.root)},
        check=True,
        capture_output=True,
    )
    refresh(paths, None)
    redeliver(paths, 1)
    started = time.monotonic()
    refresh(paths, None)
    full = time.monotonic() - started
    attempts = [attempt(paths, rng.uniform(0.0, 1.1 * full)) for _ in range(kills)]
    redeliver(paths, 1)
    before = current_version(paths)
    refresh(paths, None)
    final = current_version(paths) != before and not verify_version(paths.published_current)
    return attempts, full, final and publishes_last_delivery(paths)


def table(attempts: list[Attempt], full: float, final: bool) -> str:
    killed = [item for item in attempts if item.killed_after is not None]
    by_phase = Counter(item.phase for item in killed)
    partial = [problem for item in attempts for problem in item.problems]
    rows = [
        ("attempts", str(len(attempts))),
        ("killed (SIGKILL of the process group)", str(len(killed))),
        *(
            (f"  killed in {phase}", str(by_phase[phase]))
            for phase in ("start", "ingest", "dbt", "gate", "publish")
        ),
        ("ended before the kill", str(len(attempts) - len(killed))),
        ("  of them failed (exit code not 0)", str(sum(bool(item.exit_code) for item in attempts))),
        ("versions published during the soak", str(sum(item.published for item in attempts))),
        ("partial publications found", str(len(partial))),
        ("uninterrupted refresh (s)", f"{full:.1f}"),
        ("final refresh published the last delivery", "yes" if final else "NO"),
    ]
    width = max(len(name) for name, _ in rows)
    lines = [f"{name:<{width}}  {value:>6}" for name, value in rows]
    return "\n".join([*lines, *(f"  {problem}" for problem in partial)])


def main() -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--kills", type=int, default=50)
    options.add_argument("--seed", type=int, default=1)
    options.add_argument("--data-dir", type=Path, help="default: a new temporary folder")
    args = options.parse_args()
    root = args.data_dir or Path(tempfile.mkdtemp(prefix="sozialmonitor-soak-"))
    attempts, full, final = soak(DataPaths(root.resolve()), args.kills, args.seed)
    print(table(attempts, full, final))
    print(f"data directory: {root} (log: {root / 'soak.log'})")
    broken = any(item.problems or item.exit_code for item in attempts)
    return 0 if final and not broken else 1


if __name__ == "__main__":
    sys.exit(main())
