"""Two deliveries of one message at once: the unique Message-ID settles it."""

import pytest

from support.models import Attachment, Message, Ticket
from support.services import ticket_ingest_email
from tests.helpers import run_together
from tests.support.helpers import eml


@pytest.mark.django_db(transaction=True)
def test_the_same_message_ingested_twice_at_once_is_stored_once_with_no_stray_files(settings):
    raw = eml("attachments.eml")

    def deliver() -> str:
        return "stored" if ticket_ingest_email(raw=raw).created else "duplicate"

    outcomes = run_together(deliver, deliver)

    assert sorted(outcomes) == ["duplicate", "stored"]
    assert Ticket.objects.count() == 1
    assert Message.objects.filter(message_id="<attach-20250311100000@example.com>").count() == 1
    on_disk = sorted(path.name for path in (settings.MEDIA_ROOT / "support").rglob("*") if path.is_file())
    in_database = sorted(
        name.rsplit("/", 1)[-1] for name in Attachment.objects.values_list("file", flat=True)
    )
    assert on_disk == in_database
    assert len(on_disk) == 2
