"""Publish the audited marts atomically (write–audit–publish)."""

from collections.abc import Sequence

import dagster as dg

from orchestration.defs.gate.checks import GUARDED_KEYS
from orchestration.defs.resources import PHASE_TAG, DataDirResource
from orchestration.keys import PUBLISHED_ASSET
from orchestration.run_log import check_results
from sozialmonitor.object_store import copy_version, publish_url
from sozialmonitor.publication import publish


def build_published_warehouse(mart_keys: Sequence[dg.AssetKey]) -> dg.AssetsDefinition:
    """The publication of a run whose blocking checks on every mart and guarded asset all passed."""

    @dg.asset(
        key=PUBLISHED_ASSET,
        group_name="publish",
        deps=sorted({*mart_keys, *GUARDED_KEYS}, key=lambda key: key.to_user_string()),
        kinds={"duckdb"},
        op_tags={PHASE_TAG: "publish"},
        description="The published warehouse analysts read: the marts of a run whose blocking checks all "
        "passed.",
    )
    def published_warehouse(
        context: dg.AssetExecutionContext, data_dir: DataDirResource
    ) -> dg.MaterializeResult:
        # every check evaluated in this run (dbt tests and GX expectations) goes into the record
        record = publish(data_dir.paths(), context.run_id, check_results(context.instance, context.run_id))
        store = {}
        url = publish_url()
        if url is not None:  # after the local publication, which a failed copy leaves as it is
            copied = copy_version(record.path.parent, url)
            log = context.log.info if copied.succeeded else context.log.error
            log(f"object store: {copied.describe()}")
            store = {"object_store": copied.describe(), "object_store_copied": copied.succeeded}
        return dg.MaterializeResult(
            metadata={
                **store,
                "path": dg.MetadataValue.path(str(record.path)),
                "tables": dg.MetadataValue.md(
                    "| table | rows |\n|---|---|\n"
                    + "\n".join(f"| {t} | {n} |" for t, n in record.tables.items())
                ),
                "checks_passed": record.checks_passed,
                "checks_failed": record.checks_failed,
                "source_files": len(record.source_files),
            }
        )

    return published_warehouse
