"""A local SMTP server for tests: just enough of RFC 5321 for smtplib (EHLO, AUTH PLAIN, MAIL, RCPT, DATA)."""

from __future__ import annotations

import base64
import socketserver
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest


@dataclass
class Mailbox:
    messages: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)


class SmtpHandler(socketserver.StreamRequestHandler):
    mailbox: Mailbox

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode("ascii") + b"\r\n")

    def handle(self) -> None:
        self.reply("220 127.0.0.1 test SMTP sink")
        sender, recipients = "", []
        while line := self.rfile.readline():
            command = line.decode("ascii").strip()
            verb = command.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.wfile.write(b"250-127.0.0.1\r\n250-AUTH PLAIN\r\n250 8BITMIME\r\n")
            elif verb == "AUTH":
                _, user, password = base64.b64decode(command.split()[2]).split(b"\0")
                self.mailbox.logins.append((user.decode(), password.decode()))
                self.reply("235 2.7.0 authenticated")
            elif verb == "MAIL":
                sender, recipients = command.split(":", 1)[1].split()[0].strip("<>"), []
                self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[1].strip().strip("<>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 end with <CRLF>.<CRLF>")
                data = []
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                self.mailbox.messages.append((sender, recipients, b"".join(data)))
                self.reply("250 OK queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:  # RSET, NOOP
                self.reply("250 OK")


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, Mailbox]]:
    mailbox = Mailbox()
    handler = type("Handler", (SmtpHandler,), {"mailbox": mailbox})
    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield server.server_address[1], mailbox
        server.shutdown()
