"""Fetch unread mail from the support mailbox over IMAP and store each message (transport only).

Each message is fetched with BODY.PEEK[] (so fetching alone marks nothing
read), stored in its own transaction, and only then flagged \\Seen. A crash in
between leaves it unseen; the next run fetches it again and ingestion, being
idempotent per Message-ID, stores nothing twice. TLS is required: IMAPS, or
STARTTLS that must succeed; there is no fallback to plaintext.
"""

import imaplib
import ssl
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import InterfaceError, OperationalError

from support.exceptions import MalformedEmail
from support.services import ticket_ingest_email

EX_DATAERR = 65
EX_TEMPFAIL = 75
DEFAULT_PORTS = {"imaps": 993, "imap+starttls": 143}


@dataclass(frozen=True)
class MailboxSettings:
    scheme: str
    host: str
    port: int
    username: str
    password: str
    mailbox: str

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"


def mailbox_settings_parse(url: str) -> MailboxSettings:
    """SUPPORT_IMAP_URL, read: imaps://user:pass@host[:993]/INBOX or imap+starttls://user:pass@host[:143]/INBOX."""
    if not url:
        raise CommandError("SUPPORT_IMAP_URL is not set: nothing to fetch from.")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise CommandError(
            f"SUPPORT_IMAP_URL must start with imaps:// or imap+starttls:// (got {scheme or 'nothing'}://): "
            "mail is never fetched without TLS."
        )
    if not parts.hostname or not parts.username:
        raise CommandError("SUPPORT_IMAP_URL needs a user name and a host: imaps://user:password@host/INBOX.")
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError as error:
        raise CommandError(f"SUPPORT_IMAP_URL has an invalid port: {error}") from error
    return MailboxSettings(
        scheme=scheme,
        host=parts.hostname,
        port=port,
        username=unquote(parts.username),
        password=unquote(parts.password or ""),
        mailbox=unquote(parts.path.lstrip("/")) or "INBOX",
    )


def _quoted(mailbox: str) -> str:
    return '"' + mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Command(BaseCommand):
    help = (
        "Fetch unread messages from the support mailbox (SUPPORT_IMAP_URL, TLS only) and store each in "
        "its ticket. Safe to run from cron every minute: a message is marked read only once stored."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--limit", type=int, default=200, help="At most this many messages per run.")

    def _connect(self, where: MailboxSettings) -> imaplib.IMAP4:
        context = ssl.create_default_context(cafile=settings.SUPPORT_IMAP_CA_FILE or None)
        timeout = settings.SUPPORT_IMAP_TIMEOUT
        try:
            if where.scheme == "imaps":
                client = imaplib.IMAP4_SSL(where.host, where.port, ssl_context=context, timeout=timeout)
            else:
                client = imaplib.IMAP4(where.host, where.port, timeout=timeout)
                try:
                    client.starttls(ssl_context=context)
                except (imaplib.IMAP4.error, ssl.SSLError, OSError) as error:
                    client.shutdown()
                    raise CommandError(
                        f"The IMAP server at {where.where} did not complete STARTTLS ({error}); "
                        "refusing to log in without TLS. Nothing was fetched."
                    ) from error
        except (ssl.SSLError, ssl.CertificateError) as error:
            raise CommandError(
                f"No secure connection to the IMAP server at {where.where}: {error}. Nothing was fetched."
            ) from error
        except (OSError, imaplib.IMAP4.error) as error:
            raise CommandError(
                f"Cannot reach the IMAP server at {where.where}: {error}. Nothing was fetched.",
                returncode=EX_TEMPFAIL,
            ) from error
        try:
            client.login(where.username, where.password)
            status, _data = client.select(_quoted(where.mailbox))
        except imaplib.IMAP4.error as error:
            client.shutdown()
            raise CommandError(f"The IMAP server at {where.where} refused the login: {error}") from error
        if status != "OK":
            client.logout()
            raise CommandError(f"The mailbox {where.mailbox} cannot be opened on {where.where}.")
        return client

    def handle(self, *args, **options) -> None:
        where = mailbox_settings_parse(settings.SUPPORT_IMAP_URL)
        client = self._connect(where)
        stored = duplicates = malformed = 0
        try:
            status, data = client.uid("SEARCH", "UNSEEN")
            if status != "OK":
                raise CommandError(f"The IMAP server at {where.where} refused to search the mailbox.")
            uids = (data[0] or b"").split()[: options["limit"]]
            for uid in uids:
                raw = self._fetch(client, uid)
                try:
                    result = ticket_ingest_email(raw=raw)
                except MalformedEmail as error:
                    # Kept in the mailbox, flagged for a person to look at,
                    # and marked read so it is not fetched again every minute.
                    malformed += 1
                    self.stderr.write(f"Message UID {uid.decode()} not stored: {error}")
                    client.uid("STORE", uid, "+FLAGS", "(\\Seen \\Flagged)")
                    continue
                if result.created:
                    stored += 1
                else:
                    duplicates += 1
                # Only now, with the message committed, is it marked read.
                client.uid("STORE", uid, "+FLAGS", "(\\Seen)")
        except (OperationalError, InterfaceError) as error:
            raise CommandError(
                f"The database is unavailable ({error}). What was stored is kept; the rest stays unread.",
                returncode=EX_TEMPFAIL,
            ) from error
        except (imaplib.IMAP4.abort, OSError) as error:
            raise CommandError(
                f"Lost the connection to {where.where} ({error}). What was stored is kept; "
                "the rest stays unread for the next run.",
                returncode=EX_TEMPFAIL,
            ) from error
        finally:
            self._logout(client)
        if stored or duplicates or malformed or options["verbosity"] > 1:
            self.stdout.write(
                f"Fetched {stored + duplicates + malformed} message(s): {stored} stored, "
                f"{duplicates} already stored, {malformed} not stored."
            )
        if malformed:
            raise CommandError(
                f"{malformed} message(s) could not be stored; they are flagged.", returncode=EX_DATAERR
            )

    def _fetch(self, client: imaplib.IMAP4, uid: bytes) -> bytes:
        status, data = client.uid("FETCH", uid, "(BODY.PEEK[])")
        for item in data or []:
            if isinstance(item, tuple) and len(item) == 2:
                return item[1]
        raise imaplib.IMAP4.abort(f"no message body in the answer to FETCH {uid.decode()} ({status})")

    def _logout(self, client: imaplib.IMAP4) -> None:
        try:
            client.logout()
        except (imaplib.IMAP4.error, OSError):
            client.shutdown()
