"""What the landing robustness tests share: a data directory to land files in, the good file beside
which a bad one lands, the checks on a quarantined file, and the ZIPs that break readers."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import duckdb

from ingest.geography import RuhrGeography
from ingest.landing import SourceLoad, ingest_source
from ingest.limits import Limits
from ingest.quarantine import Quarantined
from ingest.raw_store import RawStore
from ingest.registry import Source, load_registry

GOLDEN = Path(__file__).with_name("fixtures") / "genesis" / "12411-01-01-4_v5_de_flat.csv"
# A GENESIS flat-file source as the registry declared 22151 when the failures were measured (ZIPs,
# `*_flat.*`); declared here, so that these tests do not depend on which registry entry reads ffcsv.
FLAT_FILE_SOURCE = {
    "id": "genesis_22151_flat",
    "title": "Grundsicherung im Alter und bei Erwerbsminderung (GENESIS flat file)",
    "family": "genesis_ffcsv",
    "owner": "IT.NRW / Statistische Ämter des Bundes und der Länder",
    "cadence": "yearly",
    "licence": "dl-de/by-2-0",
    "file_pattern": "*_flat.*",
}
FFCSV = Source(**FLAT_FILE_SOURCE)
BA = load_registry().get("ba_gemeindedaten")
DORTMUND = load_registry().get("kommunale_meldungen_dortmund")
GOOD_ZIP = "22151_2022_flat.zip"
GOLDEN_ROWS_KEPT = 6  # a real flat file: three values each of Kreis Recklinghausen and Dortmund
MIB = 2**20
BOMB_BYTES = 200 * MIB  # zeros: deflate packs them ~1000-fold, to ~200 KB


class Landing:
    """A data directory for one test: landing folders, quarantine, raw store."""

    def __init__(self, root: Path):
        self.root = root
        self.landing = root / "landing"
        self.quarantine = root / "quarantine"
        self.store = RawStore(root / "raw.duckdb")

    def folder(self, source_id: str) -> Path:
        folder = self.landing / source_id
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def good_zip(self) -> Path:
        path = self.folder(FFCSV.id) / GOOD_ZIP
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.write(GOLDEN, "22151_2022_flat.csv")
        return path

    def ingest(self, source: object = FFCSV, limits: Limits | None = None) -> SourceLoad:
        return ingest_source(
            source, self.landing, self.store, RuhrGeography.from_seeds(), self.quarantine, limits
        )

    def rows(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.store.path), read_only=True) as con:
            return con.execute(sql).fetchall()

    def good_rows_loaded(self) -> bool:
        return self.rows(f"select count(*) from {FFCSV.table} where file_name = '{GOOD_ZIP}'") == [
            (GOLDEN_ROWS_KEPT,)
        ]


def only_quarantined(load: SourceLoad, landing: Landing, source_id: str, name: str) -> Quarantined:
    """The one quarantined file: moved out of the landing folder into quarantine/<source>/."""
    [moved] = load.quarantined
    assert not (landing.landing / source_id / name).exists()
    assert moved.file.parent == landing.quarantine / source_id and moved.file.name.endswith(f"__{name}")
    assert moved.problem.file == name
    record = json.loads(moved.report.with_suffix(".json").read_text(encoding="utf-8"))
    assert (record["rule"], record["file"]) == (moved.problem.rule, name)
    return moved


def report_of(moved: Quarantined) -> str:
    return moved.report.read_text(encoding="utf-8")


def zeros_zip(path: Path, member: str, size: int, *extra: tuple[str, bytes]) -> Path:
    """A ZIP whose member `member` is `size` zero bytes, written in chunks (never whole in memory)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in extra:
            archive.writestr(name, content)
        with archive.open(member, "w") as handle:
            chunk = bytes(MIB)
            for _ in range(size // MIB):
                handle.write(chunk)
    return path


def lie_about_size(path: Path, declared: int) -> Path:
    """Patch the member's inflated size in its local header and its directory entry to `declared`."""
    data = bytearray(path.read_bytes())
    assert data[:4] == b"PK\x03\x04"
    data[22:26] = declared.to_bytes(4, "little")  # local file header: uncompressed size
    entry = data.rindex(b"PK\x01\x02")
    data[entry + 24 : entry + 28] = declared.to_bytes(4, "little")  # central directory entry
    path.write_bytes(bytes(data))
    return path
