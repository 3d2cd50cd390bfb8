"""Store one raw email, piped in by the mail server, in its support ticket (transport only)."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, InterfaceError, OperationalError

from support.exceptions import MalformedEmail
from support.services import ticket_ingest_email

# sysexits.h: mail servers bounce on EX_DATAERR and retry later on EX_TEMPFAIL.
EX_DATAERR = 65
EX_TEMPFAIL = 75


class Command(BaseCommand):
    help = (
        "Read one raw email (RFC 822 bytes) from standard input, or from a file, and store it in its "
        "support ticket, or open a new one. Exits 0 when the message is stored or was already stored; "
        "65 when it cannot be stored (malformed), 75 when the database is unavailable (try again)."
    )
    # call_command(..., stdin=<binary file>) in tests and scripts.
    stealth_options = ("stdin",)

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "path", nargs="?", help="Read the message from this file instead of standard input."
        )

    def _read(self, options: dict) -> bytes:
        if options.get("path"):
            try:
                return Path(options["path"]).read_bytes()
            except OSError as error:
                raise CommandError(
                    f"Cannot read {options['path']}: {error}", returncode=EX_DATAERR
                ) from error
        stream = options.get("stdin") or sys.stdin.buffer
        if stream.isatty():
            raise CommandError(
                "Pipe a raw message into this command, or give a file name.", returncode=EX_DATAERR
            )
        return stream.read()

    def handle(self, *args, **options) -> None:
        raw = self._read(options)
        try:
            result = ticket_ingest_email(raw=raw)
        except MalformedEmail as error:
            raise CommandError(f"Message not stored: {error}", returncode=EX_DATAERR) from error
        except (OperationalError, InterfaceError) as error:
            raise CommandError(
                f"Message not stored, try again later: the database is unavailable ({error}).",
                returncode=EX_TEMPFAIL,
            ) from error
        except DatabaseError as error:
            raise CommandError(
                f"Message not stored: database error ({error}).", returncode=EX_TEMPFAIL
            ) from error
        message = result.message
        if result.created:
            self.stdout.write(f"Stored {message.message_id} on ticket {message.ticket.reference}.")
        else:
            self.stdout.write(f"Already stored: {message.message_id} on ticket {message.ticket.reference}.")
