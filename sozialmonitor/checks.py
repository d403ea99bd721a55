"""One asset check's result, as the run report, the refresh summary and the publication record see it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CheckResult:
    """One asset check's evaluation: a dbt test, a GX expectation or a delivery deadline.

    The publication record keeps the first four fields; the rest is what a person needs to act."""

    asset: str
    check_name: str
    passed: bool
    severity: str  # ERROR blocks the publication, WARN does not
    failing_rows: int | None = None
    examples: str | None = None  # a Markdown table of the first failing rows
    failure_report: str | None = None  # the gate's report to forward to the deliverer

    def record(self) -> dict[str, object]:
        return {
            "asset": self.asset,
            "check_name": self.check_name,
            "passed": self.passed,
            "severity": self.severity,
        }
