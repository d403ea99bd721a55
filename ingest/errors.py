"""Typed problems with a delivered file.

Every error names the file, the row (line number in the file, 1-based) and the column, plus the rule
that was broken, so that a data engineer can forward the message to whoever delivered the file.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SourceProblem:
    file: str
    rule: str
    message: str
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message} [rule: {self.rule}]"


class SourceError(Exception):
    """A delivered file cannot be loaded as it is."""

    rule = "source"

    def __init__(self, file: str, message: str, *, row: int | None = None, column: str | None = None):
        self.problem = SourceProblem(file=file, rule=self.rule, message=message, row=row, column=column)
        super().__init__(str(self.problem))


class EncodingError(SourceError):
    rule = "encoding"


class LayoutError(SourceError):
    """The file is not in the layout the reader knows; readers never guess."""

    rule = "layout"


class ValueFormatError(SourceError):
    """A cell holds neither a number nor one of the source's documented special symbols."""

    rule = "value_format"


class UnknownAreaError(SourceError):
    """An area key inside the Ruhr that the geography seed does not know."""

    rule = "unknown_area"


class NegativeCountError(SourceError):
    """A count below zero: no population, recipient or child count can be negative."""

    rule = "negative_count"


class DuplicateKeyError(SourceError):
    """The same area, date and measure delivered twice in one file: which one is meant?"""

    rule = "duplicate_key"


class ReferenceDateError(SourceError):
    """A date that is not the reference date the source's definition requires (e.g. 31.12.)."""

    rule = "reference_date"
