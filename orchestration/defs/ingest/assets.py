"""One ingest asset per registered source: landed files into the raw store, with provenance.

A bad file is quarantined and the asset still materialises with the other files, so one city's broken
delivery does not hold back everyone else's; its non-blocking check `no_quarantined_files` turns the
delivery red in the UI and names file, row, column and rule. Two more non-blocking checks say what
would otherwise pass unnoticed: `no_unmatched_files` (a file in the landing folder whose name fits no
file pattern of the source, so it was neither loaded nor quarantined) and `no_load_warnings` (findings
about a file that loaded all the same). A body's partition has no checks; the same lists are in its
materialisation's metadata and log, and in the refresh summary and the run report for every source.
"""

from collections.abc import Iterator

import dagster as dg
import duckdb

from ingest.geography import RuhrGeography
from ingest.landing import SourceLoad, ingest_source, tables_written
from ingest.portal import PortalError
from ingest.raw_store import RawStore
from ingest.registry import Source, load_registry
from orchestration.defs.markdown import markdown_table
from orchestration.defs.resources import PHASE_TAG, DataDirResource
from orchestration.keys import raw_asset_key, raw_key
from sozialmonitor.settings import DataPaths

QUARANTINE_CHECK = "no_quarantined_files"
UNMATCHED_CHECK = "no_unmatched_files"
WARNINGS_CHECK = "no_load_warnings"


def _metadata(source: Source, load: SourceLoad) -> dict[str, dg.MetadataValue]:
    table = [
        "| file | sha256 | Stichtage | cells loaded | rows skipped (areas outside the Ruhr) | state |",
        "|---|---|---|---|---|---|",
    ]
    for file in load.files:
        if file.quarantined is not None:
            state = f"**quarantined**: {file.quarantined.problem}"
        elif file.unchanged:
            state = "unchanged"
        else:
            warned = f", {len(file.warnings)} warnings" if file.warnings else ""
            state = f"loaded ({file.encoding}){warned}"
        stichtage = ", ".join(day.strftime("%d.%m.%Y") for day in file.stichtage) or "–"
        table.append(
            f"| {file.file_name} | `{file.file_sha256[:12]}` | {stichtage} | {file.rows_loaded} | "
            f"{file.source_rows_skipped} ({file.skipped_areas}) | {state} |"
        )
    for name in load.unmatched:
        table.append(f"| {name} | – | – | – | – | **not loaded**: the name fits no file pattern |")
    return {
        "files": dg.MetadataValue.int(len(load.files)),
        "files_loaded": dg.MetadataValue.int(len(load.loaded)),
        "files_quarantined": dg.MetadataValue.int(len(load.quarantined)),
        "rows_loaded": dg.MetadataValue.int(load.rows_loaded),
        "source_rows_skipped": dg.MetadataValue.int(load.source_rows_skipped),
        "preview": dg.MetadataValue.md("\n".join(table)),
        # read back by the refresh summary and the run report (orchestration/run_log.py)
        "file_pattern": dg.MetadataValue.text(source.file_pattern),
        "files_unmatched": dg.MetadataValue.int(len(load.unmatched)),
        "unmatched": dg.MetadataValue.json(list(load.unmatched)),
        "warnings": dg.MetadataValue.json([str(warning) for warning in load.warnings]),
    }


def preview(paths: DataPaths, source: Source, rows: int = 10) -> list[dict[str, object]]:
    """The newest raw rows of the source, without the provenance columns, for the UI."""
    with duckdb.connect(str(paths.raw_db), read_only=True) as con:
        relation = con.sql(
            f"""select * exclude (source_id, file_sha256, loaded_at) from {source.table}
                where source_id = $source order by loaded_at desc, file_name, row_number, column_number
                limit {rows}""",
            params={"source": source.id},
        )
        return [dict(zip(relation.columns, row, strict=True)) for row in relation.fetchall()]


def _quarantine_check(key: dg.AssetKey, load: SourceLoad) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        asset_key=key,
        check_name=QUARANTINE_CHECK,
        passed=not load.quarantined,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "examples": dg.MetadataValue.md(
                "\n".join(f"- {item.problem} (report: {item.report})" for item in load.quarantined) or "none"
            )
        },
    )


def _unmatched_check(key: dg.AssetKey, source: Source, load: SourceLoad, landing: str) -> dg.AssetCheckResult:
    """Red while a file lies in the landing folder that ingest never looks at (its name fits no pattern):
    somebody delivered, and nothing was loaded. Rename it to fit, or move it away."""
    return dg.AssetCheckResult(
        asset_key=key,
        check_name=UNMATCHED_CHECK,
        passed=not load.unmatched,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "file_pattern": dg.MetadataValue.text(source.file_pattern),
            "landing_folder": dg.MetadataValue.path(landing),
            "files": dg.MetadataValue.md("\n".join(f"- `{name}`" for name in load.unmatched) or "none"),
        },
    )


def _warnings_check(key: dg.AssetKey, load: SourceLoad) -> dg.AssetCheckResult:
    """Red when a file loaded with findings that did not stop it (e.g. a Gemeinde of the previous
    delivery missing): the data is in, but worth a look or a question to the deliverer."""
    return dg.AssetCheckResult(
        asset_key=key,
        check_name=WARNINGS_CHECK,
        passed=not load.warnings,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "warnings": dg.MetadataValue.md("\n".join(f"- {warning}" for warning in load.warnings) or "none")
        },
    )


def _ingest(
    context: dg.AssetExecutionContext, paths: DataPaths, source: Source, *, fail_when_empty: bool
) -> SourceLoad:
    """Load the source's landed files.

    A source that has never delivered anything usable does not stop the nightly refresh: its raw table
    stays empty, the warehouse is built from the others, its indicators show as not delivered, and its
    `delivery_on_time` check names it. Only a body's own delivery run (`fail_when_empty`) fails then,
    so that its partition shows the body as not delivered."""
    paths.prepare()
    try:
        load = ingest_source(
            source,
            paths.landing,
            RawStore(paths.raw_db, paths.ingest_duckdb_config),
            RuhrGeography.from_seeds(),
            paths.quarantine,
        )
    except PortalError as error:  # nothing could be fetched: the source's last data stays in use
        raise dg.Failure(description=str(error.problem)) from error
    if load.files_in_store == 0:  # checked after a portal fetch, which lands the file itself
        nothing = (
            f"no usable file in {paths.landing / source.id} and nothing loaded before: "
            f"land the export there, or run `sozialmonitor sample`"
            + (f"; the GENESIS web service gave no table: {load.fetch_problem}" if load.fetch_problem else "")
            + "".join(f"; quarantined {item.problem}" for item in load.quarantined)
            + "".join(
                f"; not loaded: {name} fits no file pattern ({source.file_pattern})"
                for name in load.unmatched
            )
        )
        if fail_when_empty:
            raise dg.Failure(nothing)
        context.log.warning(f"{source.id}: {nothing}; the refresh goes on without it")
    for item in load.quarantined:
        context.log.error(f"quarantined {item.problem}; report: {item.report}")
    for name in load.unmatched:
        context.log.warning(
            f"not loaded: {paths.landing / source.id / name} fits no file pattern ({source.file_pattern})"
        )
    for warning in load.warnings:
        context.log.warning(f"loaded with a warning: {warning}")
    context.log.info(
        f"{source.id}: {load.rows_loaded} rows loaded, {load.source_rows_skipped} source rows "
        f"outside the Ruhr skipped, {len(load.quarantined)} files quarantined"
    )
    return load


def owners(sources: list[Source]) -> list[str]:
    """Dagster's owners (shown on the asset, filterable in the catalog): who delivers the data."""
    return [f"team:{owner}" for owner in sorted({source.owner for source in sources})]


def _asset_metadata(source: Source) -> dict[str, str]:
    return {
        "owner": source.owner,
        "cadence": source.cadence,
        "licence": source.licence,
        "family": source.family,
    }


def build_ingest_asset(source: Source) -> dg.AssetsDefinition:
    """A source one office delivers in instalments (a yearly GENESIS table, a monthly BA workbook)."""
    key = raw_asset_key(source)

    @dg.asset(
        key=key,
        group_name="ingest",
        description=f"{source.title}. Files from data/landing/{source.id}/ into raw.duckdb.",
        kinds={"python", "duckdb"},
        op_tags={PHASE_TAG: "ingest"},
        metadata=_asset_metadata(source),
        owners=owners([source]),
        check_specs=[
            dg.AssetCheckSpec(
                QUARANTINE_CHECK,
                asset=key,
                description="Every landed file could be loaded; a bad one is quarantined with a report.",
            ),
            dg.AssetCheckSpec(
                UNMATCHED_CHECK,
                asset=key,
                description=f"Every file in data/landing/{source.id}/ fits the file pattern "
                f"'{source.file_pattern}'; one that does not is neither loaded nor quarantined, only listed.",
            ),
            dg.AssetCheckSpec(
                WARNINGS_CHECK,
                asset=key,
                description="The files loaded in this run gave no warnings (findings that do not stop "
                "a file, such as a Gemeinde of the previous delivery missing).",
            ),
        ],
    )
    def _asset(context: dg.AssetExecutionContext, data_dir: DataDirResource) -> dg.MaterializeResult:
        paths = data_dir.paths()
        load = _ingest(context, paths, source, fail_when_empty=False)
        metadata = {
            **_metadata(source, load),
            "rows_preview": dg.MetadataValue.md(markdown_table(preview(paths, source))),
        }
        checks = [
            _quarantine_check(key, load),
            _unmatched_check(key, source, load, str(paths.landing / source.id)),
            _warnings_check(key, load),
        ]
        return dg.MaterializeResult(metadata=metadata, check_results=checks)

    return _asset


def lieferanten_partitions(sources: list[Source]) -> dg.StaticPartitionsDefinition:
    return dg.StaticPartitionsDefinition([source.lieferant for source in sources if source.lieferant])


def build_partitioned_ingest_asset(table: str, title: str, sources: list[Source]) -> dg.AssetsDefinition:
    """A raw table every Kreis or kreisfreie Stadt delivers into on its own: one partition per body.

    A partition is one body's delivery, so a quarantined file fails that partition (after the body's
    other files have loaded): the partitions view shows at a glance whose data failed, and a body that
    never delivered stays "missing".
    """
    by_lieferant = {source.lieferant: source for source in sources}
    key = raw_key(table)
    companions = [raw_key(name) for name in tables_written(sources[0])[1:]]
    partitions = lieferanten_partitions(sources)

    @dg.multi_asset(
        name=f"raw__{table}",
        specs=[
            dg.AssetSpec(
                key,
                group_name="ingest",
                description=(
                    f"{title}. One partition per delivering Kreis or kreisfreie Stadt; files from "
                    f"data/landing/<source id>/ into raw.duckdb table {table}."
                ),
                kinds={"python", "duckdb"},
                partitions_def=partitions,
                metadata={
                    "family": sources[0].family,
                    "sources": ", ".join(sorted(source.id for source in sources)),
                    "owner": "; ".join(sorted({source.owner for source in sources})),
                    "cadence": ", ".join(sorted({source.cadence for source in sources})),
                },
                owners=owners(sources),
            ),
            *(
                dg.AssetSpec(
                    companion,
                    group_name="ingest",
                    description=f"Written with raw/{table}, from each body's configuration.",
                    kinds={"python", "duckdb"},
                    partitions_def=partitions,
                )
                for companion in companions
            ),
        ],
        op_tags={PHASE_TAG: "ingest"},
    )
    def _asset(
        context: dg.AssetExecutionContext, data_dir: DataDirResource
    ) -> Iterator[dg.MaterializeResult]:
        paths = data_dir.paths()
        source = by_lieferant[context.partition_key]
        load = _ingest(context, paths, source, fail_when_empty=True)
        metadata = {
            "source": dg.MetadataValue.text(source.id),
            "owner": dg.MetadataValue.text(source.owner),
            **_metadata(source, load),
            "rows_preview": dg.MetadataValue.md(markdown_table(preview(paths, source))),
        }
        if load.quarantined:
            raise dg.Failure(
                description="; ".join(f"quarantined {item.problem}" for item in load.quarantined),
                metadata=metadata,
            )
        yield dg.MaterializeResult(asset_key=key, metadata=metadata)
        for companion in companions:
            yield dg.MaterializeResult(
                asset_key=companion, metadata={"source": dg.MetadataValue.text(source.id)}
            )

    return _asset


_registry = load_registry()
ingest_assets = [
    *(build_ingest_asset(source) for source in _registry.sources if source.lieferant is None),
    *(
        build_partitioned_ingest_asset(table, _registry.table_title(table), sources)
        for table, sources in _registry.partitioned().items()
    ),
]
