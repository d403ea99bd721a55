"""A refresh with the SMTP and the GENESIS API passwords set writes neither anywhere: not in a log, a
run report, a quarantine report, a manifest, a Dagster event (issue 14). Both are used (the mail
server saw the one, the GENESIS service the other), and every table the service does not have is
reported as a failed fetch: the path on which a credential could slip into a message."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from ingest.genesis_api import PASSWORD_ENV, URL_ENV, USER_ENV
from sozialmonitor.cli import main
from sozialmonitor.settings import DATA_DIR_ENV
from tests.genesis_api_server import USER, FakeGenesis
from tests.smtp_sink import Mailbox

SMTP_PASSWORD = "Smtp-Passwort-73!19"
GENESIS_PASSWORD = "Genesis-Passwort-48?21"
SECRETS = (SMTP_PASSWORD, GENESIS_PASSWORD)


def files_holding_secrets(folder: Path) -> list[str]:
    """Every file under `folder` whose bytes hold a secret (UTF-8), and every DuckDB table with a
    value holding one (DuckDB compresses strings: its files are asked, not searched)."""
    found = []
    for path in sorted(item for item in folder.rglob("*") if item.is_file()):
        if path.suffix == ".duckdb":
            with duckdb.connect(str(path), read_only=True) as con:
                for schema, table in con.execute(
                    "select schema_name, table_name from duckdb_tables()"
                ).fetchall():
                    for secret in SECRETS:
                        hits = con.execute(
                            f'select count(*) from "{schema}"."{table}" t where t::varchar like ?',
                            [f"%{secret}%"],
                        ).fetchone()[0]
                        found += [f"{path} {schema}.{table}"] if hits else []
        elif any(secret.encode() in path.read_bytes() for secret in SECRETS):
            found.append(str(path))
    return found


@pytest.mark.slow  # a whole refresh
def test_a_refresh_with_both_passwords_set_writes_neither(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    smtp_server: tuple[int, Mailbox],
    capfd: pytest.CaptureFixture[str],
) -> None:
    smtp_port, mailbox = smtp_server
    (tmp_path / "smtp_password").write_text(SMTP_PASSWORD + "\n", encoding="utf-8")
    settings = {
        DATA_DIR_ENV: str(tmp_path / "data"),
        "SOZIALMONITOR_SMTP_HOST": "127.0.0.1",
        "SOZIALMONITOR_SMTP_PORT": str(smtp_port),
        "SOZIALMONITOR_SMTP_TO": "daten@rvr.example",
        "SOZIALMONITOR_SMTP_USER": "monitor",
        "SOZIALMONITOR_SMTP_PASSWORD_FILE": str(tmp_path / "smtp_password"),
        USER_ENV: USER,
        PASSWORD_ENV: GENESIS_PASSWORD,
    }
    for variable, value in settings.items():
        monkeypatch.setenv(variable, value)
    with FakeGenesis(password=GENESIS_PASSWORD) as service:
        monkeypatch.setenv(URL_ENV, service.url)
        assert main(["sample"]) == 0
        main(["refresh"])
    assert mailbox.logins == [("monitor", SMTP_PASSWORD)]
    assert {request.headers.get("password") for request in service.requests} == {GENESIS_PASSWORD}
    assert "data/table" in service.calls()
    told = capfd.readouterr()
    assert not [secret for secret in SECRETS if secret in told.out + told.err]
    assert not [secret for secret in SECRETS for *_, data in mailbox.messages if secret.encode() in data]
    assert files_holding_secrets(tmp_path / "data") == []
