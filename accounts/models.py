"""Rows of the accounts app: the address book, and the links through which staff set up two-factor sign-in."""

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shop.addresses import PostalAddress

# How many addresses one customer may keep; more is refused with a message.
ADDRESS_BOOK_LIMIT = 20
RECIPIENT_NAME_MAX_LENGTH = 150


class TwoFactorSetupLink(models.Model):
    """One link that lets one staff member set up an authenticator, once, before it expires.

    The link's token is signed (accounts/tokens.py) and names this row; the row decides
    whether it still works. Issuing a new link for the same person revokes the older ones,
    and confirming an authenticator revokes whatever is left.
    """

    class Origin(models.TextChoices):
        ADMIN = "admin", _("Sent by a superuser")
        COMMAND = "command", _("Printed by the server's operator")
        REPLACEMENT = "replacement", _("Replacing an authenticator after a verified sign-in")

    class State(models.TextChoices):
        USABLE = "usable", _("Usable")
        USED = "used", _("Used")
        REVOKED = "revoked", _("Replaced by a newer link")
        EXPIRED = "expired", _("Expired")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="two_factor_setup_links"
    )
    # Empty for links printed by the operator's command.
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    origin = models.CharField(max_length=16, choices=Origin.choices)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("two-factor set-up link")
        verbose_name_plural = _("two-factor set-up links")
        indexes = [
            models.Index(
                fields=["user"],
                name="twofactorlink_open_idx",
                condition=models.Q(used_at__isnull=True, revoked_at__isnull=True),
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")), name="twofactorlink_expires_later"
            ),
            models.CheckConstraint(
                condition=models.Q(used_at__isnull=True) | models.Q(revoked_at__isnull=True),
                name="twofactorlink_used_or_revoked",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.created_at:%Y-%m-%d %H:%M}"

    def state(self, *, now: datetime) -> "TwoFactorSetupLink.State":
        """What the link is at ``now``: usable, used, revoked or expired."""
        if self.used_at is not None:
            return self.State.USED
        if self.revoked_at is not None:
            return self.State.REVOKED
        if self.expires_at <= now:
            return self.State.EXPIRED
        return self.State.USABLE


class SavedAddress(PostalAddress):
    """One address in a customer's address book: who receives the parcel, their phone, where it goes.

    A customer who has any addresses has exactly one default (the partial unique constraint
    allows at most one; accounts.services keeps one, under a lock of the customer's row).
    Orders never point here: an order snapshots the address it ships to.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="saved_addresses",
    )
    # Blank only in addresses copied from a profile that had no name.
    recipient_name = models.CharField(_("recipient"), max_length=RECIPIENT_NAME_MAX_LENGTH, blank=True)
    is_default = models.BooleanField(_("default"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("saved address")
        verbose_name_plural = _("saved addresses")
        # The default first, then the newest.
        ordering = ["-is_default", "-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="savedaddress_user_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(is_default=True), name="savedaddress_one_default"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_name} {self.city} {self.address_line1}".strip()
