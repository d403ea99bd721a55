"""Whether each source has delivered in time: the newest period in the raw store against its cadence.

The rule, in one place (`DEADLINES`): a source with cadence c whose newest delivered reporting date
(Stichtag, Berichtsmonat) is N owes the next one, N + c, by N + c + lag(c):

| cadence   | next period | lag      | example                                                         |
|-----------|-------------|----------|-----------------------------------------------------------------|
| monthly   | N + 1 month | 3 months | Berichtsmonat 31.12.2023 → January 2024 due by 30.04.2024       |
| quarterly | N + 3 months| 4 months | Stichtag 31.12.2023 → 31.03.2024 due by 31.07.2024              |
| yearly    | N + 1 year  | 9 months | Stichtag 31.12.2023 → 31.12.2024 due by 30.09.2025              |

The lags follow the offices: BA's SGB II figures are final after a three-month waiting period; the
yearly official statistics (Bevölkerungsfortschreibung, SGB XII) and the municipal reports come out
within three quarters of a year; a source whose office publishes later says so in the registry
(`publication_lag_months`: the Sozialberichterstattung's 22811 and the AsylbLG table 22221). A source
is *late* when today is past that due date, or when it has never delivered at all. Sources whose files
carry several reporting streams with their own reference dates (a municipal submission: Kita-Betreuung
on 01.03., Schuleingangsuntersuchung on 01.08.) are judged per stream, so a body that sent its Kita
figures but not its SEU is late for the SEU.

Month ends stay month ends (31.12. + 9 months = 30.09.). "Today" is the date in Europe/Berlin (the
schedules' zone), or `SOZIALMONITOR_FRESHNESS_DATE` (YYYY-MM-DD) when set: tests and reruns judge
against a fixed day.

No Dagster here: the asset check `delivery_on_time` and the run report both call `delivery_status`.
"""

from __future__ import annotations

import calendar
import os
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from ingest.lieferanten import lieferant as lieferant_named
from ingest.registry import Registry, Source, load_registry
from sozialmonitor.settings import DataPaths

FRESHNESS_DATE_ENV = "SOZIALMONITOR_FRESHNESS_DATE"
TIMEZONE = "Europe/Berlin"
DELIVERY_CHECK = "delivery_on_time"


@dataclass(frozen=True)
class Deadline:
    """When a cadence's next delivery is due: `months` after the newest period comes the next one,
    due `lag_months` after its reference date."""

    months: int
    lag_months: int

    def describe(self) -> str:
        following = _span(self.months)
        return f"the next period ({following} after the newest) is due {_span(self.lag_months)} after it"


def _span(months: int) -> str:
    return "a year" if months == 12 else "a month" if months == 1 else f"{months} months"


DEADLINES: dict[str, Deadline] = {
    "monthly": Deadline(months=1, lag_months=3),
    "quarterly": Deadline(months=3, lag_months=4),
    "yearly": Deadline(months=12, lag_months=9),
}


@dataclass(frozen=True)
class PeriodColumn:
    """Where a family's raw table keeps the reporting date, and (optionally) what splits it into
    streams judged on their own, with the streams every delivery must have."""

    sql: str
    stream_sql: str | None = None
    streams: tuple[str, ...] = ()


PERIOD_COLUMNS: dict[str, PeriodColumn] = {
    "genesis_datencsv": PeriodColumn("stichtag"),
    "genesis_ffcsv": PeriodColumn('try_cast("time" as date)'),  # as stg_genesis__grundsicherung reads it
    "ba_xlsx": PeriodColumn("berichtsmonat"),
    "city_csv": PeriodColumn("stichtag"),
    "submission": PeriodColumn("stichtag", "split_part(merkmal, '_', 1)", ("kita", "seu")),
}

STREAM_TITLES = {"kita": "Kita-Betreuung", "seu": "Schuleingangsuntersuchung"}


@dataclass(frozen=True)
class DeliveryStatus:
    """One source (or one stream of it): what it delivered last and when the next delivery is due."""

    source_id: str
    table: str
    lieferant: str | None
    owner: str  # who delivers it: the registry's owner, with the delivering body where there is one
    cadence: str
    stream: str | None
    newest_period: date | None  # None: never delivered
    next_period: date | None
    due: date | None
    expected_period: date | None  # the newest period that should be there by `today`
    today: date

    @property
    def late(self) -> bool:
        return self.due is None or self.today > self.due

    @property
    def periods_missing(self) -> int | None:
        """How many periods after the newest one should be there by now (None: never delivered)."""
        if self.newest_period is None or self.expected_period is None:
            return None
        deadline = DEADLINES[self.cadence]
        count, period = 0, self.newest_period
        while period < self.expected_period:
            period = add_months(period, deadline.months)
            count += 1
        return count

    @property
    def label(self) -> str:
        if self.stream is None:
            return self.source_id
        return f"{self.source_id} ({STREAM_TITLES.get(self.stream, self.stream)})"

    def describe(self) -> str:
        """One line for a person: what is missing since when, and who delivers it."""
        if self.newest_period is None:
            return f"{self.label}: nothing delivered yet; owner: {self.owner}"
        return (
            f"{self.label}: newest {self.newest_period.isoformat()}, next ({self.next_period}) "
            f"was due {self.due}; owner: {self.owner}"
        )

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        for key, value in data.items():
            if isinstance(value, date):
                data[key] = value.isoformat()
        return data

    @classmethod
    def from_json(cls, data: dict[str, object]) -> DeliveryStatus:
        dates = {"newest_period", "next_period", "due", "expected_period", "today"}
        return cls(
            **{
                key: (date.fromisoformat(str(value)) if key in dates and value is not None else value)
                for key, value in data.items()
            }
        )


StaleSource = DeliveryStatus  # a DeliveryStatus that is late


def today() -> date:
    """The day deadlines are judged against (SOZIALMONITOR_FRESHNESS_DATE, else today in Berlin)."""
    fixed = os.environ.get(FRESHNESS_DATE_ENV)
    if fixed:
        try:
            return date.fromisoformat(fixed)
        except ValueError as error:
            raise ValueError(f"{FRESHNESS_DATE_ENV} must be a date YYYY-MM-DD, not {fixed!r}") from error
    return datetime.now(ZoneInfo(TIMEZONE)).date()


def add_months(day: date, months: int) -> date:
    """`day` moved by whole months; a month's last day stays the last day (31.12. + 9 → 30.09.)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    month_end = day.day == calendar.monthrange(day.year, day.month)[1]
    return date(year, month + 1, last if month_end else min(day.day, last))


def judge(source: Source, stream: str | None, newest: date | None, on: date) -> DeliveryStatus:
    """The rule: the period after `newest` is due `lag` after its reference date (the cadence's lag, or
    the source's own `publication_lag_months` where its office publishes later)."""
    deadline = DEADLINES[source.cadence]
    lag = source.publication_lag_months or deadline.lag_months
    owner = source.owner
    if source.lieferant is not None:
        body = lieferant_named(source.lieferant).name
        owner = owner if body in owner else f"{owner} – {body}"
    next_period = due = expected = None
    if newest is not None:
        next_period = add_months(newest, deadline.months)
        due = add_months(next_period, lag)
        expected = newest
        while add_months(add_months(expected, deadline.months), lag) < on:
            expected = add_months(expected, deadline.months)
    return DeliveryStatus(
        source.id,
        source.table,
        source.lieferant,
        owner,
        source.cadence,
        stream,
        newest,
        next_period,
        due,
        expected,
        on,
    )


def newest_periods(raw_db: Path, registry: Registry) -> dict[tuple[str, str | None], date]:
    """(source id, stream) → the newest reporting date in the raw store, from the rows it holds."""
    newest: dict[tuple[str, str | None], date] = {}
    if not raw_db.exists():
        return newest
    tables: dict[str, PeriodColumn] = {}
    for source in registry.sources:
        tables.setdefault(source.table, PERIOD_COLUMNS[source.family])
    with duckdb.connect(str(raw_db), read_only=True) as con:
        present = {row[0] for row in con.execute("select table_name from duckdb_tables()").fetchall()}
        for table, column in tables.items():
            if table not in present:
                continue
            stream = column.stream_sql or "null::varchar"
            rows = con.execute(
                f"select source_id, {stream} as stream, max({column.sql}) from {table} group by all"
            ).fetchall()
            newest.update({(source_id, stream): day for source_id, stream, day in rows if day is not None})
    return newest


def delivery_status(
    paths: DataPaths, on: date | None = None, registry: Registry | None = None
) -> list[DeliveryStatus]:
    """Every registered source (per stream where its family has them), judged on `on` (default today)."""
    on = on or today()
    registry = registry or load_registry()
    newest = newest_periods(paths.raw_db, registry)
    statuses = []
    for source in registry.sources:
        column = PERIOD_COLUMNS[source.family]
        if column.streams:
            seen = {stream for source_id, stream in newest if source_id == source.id}
            streams: list[str | None] = sorted(set(column.streams) | seen)
        else:
            streams = [None]
        statuses += [judge(source, stream, newest.get((source.id, stream)), on) for stream in streams]
    return statuses


def stale_sources(paths: DataPaths, today: date | None = None) -> list[StaleSource]:
    """The sources (streams) that have not delivered in time, in registry order."""
    return [status for status in delivery_status(paths, today) if status.late]
