"""Write paths of the catalogue."""

from django.db import transaction
from django.db.models import F

from catalog.models import CatalogRevision

CATALOG_REVISION_PK = 1


def _catalog_revision_bump() -> None:
    CatalogRevision.objects.filter(pk=CATALOG_REVISION_PK).update(number=F("number") + 1)


def catalog_mark_changed() -> None:
    """Invalidate every cached catalogue page once the current transaction commits.

    Bumping after commit, in its own statement, means no checkout or admin
    transaction ever waits on the revision row, and no reader can cache old
    data under the new revision.
    """
    transaction.on_commit(_catalog_revision_bump)
