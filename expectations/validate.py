"""Run a gate suite with GX Core 1.x on a table of the build warehouse.

Why DataFrames and not GX's SQL datasource: on DuckDB, GX 1.x's SQL path fails every expectation with
"list index out of range" (it reads the cursor after its connection has closed; measured here). So
the table is read from DuckDB through Arrow into pandas, only the columns the suite names, on a
read-only connection, and validated in full (no sampling).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

import duckdb

from expectations.suites import Suite

MAX_EXAMPLES = 20
COLUMN_KWARGS = ("column", "column_A", "column_B")


@dataclass(frozen=True)
class ExpectationOutcome:
    check_name: str
    description: str
    expectation_type: str
    severity: str
    success: bool
    element_count: int
    unexpected_count: int
    examples: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None

    @property
    def blocking(self) -> bool:
        return self.severity == "critical"


def suite_columns(suite: Suite) -> list[str]:
    """The columns a suite reads: those its expectations test, filter on and show as examples."""
    columns = list(suite["meta"]["example_columns"])
    for item in suite["expectations"]:
        kwargs = item["kwargs"]
        named = [kwargs[key] for key in COLUMN_KWARGS if key in kwargs]
        named += kwargs.get("column_list", [])
        if "row_condition" in kwargs:
            named.append(kwargs["row_condition"]["column"]["name"])
        columns += [name for name in named if name not in columns]
    return columns


def _plain(value: Any) -> Any:
    """GX examples hold numpy scalars and pandas timestamps; the UI and reports want plain JSON values."""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    return value


def validate_relation(con: duckdb.DuckDBPyConnection, suite: Suite) -> list[ExpectationOutcome]:
    """Validate the suite's relation as read through `con`, which must also see what its views read."""
    relation = suite["meta"]["relation"]
    frame = con.sql(f"select {', '.join(suite_columns(suite))} from {relation}").df()

    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch = (
        context.data_sources.add_pandas("build_warehouse")
        .add_dataframe_asset(name=relation)
        .add_batch_definition_whole_dataframe("full_table")
        .get_batch(batch_parameters={"dataframe": frame})
    )
    result = batch.validate(
        gx.ExpectationSuite(name=suite["name"], expectations=suite["expectations"]),
        result_format={
            "result_format": "SUMMARY",
            "partial_unexpected_count": MAX_EXAMPLES,
            "unexpected_index_column_names": list(suite["meta"]["example_columns"]),
        },
    )
    outcomes = []
    for item in result.results:
        config = item.expectation_config
        details = item.result or {}
        error = (
            item.exception_info.get("exception_message")
            if item.exception_info.get("raised_exception")
            else None
        )
        outcomes.append(
            ExpectationOutcome(
                check_name=config.meta["check_name"],
                description=config.meta["description"],
                expectation_type=config.type,
                severity=str(config.severity.value),
                success=bool(item.success),
                element_count=int(details.get("element_count", len(frame))),
                unexpected_count=int(details.get("unexpected_count") or 0),
                examples=[
                    {key: _plain(value) for key, value in example.items()}
                    for example in (details.get("partial_unexpected_index_list") or [])[:MAX_EXAMPLES]
                ],
                error=error,
            )
        )
    return outcomes
