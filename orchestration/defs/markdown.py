"""Markdown tables for asset and check metadata (the Dagster UI renders them)."""

from typing import Any


def markdown_table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "(none)"
    columns = list(rows[0])
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(str(row.get(column)) for column in columns) + " |" for row in rows]
    return "\n".join(lines)
