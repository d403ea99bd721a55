"""Publish the audited marts atomically (write–audit–publish)."""

import dagster as dg

from orchestration.defs.gate.checks import GUARDED_KEYS
from orchestration.defs.resources import PHASE_TAG, DataDirResource
from orchestration.defs.transform.assets import MART_KEYS
from sozialmonitor.publication import CheckRecord, publish


def run_check_records(context: dg.AssetExecutionContext) -> list[CheckRecord]:
    """Every asset check evaluated in this run (dbt tests and GX expectations), for the publication record."""
    records = context.instance.get_records_for_run(
        run_id=context.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION, limit=100_000
    ).records
    checks = []
    for record in records:
        evaluation = record.event_log_entry.dagster_event.event_specific_data
        checks.append(
            CheckRecord(
                evaluation.asset_key.to_user_string(),
                evaluation.check_name,
                evaluation.passed,
                evaluation.severity.value,
            )
        )
    return checks


@dg.asset(
    key="published_warehouse",
    group_name="publish",
    deps=sorted({*MART_KEYS, *GUARDED_KEYS}, key=lambda key: key.to_user_string()),
    kinds={"duckdb"},
    op_tags={PHASE_TAG: "publish"},
    description="The published warehouse analysts read: the marts of a run whose blocking checks all passed.",
)
def published_warehouse(context: dg.AssetExecutionContext, data_dir: DataDirResource) -> dg.MaterializeResult:
    paths = data_dir.paths()
    record = publish(paths, context.run_id, run_check_records(context))
    return dg.MaterializeResult(
        metadata={
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
