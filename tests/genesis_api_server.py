"""A local stand-in for the regionalstatistik GENESIS web service (REST 2020), on 127.0.0.1.

It answers the way the real service does where that is on record (sources in `ingest/genesis_api.py`):
POST only, form body, credentials in the `username`/`password` headers; the JSON envelope `Ident`,
`Status` (`Code`, `Content`, `Type`), `Parameter` (credentials echoed as asterisks), `Object` or `List`,
`Copyright`, with HTTP 200 also for the service's own errors; `data/table` with the table's text in
`Object.Content`; 90 for a table it does not have; 98 for a table too big for the dialog, 99 with the
job's name when a job is started, `catalogue/results` answering 104 until the job's result exists and
then listing it, `data/result` delivering it. The texts are the service's own, copied from pystatis'
recorded sessions. A GET gets the HTML start page (GET was switched off in July 2025).

Not on record, so marked as assumptions here: what a wrong login on a data method looks like (the
envelope with the generic error code -1 and the wording of the older SOAP service's login error,
sumtxt/wiesbaden issue #4; or plain HTTP 401), and how a rate limit or quota is signalled (HTTP 429).

The table text is a short excerpt of the real 2017 web download of 12411-03-03-4 (title block, both
header rows, Bochum and Dortmund rows, the complete footer). Every request is recorded (method, path,
query, headers, form, arrival and answer time), so tests can check where the credentials travelled and
how far apart the requests arrived.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

USER = "SOZMON0815"
PASSWORD = "Ruhr-Pott!2024"
TABLE = "12411-03-03-4"
PREFIX = "/genesisws/rest/2020/"
MASK = "********************"  # how the service echoes credentials in `Parameter`
COPYRIGHT = "© Statistische Ämter des Bundes und der Länder, Deutschland, 2026"

# An excerpt of the real web download of 12411-03-03-4 (10.10.2017): its lines as they are, unchanged.
TABLE_TEXT = "\n".join(
    [
        "GENESIS-Tabelle: 12411-03-03-4",
        "Bevölkerungsstand: Bevölkerung nach Geschlecht, Nationalität;;;;;;;;;;;;",
        "und Altersgruppen (21) - Stichtag 31.12. - (ab 2011);;;;;;;;;;;;",
        "regionale Tiefe: Kreise und krfr. Städte;;;;;;;;;;;;",
        "Fortschreibung des Bevölkerungsstandes;;;;;;;;;;;;",
        "Bevölkerungsstand (Anzahl);;;;;;;;;;;;",
        ";;;;Insgesamt;Insgesamt;Insgesamt;Deutsche;Deutsche;Deutsche;"
        "Ausländer(innen);Ausländer(innen);Ausländer(innen)",
        ";;;;Insgesamt;männlich;weiblich;Insgesamt;männlich;weiblich;Insgesamt;männlich;weiblich",
        "31.12.2015;05911;      Bochum, Kreisfreie Stadt;unter 3 Jahre;"
        "8846;4476;4370;7774;3916;3858;1072;560;512",
        "31.12.2015;05911;      Bochum, Kreisfreie Stadt;3 bis unter 6 Jahre;"
        "8274;4278;3996;7221;3716;3505;1053;562;491",
        "31.12.2015;05911;      Bochum, Kreisfreie Stadt;Insgesamt;"
        "364742;177427;187315;325279;156544;168735;39463;20883;18580",
        "31.12.2015;05913;      Dortmund, Kreisfreie Stadt;Insgesamt;"
        "586181;287846;298335;494209;239193;255016;91972;48653;43319",
        "__________",
        '"zu ""gesamte Tabelle"":',
        "Berichtsjahr ab 2011: Ergebnisse auf Grundlage des Zensus",
        "2011",
        " ",
        "Baden-Württemberg (Berichtsjahr 1995-2010): Gebietsstand",
        "01.01.1979",
        "Baden-Württemberg (ab Berichtsjahr 2011): Gebietsstand",
        "01.01.2011",
        "Berlin (1995 bis 2000): bezogen auf den Gebietsstand",
        "01.01.2001",
        "Berlin: Kreistabelle liegt auch für Bezirke vor",
        "Hessen, Nordrhein-Westfalen, Saarland: Kreistabelle liegt",
        'auch für Gemeinden vor"',
        '"© Statistische Ämter des Bundes und der Länder, Deutschland, 2017.',
        "Dieses Werk ist lizensiert unter der Datenlizenz Deutschland",
        '- Namensnennung - Version 2.0."',
        "Stand: 10.10.2017 / 16:36:03",
        "",
    ]
)

# The service's own texts (pystatis tests/cassettes/12531-0043.yaml, src/pystatis/http_helper.py).
TEXT_OK = "erfolgreich"
TEXT_TOO_BIG = (
    "Die Tabelle ist zu gross, um im Dialog abgerufen zu werden. Bitte nutzen sie den Webservice mit "
    "dem Parameter job=true (REST) um eine Verarbeitung im Hintergrund zu starten."
)
TEXT_JOB = (
    "Der Bearbeitungsauftrag wurde erstellt. Die Tabelle kann in Kürze als Ergebnis mit folgendem "
    "Namen abgerufen werden: {job}"
)
TEXT_NO_OBJECTS = "Es gibt keine Objekte zum angegebenen Selektionskriterium"
TEXT_TABLE_MISSING = "Die angeforderte Tabelle ist nicht vorhanden."
# Assumed (see the module docstring): the older SOAP service's wording for a wrong login.
TEXT_WRONG_LOGIN = (
    "Ein Fehler ist aufgetreten. (Bitte prüfen und korrigieren Sie Ihren Nutzernamen bzw. das Passwort.)"
)

Failure = Literal["quota", "server_error", "not_json", "no_content", "slow", "redirect"]


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: str
    headers: dict[str, str]  # names in lower case
    form: dict[str, str]
    body: bytes
    arrived: float  # time.monotonic() when the request had been read


class FakeGenesis:
    """The service for one test. Set the attributes to choose its behaviour before fetching."""

    def __init__(self, user: str = USER, password: str = PASSWORD) -> None:
        self.user = user
        self.password = password
        self.tables: dict[str, str] = {TABLE: TABLE_TEXT}
        self.too_big: set[str] = set()  # tables the dialog refuses (98): they need a job
        self.polls_until_ready = 0  # catalogue/results answers 104 this many times per job
        self.wrong_login: Literal["envelope", "http401"] = "envelope"
        self.wrong_login_text = TEXT_WRONG_LOGIN
        self.failure: Failure | None = None
        self.slow_seconds = 1.0
        self.requests: list[Recorded] = []
        self.jobs: dict[str, int] = {}  # job name -> polls seen
        self._job_texts: dict[str, str] = {}
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}{PREFIX}"

    def __enter__(self) -> FakeGenesis:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def calls(self) -> list[str]:
        """The methods asked for, in order, e.g. ['data/table', 'catalogue/results', 'data/result']."""
        return [request.path.removeprefix(PREFIX) for request in self.requests]

    def answer(self, method: str, form: dict[str, str], user: str, password: str) -> tuple[int, str, bytes]:
        """(HTTP status, content type, body) for one POST."""
        if self.failure == "quota":
            return 429, "text/plain", b"Too Many Requests"
        if self.failure == "server_error":
            return 500, "text/html", _html("500 Internal Server Error")
        if self.failure == "not_json":
            return 200, "text/html;charset=UTF-8", _html("GENESIS-Online: Wartungsarbeiten")
        if self.failure == "slow":
            time.sleep(self.slow_seconds)
        service, _, name = method.partition("/")
        parameter = {"username": MASK, "password": MASK, **form}
        if (user, password) != (self.user, self.password):
            if self.wrong_login == "http401":
                return 401, "text/html", _html("401 Unauthorized")
            return _json(service, name, -1, self.wrong_login_text, "Fehler", parameter, obj=None)
        if method == "data/table":
            return self._table(form, parameter)
        if method == "catalogue/results":
            return self._results(form, parameter)
        if method == "data/result":
            text = self._job_texts.get(form.get("name", ""))
            if text is None or self.jobs.get(form["name"], 0) <= self.polls_until_ready:
                return _json("data", "result", 104, TEXT_NO_OBJECTS, "Information", parameter, obj=None)
            return _json("data", "result", 0, TEXT_OK, "Information", parameter, obj=_object(text))
        return 404, "text/html", _html("404 Not Found")

    def _table(self, form: dict[str, str], parameter: dict[str, str]) -> tuple[int, str, bytes]:
        name = form.get("name", "")
        if name not in self.tables:
            return _json("data", "table", 90, TEXT_TABLE_MISSING, "Information", parameter, obj=None)
        if form.get("job") == "true":
            job = f"{name}_{175879554 + len(self.jobs)}"
            self.jobs[job] = 0
            self._job_texts[job] = self.tables[name]
            text = TEXT_JOB.format(job=job)
            return _json("data", "table", 99, text, "Information", parameter, obj=None)
        if name in self.too_big:
            return _json("data", "table", 98, TEXT_TOO_BIG, "Fehler", parameter, obj=None)
        if self.failure == "no_content":
            return _json("data", "table", 0, TEXT_OK, "Information", parameter, obj=None)
        return _json("data", "table", 0, TEXT_OK, "Information", parameter, obj=_object(self.tables[name]))

    def _results(self, form: dict[str, str], parameter: dict[str, str]) -> tuple[int, str, bytes]:
        job = form.get("selection", "")
        if job not in self.jobs:
            return _json("catalogue", "results", 104, TEXT_NO_OBJECTS, "Information", parameter, rows=None)
        self.jobs[job] += 1
        if self.jobs[job] <= self.polls_until_ready:
            return _json("catalogue", "results", 104, TEXT_NO_OBJECTS, "Information", parameter, rows=None)
        title = "Bevölkerung: Kreise, Stichtag, Nationalität,\nGeschlecht, Altersgruppen"
        rows = [{"Code": job, "Content": title, "Values": "2970"}]
        return _json("catalogue", "results", 0, TEXT_OK, "Information", parameter, rows=rows)


def _object(text: str) -> dict[str, Any]:
    return {"Content": text, "Structure": None}


def _json(
    service: str,
    method: str,
    code: int,
    text: str,
    kind: str,
    parameter: dict[str, str],
    *,
    obj: Any = ...,
    rows: Any = ...,
) -> tuple[int, str, bytes]:
    answer: dict[str, Any] = {
        "Ident": {"Service": service, "Method": method},
        "Status": {"Code": code, "Content": text, "Type": kind},
        "Parameter": parameter,
    }
    if obj is not ...:
        answer["Object"] = obj
    if rows is not ...:
        answer["List"] = rows
    answer["Copyright"] = COPYRIGHT
    return 200, "application/json;charset=UTF-8", json.dumps(answer, ensure_ascii=False).encode("utf-8")


def _html(title: str) -> bytes:
    return f"<!DOCTYPE html><html><head><title>{title}</title></head><body>{title}</body></html>".encode()


class _Server(ThreadingHTTPServer):
    fake: FakeGenesis

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that gave up (the timeout test) breaks the pipe: not worth a traceback."""
        return


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        arrived = time.monotonic()
        path, _, query = self.path.partition("?")
        form = dict(urllib.parse.parse_qsl(body.decode("ascii", "replace"), keep_blank_values=True))
        headers = {name.lower(): value for name, value in self.headers.items()}
        fake = self.server.fake
        fake.requests.append(Recorded("POST", path, query, headers, form, body, arrived))
        if fake.failure == "redirect":  # e.g. to the start page, as a GET would be
            start_page = f"http://127.0.0.1:{self.server.server_port}/genesis/online"
            self._send(302, "text/html", _html("302 Found"), {"Location": start_page})
            return
        user, password = headers.get("username", ""), headers.get("password", "")
        self._send(*fake.answer(path.removeprefix(PREFIX), form, user, password))

    def do_GET(self) -> None:
        path, _, query = self.path.partition("?")
        headers = {name.lower(): value for name, value in self.headers.items()}
        self.server.fake.requests.append(Recorded("GET", path, query, headers, {}, b"", time.monotonic()))
        self._send(200, "text/html;charset=UTF-8", _html("GENESIS-Online: Startseite"))

    def _send(self, status: int, kind: str, payload: bytes, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:  # keep the test output quiet
        return
