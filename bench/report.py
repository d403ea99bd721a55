"""The benchmark's output in Markdown: one table of every scale and phase, platform beside its limit; the
growth per phase from scale to scale; the rows both made; what each column means."""

from __future__ import annotations

import itertools
import os
from collections.abc import Sequence
from datetime import date

from bench.measure import Measurement
from bench.scale_run import PHASES, ScaleResult

SUM, REFRESH = "sum of phases", "orchestrated refresh"


def _mib(measurement: Measurement) -> str:
    return f"{measurement.largest_mib:.0f} / {measurement.tree_mib:.0f}"


def _ratio(platform: float, limit: float) -> str:
    return f"{platform / limit:.1f}" if limit > 0 else "–"


def _lines(result: ScaleResult) -> list[tuple[str, Measurement, Measurement, str]]:
    """(phase, platform, limit, seconds in the orchestrated run) for one scale."""
    assert result.refresh is not None
    limit_sum = Measurement.summed([result.limit[phase] for phase in PHASES])
    seen = result.refresh_phases
    lines = [
        (phase, result.platform[phase], result.limit[phase], f"{seen[phase]:.1f}" if phase in seen else "")
        for phase in PHASES
    ]
    lines.append((SUM, Measurement.summed([result.platform[phase] for phase in PHASES]), limit_sum, ""))
    total = f"{seen['total']:.1f}" if "total" in seen else ""
    lines.append((REFRESH, result.refresh, limit_sum, total))
    return lines


def main_table(results: Sequence[ScaleResult]) -> list[str]:
    table = [
        "| sample | phase | platform wall s | platform peak RSS MiB | limit wall s | limit peak RSS MiB "
        "| platform / limit | in the orchestrated run s |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        for phase, platform, limit, seen in _lines(result):
            name = f"**{phase}**" if phase in (SUM, REFRESH) else phase
            table.append(
                f"| x{result.scale} | {name} | {platform.wall:.1f} | {_mib(platform)} | {limit.wall:.1f} "
                f"| {_mib(limit)} | {_ratio(platform.wall, limit.wall)} | {seen} |"
            )
    return table


def growth_table(results: Sequence[ScaleResult]) -> list[str]:
    """Per phase and pair of neighbouring scales: seconds per million more raw cells, and the factor."""
    table = [
        "| phase | from → to | raw cells × | platform s per M raw cells | limit s per M raw cells "
        "| platform time × | limit time × |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for phase in (*PHASES, SUM, REFRESH):
        for small, large in itertools.pairwise(results):
            cells = (large.raw_cells - small.raw_cells) / 1e6
            (platform_a, limit_a), (platform_b, limit_b) = (
                next((p.wall, lim.wall) for name, p, lim, _ in _lines(result) if name == phase)
                for result in (small, large)
            )
            table.append(
                f"| {phase} | x{small.scale} → x{large.scale} | {large.raw_cells / small.raw_cells:.1f} "
                f"| {(platform_b - platform_a) / cells:.2f} | {(limit_b - limit_a) / cells:.2f} "
                f"| {_ratio(platform_b, platform_a)} | {_ratio(limit_b, limit_a)} |"
            )
    return table


def rows_table(results: Sequence[ScaleResult]) -> list[str]:
    header = "| rows (platform / limit) | " + " | ".join(f"x{result.scale}" for result in results) + " |"
    table = [header, "|---|" + "---:|" * len(results)]
    for index, (what, *_) in enumerate(results[0].rows):
        cells = []
        for result in results:
            _, platform, limit, same = result.rows[index]
            mark = "same" if same else "**DIFFERENT**"
            cells.append(f"{platform:,} / {limit:,} {mark}")
        table.append(f"| {what} | " + " | ".join(cells) + " |")
    return table


def furthest(results: Sequence[ScaleResult]) -> str:
    largest = results[-1]
    ratios = {phase: largest.platform[phase].wall / largest.limit[phase].wall for phase in PHASES}
    phase = max(ratios, key=lambda name: ratios[name])
    return (
        f"At x{largest.scale} the phase furthest from its limit is **{phase}** "
        f"({ratios[phase]:.1f} × its limit); "
        + ", ".join(f"{name} {ratio:.1f} ×" for name, ratio in ratios.items() if name != phase)
        + "."
    )


def details(results: Sequence[ScaleResult]) -> list[str]:
    split = {
        "datencsv": "DuckDB reading the GENESIS files",
        "platform_loaders": "the platform's loaders (BA, cities, submissions, series breaks)",
        "dbt seeds": "seeds",
        "dbt models": "models",
        "dbt tests": "data tests",
    }
    return [
        "- raw cells: " + ", ".join(f"x{r.scale} {r.raw_cells:,}" for r in results),
        "- the limit's ingest and dbt in parts (s): "
        + "; ".join(
            f"x{r.scale} "
            + ", ".join(f"{label} {r.limit_split.get(key, 0):.1f}" for key, label in split.items())
            for r in results
        ),
        "- sample generation (setup, not counted): "
        + ", ".join(f"x{r.scale} {r.setup_seconds:.1f} s" for r in results),
    ]


NOTES = """\
What is measured: every number is one child process (and whatever it starts) on the same files on the
same machine, started by `bench/refresh_phases.py`. Wall: start to exit of the child, including the
interpreter's start and imports. Peak RSS `a / b`: *a* = `ru_maxrss` from `os.wait4`, the kernel's
high-water mark of the tree's largest single process (the child or a descendant such as dbt); *b* = the
largest sum of resident memory over all live processes of the tree, sampled every 0.1 s from /proc (a
lower bound; shared pages count in each process).
Platform, per phase: the platform's own functions (`bench/platform_phases.py`): ingest =
`ingest_source` for every source; dbt = `prepare_raw_tables` + `dbt build` (seeds, models, data tests);
gate = GX via `validate_relation` for every suite; publish = `publish` (marts, Parquet, record, atlas).
Orchestrated refresh: `python -m sozialmonitor.cli refresh` on its own fresh copy of the landing files
(delivery runs, then `nightly_refresh` through Dagster); the last column is the phase time the refresh's
own summary reports (Dagster's step times; its `total` excludes the interpreter's start).
Limit (`bench/limit_ingest.py`, `bench/limit_warehouse.py`): ingest = DuckDB `read_csv` of every GENESIS
datencsv file (all fields typed VARCHAR, header block skipped, footer cut by the key filter, kept keys
only, unpivoted to one row per cell) into the platform's raw tables; the BA workbooks, city CSVs and
submissions (a few thousand rows at every scale) by the platform's own loaders, as are the series breaks.
The limit checks no totals, keys or names. dbt = the compiled SQL of the platform's own `dbt build`
(manifest), seeds by `read_csv`, every model as its view or table and every data test as a count, in DAG
order in one connection on a copy of the platform's raw store; gate = every expectation as a SQL count
of failing rows (between, in set, not null, pair A > B, compound unique); publish = the marts copied
into a new DuckDB file and one Parquet per mart (no atlas, no record). Sum of phases: wall times added,
peak = the largest phase. Platform / limit: wall over wall; for the orchestrated refresh, over the
limit's sum of phases.
Growth: between neighbouring scales, the added seconds per million added raw cells (rows of the raw
tables), and the factor of the time.
Rows: the platform's raw tables against the ingest limit's, the platform's marts against the dbt
limit's, the gate's failing rows per check (GX against SQL); *same* = equal row count and equal
fingerprint (`sum(hash(row))`, loaded_at left out) or, for the gate, equal counts for every check."""


def render(results: Sequence[ScaleResult], started_load: tuple[float, float, float]) -> str:
    load = os.getloadavg()
    parts = [
        f"Benchmark of {date.today().isoformat()}: {os.cpu_count()} cores; load average (1/5/15 min) "
        f"{started_load[0]:.2f} / {started_load[1]:.2f} / {started_load[2]:.2f} at the start, "
        f"{load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} at the end; per sample (1-min load before/after): "
        + ", ".join(f"x{r.scale} {r.load_before:.2f}/{r.load_after:.2f}" for r in results),
        "",
        *main_table(results),
        "",
        furthest(results),
        "",
        *growth_table(results),
        "",
        *rows_table(results),
        "",
        *details(results),
        "",
        NOTES,
    ]
    return "\n".join(parts)
