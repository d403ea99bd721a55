"""The indicator catalog (dbt seed `indicator_catalog.csv`): one definition per core indicator.

dbt reads the same file as a seed; the GX suites are generated from it here. No definition is
written twice.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

CATALOG_PATH = Path(__file__).resolve().parents[1] / "dbt_project" / "seeds" / "indicator_catalog.csv"
# The cities' small-area levels (a city mapping names its own, ingest/city_mapping.py), coarse to fine.
SMALL_AREA_LEVELS = ("stadtbezirk", "stadtteil", "statistischer_bezirk", "sozialraum")
AREA_LEVELS = ("bund", "land", "region", "kreis", "gemeinde", *SMALL_AREA_LEVELS)
# How the platform's figure relates to the official definition, in the words the atlas and exports use.
CONFORMITY_LABELS = {
    "follows": "folgt der amtlichen Definition",
    "deviates": "weicht von der amtlichen Definition ab",
    "no_official": "keine amtliche Kennzahl dieses Namens (eigene Kennzahl)",
}


class Indicator(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    indicator_id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    short_label: str
    topic: str
    definition: str
    official_source: str = Field(
        min_length=1, description="the official publication compared against: citation, URL as text"
    )
    official_definition: str = Field(min_length=1, description="the official definition in its own words")
    conformity: Literal["follows", "deviates", "no_official"] = Field(
        description="follows: computed as the official definition; deviates: how is in conformity_note; "
        "no_official: no official indicator of this name, the platform's own"
    )
    conformity_note: str = ""
    calculation: Literal["ratio", "count", "change_5_years"] = Field(
        description="ratio: numerator / denominator x unit_factor; count: the numerator itself; "
        "change_5_years: (numerator - the same measure five years earlier) / that earlier value x unit_factor"
    )
    numerator_measure: str
    denominator_measure: str | None = None
    denominator_period: Literal["same_period", "latest_population_stichtag", "five_years_earlier"]
    unit: Literal["%", "‰", "je 100", "Personen"]
    unit_factor: float
    decimals: int = Field(ge=0, le=4)
    reference_date_rule: str
    source_ids: tuple[str, ...]
    area_levels: tuple[str, ...]
    valid_min: float
    valid_max: float
    max_change: float | None = Field(
        default=None,
        gt=0,
        description="plausible change against the previous period, in the unit; empty: none",
    )
    polarity: Literal["higher_is_worse", "higher_is_better", "neutral"]
    min_count: int = Field(ge=0, description="primary suppression below this numerator")
    min_denominator: int = Field(ge=0, description="primary suppression below this denominator")

    @property
    def is_share(self) -> bool:
        """A share of its reference population: the numerator can never exceed the denominator."""
        return self.calculation == "ratio" and self.unit in ("%", "‰") and self.valid_max <= self.unit_factor

    @model_validator(mode="after")
    def _deviation_is_explained(self) -> Indicator:
        if self.conformity != "follows" and not self.conformity_note.strip():
            raise ValueError(f"conformity '{self.conformity}' needs a conformity_note saying how and why")
        return self

    @field_validator("denominator_measure", "max_change", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return value or None

    @field_validator("source_ids", "area_levels", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        return tuple(value.split("|")) if isinstance(value, str) else value

    @field_validator("area_levels")
    @classmethod
    def _known_levels(cls, levels: tuple[str, ...]) -> tuple[str, ...]:
        unknown = set(levels) - set(AREA_LEVELS)
        if unknown:
            raise ValueError(f"unknown area level(s) {sorted(unknown)}; known: {', '.join(AREA_LEVELS)}")
        return levels


@cache
def load_catalog(path: Path = CATALOG_PATH) -> tuple[Indicator, ...]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    indicators = []
    for line, row in enumerate(rows, start=2):
        try:
            indicators.append(Indicator.model_validate(row))
        except ValidationError as error:
            raise ValueError(f"{path.name}, row {line} ({row.get('indicator_id')}): {error}") from error
    ids = [indicator.indicator_id for indicator in indicators]
    duplicates = sorted({indicator_id for indicator_id in ids if ids.count(indicator_id) > 1})
    if duplicates:
        raise ValueError(f"{path.name}: indicator ids defined twice: {', '.join(duplicates)}")
    return tuple(indicators)
