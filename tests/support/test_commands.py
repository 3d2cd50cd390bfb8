"""The mail transports: `ingest_email` (piped mail) and `fetch_support_mail` (IMAP over TLS)."""

import io
import ssl
import subprocess
import sys
from pathlib import Path

import pytest
import trustme
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError

from support.models import Message, Ticket
from tests.support.helpers import EMAILS, eml, subprocess_env
from tests.support.imap_server import LocalImapServer, Mailbox

pytestmark = pytest.mark.django_db

MANAGE = Path(django_settings.BASE_DIR) / "manage.py"


def ingest(raw: bytes) -> str:
    out = io.StringIO()
    call_command("ingest_email", stdin=io.BytesIO(raw), stdout=out)
    return out.getvalue()


# ingest_email


def test_ingest_email_stores_a_message_read_from_stdin():
    output = ingest(eml("gmail_new_request.eml"))

    ticket = Ticket.objects.get()
    assert output == (
        f"Stored <CAKx9fQ2vN8p0=Ty5aH3xkN4bW7gF+u1ZC9xw@mail.gmail.com> on ticket {ticket.reference}.\n"
    )


def test_ingest_email_twice_says_already_stored_and_stores_once():
    ingest(eml("gmail_new_request.eml"))

    output = ingest(eml("gmail_new_request.eml"))

    assert output.startswith("Already stored: <CAKx9fQ2vN8p0=Ty5aH3xkN4bW7gF+u1ZC9xw@mail.gmail.com>")
    assert Message.objects.filter(direction=Message.Direction.INBOUND).count() == 1


def test_ingest_email_reads_a_file_given_by_name():
    call_command("ingest_email", str(EMAILS / "html_only.eml"), stdout=io.StringIO())

    assert Ticket.objects.get().subject == "Gift wrapping?"


def test_ingest_email_refuses_a_malformed_message_with_a_data_error():
    with pytest.raises(CommandError) as error:
        ingest(eml("malformed_no_headers.eml"))

    assert error.value.returncode == 65
    assert "Message not stored: The message has no headers" in str(error.value)
    assert not Ticket.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_ingest_email_as_the_mail_server_runs_it_piped_in_a_subprocess(settings):
    done = subprocess.run(
        [sys.executable, str(MANAGE), "ingest_email"],
        input=eml("foxmail_reply_gbk.eml"),
        capture_output=True,
        env=subprocess_env(settings),
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr.decode()
    ticket = Ticket.objects.get()
    assert ticket.subject == "尺码不对"
    assert done.stdout.decode().startswith("Stored <tencent_3F0A9C1E7B2D4C5A8E6F10B2@qq.com>")


@pytest.mark.django_db(transaction=True)
def test_ingest_email_in_a_subprocess_exits_non_zero_on_malformed_mail(settings):
    done = subprocess.run(
        [sys.executable, str(MANAGE), "ingest_email"],
        input=b"garbage without any header\n",
        capture_output=True,
        env=subprocess_env(settings),
        timeout=120,
        check=False,
    )

    assert done.returncode == 65
    assert "Message not stored: The message has no headers" in done.stderr.decode()
    assert not Ticket.objects.exists()
    assert not Message.objects.exists()


# fetch_support_mail


@pytest.fixture
def tls(tmp_path, settings):
    """A private CA the client trusts (SUPPORT_IMAP_CA_FILE) and a server context with its certificate."""
    authority = trustme.CA()
    certificate = authority.issue_cert("127.0.0.1", "localhost")
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate.configure_cert(server_context)
    ca_file = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    settings.SUPPORT_IMAP_CA_FILE = str(ca_file)
    return server_context


def imap_server(mailbox: Mailbox, context, **options) -> LocalImapServer:
    return LocalImapServer(
        mailbox=mailbox, username="support@shop.test", password="p@ss word", ssl_context=context, **options
    )


def use_imap(settings, server: LocalImapServer, scheme: str = "imaps") -> None:
    settings.SUPPORT_IMAP_URL = f"{scheme}://support%40shop.test:p%40ss%20word@127.0.0.1:{server.port}/INBOX"


def fetch() -> str:
    out = io.StringIO()
    call_command("fetch_support_mail", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_fetch_over_imaps_stores_each_unseen_message_then_marks_it_seen(settings, tls):
    mailbox = Mailbox()
    for name in ("gmail_new_request.eml", "html_only.eml"):
        mailbox.add(eml(name))
    mailbox.add(b"From: old@example.com\r\nSubject: read before\r\n\r\nold\r\n").flags.add("\\Seen")

    with imap_server(mailbox, tls, tls="implicit") as server:
        use_imap(settings, server)
        output = fetch()

    assert output == "Fetched 2 message(s): 2 stored, 0 already stored, 0 not stored.\n"
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == [
        "Gift wrapping?",
        "Wrong size delivered",
    ]
    assert mailbox.seen() == [1, 2, 3]
    assert mailbox.fetch_items == ["(BODY.PEEK[])", "(BODY.PEEK[])"]
    assert server.logins == ["support@shop.test"]


def test_fetch_with_starttls_upgrades_before_logging_in(settings, tls):
    mailbox = Mailbox()
    mailbox.add(eml("gmail_new_request.eml"))

    with imap_server(mailbox, tls, tls="starttls") as server:
        use_imap(settings, server, scheme="imap+starttls")
        fetch()

    assert Ticket.objects.count() == 1
    assert mailbox.seen() == [1]


def test_a_crash_after_storing_before_marking_seen_stores_nothing_twice_on_the_next_run(settings, tls):
    mailbox = Mailbox()
    mailbox.add(eml("gmail_new_request.eml"))

    with imap_server(mailbox, tls, tls="implicit", drop_on_store=True) as crashing:
        use_imap(settings, crashing)
        with pytest.raises(CommandError) as error:
            fetch()
    stored_before = Message.objects.filter(direction=Message.Direction.INBOUND).count()
    seen_before = mailbox.seen()
    with imap_server(mailbox, tls, tls="implicit") as server:
        use_imap(settings, server)
        output = fetch()

    assert "Lost the connection" in str(error.value)
    assert (stored_before, seen_before) == (1, [])
    assert output == "Fetched 1 message(s): 0 stored, 1 already stored, 0 not stored.\n"
    assert Message.objects.filter(direction=Message.Direction.INBOUND).count() == 1
    assert Ticket.objects.count() == 1
    assert mailbox.seen() == [1]


def test_a_malformed_message_in_the_mailbox_is_flagged_and_reported(settings, tls):
    mailbox = Mailbox()
    mailbox.add(eml("malformed_no_headers.eml"))
    mailbox.add(eml("gmail_new_request.eml"))

    with imap_server(mailbox, tls, tls="implicit") as server:
        use_imap(settings, server)
        with pytest.raises(CommandError) as error:
            fetch()

    assert error.value.returncode == 65
    assert Ticket.objects.count() == 1
    assert mailbox.mails[0].flags == {"\\Seen", "\\Flagged"}
    assert mailbox.mails[1].flags == {"\\Seen"}


def test_imaps_to_a_server_without_tls_is_refused(settings, tls):
    mailbox = Mailbox()
    mailbox.add(eml("gmail_new_request.eml"))

    with imap_server(mailbox, None, tls="none") as server:
        use_imap(settings, server)
        with pytest.raises(CommandError, match="No secure connection"):
            fetch()

    assert server.logins == []
    assert not Ticket.objects.exists()


def test_starttls_to_a_server_that_does_not_offer_it_is_refused_not_downgraded(settings, tls):
    mailbox = Mailbox()
    mailbox.add(eml("gmail_new_request.eml"))

    with imap_server(mailbox, None, tls="none") as server:
        use_imap(settings, server, scheme="imap+starttls")
        with pytest.raises(CommandError, match="refusing to log in without TLS"):
            fetch()

    assert server.logins == []
    assert not Ticket.objects.exists()


def test_a_certificate_the_client_does_not_trust_is_refused(settings, tls):
    settings.SUPPORT_IMAP_CA_FILE = ""
    mailbox = Mailbox()
    mailbox.add(eml("gmail_new_request.eml"))

    with imap_server(mailbox, tls, tls="implicit") as server:
        use_imap(settings, server)
        with pytest.raises(CommandError, match="No secure connection"):
            fetch()

    assert server.logins == []


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "SUPPORT_IMAP_URL is not set"),
        ("imap://user:pass@127.0.0.1/INBOX", "never fetched without TLS"),
        ("imaps://127.0.0.1/INBOX", "needs a user name and a host"),
    ],
)
def test_a_missing_or_plaintext_imap_url_is_refused(settings, url, message):
    settings.SUPPORT_IMAP_URL = url

    with pytest.raises(CommandError, match=message):
        fetch()
