"""The publication gate: each GX suite in expectations/suites/ becomes asset checks on the table it guards.

One multi-asset check per suite runs GX once over the full table and reports one check per
expectation, so the UI lists every contract by name. Critical expectations are blocking: a failure
stops everything downstream, above all the publication.
"""

from collections.abc import Iterator

import dagster as dg

from expectations.suites import Suite, read_suites
from orchestration.defs.markdown import markdown_table
from orchestration.defs.resources import PHASE_TAG, DataDirResource
from sozialmonitor.warehouse import connect_build


def guarded_asset(suite: Suite) -> dg.AssetKey:
    return dg.AssetKey(suite["meta"]["relation"].split("."))


def build_gx_check(suite: Suite) -> dg.AssetChecksDefinition:
    asset_key = guarded_asset(suite)
    specs = [
        dg.AssetCheckSpec(
            name=item["meta"]["check_name"],
            asset=asset_key,
            description=item["meta"]["description"],
            blocking=item["severity"] == "critical",
            metadata={"expectation": item["type"], "severity": item["severity"]},
        )
        for item in suite["expectations"]
    ]

    @dg.multi_asset_check(
        specs=specs,
        name=f"gx__{'__'.join(asset_key.path)}",
        description=f"Great Expectations suite {suite['name']}",
        op_tags={PHASE_TAG: "gate"},
    )
    def _gx_suite(
        context: dg.AssetCheckExecutionContext, data_dir: DataDirResource
    ) -> Iterator[dg.AssetCheckResult]:
        from expectations.report import write_failure_report
        from expectations.validate import validate_relation  # imports GX (5-8 s): only when checks run

        paths = data_dir.paths()
        with connect_build(paths) as con:
            outcomes = validate_relation(con, suite, docs_dir=paths.gate_data_docs)
            report = write_failure_report(
                con, suite, outcomes, context.op_execution_context.run_id, paths.gate_reports
            )
        if report is not None:
            context.log.error(f"{suite['name']}: failure report for the deliverers: {report}")
        for outcome in outcomes:
            if not outcome.success:
                context.log.error(
                    f"{suite['name']}: {outcome.check_name} failed for {outcome.unexpected_count} rows; "
                    f"first: {outcome.examples[:3]} {outcome.error or ''}"
                )
            yield dg.AssetCheckResult(
                asset_key=asset_key,
                check_name=outcome.check_name,
                passed=outcome.success,
                severity=dg.AssetCheckSeverity.ERROR if outcome.blocking else dg.AssetCheckSeverity.WARN,
                description=outcome.description,
                metadata={
                    "expectation": outcome.expectation_type,
                    "rows_checked": outcome.element_count,
                    "failing_rows": outcome.unexpected_count,
                    "examples": dg.MetadataValue.md(markdown_table(outcome.examples)),
                    **({"error": outcome.error} if outcome.error else {}),
                    **({"data_docs": dg.MetadataValue.path(outcome.docs_page)} if outcome.docs_page else {}),
                    **(
                        {"failure_report": dg.MetadataValue.path(str(report))}
                        if report is not None and not outcome.success
                        else {}
                    ),
                },
            )

    return _gx_suite


gx_suites = read_suites()
gate_checks = [build_gx_check(suite) for suite in gx_suites.values()]
GUARDED_KEYS = [guarded_asset(suite) for suite in gx_suites.values()]
