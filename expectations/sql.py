"""Values of a suite written into SQL text.

The gate's pre-filter (validate.py) and the bench's limit (bench/limit_*.py) write a suite's bounds,
sets and row conditions into predicates that DuckDB plans once for all rows, where a parameter cannot
go. A module of its own, without pandas or GX, so that the bench's limit processes import nothing they
do not measure.
"""

from __future__ import annotations

from typing import Any


def sql_literal(value: Any) -> str:
    """The value as an SQL literal: null, a boolean, a number, or a quoted string."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"
