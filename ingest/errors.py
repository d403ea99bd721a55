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


class TotalsError(SourceError):
    """Parts that do not add up to the total the file itself carries (age groups vs Insgesamt, männlich +
    weiblich, Deutsche + Ausländer, Gemeinden vs their Kreis), beyond the source's own rounding."""

    rule = "totals"


class IncompleteAreaError(SourceError):
    """An area delivered with only some of the row labels its table has (e.g. an age group missing)."""

    rule = "incomplete_area"


class DescriptionError(SourceError):
    """What the file says about itself (table, regional depth, unit, reference date) is not what the
    registry expects of the landing folder it arrived in."""

    rule = "description"


class AreaNameError(SourceError):
    """The name beside a key is not the official name of that key: key and name do not belong together."""

    rule = "area_name"


class FileTooLargeError(SourceError):
    """The file is larger than `limits.max_file_bytes`: it is not read at all."""

    rule = "file_too_large"


class LineTooLongError(SourceError):
    """A line (or a field) longer than `limits.max_line_bytes`: no real line is, and reading on would
    hold it whole in memory."""

    rule = "line_too_long"


class ArchiveError(SourceError):
    """A ZIP (an ffcsv download, an .xlsx workbook) that is unreadable or breaks a limit of
    `ingest/limits.py`: too many members, too large inflated, a suspicious compression ratio, a member
    name that points outside the archive, or a member that inflates to more than it declares."""

    rule = "archive"


class UnreadableFileError(SourceError):
    """Reading the file failed in a way no reader anticipated (a reader's or a library's exception).

    It is still the file's problem as far as the run goes: the file is quarantined and the others load.
    The report names the exception, so that whoever reads it can tell a broken file from a bug.
    """

    rule = "unreadable"
