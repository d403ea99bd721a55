"""Open-data portals: resolve a dataset's file through the portal's API and land it.

CKAN: `package_show` lists a dataset's resources; the one in the wanted format is downloaded.
OpenDataSoft: the dataset's `exports/csv` endpoint is the file. The file lands in the source's
landing folder under a stable name, written only when its content changed, so that an unchanged
dataset is skipped by ingestion like any unchanged delivery. Standard library only: one GET each.
"""

from __future__ import annotations

import hashlib
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from ingest.errors import SourceError

TIMEOUT_SECONDS = 60


class PortalError(SourceError):
    rule = "portal"


class Portal(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["ckan", "opendatasoft"]
    url: str  # the portal's base address, e.g. https://opendata.example.de
    dataset: str
    resource_format: str = "CSV"
    file_name: str  # the name the file lands under


def _get(url: str, what: str) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:
            return response.read()
    except (urllib.error.URLError, TimeoutError) as error:
        raise PortalError(url, f"{what} could not be fetched: {error}") from error


def resource_url(portal: Portal) -> str:
    if portal.kind == "opendatasoft":
        dataset = urllib.parse.quote(portal.dataset)
        return (
            f"{portal.url.rstrip('/')}/api/explore/v2.1/catalog/datasets/{dataset}/exports/csv?delimiter=%3B"
        )
    query = urllib.parse.urlencode({"id": portal.dataset})
    api = f"{portal.url.rstrip('/')}/api/3/action/package_show?{query}"
    try:
        answer = json.loads(_get(api, f"CKAN dataset '{portal.dataset}'"))
    except json.JSONDecodeError as error:
        raise PortalError(api, f"package_show did not answer JSON: {error}") from error
    if not answer.get("success"):
        raise PortalError(api, f"package_show failed: {answer.get('error')}")
    matches = [
        resource["url"]
        for resource in answer["result"].get("resources", [])
        if str(resource.get("format", "")).upper() == portal.resource_format.upper()
    ]
    if len(matches) != 1:
        raise PortalError(
            api,
            f"dataset '{portal.dataset}' has {len(matches)} {portal.resource_format} resources, "
            "expected exactly one",
        )
    return matches[0]


def fetch(portal: Portal, folder: Path) -> tuple[Path, bool]:
    """Download the dataset's file into `folder`; returns its path and whether it changed."""
    content = _get(resource_url(portal), f"the file of dataset '{portal.dataset}'")
    if not content:
        raise PortalError(portal.file_name, f"dataset '{portal.dataset}' delivered an empty file")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / portal.file_name
    if target.exists() and hashlib.sha256(target.read_bytes()).digest() == hashlib.sha256(content).digest():
        return target, False
    partial = target.with_name(f".{target.name}.part")
    partial.write_bytes(content)
    os.replace(partial, target)
    return target, True
