"""One sample size, measured: the platform's phases, the orchestrated refresh and the limits, each in
its own child process on the same files, then the checks that platform and limit did the same work.

The scale's folder `x<scale>/` holds `landing/` (the generated sample, read by the limit), `platform/`
and `refresh/` (data directories, each with its own copy of the landing files) and `limit/`
(`ingest/raw.duckdb` from the ingest limit; `warehouse/` with a copy of the platform's raw store, the
build and the checks' counts; `published/`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from bench.limit_ingest import INGEST_RESULT
from bench.limit_warehouse import DBT_RESULT
from bench.measure import Measurement, run_measured
from bench.platform_phases import GATE_OUTCOMES

PHASES = ("ingest", "dbt", "gate", "publish")
ROOT = Path(__file__).resolve().parents[1]
ENTRY = ROOT / "bench" / "refresh_phases.py"
SUMMARY_LINE = re.compile(r"^(ingest|dbt|gate|publish|total)\s+(\d+\.\d)\b", re.MULTILINE)


@dataclass
class ScaleResult:
    scale: int
    raw_cells: int = 0
    setup_seconds: float = 0.0
    load_before: float = 0.0
    load_after: float = 0.0
    platform: dict[str, Measurement] = field(default_factory=dict)
    limit: dict[str, Measurement] = field(default_factory=dict)
    refresh: Measurement | None = None
    refresh_phases: dict[str, float] = field(default_factory=dict)  # as the refresh's summary prints them
    rows: list[tuple[str, int, int, bool]] = field(default_factory=list)  # what, platform, limit, same
    limit_split: dict[str, float] = field(default_factory=dict)  # seconds of parts of the limit's phases


def child_env(data_dir: Path | None = None) -> dict[str, str]:
    """This checkout's code first in every child (the venv may be an editable install of another)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    if data_dir is not None:
        env["SOZIALMONITOR_DATA_DIR"] = str(data_dir)
    return env


def _prepare(scale: int, folder: Path, result: ScaleResult) -> None:
    from ingest.sample import generate_sample

    started = time.perf_counter()
    generate_sample(folder / "landing", scale=scale)
    for data_dir in ("platform", "refresh"):
        shutil.copytree(folder / "landing", folder / data_dir / "landing")
    result.setup_seconds = time.perf_counter() - started


def _platform(folder: Path, result: ScaleResult) -> None:
    data_dir = folder / "platform"
    for phase in PHASES:
        command = [sys.executable, str(ENTRY), "--child", f"platform:{phase}", "--dir", str(folder)]
        result.platform[phase] = run_measured(command, child_env(data_dir), folder / f"platform-{phase}.log")
        print(f"  x{result.scale} platform {phase}: {result.platform[phase].wall:.1f} s", file=sys.stderr)
    log = folder / "refresh.log"
    command = [sys.executable, "-m", "sozialmonitor.cli", "refresh"]
    result.refresh = run_measured(command, child_env(folder / "refresh"), log)
    result.refresh_phases = {
        phase: float(seconds) for phase, seconds in SUMMARY_LINE.findall(log.read_text(errors="replace"))
    }
    print(f"  x{result.scale} orchestrated refresh: {result.refresh.wall:.1f} s", file=sys.stderr)


def _limit(folder: Path, result: ScaleResult) -> None:
    warehouse = folder / "limit" / "warehouse"
    warehouse.mkdir(parents=True, exist_ok=True)
    shutil.copy2(folder / "platform" / "warehouse" / "raw.duckdb", warehouse / "raw.duckdb")
    for phase in PHASES:
        command = [sys.executable, str(ENTRY), "--child", f"limit:{phase}", "--dir", str(folder)]
        result.limit[phase] = run_measured(command, child_env(), folder / f"limit-{phase}.log")
        print(f"  x{result.scale} limit {phase}: {result.limit[phase].wall:.1f} s", file=sys.stderr)
    dbt = json.loads((warehouse / DBT_RESULT).read_text(encoding="utf-8"))
    ingest = json.loads((folder / "limit" / "ingest" / INGEST_RESULT).read_text(encoding="utf-8"))
    result.limit_split = {**ingest, **{f"dbt {kind}s": seconds for kind, seconds in dbt["seconds"].items()}}


def bench_scale(scale: int, workdir: Path) -> ScaleResult:
    """Generate the sample (setup, not counted), measure platform and limit, compare what they made."""
    from bench.compare import compare

    folder = workdir / f"x{scale}"
    shutil.rmtree(folder, ignore_errors=True)
    result = ScaleResult(scale, load_before=os.getloadavg()[0])
    _prepare(scale, folder, result)
    _platform(folder, result)
    _limit(folder, result)
    result.load_after = os.getloadavg()[0]
    result.raw_cells = raw_cells(folder / "platform" / "warehouse" / "raw.duckdb")
    result.rows = compare(folder, folder / "platform" / GATE_OUTCOMES)
    return result


def raw_cells(raw_db: Path) -> int:
    """Rows of every raw table but the ingest log: one per published cell (or value) loaded."""
    with duckdb.connect(str(raw_db), read_only=True) as con:
        tables = con.execute(
            "select table_name from duckdb_tables() where table_name <> 'ingest_log' order by all"
        ).fetchall()
        return sum(con.execute(f"select count(*) from {table}").fetchone()[0] for (table,) in tables)
