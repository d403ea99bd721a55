"""Benchmark: wall time and peak memory of each refresh phase, for the bundled sample and a larger one.

    python bench/refresh_phases.py --scale 10 100     (make bench SCALE="10 100")

Each phase runs in its own child process so that its peak memory (max RSS of the process and its
children, e.g. dbt) is its own. Generating the sample is setup and is not counted. The phases are
run as the platform's own functions (the work itself); the last row runs the whole `nightly_refresh`
job through Dagster on a fresh copy of the same landing files, so the difference is what
orchestration costs. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PHASES = ("ingest", "dbt", "gate", "publish")


def run_phase(phase: str) -> None:
    """Executed in the child process: one phase against SOZIALMONITOR_DATA_DIR."""
    from sozialmonitor.settings import DBT_PROJECT_DIR, DataPaths

    paths = DataPaths.from_env()
    paths.prepare()
    if phase == "ingest":
        from ingest.geography import RuhrGeography
        from ingest.landing import ingest_source
        from ingest.raw_store import RawStore
        from ingest.registry import load_registry

        for source in load_registry().sources:
            load = ingest_source(
                source, paths.landing, RawStore(paths.raw_db), RuhrGeography.from_seeds(), paths.quarantine
            )
            if load.quarantined:
                raise SystemExit(f"quarantined: {[str(item.problem) for item in load.quarantined]}")
    elif phase == "dbt":
        dbt = Path(sys.executable).with_name("dbt")
        subprocess.run(
            [str(dbt), "build", "--quiet", *paths.dbt_vars()],
            cwd=DBT_PROJECT_DIR,
            env={**os.environ, **paths.environment()},
            check=True,
        )
    elif phase == "gate":
        from expectations.suites import read_suites
        from expectations.validate import validate_relation
        from sozialmonitor.warehouse import connect_build

        for suite in read_suites().values():
            with connect_build(paths) as con:
                outcomes = validate_relation(con, suite, docs_dir=paths.gate_data_docs)
                failed = [o.check_name for o in outcomes if not o.success and o.blocking]
            if failed:
                raise SystemExit(f"gate failed: {suite['name']}: {failed}")
    elif phase == "publish":
        from sozialmonitor.publication import publish

        publish(paths, "bench", [])


def measure(command: list[str], data_dir: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS in MiB of a child process (and what it spawned)."""
    env = {**os.environ, "SOZIALMONITOR_DATA_DIR": str(data_dir)}
    log = data_dir / "bench.log"
    started = time.perf_counter()
    with log.open("w") as output:
        child = subprocess.Popen(command, env=env, stdout=output, stderr=output)
        _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{log.read_text()[-3000:]}")
    return seconds, usage.ru_maxrss / 1024


def raw_cells(data_dir: Path) -> int:
    import duckdb

    with duckdb.connect(str(data_dir / "warehouse" / "raw.duckdb"), read_only=True) as con:
        tables = [
            row[0]
            for row in con.execute(
                "select table_name from duckdb_tables() where table_name <> 'ingest_log'"
            ).fetchall()
        ]
        return sum(con.execute(f"select count(*) from {table}").fetchone()[0] for table in tables)


def fact_rows(data_dir: Path) -> int:
    import duckdb

    from sozialmonitor.settings import DataPaths

    with duckdb.connect(str(DataPaths(data_dir).published_db), read_only=True) as con:
        return con.execute("select count(*) from marts.fct_indicator_values").fetchone()[0]


def bench_scale(scale: int, workdir: Path) -> list[str]:
    from ingest.sample import generate_sample

    phases_dir, dagster_dir = workdir / f"phases-x{scale}", workdir / f"dagster-x{scale}"
    started = time.perf_counter()
    generate_sample(phases_dir / "landing", scale=scale)
    setup = time.perf_counter() - started
    shutil.copytree(phases_dir / "landing", dagster_dir / "landing")
    rows, total_seconds, peak, wall = [], 0.0, 0.0, {}
    for phase in PHASES:
        seconds, mib = measure([sys.executable, __file__, "--phase", phase], phases_dir)
        total_seconds, peak, wall[phase] = total_seconds + seconds, max(peak, mib), seconds
        rows.append(f"| x{scale} | {phase} | {seconds:.1f} | {mib:.0f} |")
    rows.append(f"| x{scale} | **sum of phases** | {total_seconds:.1f} | {peak:.0f} |")
    rows.append(f"| x{scale} | gate as share of the dbt build | {wall['gate'] / wall['dbt']:.0%} | |")
    seconds, mib = measure([str(Path(sys.executable).with_name("sozialmonitor")), "refresh"], dagster_dir)
    rows.append(f"| x{scale} | nightly_refresh via Dagster (total) | {seconds:.1f} | {mib:.0f} |")
    print(
        f"x{scale}: sample generated in {setup:.1f} s (not counted); {raw_cells(phases_dir):,} raw cells, "
        f"{fact_rows(phases_dir):,} fact rows",
        file=sys.stderr,
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--scale", type=int, nargs="+", default=[10], help="larger samples: 10 x SCALE reference dates each"
    )
    parser.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        run_phase(args.phase)
        return
    with tempfile.TemporaryDirectory(prefix="sozialmonitor-bench-") as workdir:
        table = ["| sample | phase | wall s | peak RSS MiB |", "|---|---|---|---|"]
        for scale in sorted({1, *args.scale}):
            table += bench_scale(scale, Path(workdir))
    print("\n".join(table))


if __name__ == "__main__":
    main()
