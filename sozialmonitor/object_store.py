"""A published version's Parquet files copied to an object store, for analysts on other machines.

Where `SOZIALMONITOR_PUBLISH_URL` names a place fsspec can write (`s3://bucket/sozialmonitor` with
`pip install .[objectstore]`; `file://…` and `memory://` without), each new version goes to
`<url>/<version>/` (the marts' Parquet files, then its manifest.json) and only then does
`<url>/current.json` name it: a reader who follows current.json (DuckDB, Trino, Spark) never meets a
version still being copied, and the versions before stay where they are. Connection settings come
from the environment alone, where fsspec's backends read them (s3fs: `AWS_ACCESS_KEY_ID`,
`AWS_SECRET_ACCESS_KEY`, `AWS_ENDPOINT_URL` for MinIO or Ceph): the URL names no secret.

The copy follows the local publication and never undoes it: the data directory's `current` is the
record of what was published; a copy that fails is reported (the publish asset's metadata, the run
report, the log) and the next publication copies its own version again.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import fsspec

from sozialmonitor.publication import MANIFEST

PUBLISH_URL_ENV = "SOZIALMONITOR_PUBLISH_URL"
POINTER = "current.json"


@dataclass(frozen=True)
class StoreCopy:
    """What became of one version's copy: where it went, and the error if it did not get there."""

    url: str
    version: str
    files: int
    error: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.error is None

    def describe(self) -> str:
        """One line for the run's metadata and report."""
        if self.succeeded:
            return f"copied {self.files} files to {self.url}/{self.version}, {POINTER} names it"
        return f"NOT copied to {self.url}: {self.error} (the local publication stands)"


def publish_url() -> str | None:
    """The object store path of the environment, if publications go there."""
    return os.environ.get(PUBLISH_URL_ENV, "").strip().rstrip("/") or None


def copy_version(folder: Path, url: str) -> StoreCopy:
    """Copy the version in `folder` (named by its version) to `url`, then point `current.json` to it.
    Every error is caught and returned: the local publication is done whatever happens here."""
    version = folder.name
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        parquet = [table["parquet"] for table in manifest["tables"].values()]
        fs, root = fsspec.core.url_to_fs(url)
        target = f"{root}/{version}"
        fs.makedirs(target, exist_ok=True)
        for name in [*parquet, MANIFEST]:  # the manifest last: a version folder with one is complete
            fs.put_file(str(folder / name), f"{target}/{name}")
        _point_current_to(fs, root, version, manifest)
    except Exception as error:  # any backend's failure is reported; none undoes the publication
        return StoreCopy(url, version, 0, f"{type(error).__name__}: {error}")
    return StoreCopy(url, version, len(parquet) + 1)


def _point_current_to(fs: fsspec.AbstractFileSystem, root: str, version: str, manifest: dict) -> None:
    """Write the pointer beside it and move it over `current.json`: one rename on a file system, one
    complete object on S3 (a copy of a whole object), so a reader gets the old or the new pointer."""
    pointer = {
        "version": version,
        "published_at": manifest["published_at"],
        "manifest": f"{version}/{MANIFEST}",
        "tables": {
            table: {"rows": entry["rows"], "parquet": f"{version}/{entry['parquet']}"}
            for table, entry in manifest["tables"].items()
        },
    }
    staging = f"{root}/.{POINTER}.{version}.tmp"
    fs.pipe_file(staging, json.dumps(pointer, indent=1, ensure_ascii=False).encode("utf-8"))
    fs.mv(staging, f"{root}/{POINTER}")
