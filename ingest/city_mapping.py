"""One YAML file per city (`ingest/cities/<slug>.yml`) maps its small-area publication to the shared
vocabulary: file format, which column holds the area, the reference date and each measure, and the
city's own small areas. Adding a city is adding such a file; no Python changes.

A city that publishes the same table for a finer level too (Stadtteile beside Stadtbezirke) lists it
under `further_levels`: one file per level, in the same format, told apart by its area column. The
levels are compared each within itself (the social index), never summed into one another.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ingest.portal import Portal

CITIES_DIR = Path(__file__).with_name("cities")
# The shared vocabulary a city's columns map to (the names the warehouse uses for its measures).
MEASURES = (
    "bev_insgesamt",
    "bev_unter_18",
    "bev_65_plus",
    "bev_unter_15",
    "bev_15_bis_64",
    "bev_auslaender",
    "sgb2_regelleistungsberechtigte",
    "sgb2_unter_15",
    "arbeitslose",
    "arbeitslose_sgb2",
    "arbeitslose_unter_25",
)
SmallAreaLevel = Literal["stadtbezirk", "stadtteil", "statistischer_bezirk", "sozialraum"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReferenceDate(_Strict):
    column: str
    format: str = Field(description="strptime format; without a day the month's end, without a month 31.12.")
    must_be: str | None = Field(
        default=None, pattern=r"^\d{2}-\d{2}$", description="MM-DD every date must have"
    )


class AreaColumn(_Strict):
    column: str
    level: SmallAreaLevel


class FurtherLevel(_Strict):
    """A second small-area level of the same city: its area column and its own areas."""

    column: str
    level: SmallAreaLevel
    areas: dict[str, str] = Field(min_length=1, description="the city's own area code -> name")


class LongLayout(_Strict):
    measure_column: str
    value_column: str


class CityMapping(_Strict):
    slug: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    city: str
    ags: str = Field(pattern=r"^05\d{6}$")
    owner: str
    licence: str
    cadence: Literal["monthly", "quarterly", "yearly"]
    file_pattern: str
    encoding: Literal["utf-8", "utf-8-sig", "cp1252", "latin-1"]
    separator: str = Field(min_length=1, max_length=1)
    skip_rows: int = Field(default=0, ge=0)
    thousands: str | None = Field(default=None, max_length=1)
    layout: Literal["wide", "long"]
    long: LongLayout | None = None
    reference_date: ReferenceDate
    area: AreaColumn
    suppressed: tuple[str, ...] = ()
    measures: dict[str, str]
    areas: dict[str, str] = Field(min_length=1, description="the city's own area code -> name")
    further_levels: tuple[FurtherLevel, ...] = ()
    portal: Portal | None = Field(
        default=None, description="where the city publishes it, if fetched from a portal"
    )

    @model_validator(mode="after")
    def _consistent(self) -> CityMapping:
        unknown = sorted(set(self.measures) - set(MEASURES))
        if unknown:
            raise ValueError(f"unknown measure(s) {unknown}; the shared vocabulary is {', '.join(MEASURES)}")
        if (self.layout == "long") != (self.long is not None):
            raise ValueError(
                "layout 'long' needs a 'long:' block (measure_column, value_column), 'wide' none"
            )
        levels = [level for level, _, _ in self.levels]
        if len(set(levels)) != len(levels):
            raise ValueError(f"a level is listed twice: {levels}")
        columns = [column for _, column, _ in self.levels]
        if len(set(columns)) != len(columns):
            raise ValueError(f"two levels share an area column: {columns}; a file's column names its level")
        # area ids are `<AGS>-<code>` for every level: a code on two levels would name two areas
        codes = [code for _, _, areas in self.levels for code in areas]
        twice = sorted({code for code in codes if codes.count(code) > 1})
        if twice:
            raise ValueError(f"area code(s) {twice} on two levels; codes must be unique within the city")
        return self

    @property
    def levels(self) -> tuple[tuple[str, str, dict[str, str]], ...]:
        """(level, area column, areas) of every level the city delivers, the main one first."""
        return (
            (self.area.level, self.area.column, self.areas),
            *((further.level, further.column, further.areas) for further in self.further_levels),
        )

    @property
    def all_areas(self) -> dict[str, str]:
        """Every area of every level: code -> name."""
        return {code: name for _, _, areas in self.levels for code, name in areas.items()}

    @property
    def source_id(self) -> str:
        return f"stadt_{self.slug}"


def load_city_mapping(path: Path) -> CityMapping:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if isinstance(raw, dict):  # YAML reads unquoted codes as numbers; codes are text
        for holder in [raw, *(raw.get("further_levels") or [])]:
            if isinstance(holder, dict) and isinstance(holder.get("areas"), dict):
                holder["areas"] = {str(code): name for code, name in holder["areas"].items()}
    try:
        return CityMapping.model_validate({"slug": path.stem, **raw})
    except ValidationError as error:
        raise ValueError(f"{path.name}: {error}") from error


@cache
def load_city_mappings(directory: Path = CITIES_DIR) -> tuple[CityMapping, ...]:
    return tuple(load_city_mapping(path) for path in sorted(directory.glob("*.yml")))
