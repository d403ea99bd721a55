"""`sozialmonitor`: the command line (refresh, query, status, export, sample, expectations, docs, geography,
ui)."""

from __future__ import annotations

import argparse
import atexit
import os
import signal
import sys
from pathlib import Path
from typing import NoReturn

from sozialmonitor.settings import PROJECT_ROOT, DataPaths


def _refresh(args: argparse.Namespace, paths: DataPaths) -> int:
    from orchestration.refresh import run_refresh  # the code location, loaded only by this command
    from sozialmonitor.refresh_summary import format_summary

    outcome = run_refresh(paths)
    print(format_summary(outcome, paths))
    return 0 if outcome.success else 1


def _query(args: argparse.Namespace, paths: DataPaths) -> int:
    from sozialmonitor.publication import version_db
    from sozialmonitor.warehouse import connect_published

    with connect_published(version_db(paths, args.version, args.as_of)) as con:
        relation = con.sql(args.sql)
        if relation is None:
            print("the statement returned no rows", file=sys.stderr)
            return 0
        if args.format == "table":
            relation.show(max_rows=args.max_rows, max_width=10_000)
        elif args.format == "csv":
            relation.df().to_csv(sys.stdout, index=False)
        else:
            print(relation.df().to_json(orient="records", force_ascii=False, date_format="iso", indent=1))
    return 0


def _status(args: argparse.Namespace, paths: DataPaths) -> int:
    from sozialmonitor.publication import published_versions, read_publication

    record = read_publication(paths.published_db)
    failed = [check for check in record.checks if not check.passed]
    print(f"current version: {record.version} ({record.path})")
    print(f"published at:   {record.published_at:%Y-%m-%d %H:%M:%S} UTC by run {record.run_id}")
    print(
        f"checks:         {record.checks_passed} passed, {record.checks_failed} failed"
        + (" (warnings only: blocking checks stop publication)" if failed else "")
    )
    for check in failed:
        print(f"                {check.asset} {check.check_name} ({check.severity})")
    print(f"source files:   {len(record.source_files)}")
    print("tables:")
    for table, rows in record.tables.items():
        print(f"  {table:<40} {rows:>8} rows")
    print(f"versions kept ({paths.keep_versions} at most): {', '.join(published_versions(paths))}")
    return 0


def _sample(args: argparse.Namespace, paths: DataPaths) -> int:
    from ingest.sample import generate_sample, stichtage

    try:
        stichtage(args.scale)  # the scale is checked before anything is written
    except ValueError as error:
        print(f"sozialmonitor sample: {error}", file=sys.stderr)
        return 2
    written = generate_sample(paths.landing, scale=args.scale)
    print(f"{len(written)} sample files in {paths.landing}")
    return 0


def _expectations(args: argparse.Namespace, paths: DataPaths) -> int:
    from expectations.suites import write_suites

    for path in write_suites():
        print(f"wrote {path.relative_to(PROJECT_ROOT)}")
    return 0


def _docs(args: argparse.Namespace, paths: DataPaths) -> int:
    """dbt's documentation site of the last build: models, columns and the indicator catalog."""
    import subprocess

    dbt = Path(sys.executable).with_name("dbt")
    target = paths.root / "dbt" / "docs"
    run = subprocess.run(
        [str(dbt), "docs", "generate", "--quiet", "--target-path", str(target), *paths.dbt_vars()],
        cwd=PROJECT_ROOT / "dbt_project",
        env={**os.environ, **paths.environment()},
    )
    if run.returncode == 0:
        print(f"dbt docs: {target / 'index.html'} (serve with: {dbt} docs serve --target-path {target})")
    return run.returncode


def _export(args: argparse.Namespace, paths: DataPaths) -> int:
    from sozialmonitor.export import ExportError, export_indicator

    try:
        written = export_indicator(
            paths,
            args.indicator,
            args.format,
            level=args.level,
            period=args.period,
            output=args.output,
            decimal_comma=args.decimal_comma,
        )
    except ExportError as error:
        print(f"sozialmonitor export: {error}", file=sys.stderr)
        return 2
    print(written)
    return 0


def _atlas(args: argparse.Namespace, paths: DataPaths) -> int:
    """The atlas of the current (or a named) version: its index page, or served on 127.0.0.1."""
    from sozialmonitor.atlas import ATLAS
    from sozialmonitor.atlas.browser import make_server
    from sozialmonitor.publication import version_db
    from sozialmonitor.warehouse import NotPublishedError

    warehouse = version_db(paths, args.version)
    if not warehouse.exists():
        raise NotPublishedError(f"nothing published yet at {warehouse}: run `sozialmonitor refresh` first")
    folder = warehouse.resolve().parent / ATLAS  # resolved: a served version stays the same
    if not (folder / "index.html").exists():
        raise NotPublishedError(f"no atlas in {folder.parent}: it was published before the atlas existed")
    if not args.serve:
        print(folder / "index.html")
        return 0
    server = make_server(folder, args.port, quiet=False)
    # Ctrl-C and SIGTERM stop it, even when started with SIGINT ignored (as a shell's background job is)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    print(
        f"atlas of {folder.parent.name}: http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C stops)",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def _geography(args: argparse.Namespace, paths: DataPaths) -> int:
    """The Ruhr seed and the official key directory against a real GV100AD file; --write rewrites both."""
    from ingest.errors import SourceError
    from ingest.geography_refresh import plan_refresh, write_refresh

    try:
        refresh = plan_refresh(args.gv100ad)
        print(refresh.report())
        if args.write:
            write_refresh(refresh)
            print("written: dbt_project/seeds/ruhr_gemeinden.csv, ingest/reference/gebietsverzeichnis.csv")
    except SourceError as error:
        print(f"sozialmonitor geography: {error}", file=sys.stderr)
        return 2
    return 0


def _instance(args: argparse.Namespace, paths: DataPaths) -> int:
    """The Dagster instance settings the data directory's commands and services use (written by every
    command; services run this before they start, see deploy/)."""
    path = paths.dagster_home / "dagster.yaml"
    print(f"# {path}")
    print(path.read_text(encoding="utf-8"), end="")
    return 0


def _serve(args: argparse.Namespace, paths: DataPaths) -> int:
    """The webserver and the daemon (and for `serve` a read-only webserver) until SIGTERM or Ctrl-C."""
    from sozialmonitor.serve import instance_home, serve, services

    # a DAGSTER_HOME of the environment (production: deploy/dagster.yaml) wins over the data directory's
    env = {**os.environ, **paths.environment(), "DAGSTER_HOME": str(instance_home(paths.dagster_home))}
    read_only_port = getattr(args, "read_only_port", None)
    return serve(services(args.host, args.port, read_only_port), PROJECT_ROOT, env)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="sozialmonitor", description="Sozialmonitor Ruhr indicator warehouse")
    commands = root.add_subparsers(dest="command", required=True)
    commands.add_parser("refresh", help="run the nightly refresh now: ingest, dbt build, gate, publish")
    query = commands.add_parser("query", help="run SQL read-only on the published warehouse")
    query.add_argument("sql")
    query.add_argument("--format", choices=("table", "csv", "json"), default="table")
    query.add_argument("--max-rows", type=int, default=1_000, help="rows shown in table format")
    query.add_argument(
        "--version", help="a published version (sozialmonitor status lists them); default: current"
    )
    query.add_argument(
        "--as-of", help="the version that was current at this time (YYYY-MM-DD or YYYY-MM-DDTHH:MM, UTC)"
    )
    commands.add_parser("status", help="what is published, when, from which run, with which check results")
    sample = commands.add_parser("sample", help="write the bundled sample sources into the landing folders")
    sample.add_argument("--scale", type=int, default=1, help="10 x SCALE reference dates instead of 10")
    commands.add_parser("expectations", help="regenerate the GX suites from the indicator catalog")
    commands.add_parser("docs", help="generate dbt's documentation of the last build under the data dir")
    export = commands.add_parser(
        "export", help="write one indicator from the published warehouse as CSV, xlsx or Parquet"
    )
    export.add_argument("--indicator", required=True, help="indicator id (marts.dim_indicator)")
    export.add_argument("--level", help="area level (bund, land, region, kreis, gemeinde, …); default: all")
    export.add_argument("--period", help="Stichtag YYYY-MM-DD; default: all periods")
    export.add_argument("--format", required=True, choices=("csv", "xlsx", "parquet"))
    export.add_argument("--decimal-comma", action="store_true", help="csv: write 12,34 instead of 12.34")
    export.add_argument(
        "--output", type=Path, help="file to write; default: ./<indicator>_<level|alle>_<period|alle>.<ext>"
    )
    atlas = commands.add_parser(
        "atlas", help="the static atlas of the published version: print its index page, or --serve it"
    )
    atlas.add_argument("--serve", action="store_true", help="serve it on http://127.0.0.1:PORT/ until Ctrl-C")
    atlas.add_argument("--port", type=int, default=8000, help="port for --serve (0: any free port)")
    atlas.add_argument(
        "--version", help="a published version (sozialmonitor status lists them); default: current"
    )
    geography = commands.add_parser(
        "geography", help="compare the Ruhr geography seed and key directory with a GV100AD file"
    )
    geography.add_argument(
        "--gv100ad", type=Path, required=True, help="Destatis Gemeindeverzeichnis, GV100AD_DDMMYY.txt"
    )
    geography.add_argument("--write", action="store_true", help="rewrite the seed and the key directory")
    commands.add_parser("instance", help="write and show the Dagster instance settings (dagster.yaml)")
    ui = commands.add_parser(
        "ui", help="the Dagster UI and daemon on 127.0.0.1 (the data directory's instance)"
    )
    ui.add_argument("--port", type=int, default=3000)
    ui.add_argument("--host", default="127.0.0.1")
    serve = commands.add_parser(
        "serve", help="webserver, daemon and a read-only webserver as services (stop with SIGTERM)"
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: loopback only)")
    serve.add_argument("--port", type=int, default=3000, help="the webserver that may launch runs")
    serve.add_argument(
        "--read-only-port", type=int, default=3001, help="the read-only webserver for planners"
    )
    return root


COMMANDS = {
    "refresh": _refresh,
    "query": _query,
    "status": _status,
    "sample": _sample,
    "expectations": _expectations,
    "docs": _docs,
    "export": _export,
    "atlas": _atlas,
    "geography": _geography,
    "instance": _instance,
    "ui": _serve,
    "serve": _serve,
}


def _exit_at_once(code: int) -> NoReturn:
    """End the process without the interpreter's teardown. A refresh has imported Dagster, dbt, GX and
    pandas; freeing their modules and objects one by one took 2.2-2.9 s after the work was done (a
    process importing the code location and GX, 2 cores under load 4; 0.1 s with this). The other
    commands too: the atlas server, stopped with Ctrl-C under load, once took over 10 s to end. Everything
    the command wrote is closed by then; the exit handlers still run (logging's flush, temporary
    folders), and the streams are flushed."""
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    paths = DataPaths.from_env()
    paths.prepare()
    try:
        code = COMMANDS[args.command](args, paths)
        if argv is None:  # the command line, not a caller: its output is flushed, nothing else to keep
            _exit_at_once(code)
        return code
    except Exception as error:  # the CLI's edge: one clear line instead of a traceback for known failures
        from sozialmonitor.warehouse import NotPublishedError

        if isinstance(error, NotPublishedError):
            print(f"sozialmonitor: {error}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
