"""Benchmark: each refresh phase of the platform beside its limit, raw DuckDB doing the same work.

    python bench/refresh_phases.py --scale 10 100     (make bench SCALE="10 100")

For the bundled sample (x1) and each SCALE (10 x SCALE year ends of the GENESIS tables), on the same
files: the platform's phases, each its own child process (`bench/platform_phases.py`); the whole
orchestrated refresh (`sozialmonitor refresh`) on a fresh copy of the landing files; and the limit of
each phase, computed by the bench itself in child processes (`bench/limit_ingest.py`,
`bench/limit_warehouse.py`). Prints one Markdown table (wall time, peak memory, platform / limit), the
growth per phase from scale to scale, and the rows both made (`bench/report.py` says what each number
is). Generating the sample is setup and is not counted. Progress goes to stderr, the tables to stdout.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # `python bench/refresh_phases.py` puts bench/ first, not the checkout

from bench.scale_run import PHASES, bench_scale  # noqa: E402


def run_child(kind: str, folder: Path) -> None:
    """Executed in a child process: one phase of the platform or of the limit for the scale `folder`."""
    side, phase = kind.split(":")
    if side == "platform":
        from bench.platform_phases import run_platform_phase

        run_platform_phase(phase)
        return
    limit, platform = folder / "limit", folder / "platform"
    warehouse = limit / "warehouse"
    if phase == "ingest":
        from bench.limit_ingest import run_limit_ingest

        run_limit_ingest(folder / "landing", limit / "ingest" / "raw.duckdb", limit / "ingest" / "quarantine")
        return
    from bench import limit_warehouse

    if phase == "dbt":
        manifest = platform / "dbt" / "target" / "manifest.json"
        limit_warehouse.run_limit_dbt(manifest, warehouse / "raw.duckdb", warehouse / "build.duckdb")
    elif phase == "gate":
        suites = ROOT / "expectations" / "suites"
        limit_warehouse.run_limit_gate(warehouse / "build.duckdb", warehouse / "raw.duckdb", suites)
    else:
        limit_warehouse.run_limit_publish(warehouse / "build.duckdb", limit / "published")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--scale", type=int, nargs="*", default=[10], help="larger samples: 10 x SCALE year ends each"
    )
    parser.add_argument(
        "--keep", type=Path, help="work in this folder and keep it (default: a temporary one)"
    )
    kinds = [f"{side}:{phase}" for side in ("platform", "limit") for phase in PHASES]
    parser.add_argument("--child", choices=kinds, help=argparse.SUPPRESS)
    parser.add_argument("--dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args.child, args.dir)
        return
    from bench.report import render

    load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="sozialmonitor-bench-") as temporary:
        workdir = args.keep or Path(temporary)
        results = []
        for scale in sorted({1, *args.scale}):
            print(f"x{scale}: {workdir / f'x{scale}'}", file=sys.stderr)
            results.append(bench_scale(scale, workdir))
        print(render(results, load))


if __name__ == "__main__":
    main()
