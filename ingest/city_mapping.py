"""One YAML file per city (`ingest/cities/<slug>.yml`) maps its small-area publication to the shared
vocabulary: file format, which column holds the area, the reference date and each measure, and the
city's own small areas. Adding a city is adding such a file; no Python changes.
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
    "arbeitslose_unter_25",
)


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
    level: Literal["stadtbezirk", "statistischer_bezirk", "stadtteil", "sozialraum"]


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
        return self

    @property
    def source_id(self) -> str:
        return f"stadt_{self.slug}"


def load_city_mapping(path: Path) -> CityMapping:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if isinstance(raw, dict) and isinstance(raw.get("areas"), dict):
        raw["areas"] = {str(code): name for code, name in raw["areas"].items()}
    try:
        return CityMapping.model_validate({"slug": path.stem, **raw})
    except ValidationError as error:
        raise ValueError(f"{path.name}: {error}") from error


@cache
def load_city_mappings(directory: Path = CITIES_DIR) -> tuple[CityMapping, ...]:
    return tuple(load_city_mapping(path) for path in sorted(directory.glob("*.yml")))
