"""Helpers for the support tests: sample mail, the task worker, a real local SMTP server."""

import os
import signal
import socket
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import quote

from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.db import connection

EMAILS = Path(__file__).parent / "emails"
# The reply token and our reply's Message-ID that the sample messages answer.
TOKEN = "3f9a1c7e5b2d4f6081a2c3d4"
OUR_REPLY_ID = "<172955.8841.3f9a@shop.test>"
# The ticket reference the samples quote in their subjects ([T-98765]): far
# above what the id sequence reaches in a test run, so tests can create it.
SAMPLE_TICKET_ID = 98765


def eml(name: str) -> bytes:
    """A sample message from tests/support/emails/, as the raw bytes a mail server hands over."""
    return (EMAILS / name).read_bytes()


def run_tasks() -> None:
    """Run every task that is due with the real worker, then return (batch mode)."""
    handled = [signal.SIGINT, signal.SIGTERM, signal.SIGQUIT]
    saved = {signum: signal.getsignal(signum) for signum in handled}
    try:
        call_command(
            "db_worker", "--batch", "--no-reload", "--no-startup-delay", "--interval", "0", verbosity=0
        )
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LocalSmtpServer:
    """A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives, envelope included."""

    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self._controller: Controller | None = None

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"

    def __enter__(self) -> "LocalSmtpServer":
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def __exit__(self, *exc) -> None:
        if self._controller is not None:
            self._controller.stop()

    def use_in(self, settings) -> None:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = self.port
        settings.EMAIL_HOST_USER = ""
        settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_USE_SSL = False
        settings.EMAIL_TIMEOUT = 5


def subprocess_env(settings) -> dict[str, str]:
    """The environment for a manage.py subprocess that must use this test's database and media.

    DATABASE_URL names the test database (a socket directory goes in the path,
    as django-environ reads it), whatever the settings would pick by themselves.
    """
    env = os.environ.copy()
    database = connection.settings_dict
    credentials = quote(database["USER"] or "", safe="")
    if database["PASSWORD"]:
        credentials += ":" + quote(database["PASSWORD"], safe="")
    host, port, name = str(database["HOST"] or ""), database["PORT"] or "", database["NAME"]
    if host.startswith("/"):
        env["DATABASE_URL"] = f"postgres://{credentials}@:{port}/{host}/{name}"
    else:
        env["DATABASE_URL"] = f"postgres://{credentials}@{host}:{port}/{name}"
    env["MEDIA_ROOT"] = str(settings.MEDIA_ROOT)
    env.pop("TEST_DATABASE_NAME", None)
    return env
