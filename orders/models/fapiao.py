"""A customer's request for a fapiao (发票, the Chinese tax invoice) for an order, and its issue."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from orders.models.orders import Order


def fapiao_upload_to(instance: "FapiaoRequest", filename: str) -> str:
    # A folder outside MEDIA_PUBLIC_PREFIXES (never served as media) and an unguessable name.
    return f"fapiao/{secrets.token_hex(16)}.pdf"


class FapiaoRequest(models.Model):
    """One order's fapiao: who it is made out to, where it is emailed, and once issued its number and PDF."""

    class Kind(models.TextChoices):
        PERSONAL = "personal", pgettext_lazy("fapiao kind", "Personal")
        COMPANY = "company", pgettext_lazy("fapiao kind", "Company")

    class Status(models.TextChoices):
        REQUESTED = "requested", pgettext_lazy("fapiao status", "Requested")
        ISSUED = "issued", pgettext_lazy("fapiao status", "Issued")

    order = models.OneToOneField(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="fapiao"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.PERSONAL)
    # A person's name, or the company's title (抬头) exactly as registered.
    title = models.CharField(_("name or company title"), max_length=150)
    # The company's unified social credit code (税号), normalised; empty for a person.
    tax_number = models.CharField(_("taxpayer identification number"), max_length=18, blank=True)
    email = models.EmailField(_("email for the electronic fapiao"), max_length=254)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.REQUESTED)
    number = models.CharField(_("fapiao number"), max_length=32, blank=True)
    pdf = models.FileField(_("fapiao PDF"), upload_to=fapiao_upload_to, max_length=255, blank=True)
    requested_at = models.DateTimeField(_("requested at"))
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("fapiao request")
        verbose_name_plural = _("fapiao requests")
        ordering = ["requested_at", "id"]
        indexes = [models.Index(fields=["status", "requested_at"], name="orders_fapiao_status")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="personal") & Q(tax_number=""))
                | (Q(kind="company") & Q(tax_number__regex=r"^[0-9A-HJ-NP-RT-UW-Y]{18}$")),
                name="orders_fapiao_tax_number_by_kind",
            ),
            models.CheckConstraint(condition=~Q(title=""), name="orders_fapiao_title_set"),
            models.CheckConstraint(
                condition=Q(status="requested", issued_at__isnull=True, number="", pdf="")
                | (Q(status="issued", issued_at__isnull=False) & (~Q(number="") | ~Q(pdf=""))),
                name="orders_fapiao_issued_complete",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_issued(self) -> bool:
        return self.status == self.Status.ISSUED
