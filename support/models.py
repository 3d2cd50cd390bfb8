"""Support tickets: one thread of messages per customer request."""

import secrets

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from shop.identity import email_canonical
from shop.uploads import private_upload_path

REFERENCE_PREFIX = "T-"
# Ticket ids start here (see the migration), so references look like T-1042 from day one.
FIRST_TICKET_ID = 1001


def ticket_token_generate() -> str:
    """The secret in a ticket's reply address: lowercase hex, as mail servers may fold case."""
    return secrets.token_hex(12)


def attachment_upload_to(instance: "Attachment", filename: str) -> str:
    return private_upload_path("support/attachments", filename)


class Ticket(models.Model):
    """A customer's request: who asked, about what, and where it stands."""

    class Status(models.TextChoices):
        NEW = "new", pgettext_lazy("ticket status", "New")
        OPEN = "open", pgettext_lazy("ticket status", "Open")
        WAITING = "waiting", pgettext_lazy("ticket status", "Waiting on customer")
        CLOSED = "closed", pgettext_lazy("ticket status", "Closed")

    class Source(models.TextChoices):
        WEB = "web", pgettext_lazy("ticket source", "Contact form")
        EMAIL = "email", pgettext_lazy("ticket source", "Email")
        STAFF = "staff", pgettext_lazy("ticket source", "Opened by staff")

    token = models.CharField(
        _("reply token"), max_length=32, unique=True, default=ticket_token_generate, editable=False
    )
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    customer_email = models.EmailField(_("customer email"), max_length=254)
    # Kept in step by save(): tickets are matched to an account by it (shop.identity).
    customer_email_canonical = models.CharField(
        _("canonical customer email"), max_length=254, blank=True, editable=False
    )
    customer_name = models.CharField(_("customer name"), max_length=150, blank=True)
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("customer account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="support_tickets",
    )
    # Other people the customer copied in; their mail counts as the customer's.
    cc_emails = ArrayField(
        models.EmailField(max_length=254), verbose_name=_("CC addresses"), default=list, blank=True
    )
    # Addresses the first email of a ticket copied in: anyone can put anyone in a Cc, so their
    # mail is held until staff add them to the CC addresses (or release a message of theirs).
    cc_pending = ArrayField(
        models.EmailField(max_length=254), verbose_name=_("CC awaiting approval"), default=list, blank=True
    )
    order = models.ForeignKey(
        "orders.Order",
        verbose_name=_("order"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="support_tickets",
    )
    # What the customer typed, linked or not: staff see it, the customer learns nothing from it.
    order_reference = models.CharField(_("order number given"), max_length=32, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.NEW)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
        limit_choices_to={"is_staff": True},
    )
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    language = models.CharField(_("language"), max_length=16, default=settings.LANGUAGE_CODE)
    # A keyed hash of the submitter's IP address (never the address itself), for rate limits.
    source_ip_hash = models.CharField(_("IP hash"), max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_activity_at = models.DateTimeField(_("last activity"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-last_activity_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["new", "open", "waiting", "closed"]),
                name="support_ticket_status_valid",
            ),
        ]
        indexes = [
            models.Index(
                fields=["customer_email_canonical", "created_at"], name="support_ticket_email_created"
            ),
            models.Index(fields=["source_ip_hash", "created_at"], name="support_ticket_ip_created"),
            models.Index(fields=["status", "-last_activity_at"], name="support_ticket_status_activity"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject or gettext('(no subject)')}"

    def save(self, *args, **kwargs) -> None:
        self.customer_email_canonical = email_canonical(self.customer_email)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "customer_email" in update_fields:
            kwargs["update_fields"] = {*update_fields, "customer_email_canonical"}
        super().save(*args, **kwargs)

    @property
    def reference(self) -> str:
        return f"{REFERENCE_PREFIX}{self.pk}"

    @property
    def needs_answer(self) -> bool:
        return self.status in (self.Status.NEW, self.Status.OPEN)

    def sender_is_customer(self, address: str) -> bool:
        """Whether mail from ``address`` may speak for the customer: their address or a known CC."""
        known = {self.customer_email_canonical, *(email_canonical(cc) for cc in self.cc_emails)}
        if self.customer is not None:
            known.add(self.customer.email_canonical)
        return email_canonical(address) in known


class Message(models.Model):
    """One message in a ticket's thread: mail in, mail out, or a staff-only note."""

    class Direction(models.TextChoices):
        INBOUND = "in", pgettext_lazy("message direction", "From the customer")
        OUTBOUND = "out", pgettext_lazy("message direction", "To the customer")
        NOTE = "note", pgettext_lazy("message direction", "Internal note")

    class Delivery(models.TextChoices):
        NONE = "", pgettext_lazy("delivery status", "Not sent")
        QUEUED = "queued", pgettext_lazy("delivery status", "Queued")
        RETRYING = "retrying", pgettext_lazy("delivery status", "Retrying")
        SENT = "sent", pgettext_lazy("delivery status", "Sent")
        FAILED = "failed", pgettext_lazy("delivery status", "Failed")
        BOUNCED = "bounced", pgettext_lazy("delivery status", "Bounced")

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="messages"
    )
    direction = models.CharField(_("direction"), max_length=4, choices=Direction.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The RFC 5322 Message-ID, angle brackets included. Unique: a message is
    # stored once however often it is delivered (ingestion is idempotent).
    message_id = models.CharField(_("Message-ID"), max_length=998, null=True, blank=True, unique=True)
    in_reply_to = models.CharField(_("In-Reply-To"), max_length=998, blank=True)
    references = models.TextField(_("References"), blank=True)
    from_email = models.EmailField(_("from"), max_length=254, blank=True)
    from_name = models.CharField(_("sender name"), max_length=150, blank=True)
    to_emails = ArrayField(models.EmailField(max_length=254), verbose_name=_("to"), default=list, blank=True)
    cc_emails = ArrayField(models.EmailField(max_length=254), verbose_name=_("CC"), default=list, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    # The whole text as received (HTML-only mail converted), and the new part
    # with quoted history trimmed, for display.
    body_text = models.TextField(_("text"), blank=True)
    body_reply = models.TextField(_("reply text"), blank=True)
    # Customer HTML after sanitising; kept for the record, never served as text/html.
    body_html = models.TextField(_("sanitised HTML"), blank=True)
    raw_headers = models.TextField(_("headers"), blank=True)
    is_auto = models.BooleanField(_("automatic"), default=False)
    is_bounce = models.BooleanField(_("bounce"), default=False)
    # Mail from someone who is not the ticket's customer: staff decide.
    is_held = models.BooleanField(_("held for review"), default=False)
    flag_reason = models.CharField(_("why flagged"), max_length=255, blank=True)
    # Attachments that were not kept (too large, not an allowed type), one per line.
    dropped_attachments = models.TextField(_("attachments not kept"), blank=True)
    delivery_status = models.CharField(
        _("delivery"), max_length=16, choices=Delivery.choices, default=Delivery.NONE, blank=True
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="support_message_thread")]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.subject}"

    @property
    def is_customer_reply(self) -> bool:
        return self.direction == self.Direction.INBOUND and not (
            self.is_auto or self.is_bounce or self.is_held
        )

    @property
    def display_text(self) -> str:
        return self.body_reply or self.body_text

    @property
    def has_quoted_text(self) -> bool:
        return bool(self.body_reply) and self.body_reply.strip() != self.body_text.strip()


class Attachment(models.Model):
    """A file that came with a message (or went out with a staff reply)."""

    message = models.ForeignKey(
        Message, verbose_name=_("message"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=attachment_upload_to, max_length=255)
    filename = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    # Set for images shown inside an HTML mail (cid: references).
    content_id = models.CharField(_("Content-ID"), max_length=255, blank=True)
    is_inline = models.BooleanField(_("inline"), default=False)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.filename

    def get_admin_url(self) -> str:
        """Where staff download it: a staff-only view that never serves it as a web page."""
        return reverse("admin:support_ticket_attachment", args=[self.message.ticket_id, self.pk])


class Notification(models.Model):
    """A notice to staff about a ticket (new ticket, customer reply, held mail) and its delivery."""

    class Kind(models.TextChoices):
        NEW_TICKET = "new_ticket", pgettext_lazy("support notification", "New ticket")
        CUSTOMER_REPLY = "customer_reply", pgettext_lazy("support notification", "Customer reply")
        HELD = "held", pgettext_lazy("support notification", "Mail held for review")

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="notifications"
    )
    source_message = models.ForeignKey(
        Message, verbose_name=_("about message"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    to_email = models.EmailField(_("recipient"), max_length=254)
    # Stored before sending, like every outbound Message-ID: mail that comes back threads by it.
    message_id = models.CharField(_("Message-ID"), max_length=998, unique=True)
    delivery_status = models.CharField(
        _("delivery"), max_length=16, choices=Message.Delivery.choices, default=Message.Delivery.QUEUED
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("staff notification")
        verbose_name_plural = _("staff notifications")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} -> {self.to_email}"


class TicketEvent(models.Model):
    """Append-only history of a ticket: who changed what, from which value to which, when."""

    class Kind(models.TextChoices):
        OPENED = "opened", pgettext_lazy("ticket event", "Opened")
        STATUS = "status", pgettext_lazy("ticket event", "Status changed")
        ASSIGNED = "assigned", pgettext_lazy("ticket event", "Assigned")
        CC = "cc", pgettext_lazy("ticket event", "CC addresses changed")
        RELEASED = "released", pgettext_lazy("ticket event", "Held mail accepted")

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    from_value = models.CharField(_("from"), max_length=255, blank=True)
    to_value = models.CharField(_("to"), max_length=255, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind}"

    def _label(self, value: str) -> str:
        if self.kind in (self.Kind.STATUS, self.Kind.OPENED) and value in Ticket.Status.values:
            return str(Ticket.Status(value).label)
        return value

    @property
    def from_label(self) -> str:
        return self._label(self.from_value)

    @property
    def to_label(self) -> str:
        return self._label(self.to_value)
