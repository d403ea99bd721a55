"""What the atlas shows, read from the marts of one version: its `warehouse.duckdb` or the audited build
it is copied from (read-only), and its manifest.

Only the slices the pages draw are fetched (the newest period of each indicator, the time series of a
few reference areas, the small areas of the newest period, aggregated availability), so the work stays
in DuckDB when the fact table grows; the full data is what `sozialmonitor export` is for.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from expectations.catalog import SMALL_AREA_LEVELS, Indicator
from sozialmonitor.atlas.index_data import IndexMethod, SocialIndex, index_method, social_index

REQUIRED_TABLES = (
    "dim_area",
    "dim_indicator",
    "fct_indicator_values",
    "mart_indicator_comparison",
    "mart_social_area_index",
    "mart_social_index_robustness",
    "dim_social_index_weights",
    "dim_social_index_classes",
    "dim_social_index_rules",
    "mart_data_availability",
)
REGION_ID, LAND_ID, BUND_ID = "ruhr", "05", "DG"
# The cities of the time series: the five that deliver small areas (Gemeinde AGS; their Kreis key is
# the first five digits, used where an indicator exists only for Kreise).
SELECTED_CITIES = ("05112000", "05113000", "05513000", "05911000", "05913000")
PACKAGE = Path(__file__).resolve().parent
_GEMEINDE_TILES = "gemeinden_kacheln.csv"  # approximate positions of the 53 Gemeinden, north up
_SMALL_AREA_TILES = "stadtbezirke_kacheln.csv"  # the same for the small areas within each city


@dataclass(frozen=True)
class Area:
    id: str
    name: str
    level: str
    parent_id: str | None
    area_type: str | None


@dataclass(frozen=True)
class Value:
    """One cell of the fact table as the atlas shows it. `value` is None unless status is ok or
    provisional; `numerator_origin` says whether the numerator is published, summed or computed;
    `availability` (from mart_data_availability) says why a cell without a row is empty."""

    area_id: str
    period: date
    value: float | None
    status: str
    suppression: str | None = None
    numerator: int | None = None
    denominator: int | None = None
    rank: int | None = None
    ranked: int | None = None
    ruhr_value: float | None = None
    numerator_origin: str | None = None
    availability: str | None = None
    series_basis: str | None = None  # the method of its sources (e.g. "Zensusbasis: Zensus 2022")
    series_break: bool = False  # compared across a declared series break
    series_break_note: str | None = None


def _cell_joins(key: str) -> str:
    """The marts a cell is read from, joined to `<key>` (indicator, period) and `a` (the area)."""
    return " ".join(
        f"left join marts.{mart} {alias} on {alias}.indicator_id = {key}.indicator_id "
        f"and {alias}.area_id = a.area_id and {alias}.period = {key}.period"
        for mart, alias in (
            ("mart_indicator_comparison", "c"),
            ("fct_indicator_values", "f"),
            ("mart_data_availability", "d"),
        )
    )


def _cells(rows: list[tuple]) -> Iterator[tuple[str, Value]]:
    """(indicator id, cell) from query rows of: indicator, area, period, value, status, suppression,
    numerator, denominator, rank, areas ranked, Ruhr value, numerator origin, availability[, series basis,
    break, note]."""
    for indicator_id, area_id, period, value, status, *rest in rows:
        yield indicator_id, Value(area_id, period, value, status or "missing", *rest)


@dataclass(frozen=True)
class Tile:
    area_id: str
    label: str
    row: int
    col: int


@dataclass
class IndicatorData:
    """Everything one indicator page draws."""

    indicator: Indicator
    map_level: str | None = None  # gemeinde, or kreis where the indicator has no Gemeinde values
    period: date | None = None  # newest period with a value at map_level
    cells: dict[str, Value] = field(default_factory=dict)  # map_level area -> value at period
    references: dict[str, Value] = field(default_factory=dict)  # ruhr / 05 / DG at period
    series: dict[str, list[Value]] = field(default_factory=dict)  # area -> values, oldest first
    # every small area of every level -> value at the newest period of its level
    small_areas: dict[str, Value] = field(default_factory=dict)
    small_area_periods: dict[str, date] = field(default_factory=dict)  # level -> newest period

    @property
    def small_area_period(self) -> date | None:
        return self.small_area_periods.get("stadtbezirk")


@dataclass
class AtlasData:
    manifest: dict
    indicators: list[Indicator]
    areas: dict[str, Area]
    by_indicator: dict[str, IndicatorData]
    # Gemeinde AGS -> level -> its areas of that level (the Gemeinde itself under 'gemeinde'), most
    # burdened first, at the level's newest period
    social_index: dict[str, dict[str, list[SocialIndex]]]
    index_method: IndexMethod
    availability: list[dict]  # per indicator, level and lieferant at the indicator's newest period
    availability_gaps: list[dict]  # every area not published at its indicator's newest period
    lieferanten: dict[str, str]  # ingest partition key -> name of the Kreis / kreisfreie Stadt
    gemeinde_tiles: list[Tile]
    small_area_tiles: dict[str, list[Tile]]  # Gemeinde AGS -> tiles of its small areas

    def gemeinden(self) -> list[Area]:
        return sorted((a for a in self.areas.values() if a.level == "gemeinde"), key=lambda a: a.id)

    def children(self, parent_id: str, level: str) -> list[Area]:
        return sorted(
            (a for a in self.areas.values() if a.parent_id == parent_id and a.level == level),
            key=lambda a: a.id,
        )


def has_atlas_marts(warehouse: Path) -> bool:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = {
            name
            for (name,) in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'marts'"
            ).fetchall()
        }
    return set(REQUIRED_TABLES) <= tables


def _read_tiles(name: str) -> list[dict[str, str]]:
    with (PACKAGE / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(line for line in handle if not line.startswith("#")))


def gemeinde_tiles() -> list[Tile]:
    return [
        Tile(r["ags"], r["kurz"], int(r["zeile"]), int(r["spalte"])) for r in _read_tiles(_GEMEINDE_TILES)
    ]


def small_area_tiles(areas: dict[str, Area]) -> dict[str, list[Tile]]:
    """Tiles per city; a small area without a position (a new one) is put in a row below the others."""
    placed = {
        r["area_id"]: Tile(r["area_id"], r["kurz"], int(r["zeile"]), int(r["spalte"]))
        for r in _read_tiles(_SMALL_AREA_TILES)
    }
    by_city: dict[str, list[Tile]] = defaultdict(list)
    unplaced: dict[str, list[Area]] = defaultdict(list)
    for area in sorted(areas.values(), key=lambda a: a.id):
        if area.level != "stadtbezirk" or area.parent_id is None:  # tiles exist for Stadtbezirke only
            continue
        if area.id in placed:
            by_city[area.parent_id].append(placed[area.id])
        else:
            unplaced[area.parent_id].append(area)
    for city, extra in unplaced.items():
        below = max((tile.row for tile in by_city[city]), default=-1) + 1
        by_city[city].extend(Tile(a.id, a.name[:13], below, column) for column, a in enumerate(extra))
    return dict(by_city)


def load(warehouse: Path, manifest: dict) -> AtlasData:
    """Read the marts of a DuckDB file; `manifest` is the version's (or the part of it the pages show)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        indicators = _indicators(con)
        areas = {
            row[0]: Area(*row)
            for row in con.execute(
                "select area_id, name, level, parent_id, area_type from marts.dim_area order by area_id"
            ).fetchall()
        }
        by_indicator = {indicator.indicator_id: IndicatorData(indicator) for indicator in indicators}
        _newest_at_map_level(con, by_indicator)
        _references(con, by_indicator)
        _series(con, by_indicator, areas)
        _small_areas(con, by_indicator)
        social = social_index(con)
        method = index_method(con)
        availability, gaps = _availability(con)
        lieferanten = dict(
            con.execute(
                """select m.lieferant, any_value(coalesce(k.name, g.name) order by k.name)
                   from (select distinct lieferant, area_id from marts.mart_data_availability
                         where level = 'gemeinde') m
                   join marts.dim_area g on g.area_id = m.area_id
                   left join marts.dim_area k on k.area_id = g.parent_id and k.level = 'kreis'
                   group by m.lieferant"""
            ).fetchall()
        )
    return AtlasData(
        manifest=manifest,
        indicators=indicators,
        areas=areas,
        by_indicator=by_indicator,
        social_index=social,
        index_method=method,
        availability=availability,
        availability_gaps=gaps,
        lieferanten=lieferanten,
        gemeinde_tiles=gemeinde_tiles(),
        small_area_tiles=small_area_tiles(areas),
    )


def _indicators(con: duckdb.DuckDBPyConnection) -> list[Indicator]:
    """The catalog as this version published it (its dim_indicator, not today's seed file), read into
    the catalog's own model; in catalog order, grouped by topic in the order topics first appear."""
    fields = list(Indicator.model_fields)
    rows = con.execute(f"select {', '.join(fields)} from marts.dim_indicator order by rowid").fetchall()
    indicators = [  # an empty (null) field takes the model's default, as an empty seed cell does
        Indicator.model_validate(
            {name: value for name, value in zip(fields, row, strict=True) if value is not None}
        )
        for row in rows
    ]
    topics = list(dict.fromkeys(indicator.topic for indicator in indicators))
    return sorted(indicators, key=lambda indicator: topics.index(indicator.topic))


_VALUE_COLUMNS = """c.area_id, c.period, c.value, c.status, f.suppression, f.numerator, f.denominator,
                    c.rank_in_level, c.areas_in_level, c.ruhr_value, f.numerator_origin"""


def _newest_at_map_level(con: duckdb.DuckDBPyConnection, by_indicator: dict[str, IndicatorData]) -> None:
    """Map and ranking: every Gemeinde (or Kreis) at the indicator's newest period with a value;
    an area without a row there gets one with its availability (late, not delivered) or `missing`."""
    newest = con.execute(
        """select f.indicator_id, a.level, max(f.period)
           from marts.fct_indicator_values f join marts.dim_area a using (area_id)
           where a.level in ('gemeinde', 'kreis') and (f.value is not null or f.status = 'suppressed')
           group by all"""
    ).fetchall()
    choice: dict[str, tuple[str, date]] = {}
    for indicator_id, level, period in newest:
        if level == "gemeinde" or indicator_id not in choice:
            choice[indicator_id] = (level, period)
    if not choice:
        return
    con.execute("create temp table atlas_map (indicator_id varchar, level varchar, period date)")
    con.executemany("insert into atlas_map values (?, ?, ?)", [[i, lv, p] for i, (lv, p) in choice.items()])
    rows = con.execute(
        f"""select m.indicator_id, a.area_id, m.period, {_VALUE_COLUMNS.replace("c.area_id, c.period, ", "")},
                   d.availability, f.series_basis, coalesce(f.series_break, false), f.series_break_note
            from atlas_map m
            join marts.dim_area a on a.level = m.level
            {_cell_joins("m")}
            order by all"""
    ).fetchall()
    for indicator_id, (level, period) in choice.items():
        by_indicator[indicator_id].map_level = level
        by_indicator[indicator_id].period = period
    for indicator_id, cell in _cells(rows):
        by_indicator[indicator_id].cells[cell.area_id] = cell


def _references(con: duckdb.DuckDBPyConnection, by_indicator: dict[str, IndicatorData]) -> None:
    rows = con.execute(
        f"""select c.indicator_id, {_VALUE_COLUMNS}, null as availability,
                   f.series_basis, f.series_break, f.series_break_note
            from marts.mart_indicator_comparison c
            join marts.fct_indicator_values f using (indicator_id, area_id, period)
            where c.area_id in ('{REGION_ID}', '{LAND_ID}', '{BUND_ID}')"""
    ).fetchall()
    for indicator_id, *value in rows:
        data = by_indicator[indicator_id]
        if value[1] == data.period:
            data.references[value[0]] = Value(*value)


def series_areas(data: IndicatorData) -> list[str]:
    """Ruhr, NRW, then the selected cities (as Kreis where the indicator has no Gemeinde values)."""
    cities = [ags if data.map_level != "kreis" else ags[:5] for ags in SELECTED_CITIES]
    return [REGION_ID, LAND_ID, *cities]


def _series(con: duckdb.DuckDBPyConnection, by_indicator: dict[str, IndicatorData], areas: dict) -> None:
    # only the (indicator, area) pairs drawn: a Gemeinde indicator's Kreis rows were half of ~94k at ×100
    pairs = [
        (indicator_id, area) for indicator_id, data in by_indicator.items() for area in series_areas(data)
    ]
    rows = con.execute(
        f"""select c.indicator_id, {_VALUE_COLUMNS}, null as availability,
                   f.series_basis, f.series_break, f.series_break_note
            from (select unnest(?::varchar[]) as indicator_id, unnest(?::varchar[]) as area_id) w
            join marts.mart_indicator_comparison c using (indicator_id, area_id)
            join marts.fct_indicator_values f using (indicator_id, area_id, period)
            order by c.indicator_id, c.area_id, c.period""",
        [[indicator_id for indicator_id, _ in pairs], [area for _, area in pairs]],
    ).fetchall()
    for indicator_id, *value in rows:
        by_indicator[indicator_id].series.setdefault(value[0], []).append(Value(*value))


def _small_areas(con: duckdb.DuckDBPyConnection, by_indicator: dict[str, IndicatorData]) -> None:
    """Every small area of every level, current at the indicator's newest period on that level."""
    rows = con.execute(
        f"""with newest as (
                select f.indicator_id, a.level, max(f.period) as period
                from marts.fct_indicator_values f join marts.dim_area a using (area_id)
                where a.level in (select unnest(?::varchar[]))
                  and (f.value is not null or f.status = 'suppressed')
                group by all)
            select n.indicator_id, a.area_id, n.period,
                   {_VALUE_COLUMNS.replace("c.area_id, c.period, ", "")}, d.availability
            from newest n
            join marts.dim_area a on a.level = n.level
                 and (a.valid_from is null or a.valid_from <= n.period)
                 and (a.valid_to is null or a.valid_to >= n.period)
            {_cell_joins("n")}
            order by all""",
        [list(SMALL_AREA_LEVELS)],
    ).fetchall()
    levels = dict(
        con.execute(
            "select area_id, level from marts.dim_area where level in (select unnest(?::varchar[]))",
            [list(SMALL_AREA_LEVELS)],
        ).fetchall()
    )
    for indicator_id, cell in _cells(rows):
        data = by_indicator[indicator_id]
        data.small_area_periods[levels[cell.area_id]] = cell.period
        data.small_areas[cell.area_id] = cell


def _availability(con: duckdb.DuckDBPyConnection) -> tuple[list[dict], list[dict]]:
    """Counts per indicator, level and lieferant at the indicator's newest period (with the newest
    period each lieferant delivered anything for), and the list of what is not published there."""
    newest = """with newest as (select indicator_id, max(period) as period
                                from marts.mart_data_availability group by all)"""
    counts = con.execute(
        f"""{newest},
            delivered as (select indicator_id, level, lieferant, max(period) as last_delivered
                          from marts.mart_data_availability where status is not null group by all)
            select d.indicator_id, d.level, d.lieferant, n.period,
                   count(*) as areas,
                   count(*) filter (availability = 'published') as published,
                   count(*) filter (availability = 'suppressed') as suppressed,
                   count(*) filter (availability = 'missing') as missing,
                   count(*) filter (availability = 'not_delivered') as not_delivered,
                   count(*) filter (availability = 'late') as late,
                   any_value(l.last_delivered) as last_delivered
            from marts.mart_data_availability d
            join newest n on n.indicator_id = d.indicator_id and n.period = d.period
            left join delivered l
              on l.indicator_id = d.indicator_id and l.level = d.level and l.lieferant = d.lieferant
            group by all order by all"""
    )
    columns = [c[0] for c in counts.description]
    availability = [dict(zip(columns, row, strict=True)) for row in counts.fetchall()]
    gaps = con.execute(
        f"""{newest}
            select d.indicator_id, d.level, d.lieferant, d.area_id, a.name, d.period, d.availability,
                   d.suppression
            from marts.mart_data_availability d
            join newest n on n.indicator_id = d.indicator_id and n.period = d.period
            join marts.dim_area a on a.area_id = d.area_id
            where d.availability <> 'published'
            order by d.lieferant, d.indicator_id, d.area_id"""
    )
    columns = [c[0] for c in gaps.description]
    return availability, [dict(zip(columns, row, strict=True)) for row in gaps.fetchall()]
