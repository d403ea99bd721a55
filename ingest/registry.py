"""The source registry (`ingest/sources.yml`), validated at load time."""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ingest.city_mapping import CITIES_DIR, load_city_mapping
from ingest.genesis_api import GenesisApi
from ingest.lieferanten import lieferant_of_area, load_lieferanten
from ingest.limits import Limits
from ingest.portal import Portal

REGISTRY_PATH = Path(__file__).with_name("sources.yml")
CITY_TABLE = "stadt_kleinraum"
CITY_TABLE_TITLE = (
    "Kleinräumige Daten der Städte: Bevölkerung, SGB II und Arbeitslose je Stadtbezirk oder Stadtteil"
)


class Rounding(BaseModel):
    """A source's own rounding from a date on (22151: every cell to a multiple of 5 since 2020), which
    widens the tolerance of every sum the reader checks."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    base: int = Field(gt=0)
    ab: date = Field(description="the first reference date the rounding applies to")


class SeriesBreak(BaseModel):
    """A change of method in a source's series from one reference date on (a new census basis, a new
    delimitation, a new rounding): values on both sides are not comparable without saying so. The
    warehouse marks every indicator value whose comparison crosses it (fct_indicator_values.series_break)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ab: date = Field(description="the first reference date on the new method")
    aspect: str = Field(min_length=1, description="what changed, e.g. Zensusbasis")
    before: str = Field(min_length=1, description="the method before, e.g. Zensus 2011")
    after: str = Field(min_length=1, description="the method from `ab` on, e.g. Zensus 2022")
    note: str = Field(min_length=1, description="what it means for the figures, with its official source")


class Source(BaseModel):
    """One source. Its id names everything downstream: landing folder, raw table, Dagster asset."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    family: Literal["genesis_datencsv", "genesis_ffcsv", "city_csv", "ba_xlsx", "submission"]
    layouts: tuple[str, ...] = Field(
        default=(),
        description="genesis_datencsv: the tables (codes in ingest/layouts.py) this landing folder takes",
    )
    rounding: tuple[Rounding, ...] = ()
    series_breaks: tuple[SeriesBreak, ...] = ()
    statistic: str | None = Field(default=None, description="genesis_ffcsv: the statistic its files carry")
    additive: tuple[str, ...] = Field(
        default=(),
        description="genesis_ffcsv: variables whose total (empty attribute code) is the sum of their parts",
    )
    genesis_api: GenesisApi | None = Field(
        default=None, description="genesis_datencsv: fetched from the GENESIS web service before ingesting"
    )
    mapping: str | None = Field(default=None, description="city_csv: path of the city's mapping file")
    raw_table: str | None = Field(
        default=None, description="the raw table when sources share one; else the id"
    )
    portal: Portal | None = Field(
        default=None, description="fetched from an open-data portal before ingesting"
    )
    lieferant: str | None = Field(
        default=None,
        description="the Kreis or kreisfreie Stadt delivering (ingest/lieferanten.py); sources of one raw "
        "table with a lieferant are the partitions of one ingest asset",
    )
    owner: str
    cadence: Literal["monthly", "quarterly", "yearly"]
    publication_lag_months: int | None = Field(
        default=None,
        gt=0,
        description="months after a period's reference date by which it is published, where the office "
        "publishes later than its cadence's usual lag (sozialmonitor/freshness.py)",
    )
    licence: str
    file_pattern: str = "*.csv"

    @property
    def table(self) -> str:
        return self.raw_table or self.id

    def all_series_breaks(self) -> tuple[SeriesBreak, ...]:
        """The declared breaks and one for each change of the source's rounding (written once, in
        `rounding`), in date order."""
        from_rounding = []
        before = "ungerundet"
        for rule in sorted(self.rounding, key=lambda rule: rule.ab):
            after = f"auf Vielfache von {rule.base} gerundet"
            from_rounding.append(
                SeriesBreak(
                    ab=rule.ab,
                    aspect="Rundung",
                    before=before,
                    after=after,
                    note=f"Die Quelle rundet ab {rule.ab:%d.%m.%Y} jedes Tabellenfeld für sich "
                    f"({after}): Zähler und Summen weichen um bis zu {rule.base // 2} je Feld ab.",
                )
            )
            before = after
        return tuple(sorted((*self.series_breaks, *from_rounding), key=lambda item: item.ab))

    def rounding_base(self, stichtag: date) -> int:
        """The rounding base of the source's cells at a reference date (0: exact counts)."""
        return max((rule.base for rule in self.rounding if stichtag >= rule.ab), default=0)

    @model_validator(mode="after")
    def _layout_where_needed(self) -> Source:
        if self.family == "genesis_datencsv" and not self.layouts:
            raise ValueError(f"source '{self.id}': a genesis_datencsv source names its tables (layouts)")
        if self.genesis_api is not None and self.family != "genesis_datencsv":
            raise ValueError(f"source '{self.id}': genesis_api fetches GENESIS datencsv tables only")
        if self.genesis_api is not None and self.genesis_api.table not in self.layouts:
            raise ValueError(f"source '{self.id}': genesis_api fetches a table that is not in its layouts")
        if self.genesis_api is not None and self.portal is not None:
            raise ValueError(
                f"source '{self.id}': a source is fetched from a portal or from GENESIS, not both"
            )
        return self


class Registry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    sources: tuple[Source, ...]
    # what one delivered file may cost to read, for every source (`limits:` in sources.yml)
    limits: Limits = Limits()

    def partitioned(self) -> dict[str, list[Source]]:
        """Raw tables whose sources are delivered per Kreis or kreisfreie Stadt, with those sources."""
        tables: dict[str, list[Source]] = {}
        for source in self.sources:
            if source.lieferant is not None:
                tables.setdefault(source.table, []).append(source)
        return tables

    def table_title(self, table: str) -> str:
        """What a raw table holds; the cities' table gathers sources with a title per city."""
        if table == CITY_TABLE:
            return CITY_TABLE_TITLE
        return next(source.title for source in self.sources if source.table == table)

    def source_of_table(self, table_code: str) -> Source | None:
        """The source whose landing folder takes a GENESIS table."""
        return next((source for source in self.sources if table_code in source.layouts), None)

    def get(self, source_id: str) -> Source:
        for source in self.sources:
            if source.id == source_id:
                return source
        raise KeyError(f"no source '{source_id}' in {REGISTRY_PATH.name}")


def city_source(path: Path) -> Source:
    """A city is a source by its mapping file alone."""
    mapping = load_city_mapping(path)
    return Source(
        id=mapping.source_id,
        title=f"{mapping.city}: kleinräumige Daten ({', '.join(level for level, _, _ in mapping.levels)})",
        family="city_csv",
        mapping=str(path),
        raw_table=CITY_TABLE,
        lieferant=lieferant_of_area(mapping.ags).kurzname,
        owner=mapping.owner,
        cadence=mapping.cadence,
        licence=mapping.licence,
        file_pattern=mapping.file_pattern,
        portal=mapping.portal,
    )


def per_lieferant(entry: dict[str, object]) -> list[dict[str, object]]:
    """An entry delivered by every Kreis and kreisfreie Stadt becomes one source per body, each with its
    own landing folder `<id>_<kurzname>/`, all loading into the raw table `<id>`."""
    if not entry.pop("each_lieferant", False):
        return [entry]
    return [
        {
            **entry,
            "id": f"{entry['id']}_{body.kurzname}",
            "raw_table": entry["id"],
            "lieferant": body.kurzname,
        }
        for body in load_lieferanten()
    ]


@cache
def load_registry(path: Path = REGISTRY_PATH, cities_dir: Path = CITIES_DIR) -> Registry:
    """The sources of `sources.yml` and one source per city mapping in `ingest/cities/`, and the
    limits of `sources.yml` (its defaults where the file leaves a limit out)."""
    try:
        listed = yaml.safe_load(path.read_text(encoding="utf-8"))
        expanded = [source for entry in listed["sources"] for source in per_lieferant(dict(entry))]
        cities = [city_source(path).model_dump() for path in sorted(cities_dir.glob("*.yml"))]
        return Registry.model_validate(
            {"sources": [*expanded, *cities], "limits": listed.get("limits") or {}}
        )
    except ValidationError as error:
        raise ValueError(f"{path}: {error}") from error
