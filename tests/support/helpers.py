"""Helpers for the support tests: sample mail, the task worker, a real local SMTP server."""

import os
from pathlib import Path
from urllib.parse import quote

from django.db import connection

from support.models import Message, Ticket
from tests.factories import TicketFactory, TicketMessageFactory
from tests.helpers import LocalSmtpServer, free_port, run_tasks  # noqa: F401 (the area's tests import them from here)

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


def lena_ticket(**overrides) -> Ticket:
    """A ticket of the Gmail samples' sender, with our reply that they answer."""
    values = {"customer_email": "lena.hoffmann@gmail.com", "status": Ticket.Status.WAITING, "token": TOKEN}
    values.update(overrides)
    ticket = TicketFactory(**values)
    TicketMessageFactory(
        ticket=ticket,
        direction=Message.Direction.OUTBOUND,
        message_id=OUR_REPLY_ID,
        from_email="support@shop.test",
        delivery_status=Message.Delivery.SENT,
    )
    return ticket
