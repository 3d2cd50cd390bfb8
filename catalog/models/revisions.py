"""What cached catalogue pages are keyed by: the revision number and the moments it moves by itself."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CatalogRevision(models.Model):
    """One row whose number changes with every catalogue change.

    Cached catalogue pages are keyed by it, so any web process sees an edit at
    once without sharing memory (docs/architecture.md, "Page caching and invalidation").
    """

    number = models.BigIntegerField(default=1)

    class Meta:
        verbose_name = _("catalogue revision")

    def __str__(self) -> str:
        return str(self.number)


class CatalogScheduledChange(models.Model):
    """A moment at which cached catalogue pages change by themselves: a sale starts or ends.

    Each ``source`` (a variant's sale, a promotion of a higher app) keeps its
    own future moments here through ``catalog_schedule_set``. The revision
    query counts the moments passed, so every cache key changes the instant
    one passes, with no save and no job; passed rows are then folded into the
    revision (docs/architecture.md, "Page caching and invalidation").
    """

    at = models.DateTimeField(_("at"))
    source = models.CharField(_("source"), max_length=100)

    class Meta:
        verbose_name = _("scheduled catalogue change")
        verbose_name_plural = _("scheduled catalogue changes")
        constraints = [
            # Also the index that replacing one source's moments uses.
            models.UniqueConstraint(fields=["source", "at"], name="catalog_scheduled_change_unique"),
        ]
        indexes = [
            # Every storefront request counts the passed rows and finds the next one.
            models.Index(fields=["at"], name="catalog_scheduled_change_at"),
        ]

    def __str__(self) -> str:
        return f"{self.source} @ {self.at.isoformat()}"
