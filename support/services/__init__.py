"""Every write path of support: open, ingest, reply, update, release.

One message, one transaction. Files (attachments) are written inside the
transaction's work and deleted again when it fails, so a failure leaves
nothing half-stored. Mail is only ever enqueued here, in the transaction that causes it; ``support.tasks``
sends it.
"""

from support.services._shared import ip_address_hash
from support.services.contact import ticket_open_from_form
from support.services.ingest import IngestResult, ticket_ingest_email
from support.services.staff import message_release, ticket_open_for_customer, ticket_reply, ticket_update

__all__ = [
    "IngestResult",
    "ip_address_hash",
    "message_release",
    "ticket_ingest_email",
    "ticket_open_for_customer",
    "ticket_open_from_form",
    "ticket_reply",
    "ticket_update",
]
