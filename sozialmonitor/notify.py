"""Tell someone how a run went: a mail (SMTP) and/or a webhook (JSON POST), configured by environment.

| variable | meaning |
|---|---|
| `SOZIALMONITOR_SMTP_HOST` | mail server; mail is sent only when this and `_SMTP_TO` are set |
| `SOZIALMONITOR_SMTP_PORT` | port (default 587 with STARTTLS, else 25) |
| `SOZIALMONITOR_SMTP_FROM` | sender (default `sozialmonitor@<host name>`) |
| `SOZIALMONITOR_SMTP_TO` | recipients, comma-separated |
| `SOZIALMONITOR_SMTP_USER`, `SOZIALMONITOR_SMTP_PASSWORD` | login, when the server wants one |
| `SOZIALMONITOR_SMTP_PASSWORD_FILE` | instead: a file holding it (systemd credentials, Docker secrets) |
| `SOZIALMONITOR_SMTP_STARTTLS` | `1`/`true`/`yes`: upgrade the connection with STARTTLS before logging in |
| `SOZIALMONITOR_WEBHOOK_URL` | POST the run's summary as JSON here (a chat bridge, ntfy, an incident tool) |

The mail's subject is the report's headline, its body the Markdown report, with the HTML rendering
as alternative part. The webhook gets `run_id`, `run_ids`, `job`, `status`, `published_version`,
`current_version`, `checks_passed`, `checks_failed`, `failed_checks`, `stale_sources` (source, owner,
newest period, due date) and `report_path`. Nothing configured: nothing is sent, and the log says so.
A channel that fails is logged and does not stop the other one; the report is written either way.
Standard library only (smtplib, urllib).
"""

from __future__ import annotations

import json
import logging
import os
import smtplib
import socket
import sys
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage

from ingest.secrets import secret_from_environment
from sozialmonitor.run_report import RunReport

ENV_PREFIX = "SOZIALMONITOR_"
TIMEOUT_SECONDS = 30
TRUE = {"1", "true", "yes", "on"}

log = logging.getLogger(__name__)


def stderr_logger() -> logging.Logger:
    """For `sozialmonitor refresh`: what was sent, or why nothing was, on stderr beside Dagster's log."""
    logger = logging.getLogger(f"{__name__}.cli")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s - sozialmonitor - %(levelname)s - %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return logger


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    recipients: tuple[str, ...]
    user: str | None = None
    password: str | None = None
    starttls: bool = False


def smtp_settings(env: Mapping[str, str]) -> SmtpSettings | None:
    host = env.get(f"{ENV_PREFIX}SMTP_HOST", "").strip()
    recipients = tuple(
        address.strip() for address in env.get(f"{ENV_PREFIX}SMTP_TO", "").split(",") if address.strip()
    )
    if not host or not recipients:
        return None
    starttls = env.get(f"{ENV_PREFIX}SMTP_STARTTLS", "").strip().lower() in TRUE
    port = env.get(f"{ENV_PREFIX}SMTP_PORT", "").strip()
    if port and not port.isdigit():
        raise ValueError(f"{ENV_PREFIX}SMTP_PORT must be a port number, not {port!r}")
    return SmtpSettings(
        host=host,
        port=int(port) if port else (587 if starttls else 25),
        sender=env.get(f"{ENV_PREFIX}SMTP_FROM", "").strip() or f"sozialmonitor@{socket.getfqdn()}",
        recipients=recipients,
        user=env.get(f"{ENV_PREFIX}SMTP_USER") or None,
        password=secret_from_environment(env, f"{ENV_PREFIX}SMTP_PASSWORD", f"{ENV_PREFIX}SMTP_PASSWORD_FILE")
        or None,
        starttls=starttls,
    )


def webhook_url(env: Mapping[str, str]) -> str | None:
    return env.get(f"{ENV_PREFIX}WEBHOOK_URL", "").strip() or None


def subject(report: RunReport) -> str:
    return f"[Sozialmonitor Ruhr] {report.headline}"


def mail(report: RunReport, settings: SmtpSettings) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject(report)
    message["From"] = settings.sender
    message["To"] = ", ".join(settings.recipients)
    body = report.path.read_text(encoding="utf-8") if report.path else report.headline
    message.set_content(body)
    if report.html_path is not None and report.html_path.exists():
        message.add_alternative(report.html_path.read_text(encoding="utf-8"), subtype="html")
    return message


def send_mail(report: RunReport, settings: SmtpSettings) -> None:
    with smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT_SECONDS) as server:
        server.ehlo()
        if settings.starttls:
            server.starttls()
            server.ehlo()
        if settings.user:
            server.login(settings.user, settings.password or "")
        server.send_message(mail(report, settings))


def payload(report: RunReport) -> dict[str, object]:
    failed = report.failed_checks
    return {
        "run_id": report.main_run.run_id,
        "run_ids": [run.run_id for run in report.runs],
        "job": report.main_run.job_name,
        "status": report.status,
        "summary": report.headline,
        "published_version": report.published_version,
        "current_version": report.current_version,
        "checks_passed": len(report.checks) - len(failed),
        "checks_failed": len(failed),
        "failed_checks": [
            {"asset": check.asset, "check": check.name, "severity": check.severity} for check in failed
        ],
        "stale_sources": [
            {
                "source_id": status.source_id,
                "stream": status.stream,
                "owner": status.owner,
                "newest_period": status.newest_period.isoformat() if status.newest_period else None,
                "due": status.due.isoformat() if status.due else None,
            }
            for status in report.stale or []
        ],
        "report_path": str(report.path) if report.path else None,
    }


def post_webhook(report: RunReport, url: str) -> int:
    request = urllib.request.Request(
        url,
        data=json.dumps(payload(report), ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "sozialmonitor"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
        return response.status


def notify(
    report: RunReport, env: Mapping[str, str] | None = None, logger: logging.Logger = log
) -> list[str]:
    """Send the report on every configured channel; returns the channels that were sent ("smtp",
    "webhook"). Failures are logged, never raised: the run and its report stand regardless."""
    env = os.environ if env is None else env
    sent: list[str] = []
    url = webhook_url(env)
    try:
        settings = smtp_settings(env)
    except ValueError as error:
        logger.error(f"no mail sent: {error}")
        settings = None
    if url is not None and not url.lower().startswith(("http://", "https://")):
        logger.error(f"no webhook sent: {ENV_PREFIX}WEBHOOK_URL must be an http(s) URL, not {url!r}")
        url = None
    if settings is None and url is None:
        logger.info(
            f"no notification sent: set {ENV_PREFIX}SMTP_HOST and {ENV_PREFIX}SMTP_TO "
            f"and/or {ENV_PREFIX}WEBHOOK_URL to be told about runs"
        )
        return sent
    if settings is not None:
        try:
            send_mail(report, settings)
            sent.append("smtp")
            logger.info(f"run report mailed to {', '.join(settings.recipients)} via {settings.host}")
        except (OSError, smtplib.SMTPException) as error:
            logger.error(f"mail to {', '.join(settings.recipients)} via {settings.host} failed: {error}")
    if url is not None:
        try:
            status = post_webhook(report, url)
            sent.append("webhook")
            logger.info(f"run report posted to the webhook (HTTP {status})")
        except OSError as error:  # urllib's URLError and HTTPError are OSErrors
            logger.error(f"webhook {url} failed: {error}")
    return sent
