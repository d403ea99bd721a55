"""Open-data portal readers against a CKAN and an OpenDataSoft API served from 127.0.0.1."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import duckdb
import pytest

from ingest.city_mapping import CITIES_DIR
from ingest.geography import RuhrGeography
from ingest.landing import ingest_source
from ingest.portal import Portal, PortalError, fetch
from ingest.raw_store import RawStore
from ingest.registry import REGISTRY_PATH, load_registry

DORTMUND_CSV = (Path(__file__).with_name("fixtures") / "cities" / "dortmund_golden.csv").read_bytes()


class PortalHandler(BaseHTTPRequestHandler):
    """CKAN `package_show` for two datasets, the CSV file itself, and an OpenDataSoft export."""

    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        PortalHandler.requests.append(self.path)
        base = f"http://127.0.0.1:{self.server.server_port}"
        if self.path == "/api/3/action/package_show?id=bevoelkerung-stadtbezirke":
            resources = [
                {"format": "PDF", "url": f"{base}/files/erlaeuterungen.pdf"},
                {"format": "csv", "url": f"{base}/files/bezirke_2023.csv"},
            ]
            self._send(
                json.dumps({"success": True, "result": {"resources": resources}}).encode(), "application/json"
            )
        elif self.path == "/api/3/action/package_show?id=nur-pdf":
            resources = [{"format": "PDF", "url": f"{base}/files/erlaeuterungen.pdf"}]
            self._send(
                json.dumps({"success": True, "result": {"resources": resources}}).encode(), "application/json"
            )
        elif self.path in (
            "/files/bezirke_2023.csv",
            "/api/explore/v2.1/catalog/datasets/bezirke/exports/csv?delimiter=%3B",
        ):
            self._send(DORTMUND_CSV, "text/csv")
        else:
            self.send_error(404)

    def _send(self, body: bytes, kind: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:  # keep the test output quiet
        return


@pytest.fixture
def portal_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), PortalHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    PortalHandler.requests = []
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def test_ckan_resolves_the_csv_resource_and_lands_it_once(portal_url: str, tmp_path: Path) -> None:
    portal = Portal(
        kind="ckan", url=portal_url, dataset="bevoelkerung-stadtbezirke", file_name="dortmund.csv"
    )
    path, changed = fetch(portal, tmp_path)
    assert (path.read_bytes(), changed) == (DORTMUND_CSV, True)
    assert PortalHandler.requests == [
        "/api/3/action/package_show?id=bevoelkerung-stadtbezirke",
        "/files/bezirke_2023.csv",
    ]
    mtime = path.stat().st_mtime_ns
    assert fetch(portal, tmp_path) == (path, False)  # unchanged: not rewritten
    assert path.stat().st_mtime_ns == mtime


def test_opendatasoft_export(portal_url: str, tmp_path: Path) -> None:
    portal = Portal(kind="opendatasoft", url=portal_url, dataset="bezirke", file_name="bezirke.csv")
    assert fetch(portal, tmp_path)[0].read_bytes() == DORTMUND_CSV


@pytest.mark.parametrize(("dataset", "message"), [("nur-pdf", "0 CSV resources"), ("gibt-es-nicht", "404")])
def test_portal_errors_name_the_dataset(portal_url: str, tmp_path: Path, dataset: str, message: str) -> None:
    with pytest.raises(PortalError, match=message):
        fetch(Portal(kind="ckan", url=portal_url, dataset=dataset, file_name="x.csv"), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_city_with_a_portal_is_fetched_then_ingested(portal_url: str, tmp_path: Path) -> None:
    cities = tmp_path / "cities"
    shutil.copytree(CITIES_DIR, cities)
    mapping = cities / "dortmund.yml"
    mapping.write_text(
        mapping.read_text(encoding="utf-8")
        + f"portal: {{kind: ckan, url: '{portal_url}', dataset: bevoelkerung-stadtbezirke, "
        "file_name: dortmund_portal.csv}\n",
        encoding="utf-8",
    )
    source = load_registry.__wrapped__(REGISTRY_PATH, cities).get("stadt_dortmund")
    store = RawStore(tmp_path / "raw.duckdb")
    load = ingest_source(source, tmp_path / "landing", store, RuhrGeography.from_seeds(), tmp_path / "q")
    assert [file.file_name for file in load.loaded] == ["dortmund_portal.csv"]
    with duckdb.connect(str(store.path), read_only=True) as con:
        assert con.execute("""select anzahl from stadt_kleinraum
            where area_code = '02' and measure = 'bev_auslaender'""").fetchone() == (29870,)
