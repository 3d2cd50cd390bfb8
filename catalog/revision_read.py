"""The catalogue revision read: what cached catalogue pages are keyed by and priced at."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import connection

from catalog.revision import revision_generation, revision_held, revision_keep
from catalog.services import CATALOG_REVISION_PK

# The revision, how many scheduled changes have passed since it last changed, the next one to
# come and the database's clock, in one call of a function that keeps its plans (migration
# catalog 0007): about half the cost of the same reads as one plain query.
_REVISION_SQL = "SELECT number, passed, next_change, moment FROM catalog_revision_read(%s)"


@dataclass(frozen=True)
class CatalogRevisionRead:
    """What cached catalogue pages are keyed by and priced at, as read at one moment.

    ``number`` changes with every saved change; ``passed`` counts the
    scheduled changes (sales starting or ending) that have passed since, so
    ``key`` changes the instant one passes. Pages are built as at ``moment``
    (the database's clock when this was read), so everything stored under a
    key shows the prices of that key. ``next_change`` is the next scheduled
    change, or None.
    """

    number: int
    passed: int
    moment: datetime
    next_change: datetime | None = None

    @property
    def key(self) -> str:
        return f"{self.number}.{self.passed}"


def catalog_revision() -> CatalogRevisionRead | None:
    """The catalogue revision with the scheduled changes passed; ``None`` without the row.

    One query, or none while this process holds a revision it was told is current.

    Callers must not cache anything when this is ``None``: without the row no
    change would ever invalidate the cache.
    """
    # No query while this process's listener is connected and nothing changed since the
    # last read (catalog/revision.py); the read is the same either way.
    held = revision_held()
    if held is not None:
        return held
    generation = revision_generation()
    # Every storefront request without the listener runs this, so it skips the ORM's
    # query compiler (about half the cost of a warm page's only query).
    with connection.cursor() as cursor:
        cursor.execute(_REVISION_SQL, [CATALOG_REVISION_PK])
        row = cursor.fetchone()
    if row is None or row[0] is None:
        return None
    number, passed, next_change, moment = row
    read = CatalogRevisionRead(number=number, passed=passed, moment=moment, next_change=next_change)
    revision_keep(read, generation)
    return read
