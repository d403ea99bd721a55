"""The source registry (`ingest/sources.yml`), validated at load time."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

REGISTRY_PATH = Path(__file__).with_name("sources.yml")


class Source(BaseModel):
    """One source. Its id names everything downstream: landing folder, raw table, Dagster asset."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    family: Literal["genesis_datencsv", "genesis_ffcsv"]
    layout: str | None = None
    owner: str
    cadence: Literal["monthly", "quarterly", "yearly"]
    licence: str
    file_pattern: str = "*.csv"

    @model_validator(mode="after")
    def _layout_where_needed(self) -> Source:
        if self.family == "genesis_datencsv" and not self.layout:
            raise ValueError(f"source '{self.id}': a genesis_datencsv source names its layout")
        return self


class Registry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    sources: tuple[Source, ...]

    def get(self, source_id: str) -> Source:
        for source in self.sources:
            if source.id == source_id:
                return source
        raise KeyError(f"no source '{source_id}' in {REGISTRY_PATH.name}")


@cache
def load_registry(path: Path = REGISTRY_PATH) -> Registry:
    try:
        return Registry.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except ValidationError as error:
        raise ValueError(f"{path}: {error}") from error
