"""Notifications: the run report by mail (SMTP) and as JSON to a webhook, both served on 127.0.0.1."""

from __future__ import annotations

import email
import email.policy
import json
import logging
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import dagster as dg
import pytest

from orchestration.defs.nightly.reports import report_runs
from sozialmonitor.freshness import stale_sources
from sozialmonitor.notify import notify
from sozialmonitor.run_report import RunReport
from sozialmonitor.settings import DataPaths
from tests.smtp_sink import Mailbox
from tests.support import copy_of


@pytest.fixture
def webhook_server() -> Iterator[tuple[int, list[dict]]]:
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append({"path": self.path, "type": self.headers["Content-Type"], **json.loads(body)})
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], received
    server.shutdown()
    server.server_close()


# --- the report of the sample's refresh -----------------------------------------------------------------


@pytest.fixture
def sample_report(refreshed_sample: DataPaths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> RunReport:
    paths = copy_of(refreshed_sample, tmp_path / "data", monkeypatch)
    with dg.DagsterInstance.from_config(str(paths.dagster_home)) as instance:
        run_ids = [
            record.dagster_run.run_id
            for record in sorted(instance.get_run_records(), key=lambda record: record.create_timestamp)
        ]
        return report_runs(instance, run_ids, paths)


def test_nothing_configured_sends_nothing_and_says_so(
    sample_report: RunReport, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="sozialmonitor.notify"):
        assert notify(sample_report, env={}) == []
    assert "no notification sent" in caplog.text and "SOZIALMONITOR_WEBHOOK_URL" in caplog.text


def test_mail_and_webhook_carry_the_report(
    sample_report: RunReport,
    smtp_server: tuple[int, Mailbox],
    webhook_server: tuple[int, list[dict]],
) -> None:
    smtp_port, mailbox = smtp_server
    web_port, received = webhook_server
    env = {
        "SOZIALMONITOR_SMTP_HOST": "127.0.0.1",
        "SOZIALMONITOR_SMTP_PORT": str(smtp_port),
        "SOZIALMONITOR_SMTP_FROM": "sozialmonitor@rvr.example",
        "SOZIALMONITOR_SMTP_TO": "daten@rvr.example, statistik@kreis-unna.example",
        "SOZIALMONITOR_SMTP_USER": "monitor",
        "SOZIALMONITOR_SMTP_PASSWORD": "geheim",
        "SOZIALMONITOR_WEBHOOK_URL": f"http://127.0.0.1:{web_port}/hooks/sozialmonitor",
    }
    assert notify(sample_report, env=env) == ["smtp", "webhook"]

    [(sender, recipients, data)] = mailbox.messages
    assert mailbox.logins == [("monitor", "geheim")]
    assert sender == "sozialmonitor@rvr.example"
    assert recipients == ["daten@rvr.example", "statistik@kreis-unna.example"]
    message = email.message_from_bytes(data, policy=email.policy.default)
    run = sample_report.main_run
    assert message["Subject"] == (
        f"[Sozialmonitor Ruhr] nightly_refresh {run.run_id} succeeded: published version "
        f"{sample_report.published_version}; checks {len(sample_report.checks)} passed, 0 failed"
    )
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")  # SMTP lines end in CRLF
    assert text == sample_report.path.read_text(encoding="utf-8")
    assert "| SGB-II-Quote (INKAR-Abgrenzung) (`sgb2_quote`) | % | 2023-12-31 | 14.79 |" in text
    page = message.get_body(("html",)).get_content()
    assert "<td>14.79</td>" in page and "<td>5,126,536</td>" in page

    [hook] = received
    assert hook["path"] == "/hooks/sozialmonitor" and hook["type"].startswith("application/json")
    assert hook["run_id"] == run.run_id and hook["job"] == "nightly_refresh"
    assert len(hook["run_ids"]) == 21  # 15 Jugend-/Gesundheitsämter, 5 cities, then the refresh
    assert hook["status"] == "SUCCESS"
    assert hook["published_version"] == sample_report.published_version == hook["current_version"]
    assert (hook["checks_passed"], hook["checks_failed"], hook["failed_checks"]) == (
        len(sample_report.checks),
        0,
        [],
    )
    assert hook["stale_sources"] == []  # the session judges deadlines on 31.03.2024: all on time
    assert hook["report_path"] == str(sample_report.path)


def test_late_sources_are_in_the_webhook_with_their_owner(
    sample_report: RunReport, webhook_server: tuple[int, list[dict]]
) -> None:
    web_port, received = webhook_server
    sample_report.stale = stale_sources(DataPaths.from_env(), date(2024, 6, 30))
    env = {"SOZIALMONITOR_WEBHOOK_URL": f"http://127.0.0.1:{web_port}/"}
    assert notify(sample_report, env=env) == ["webhook"]
    assert received[0]["stale_sources"] == [
        {
            "source_id": "ba_gemeindedaten",
            "stream": None,
            "owner": "Statistik der Bundesagentur für Arbeit (Gemeindedaten Nordrhein-Westfalen)",
            "newest_period": "2023-12-31",
            "due": "2024-04-30",
        },
        {
            "source_id": "kommunale_meldungen_kreis_unna",
            "stream": "seu",
            "owner": "Jugendämter und Gesundheitsämter der Kreise und kreisfreien Städte – Kreis Unna",
            "newest_period": "2022-08-01",
            "due": "2024-05-01",
        },
    ]


def test_an_unreachable_channel_is_logged_and_the_other_still_goes(
    sample_report: RunReport, webhook_server: tuple[int, list[dict]], caplog: pytest.LogCaptureFixture
) -> None:
    web_port, received = webhook_server
    env = {
        "SOZIALMONITOR_SMTP_HOST": "127.0.0.1",
        "SOZIALMONITOR_SMTP_PORT": "1",  # nothing listens there
        "SOZIALMONITOR_SMTP_TO": "daten@rvr.example",
        "SOZIALMONITOR_WEBHOOK_URL": f"http://127.0.0.1:{web_port}/",
    }
    with caplog.at_level(logging.INFO, logger="sozialmonitor.notify"):
        assert notify(sample_report, env=env) == ["webhook"]
    assert "mail to daten@rvr.example via 127.0.0.1 failed" in caplog.text
    assert len(received) == 1
