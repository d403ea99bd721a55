"""Write–audit–publish into immutable versions: `published/<version>/` and a `current` pointer.

dbt builds into `warehouse/build.duckdb`; the gate audits that file; only then are the marts copied
into a new version folder: `warehouse.duckdb` (the marts, with their documentation as comments),
one Parquet file per mart, and `manifest.json` (version, run, times, source files with sha256, check
summary, row counts). The folder is written under a hidden name and renamed when complete; then the
`current` symlink is replaced atomically (`os.replace` of a new symlink). A reader keeps the version
it opened (files of a version never change); a failed run never gets here, so `current` stays where
it was. The last N versions stay (`SOZIALMONITOR_KEEP_VERSIONS`, default 5) so that a report can be
reproduced from an earlier one; older folders are removed. The DuckDB file also carries the record
itself (schema `meta`), so data and record cannot drift apart.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from sozialmonitor.atlas import ATLAS
from sozialmonitor.atlas.build import render_pages, write_atlas
from sozialmonitor.checks import CheckResult
from sozialmonitor.files import fsync
from sozialmonitor.settings import PROJECT_ROOT, DataPaths
from sozialmonitor.warehouse import NotPublishedError, add_files, connect_published

PUBLISHED_SCHEMAS = ("marts",)
MANIFEST = "manifest.json"
LEFTOVER_SECONDS = 3600  # a publication takes seconds; a hidden folder this old was left by a killed one


@dataclass(frozen=True)
class PublicationRecord:
    path: Path
    version: str
    run_id: str
    published_at: datetime
    tables: dict[str, int]
    checks: list[CheckResult]
    source_files: list[tuple[str, str, str]]

    @property
    def checks_passed(self) -> int:
        return sum(check.passed for check in self.checks)

    @property
    def checks_failed(self) -> int:
        return len(self.checks) - self.checks_passed


def _literal(text: str) -> str:
    """COMMENT ON takes no parameters: quote the text as an SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def _copy_marts(con: duckdb.DuckDBPyConnection) -> list[str]:
    schemas = ", ".join(f"'{schema}'" for schema in PUBLISHED_SCHEMAS)
    tables = con.execute(
        f"select schema_name, table_name, comment from duckdb_tables() "
        f"where database_name = 'build' and schema_name in ({schemas}) order by all"
    ).fetchall()
    for schema, table, comment in tables:
        con.execute(f"create schema if not exists {schema}")
        con.execute(f"create table {schema}.{table} as from build.{schema}.{table}")
        if comment:
            con.execute(f"comment on table {schema}.{table} is {_literal(comment)}")
    columns = con.execute(
        f"select schema_name, table_name, column_name, comment from duckdb_columns() "
        f"where database_name = 'build' and schema_name in ({schemas}) and comment is not null"
    ).fetchall()
    for schema, table, column, comment in columns:
        if (schema, table) in {(s, t) for s, t, _ in tables}:
            con.execute(f'comment on column {schema}.{table}."{column}" is {_literal(comment)}')
    return [f"{schema}.{table}" for schema, table, _ in tables]


def _write_warehouse(
    path: Path, paths: DataPaths, run_id: str, published_at: datetime, checks: list[CheckResult]
) -> list[str]:
    """The marts, their comments and the record into a new DuckDB file; each mart also as Parquet."""
    with duckdb.connect(str(path), config=paths.duckdb_config) as con:
        con.execute(f"attach '{paths.build_db}' as build (read_only)")
        con.execute(f"attach '{paths.raw_db}' as raw (read_only)")
        tables = _copy_marts(con)
        con.execute("create schema meta")
        con.execute(
            "create table meta.publication as select ?::varchar as run_id, ?::timestamp as published_at",
            [run_id, published_at],
        )
        con.execute(
            "create table meta.source_files as select source_id, file_name, file_sha256, loaded_at "
            "from raw.ingest_log order by all"
        )
        con.execute(
            "create table meta.checks (asset varchar, check_name varchar, passed boolean, severity varchar)"
        )
        if checks:
            con.executemany(
                "insert into meta.checks values (?, ?, ?, ?)",
                [[check.asset, check.check_name, check.passed, check.severity] for check in checks],
            )
        con.execute("detach build")
        con.execute("detach raw")
        for table in tables:
            con.execute(f"copy {table} to '{path.parent / (table + '.parquet')}' (format parquet)")
        con.execute("checkpoint")
    return tables


# What a publication is made from besides the raw data: the warehouse's definitions and the gate.
DEFINITION_FILES = (
    "dbt_project/dbt_project.yml",
    "ingest/sources.yml",  # series breaks and rounding are definitions too
    "dbt_project/models",
    "dbt_project/seeds",
    "dbt_project/macros",
    "expectations/suites",
)


def publication_inputs(paths: DataPaths) -> str:
    """A fingerprint of everything a publication is computed from: every loaded file (source, name,
    sha256 in the raw store's ingest log) and the definitions (dbt models, seeds, macros, GX suites).
    Equal fingerprints mean a new build would publish the same data again."""
    digest = hashlib.sha256()
    with duckdb.connect(str(paths.raw_db), read_only=True) as con:
        for row in con.execute(
            "select source_id, file_name, file_sha256 from ingest_log order by all"
        ).fetchall():
            digest.update("\t".join(row).encode() + b"\n")
    add_files(digest, [PROJECT_ROOT / name for name in DEFINITION_FILES], PROJECT_ROOT)
    return digest.hexdigest()


def current_inputs(paths: DataPaths) -> str | None:
    """The input fingerprint of the current version, if there is one that recorded it."""
    manifest = paths.published_current / MANIFEST
    if not manifest.exists():
        return None
    return json.loads(manifest.read_text(encoding="utf-8")).get("inputs")


def _stamp(published_at: datetime) -> str:
    return published_at.isoformat() + "Z"


def _manifest(record: PublicationRecord, inputs: str) -> dict[str, object]:
    """The manifest from the record as read back from the written file: it lists what is there."""
    failed = [check.record() for check in record.checks if not check.passed]
    return {
        "version": record.version,
        "run_id": record.run_id,
        "inputs": inputs,
        "published_at": _stamp(record.published_at),
        "warehouse": "warehouse.duckdb",
        "tables": {
            table: {"rows": rows, "parquet": f"{table}.parquet"} for table, rows in record.tables.items()
        },
        "checks": {"passed": record.checks_passed, "failed": record.checks_failed, "failures": failed},
        "source_files": [
            {"source_id": source_id, "file_name": name, "sha256": sha}
            for source_id, name, sha in record.source_files
        ],
    }


def _point_current_to(paths: DataPaths, version: str) -> None:
    pointer = paths.published / f".current.{version}.tmp"
    pointer.unlink(missing_ok=True)
    pointer.symlink_to(version, target_is_directory=True)  # relative: the data directory can move
    os.replace(pointer, paths.published_current)
    fsync(paths.published)


def published_versions(paths: DataPaths) -> list[str]:
    """Complete versions on disk, oldest first (version ids sort by time)."""
    if not paths.published.exists():
        return []
    return sorted(
        entry.name
        for entry in paths.published.iterdir()
        if entry.is_dir() and not entry.is_symlink() and (entry / MANIFEST).exists()
    )


def current_version(paths: DataPaths) -> str | None:
    return os.readlink(paths.published_current) if paths.published_current.is_symlink() else None


def version_db(paths: DataPaths, version: str | None = None, as_of: str | None = None) -> Path:
    """The warehouse file of a version: the named one, the one current at `as_of`, or the current one.
    Unknown versions raise NotPublishedError naming the versions there are."""
    versions = published_versions(paths)
    if as_of is not None:
        moment = datetime.fromisoformat(as_of).strftime("%Y%m%dT%H%M%S")
        earlier = [candidate for candidate in versions if candidate[:15] <= moment]
        if not earlier:
            raise NotPublishedError(f"no version was published by {as_of}; the oldest kept is {versions[:1]}")
        version = earlier[-1]
    if version is None:
        return paths.published_db
    if version not in versions:
        raise NotPublishedError(f"no published version {version!r}; kept: {', '.join(versions) or 'none'}")
    return paths.version_db(version)


def _prune(paths: DataPaths) -> None:
    keep = set(published_versions(paths)[-paths.keep_versions :]) | {current_version(paths)}
    for version in published_versions(paths):
        if version not in keep:
            shutil.rmtree(paths.published / version)
    # what a publication killed halfway left (its hidden staging folder or pointer): never current,
    # and removed once it is older than any publication that could still be writing it
    for entry in paths.published.glob(".*.tmp"):
        if time.time() - entry.lstat().st_mtime > LEFTOVER_SECONDS:
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)


def verify_version(folder: Path) -> list[str]:
    """What is wrong with a published version folder (empty: complete): its manifest, the warehouse
    file with every table and row count the manifest names, each table's Parquet file with the same
    rows, and the atlas's index page. What `current` must always point to, whatever was killed when."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        with connect_published(folder / manifest["warehouse"]) as con:
            problems = []
            for table, expected in manifest["tables"].items():
                rows = con.execute(f"select count(*) from {table}").fetchone()[0]
                parquet = folder / expected["parquet"]
                in_parquet = con.execute("select count(*) from read_parquet(?)", [str(parquet)]).fetchone()[0]
                if not rows == in_parquet == expected["rows"]:
                    problems.append(
                        f"{table}: {rows} rows, {in_parquet} in Parquet, manifest {expected['rows']}"
                    )
    except (OSError, ValueError, KeyError, duckdb.Error) as error:
        return [f"{folder}: {type(error).__name__}: {error}"]
    if not (folder / "atlas" / "index.html").is_file():
        problems.append(f"{folder}: no atlas/index.html")
    return problems


def publish(paths: DataPaths, run_id: str, checks: list[CheckResult]) -> PublicationRecord:
    published_at = datetime.now(UTC).replace(tzinfo=None)
    version = f"{published_at:%Y%m%dT%H%M%S}Z-{run_id[:8]}"
    folder = paths.published / version
    staging = paths.published / f".{version}.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        # DuckDB writes the file (without the GIL) while Python renders the atlas from the same audited
        # marts; the pool waits for the writer even when rendering fails, before staging is removed
        with ThreadPoolExecutor(max_workers=1) as writer:
            written = writer.submit(
                _write_warehouse, staging / "warehouse.duckdb", paths, run_id, published_at, checks
            )
            pages = render_pages(paths.build_db, {"version": version, "published_at": _stamp(published_at)})
            written.result()
        record = read_publication(staging / "warehouse.duckdb", version)
        manifest = _manifest(record, publication_inputs(paths))
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
        if pages is not None:  # the atlas of this version, part of it: written before the rename
            write_atlas(pages, staging / MANIFEST, staging / ATLAS)
        for path in staging.iterdir():
            fsync(path)
        os.rename(staging, folder)
        fsync(paths.published)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _point_current_to(paths, version)
    _prune(paths)
    return replace(record, path=folder / "warehouse.duckdb")  # the same file, renamed with its folder


def read_publication(path: Path, version: str | None = None) -> PublicationRecord:
    """The record of a published warehouse file (its version is the name of its folder)."""
    with connect_published(path) as con:
        run_id, published_at = con.execute("select run_id, published_at from meta.publication").fetchone()
        tables = {
            f"{schema}.{table}": con.execute(f"select count(*) from {schema}.{table}").fetchone()[0]
            for schema, table in con.execute(
                "select schema_name, table_name from duckdb_tables() where schema_name <> 'meta' order by all"
            ).fetchall()
        }
        checks = [
            CheckResult(*row) for row in con.execute("select * from meta.checks order by all").fetchall()
        ]
        sources = con.execute("select source_id, file_name, file_sha256 from meta.source_files").fetchall()
    return PublicationRecord(
        path, version or path.resolve().parent.name, run_id, published_at, tables, checks, sources
    )
