"""Fetching GENESIS tables from the web service, against its stand-in on 127.0.0.1 (genesis_api_server)."""

from __future__ import annotations

import itertools
import logging
import os
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from ingest.genesis_api import (
    PASSWORD_ENV,
    PASSWORD_FILE_ENV,
    REGIONALSTATISTIK_URL,
    URL_ENV,
    USER_ENV,
    FetchResult,
    GenesisApi,
    GenesisApiError,
    fetch,
)
from ingest.geography import RuhrGeography
from ingest.landing import SourceLoad, ingest_source
from ingest.raw_store import RawStore
from ingest.registry import load_registry
from tests.genesis_api_server import (
    PASSWORD,
    TABLE,
    TABLE_TEXT,
    TEXT_TABLE_MISSING,
    USER,
    Failure,
    FakeGenesis,
)

LANDED = f"{TABLE}_api.csv"
OLD = b"GENESIS-Tabelle: 12411-03-03-4\nthe table landed last night\n"
OLD_MTIME_NS = 1_600_000_000_000_000_000


@pytest.fixture
def service() -> Iterator[FakeGenesis]:
    with FakeGenesis() as fake:
        yield fake


@pytest.fixture(autouse=True)
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(USER_ENV, USER)
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    monkeypatch.delenv(PASSWORD_FILE_ENV, raising=False)


def api(service: FakeGenesis, **settings: object) -> GenesisApi:
    defaults: dict[str, object] = {
        "table": TABLE,
        "base_url": service.url,
        "min_interval_seconds": 0,
        "poll_seconds": 0.01,
        "max_polls": 5,
        "timeout_seconds": 10,
    }
    return GenesisApi.model_validate(defaults | settings)


def landed_before(folder: Path, name: str = LANDED) -> Path:
    """The file an earlier night landed, with an old modification time that a rewrite would change."""
    path = folder / name
    path.write_bytes(OLD)
    os.utime(path, ns=(OLD_MTIME_NS, OLD_MTIME_NS))
    return path


def test_table_lands_exactly_as_the_service_sent_it(service: FakeGenesis, tmp_path: Path) -> None:
    result = fetch(api(service), tmp_path)
    assert result == FetchResult(tmp_path / LANDED, True, "data/table", None, "10.10.2017 / 16:36:03")
    assert result.path.read_bytes() == TABLE_TEXT.encode("utf-8")
    assert [path.name for path in tmp_path.iterdir()] == [LANDED]
    assert service.calls() == ["data/table"]
    assert service.requests[0].form == {
        "name": TABLE,
        "area": "all",
        "compress": "false",
        "transpose": "false",
        "job": "false",
        "language": "de",
    }


def test_selection_is_sent_as_form_fields(service: FakeGenesis, tmp_path: Path) -> None:
    selection = {"startyear": 2015, "endyear": 2023, "regionalvariable": "KREISE", "regionalkey": "05*"}
    fetch(api(service, **selection, language="en"), tmp_path)
    form = service.requests[0].form
    assert {key: form[key] for key in [*selection, "language"]} == {
        "startyear": "2015",
        "endyear": "2023",
        "regionalvariable": "KREISE",
        "regionalkey": "05*",
        "language": "en",
    }


def test_unchanged_table_is_not_rewritten(service: FakeGenesis, tmp_path: Path) -> None:
    path = fetch(api(service), tmp_path).path
    os.utime(path, ns=(OLD_MTIME_NS, OLD_MTIME_NS))
    again = fetch(api(service), tmp_path)
    assert (again.path, again.changed) == (path, False)
    assert path.stat().st_mtime_ns == OLD_MTIME_NS
    service.tables[TABLE] = TABLE_TEXT.replace("364742", "364920")
    assert fetch(api(service), tmp_path).changed
    assert path.read_bytes() == service.tables[TABLE].encode("utf-8")
    assert [entry.name for entry in tmp_path.iterdir()] == [LANDED]


def test_table_too_big_for_the_dialog_is_fetched_as_a_job(service: FakeGenesis, tmp_path: Path) -> None:
    service.too_big.add(TABLE)
    service.polls_until_ready = 2
    result = fetch(api(service), tmp_path)
    job = f"{TABLE}_175879554"
    assert (result.job, result.ident, result.changed) == (job, "data/result", True)
    assert result.path.read_bytes() == TABLE_TEXT.encode("utf-8")
    assert service.calls() == ["data/table", "data/table", *["catalogue/results"] * 3, "data/result"]
    assert [request.form["job"] for request in service.requests[:2]] == ["false", "true"]
    assert service.requests[2].form == {"selection": job, "area": "user", "pagelength": "1", "language": "de"}
    assert service.requests[-1].form == {"name": job, "area": "all", "compress": "false", "language": "de"}


def test_registered_job_is_started_at_once(service: FakeGenesis, tmp_path: Path) -> None:
    result = fetch(api(service, job=True), tmp_path)
    assert result.job == f"{TABLE}_175879554"
    assert service.calls() == ["data/table", "catalogue/results", "data/result"]
    assert service.requests[0].form["job"] == "true"


def test_requests_are_spaced_by_the_minimum_interval(service: FakeGenesis, tmp_path: Path) -> None:
    service.polls_until_ready = 1
    fetch(api(service, job=True, min_interval_seconds=0.2), tmp_path)
    arrivals = [request.arrived for request in service.requests]
    assert len(arrivals) == 4
    assert min(later - earlier for earlier, later in itertools.pairwise(arrivals)) >= 0.2


def test_credentials_travel_only_in_headers(service: FakeGenesis, tmp_path: Path) -> None:
    service.too_big.add(TABLE)
    fetch(api(service), tmp_path)
    assert len(service.requests) == 4
    for request in service.requests:
        assert (request.method, request.query) == ("POST", "")
        assert request.headers["content-type"] == "application/x-www-form-urlencoded"
        assert (request.headers["username"], request.headers["password"]) == (USER, PASSWORD)
        for secret in (USER, PASSWORD):
            assert secret not in request.path
            assert secret.encode() not in request.body
            assert secret not in request.form.values()


def test_password_from_a_file(service: FakeGenesis, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "genesis_password"
    secret.write_text(f"{PASSWORD}\n", encoding="utf-8")
    monkeypatch.delenv(PASSWORD_ENV)
    monkeypatch.setenv(PASSWORD_FILE_ENV, str(secret))
    fetch(api(service), tmp_path / "landing")
    assert service.requests[0].headers["password"] == PASSWORD


def test_api_token_goes_as_user_with_an_empty_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = "58b3f1c0a9d84e6b9e2c7a1d5f0e6d032"
    monkeypatch.setenv(USER_ENV, token)
    monkeypatch.delenv(PASSWORD_ENV)
    with FakeGenesis(user=token, password="") as service:
        assert fetch(api(service), tmp_path).changed
    assert (service.requests[0].headers["username"], service.requests[0].headers["password"]) == (token, "")


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


Arrange = Callable[[FakeGenesis, pytest.MonkeyPatch], dict[str, object]]


def wrong_password(service: FakeGenesis, env: pytest.MonkeyPatch) -> dict[str, object]:
    env.setenv(PASSWORD_ENV, "falsches-Passwort-42")
    return {}


def wrong_password_http_401(service: FakeGenesis, env: pytest.MonkeyPatch) -> dict[str, object]:
    service.wrong_login = "http401"
    return wrong_password(service, env)


def failing(failure: Failure, **settings: object) -> Arrange:
    def arrange(service: FakeGenesis, env: pytest.MonkeyPatch) -> dict[str, object]:
        service.failure = failure
        return settings

    return arrange


def never_ready(service: FakeGenesis, env: pytest.MonkeyPatch) -> dict[str, object]:
    service.polls_until_ready = 99
    return {"job": True, "max_polls": 3}


# Each case: how the service (or the way to it) fails, and what the error must quote.
FAILURES: dict[str, tuple[Arrange, list[str]]] = {
    "wrong password": (
        wrong_password,
        ["status -1 (Fehler)", "Bitte prüfen und korrigieren Sie Ihren Nutzernamen bzw. das Passwort."],
    ),
    "wrong password, HTTP 401": (wrong_password_http_401, ["rejected the credentials (HTTP 401)"]),
    "unknown table": (
        lambda service, env: {"table": "99999-99-99-9"},
        ["status 90 (Information)", TEXT_TABLE_MISSING, "no such table"],
    ),
    "quota": (failing("quota"), ["quota is reached (HTTP 429)"]),
    "service error": (failing("server_error"), ["server error (HTTP 500)"]),
    "not JSON": (failing("not_json"), ["not JSON", "<!DOCTYPE html>", "Wartungsarbeiten"]),
    "no Object.Content": (
        failing("no_content"),
        ["no Object.Content", "status 0 (Information)", "erfolgreich"],
    ),
    "redirect": (failing("redirect"), ["redirected (HTTP 302 to http://127.0.0.1:", "/genesis/online)"]),
    "unreachable": (
        lambda service, env: {"base_url": f"http://127.0.0.1:{closed_port()}/genesisws/rest/2020/"},
        ["cannot be reached", "Connection refused"],
    ),
    "timeout": (failing("slow", timeout_seconds=0.3), ["no answer within 0.3 seconds (timeout)"]),
    "job never ready": (
        never_ready,
        ["job not ready, will retry next night", f"job {TABLE}_175879554", "after 3 polls"],
    ),
}


@pytest.mark.parametrize("case", FAILURES)
def test_failures_are_one_error_that_leaves_the_last_file_alone(
    case: str,
    service: FakeGenesis,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    arrange, quotes = FAILURES[case]
    settings = arrange(service, monkeypatch)
    config = api(service, **settings)
    previous = landed_before(tmp_path, config.file_name)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(GenesisApiError) as caught:
        fetch(config, tmp_path)
    message = str(caught.value)
    for quote in [f"GENESIS table {config.table}", *quotes, "last loaded data stays in use", "next night"]:
        assert quote in message
    assert caught.value.problem.rule == "genesis_api"
    assert (previous.read_bytes(), previous.stat().st_mtime_ns) == (OLD, OLD_MTIME_NS)
    assert [path.name for path in tmp_path.iterdir()] == [previous.name]  # no .part left behind
    secrets = {USER, PASSWORD, os.environ[PASSWORD_ENV]}
    told = [message, repr(caught.value), *(record.getMessage() for record in caplog.records)]
    assert not [secret for secret in secrets for text in told if secret in text]


def test_job_polls_are_counted(service: FakeGenesis, tmp_path: Path) -> None:
    service.polls_until_ready = 99
    with pytest.raises(GenesisApiError):
        fetch(api(service, job=True, max_polls=4), tmp_path)
    assert service.calls().count("catalogue/results") == 4
    assert "data/result" not in service.calls()


def test_service_text_never_shows_a_credential(service: FakeGenesis, tmp_path: Path) -> None:
    service.password = "a-password-the-client-does-not-have"
    service.wrong_login_text = f"Ein Fehler ist aufgetreten. Benutzer {USER} ist gesperrt."
    with pytest.raises(GenesisApiError, match=r"Benutzer \*\*\* ist gesperrt") as caught:
        fetch(api(service), tmp_path)
    assert USER not in str(caught.value)


def test_missing_credentials_ask_nothing(
    service: FakeGenesis, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(USER_ENV)
    with pytest.raises(GenesisApiError, match=f"no credentials: set {USER_ENV}"):
        fetch(api(service), tmp_path)
    assert service.requests == []


def test_two_password_sources_are_refused(
    service: FakeGenesis, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSWORD_FILE_ENV, str(tmp_path / "genesis_password"))
    with pytest.raises(GenesisApiError, match="set only one") as caught:
        fetch(api(service), tmp_path)
    assert PASSWORD not in str(caught.value)
    assert service.requests == []


def test_unreadable_password_file(
    service: FakeGenesis, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(PASSWORD_ENV)
    monkeypatch.setenv(PASSWORD_FILE_ENV, str(tmp_path / "missing"))
    with pytest.raises(GenesisApiError, match=f"file named by {PASSWORD_FILE_ENV} cannot be read"):
        fetch(api(service), tmp_path)
    assert service.requests == []


def test_configuration_is_checked_at_load_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(URL_ENV, raising=False)
    assert GenesisApi(table=TABLE).service_url == REGIONALSTATISTIK_URL
    configured = GenesisApi(table=TABLE, base_url="https://example.org/rest")
    assert configured.service_url == "https://example.org/rest/"
    monkeypatch.setenv(URL_ENV, "http://127.0.0.1:8080/genesisws/rest/2020")  # the default for all
    assert GenesisApi(table=TABLE).service_url == "http://127.0.0.1:8080/genesisws/rest/2020/"
    assert configured.service_url == "https://example.org/rest/"  # the registry's own address wins
    monkeypatch.setenv(URL_ENV, f"https://{USER}:{PASSWORD}@www.regionalstatistik.de/")
    with pytest.raises(ValueError, match="no user info"):
        assert GenesisApi(table=TABLE).service_url
    invalid: list[dict[str, object]] = [
        {"table": TABLE, "format": "datencsv"},  # unknown key
        {"table": "../12411"},  # the table names the landed file
        {"table": TABLE, "regionalkey": "05911"},  # a key without its variable
        {"table": TABLE, "startyear": 2023, "endyear": 2015},
        {
            "table": TABLE,
            "base_url": f"https://{USER}:{PASSWORD}@www.regionalstatistik.de/genesisws/rest/2020/",
        },
        {"table": TABLE, "base_url": "https://www.regionalstatistik.de/genesisws/rest/2020/?username=x"},
        {"table": TABLE, "language": "fr"},
    ]
    for settings in invalid:
        with pytest.raises(ValidationError):
            GenesisApi.model_validate(settings)


# --- the nightly ingest: fetch, land, load --------------------------------------------------------------

KREISE_EXTRACT = Path(__file__).with_name("fixtures") / "genesis" / "12411-03-03-4_2015_extract.csv"


def ingest_with_api(service: FakeGenesis, tmp_path: Path) -> SourceLoad:
    source = load_registry().get("genesis_12411_bevoelkerung")
    fetched = source.model_copy(update={"genesis_api": api(service)})
    return ingest_source(
        fetched,
        tmp_path / "landing",
        RawStore(tmp_path / "raw.duckdb"),
        RuhrGeography.from_seeds(),
        tmp_path / "q",
    )


def test_the_nightly_ingest_lands_the_table_like_a_download_and_loads_it(
    service: FakeGenesis, tmp_path: Path
) -> None:
    service.tables[TABLE] = KREISE_EXTRACT.read_text(encoding="utf-8")
    load = ingest_with_api(service, tmp_path)
    assert (load.fetch_problem, [file.file_name for file in load.loaded]) == (None, [LANDED])
    # DG, NRW, Kreis Recklinghausen and Dortmund: 22 age rows x 9 cells each; Regierungsbezirk 055 skipped
    assert (load.rows_loaded, load.source_rows_skipped) == (4 * 22 * 9, 22)


def test_a_failed_fetch_is_reported_and_what_landed_before_still_loads(
    service: FakeGenesis, tmp_path: Path
) -> None:
    folder = tmp_path / "landing" / "genesis_12411_bevoelkerung"
    folder.mkdir(parents=True)
    (folder / "12411-03-03-4_2015.csv").write_bytes(KREISE_EXTRACT.read_bytes())
    service.failure = "server_error"
    load = ingest_with_api(service, tmp_path)
    assert [file.file_name for file in load.loaded] == ["12411-03-03-4_2015.csv"]
    assert load.fetch_problem is not None and load.fetch_problem.rule == "genesis_api"
    assert "HTTP 500" in load.fetch_problem.message and load.warnings[0] == load.fetch_problem
    assert PASSWORD not in load.fetch_problem.message


def test_without_credentials_the_service_is_not_asked(
    service: FakeGenesis, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(USER_ENV)
    load = ingest_with_api(service, tmp_path)
    assert (service.requests, load.fetch_problem, load.files) == ([], None, [])
