"""GENESIS web service (REST 2020) of regionalstatistik.de: fetch a table and land it like a download.

A GENESIS source can be fetched at night instead of waiting for somebody to download it: the table is
asked for with `data/table`, the answer's `Object.Content` (the table as GENESIS CSV text) lands in the
source's landing folder under the stable name `<table>_api.csv`, written only when its bytes changed,
so the platform's checksum idempotency sees an unchanged table as unchanged. Every answer that yields
no table is one `GenesisApiError` saying what happened and that the last loaded data stays in use; the
file landed before is never touched then. Standard library only (urllib), like `ingest/portal.py`.

What this relies on, and where it comes from:

- Base URL `https://www.regionalstatistik.de/genesisws/rest/2020/`: CorrelAid/pystatis
  `src/pystatis/config.py` (regio `base_url`), CorrelAid/restatis `R/zzz.R` (`RESTATIS_REGIO_URL`);
  pystatis' recorded session `tests/cassettes/12411-01-01-4.yaml` (March 2026) POSTs to it with success.
- POST only, form-encoded body (`Content-Type: application/x-www-form-urlencoded`), credentials in the
  request headers `username` and `password`; an API token goes in `username` with an empty `password`;
  GET has been switched off since July 2025: StatistischesBundesamt/GENESIS-Online `README.md` and
  `python_tablefile.ipynb`; the same headers in pystatis `src/pystatis/http_helper.py`
  (`get_data_from_endpoint`) and restatis `R/gen_api.R` (`.gen_api_core`). The same notebook: a token
  cannot start jobs (`job=true` needs user name and password), and "Bei mehr als 3 parallelen Requests
  wurden länger als 15 Minuten laufende Requests beendet" (`python_logincheck.ipynb`), hence one request
  at a time here, spaced by `min_interval_seconds`.
- Parameters of `data/table` (`name`, `area`, `compress`, `transpose`, `startyear`, `endyear`,
  `timeslices`, `regionalvariable`, `regionalkey`, `job`, `stand`, `language`; no `format`), of
  `data/result` (`name`, `area`, `compress`, `language`) and of `catalogue/results` (`selection`,
  `area`, `pagelength`, `language`): bundesAPI/destatis-api `openapi.yaml`. A `regionalkey` needs its
  `regionalvariable`: sumtxt/wiesbaden `R/retrieve_data.R`.
- The answer: JSON `{"Ident": {"Service", "Method"}, "Status": {"Code", "Content", "Type"},
  "Parameter": {... credentials masked as asterisks}, "Object": ... or "List": ..., "Copyright"}`, HTTP
  200 also for service errors: pystatis' recorded sessions `tests/cassettes/12531-0043.yaml` and
  `61111-0021.yaml`. The table's text in `Object.Content` of `data/table`: StatistischesBundesamt/
  GENESIS-Online has no data/table example, so this rests on public users of it, e.g.
  matsim-scenarios/matsim-berlin `src/main/java/org/matsim/prepare/download/
  DownloadEmploymentStatistic.java` (regionalstatistik: `tree.get("Object").get("Content")`, title lines,
  data rows, a footer after `___`). Redirects are not followed: they would carry the credential headers
  to wherever they point.
- Status codes: 0 "erfolgreich"; 22 "erfolgreich mit Parameteranpassung" (type Warnung); 50 no newer
  data; 90 "Die angeforderte Tabelle ist nicht vorhanden"; 104 "Es gibt keine Objekte zum angegebenen
  Selektionskriterium"; -1 generic error (pystatis `_check_destatis_status`, citing section 2.1.2 of the
  GENESIS web service introduction, and its cassettes); 98 "Die Tabelle ist zu gross, um im Dialog
  abgerufen zu werden. Bitte nutzen sie den Webservice mit dem Parameter job=true (REST) …" (type Fehler)
  and 99 "Der Bearbeitungsauftrag wurde erstellt. Die Tabelle kann in Kürze als Ergebnis mit folgendem
  Namen abgerufen werden: <table>_<number>" (cassette `12531-0043.yaml`; restatis
  `R/utils_api_calls.R`).
- Jobs: start with `job=true`; `catalogue/results` with `selection=<job name>`, `area=user`,
  `pagelength=1` answers 104 until the result exists, then code 0 with the job in `List`; the result is
  fetched by its job name (pystatis `get_data_from_resultfile`, cassette `12531-0043.yaml`;
  GENESIS-Online `python_tablefile.ipynb`: "catalogue/results … data/resultfile"). `data/result` is the
  JSON counterpart of `data/resultfile` (destatis-api `openapi.yaml`).

Not published anywhere this module could check: the status code and text of a wrong login on a data
method (pystatis notes the service answers HTTP 200 for valid and invalid credentials alike), any rate
limit or quota of regionalstatistik and how it is signalled, and whether regionalstatistik's answers to
jobs match GENESIS-Online's. So every status that is not a success is an error quoting the service's
own code and text, and HTTP 401/403, 429 and 5xx are told apart by their HTTP meaning.
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ingest.errors import SourceError
from ingest.secrets import SecretError, secret_from_environment

REGIONALSTATISTIK_URL = "https://www.regionalstatistik.de/genesisws/rest/2020/"
USER_ENV = "SOZIALMONITOR_GENESIS_USER"
PASSWORD_ENV = "SOZIALMONITOR_GENESIS_PASSWORD"
PASSWORD_FILE_ENV = "SOZIALMONITOR_GENESIS_PASSWORD_FILE"
URL_ENV = "SOZIALMONITOR_GENESIS_URL"

# Status.Code values of the GENESIS answer (see the module docstring for their sources).
CODE_OK = 0
CODE_ADJUSTED = 22  # success, but the service changed a parameter
CODE_TABLE_MISSING = 90
CODE_TOO_BIG = 98  # too big for the dialog: ask again with job=true
CODE_JOB_CREATED = 99
CODE_NO_OBJECTS = 104

NEXT = "The last loaded data stays in use; the fetch is tried again next night."
TIMEOUT_SECONDS = 300.0  # pystatis waits up to 300 s for an answer; big tables take minutes

logger = logging.getLogger(__name__)


class GenesisApiError(SourceError):
    rule = "genesis_api"


class GenesisApi(BaseModel):
    """How a registered GENESIS source is fetched from the web service (the registry's `genesis_api:`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    table: str = Field(pattern=r"^[0-9A-Za-z][0-9A-Za-z-]*$", max_length=40)  # e.g. 12411-03-03-4
    # None: SOZIALMONITOR_GENESIS_URL when set (a proxy, Destatis' GENESIS-Online with the same
    # interface, a test service), else regionalstatistik.de; read when the service is asked
    base_url: str | None = None
    startyear: int | None = Field(default=None, ge=1900, le=2100)
    endyear: int | None = Field(default=None, ge=1900, le=2100)
    timeslices: int | None = Field(default=None, ge=1, description="only the newest N periods")
    regionalvariable: str | None = Field(default=None, pattern=r"^[A-Z0-9]+$")  # e.g. GEMEIN, KREISE
    regionalkey: str | None = Field(default=None, pattern=r"^[0-9*,]+$")  # e.g. 05*, 05911,05913
    job: bool = Field(default=False, description="large table: prepared by the service as a job")
    language: Literal["de", "en"] = "de"
    min_interval_seconds: float = Field(default=1.0, ge=0, description="pause between two requests")
    poll_seconds: float = Field(default=30.0, gt=0, description="wait before each look for a job's result")
    max_polls: int = Field(default=20, ge=1)
    timeout_seconds: float = Field(default=TIMEOUT_SECONDS, gt=0)

    @property
    def file_name(self) -> str:
        return f"{self.table}_api.csv"

    @field_validator("base_url")
    @classmethod
    def _plain_base_url(cls, url: str | None) -> str | None:
        return None if url is None else _plain_url(url)

    @property
    def service_url(self) -> str:
        """The service's address: the registry's, or the environment's, or regionalstatistik.de."""
        return self.base_url or _plain_url(os.environ.get(URL_ENV, "").strip() or REGIONALSTATISTIK_URL)

    @model_validator(mode="after")
    def _consistent_selection(self) -> GenesisApi:
        if self.startyear is not None and self.endyear is not None and self.startyear > self.endyear:
            raise ValueError(f"startyear {self.startyear} is after endyear {self.endyear}")
        if self.regionalkey is not None and self.regionalvariable is None:
            raise ValueError("a regionalkey needs its regionalvariable (e.g. GEMEIN, KREISE)")
        return self


@dataclass(frozen=True)
class FetchResult:
    path: Path
    changed: bool
    ident: str  # the answer's Ident, "<Service>/<Method>": data/table, or data/result for a job
    job: str | None  # the job's name when the service prepared the table as a job
    stand: str | None  # the "Stand:" line of the table's footer (when the table was made), if present


@dataclass(frozen=True)
class _Credentials:
    """Never printed: no field shows in a repr, so no traceback or log line can carry them."""

    user: str = field(repr=False)
    password: str = field(repr=False)

    def scrub(self, text: str) -> str:
        """The service's own texts are quoted in errors; should one ever echo a credential, hide it."""
        for secret in (self.password, self.user):
            if len(secret) >= 3:
                text = text.replace(secret, "***")
        return text


def _credentials(api: GenesisApi) -> _Credentials:
    """From the environment only. No password (neither variable set) means an API token as user name."""
    user = os.environ.get(USER_ENV, "").strip()
    if not user:
        raise _error(api, f"no credentials: set {USER_ENV} and {PASSWORD_ENV} (or {PASSWORD_FILE_ENV})")
    try:
        password = secret_from_environment(os.environ, PASSWORD_ENV, PASSWORD_FILE_ENV) or ""
    except SecretError as error:
        raise _error(api, str(error)) from None
    for name, value in ((USER_ENV, user), ("the password", password)):
        # http.client quotes a rejected header value in its exception: refuse such values before sending
        if any(char in value for char in "\r\n\0") or not value.isprintable():
            raise _error(api, f"{name} contains control characters an HTTP header cannot carry")
        try:
            value.encode("latin-1")
        except UnicodeEncodeError:
            raise _error(api, f"{name} contains characters an HTTP header cannot carry") from None
    return _Credentials(user, password)


def _error(api: GenesisApi, what: str, service: str | None = None) -> GenesisApiError:
    quoted = f" The service said: {service}." if service else ""
    return GenesisApiError(api.file_name, f"GENESIS table {api.table}: {what}.{quoted} {NEXT}")


class _Pacer:
    """Spaces requests to one host by a pause after each answer, across all fetches in this process, so
    that a night of several tables stays polite and never runs requests in parallel."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._done: dict[str, float] = {}

    def request(self, host: str, interval: float, send: Callable[[], bytes]) -> bytes:
        with self._lock:
            last = self._done.get(host)
            if last is not None:
                time.sleep(max(0.0, last + interval - time.monotonic()))
            try:
                return send()
            finally:
                self._done[host] = time.monotonic()


_PACER = _Pacer()


@dataclass(frozen=True)
class _Status:
    code: int | None
    type: str
    content: str

    def quote(self, credentials: _Credentials) -> str:
        code = "without a code" if self.code is None else str(self.code)
        kind = f" ({self.type})" if self.type else ""
        return f"status {code}{kind} \u201c{credentials.scrub(self.content)}\u201d"


def _status_of(answer: Any) -> _Status | None:
    status = answer.get("Status") if isinstance(answer, dict) else None
    if not isinstance(status, dict):
        return None
    code = status.get("Code")
    return _Status(
        code=code if isinstance(code, int) else None,
        type=str(status.get("Type") or ""),
        content=str(status.get("Content") or ""),
    )


@dataclass(frozen=True)
class _Answer:
    method: str  # e.g. data/table
    body: dict[str, Any]
    status: _Status


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect would send the credential headers to another address: treat it as an error instead."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


class _Client:
    """One fetch's requests: POST with the credentials in headers, answers decoded to JSON or an error."""

    def __init__(self, api: GenesisApi, credentials: _Credentials):
        self.api = api
        self.credentials = credentials

    def post(self, method: str, form: dict[str, str]) -> _Answer:
        api = self.api
        url = f"{api.service_url}{method}"
        request = urllib.request.Request(
            url,
            data=urllib.parse.urlencode(form).encode("ascii"),
            method="POST",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
                "username": self.credentials.user,
                "password": self.credentials.password,
            },
        )
        logger.info("GENESIS table %s: POST %s", api.table, url)

        def send() -> bytes:
            with _OPENER.open(request, timeout=api.timeout_seconds) as response:
                return response.read()

        try:
            raw = _PACER.request(urllib.parse.urlsplit(url).netloc, api.min_interval_seconds, send)
        except urllib.error.HTTPError as error:
            raise self._http_error(method, error) from None
        except (TimeoutError, urllib.error.URLError, OSError, http.client.HTTPException) as error:
            reason = error.reason if isinstance(error, urllib.error.URLError) else error
            if isinstance(reason, TimeoutError):
                what = f"{method} gave no answer within {api.timeout_seconds:g} seconds (timeout)"
            else:
                what = (
                    f"the service at {api.service_url} cannot be reached ({reason or type(error).__name__})"
                )
            raise _error(api, what) from None
        try:
            body = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError):
            start = " ".join(raw[:80].decode("utf-8", "replace").split())
            raise _error(
                api, f"{method} answered with something that is not JSON (it starts: \u201c{start}\u201d)"
            ) from None
        status = _status_of(body)
        if status is None:
            raise _error(api, f"{method} answered JSON without the GENESIS Status block")
        return _Answer(method, body, status)

    def _http_error(self, method: str, error: urllib.error.HTTPError) -> GenesisApiError:
        status = error.code
        try:
            body = error.read()
        except OSError:
            body = b""
        try:
            service = _status_of(json.loads(body))
        except (json.JSONDecodeError, UnicodeDecodeError):
            service = None
        quoted = service.quote(self.credentials) if service is not None else None
        if status in (401, 403):
            what = f"the service rejected the credentials (HTTP {status}); check {USER_ENV} and the password"
        elif status == 429:
            retry = error.headers.get("Retry-After") if error.headers else None
            after = f", retry after {retry} s" if retry else ""
            what = f"the service's request limit or quota is reached (HTTP 429{after})"
        elif status >= 500:
            what = f"the service failed with a server error (HTTP {status})"
        elif 300 <= status < 400:
            where = error.headers.get("Location") if error.headers else None
            what = f"{method} was redirected (HTTP {status} to {where or 'an unnamed address'}), not answered"
        else:
            what = f"the service refused {method} (HTTP {status})"
        return _error(self.api, what, quoted)


def _table_form(api: GenesisApi, job: bool) -> dict[str, str]:
    """`compress=false` keeps empty rows and columns, so the text equals a manual download's."""
    form = {
        "name": api.table,
        "area": "all",
        "compress": "false",
        "transpose": "false",
        "job": "true" if job else "false",
        "language": api.language,
    }
    optional = {
        "startyear": api.startyear,
        "endyear": api.endyear,
        "timeslices": api.timeslices,
        "regionalvariable": api.regionalvariable,
        "regionalkey": api.regionalkey,
    }
    form.update({key: str(value) for key, value in optional.items() if value is not None})
    return form


def _job_name(api: GenesisApi, client: _Client, answer: _Answer) -> str:
    """The job's name is only given in the status text: '… abgerufen werden: 12531-0043_175879554'."""
    match = re.search(rf"(?<![\w-]){re.escape(api.table)}_\d+", answer.status.content)
    if match is None:
        quoted = answer.status.quote(client.credentials)
        raise _error(api, "the service started a job but named no result", quoted)
    return match.group(0)


def _wait_for_job(api: GenesisApi, client: _Client, job: str) -> None:
    form = {"selection": job, "area": "user", "pagelength": "1", "language": api.language}
    for poll in range(1, api.max_polls + 1):
        time.sleep(api.poll_seconds)
        answer = client.post("catalogue/results", form)
        entries = answer.body.get("List")
        codes = {str(entry.get("Code")) for entry in entries or [] if isinstance(entry, dict)}
        if answer.status.code == CODE_OK and job in codes:
            logger.info("GENESIS table %s: job %s ready after %d poll(s)", api.table, job, poll)
            return
        if answer.status.code not in (CODE_OK, CODE_NO_OBJECTS):
            raise _error(api, f"asking for job {job} failed", answer.status.quote(client.credentials))
        logger.info("GENESIS table %s: job %s not ready (poll %d of %d)", api.table, job, poll, api.max_polls)
    raise _error(
        api,
        f"job not ready, will retry next night: job {job} had no result after {api.max_polls} polls "
        f"{api.poll_seconds:g} seconds apart",
    )


def _content(api: GenesisApi, client: _Client, answer: _Answer, token_hint: bool) -> str:
    status = answer.status
    quoted = status.quote(client.credentials)
    if status.code in (CODE_OK, CODE_ADJUSTED):
        if status.code == CODE_ADJUSTED:
            logger.warning("GENESIS table %s: %s answered with %s", api.table, answer.method, quoted)
        obj = answer.body.get("Object")
        content = obj.get("Content") if isinstance(obj, dict) else None
        if isinstance(content, str) and content.strip():
            return content
        raise _error(api, f"{answer.method} answered without a table (no Object.Content)", quoted)
    if status.code in (CODE_TABLE_MISSING, CODE_NO_OBJECTS):
        if answer.method == "data/result":
            raise _error(api, "the job's result was listed as ready but could not be fetched", quoted)
        raise _error(api, "the service has no such table, or nothing matches the selection", quoted)
    hint = " (an API token cannot start jobs: set the user name and password instead)" if token_hint else ""
    raise _error(api, f"{answer.method} answered with an error{hint}", quoted)


def _stand(content: str) -> str | None:
    stands = re.findall(r"^Stand:\s*(.+?)\s*$", content, flags=re.MULTILINE)
    return stands[-1] if stands else None


def _ident(answer: _Answer) -> str:
    ident = answer.body.get("Ident")
    if isinstance(ident, dict) and ident.get("Service") and ident.get("Method"):
        return f"{ident['Service']}/{ident['Method']}"
    return answer.method


def _plain_url(url: str) -> str:
    """Credentials travel in headers only; a URL with user info or a query could carry them."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"base_url must be an http(s) address, got '{url}'")
    if "@" in parts.netloc or parts.query or parts.fragment:
        raise ValueError("base_url must carry no user info, query or fragment")
    return url if url.endswith("/") else f"{url}/"


def credentials_configured() -> bool:
    """Whether the web service may be asked at all: the nightly fetch runs only with credentials set."""
    return bool(os.environ.get(USER_ENV, "").strip())


def fetch(api: GenesisApi, folder: Path) -> FetchResult:
    """Ask the service for the table and land its text in `folder` as `<table>_api.csv`.

    A table too big for the dialog (or registered with `job: true`) is prepared by the service as a job:
    polled `max_polls` times, `poll_seconds` apart. Raises `GenesisApiError` for every answer that yields
    no table; the file landed before stays as it was.
    """
    client = _Client(api, _credentials(api))
    asked_job = api.job
    answer = client.post("data/table", _table_form(api, job=asked_job))
    if answer.status.code == CODE_TOO_BIG and not asked_job:
        logger.warning("GENESIS table %s: too big for the dialog, asking for a job", api.table)
        asked_job = True
        answer = client.post("data/table", _table_form(api, job=True))
    job: str | None = None
    if answer.status.code == CODE_JOB_CREATED:
        job = _job_name(api, client, answer)
        logger.info("GENESIS table %s: the service prepares job %s", api.table, job)
        _wait_for_job(api, client, job)
        answer = client.post(
            "data/result", {"name": job, "area": "all", "compress": "false", "language": api.language}
        )
    content = _content(api, client, answer, token_hint=asked_job and job is None)
    try:
        data = content.encode("utf-8")
    except UnicodeEncodeError:
        raise _error(api, f"{answer.method} delivered text that cannot be written as UTF-8") from None
    return _land(api, folder, data, _ident(answer), job, _stand(content))


def _land(
    api: GenesisApi, folder: Path, data: bytes, ident: str, job: str | None, stand: str | None
) -> FetchResult:
    """Like a manual download: a hidden `.part` renamed into place, only when the bytes changed."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / api.file_name
    if target.exists() and target.stat().st_size == len(data) and target.read_bytes() == data:
        logger.info("GENESIS table %s: unchanged, %s kept", api.table, target)
        return FetchResult(target, False, ident, job, stand)
    partial = folder / f".{target.name}.part"
    try:
        partial.write_bytes(data)
        os.replace(partial, target)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise _error(api, f"the table could not be written to {folder} ({error.strerror})") from None
    logger.info("GENESIS table %s: landed %s (%d bytes)", api.table, target, len(data))
    return FetchResult(target, True, ident, job, stand)
