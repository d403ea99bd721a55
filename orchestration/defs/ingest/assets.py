"""One ingest asset per registered source: landed files into the raw store, with provenance."""

import dagster as dg

from ingest.errors import SourceError
from ingest.geography import RuhrGeography
from ingest.landing import SourceLoad, ingest_source, landed_files
from ingest.raw_store import RawStore
from ingest.registry import Source, load_registry
from orchestration.defs.resources import PHASE_TAG, DataDirResource


def _metadata(load: SourceLoad) -> dict[str, dg.MetadataValue]:
    table = [
        "| file | sha256 | Stichtage | cells loaded | rows skipped (areas outside the Ruhr) | state |",
        "|---|---|---|---|---|---|",
    ]
    for file in load.files:
        state = "unchanged" if file.unchanged else f"loaded ({file.encoding})"
        stichtage = ", ".join(day.strftime("%d.%m.%Y") for day in file.stichtage) or "–"
        table.append(
            f"| {file.file_name} | `{file.file_sha256[:12]}` | {stichtage} | {file.rows_loaded} | "
            f"{file.source_rows_skipped} ({file.skipped_areas}) | {state} |"
        )
    return {
        "files": dg.MetadataValue.int(len(load.files)),
        "files_loaded": dg.MetadataValue.int(sum(not file.unchanged for file in load.files)),
        "rows_loaded": dg.MetadataValue.int(load.rows_loaded),
        "source_rows_skipped": dg.MetadataValue.int(load.source_rows_skipped),
        "preview": dg.MetadataValue.md("\n".join(table)),
    }


def build_ingest_asset(source: Source) -> dg.AssetsDefinition:
    @dg.asset(
        key=["raw", source.id],
        group_name="ingest",
        description=f"{source.title}. Files from data/landing/{source.id}/ into raw.duckdb.",
        kinds={"python", "duckdb"},
        op_tags={PHASE_TAG: "ingest"},
        metadata={
            "owner": source.owner,
            "cadence": source.cadence,
            "licence": source.licence,
            "family": source.family,
        },
    )
    def _ingest(context: dg.AssetExecutionContext, data_dir: DataDirResource) -> dg.MaterializeResult:
        paths = data_dir.paths()
        paths.prepare()
        store = RawStore(paths.raw_db)
        if not landed_files(source, paths.landing) and not paths.raw_db.exists():
            raise dg.Failure(
                f"no files in {paths.landing / source.id} and nothing loaded before: "
                f"land the export there, or run `sozialmonitor sample`"
            )
        try:
            load = ingest_source(source, paths.landing, store, RuhrGeography.from_seeds())
        except SourceError as error:
            problem = error.problem
            raise dg.Failure(
                description=str(problem),
                metadata={
                    "file": problem.file,
                    "row": problem.row,
                    "column": problem.column,
                    "rule": problem.rule,
                },
            ) from error
        context.log.info(
            f"{source.id}: {load.rows_loaded} rows loaded, {load.source_rows_skipped} source rows "
            f"outside the Ruhr skipped"
        )
        return dg.MaterializeResult(metadata=_metadata(load))

    return _ingest


ingest_assets = [build_ingest_asset(source) for source in load_registry().sources]
