"""Staff side of support: the ticket list, and a ticket page with its thread and a reply box.

The ticket page is a custom change view: every write goes through a service
(``ticket_reply``, ``ticket_update``, ``message_release``), each its own
transaction, outside the admin's per-request transaction. Customer HTML is
never rendered: the page shows the text version, escaped.
"""

import re

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shop.uploads import private_file_response
from support.exceptions import MessageNotHeld
from support.forms import StaffReplyForm
from support.inbound import attachment_signature_ok
from support.models import Attachment, Message, Notification, Ticket
from support.selectors import ticket_get_for_staff, ticket_list_for_staff
from support.services import message_release, ticket_reply, ticket_update

# Served inline (shown in the browser) only when the bytes really are such an image.
INLINE_IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
_REFERENCE_SEARCH = re.compile(r"\s*T-?(\d{1,18})\s*", re.IGNORECASE)


class UnansweredFilter(admin.SimpleListFilter):
    title = _("answer")
    parameter_name = "unanswered"

    def lookups(self, request, model_admin):
        return [("yes", _("Unanswered")), ("no", _("Answered or closed"))]

    def queryset(self, request, queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
        waiting_for_us = [Ticket.Status.NEW, Ticket.Status.OPEN]
        if self.value() == "yes":
            return queryset.filter(status__in=waiting_for_us)
        if self.value() == "no":
            return queryset.exclude(status__in=waiting_for_us)
        return queryset


class HeldMailFilter(admin.SimpleListFilter):
    title = _("held mail")
    parameter_name = "held"

    def lookups(self, request, model_admin):
        return [("yes", _("Has held mail"))]

    def queryset(self, request, queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
        if self.value() == "yes":
            held = Message.objects.filter(ticket=OuterRef("pk"), is_held=True)
            return queryset.filter(Exists(held))
        return queryset


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = [
        "reference_display",
        "subject_display",
        "customer_email",
        "status",
        "assignee",
        "last_activity_at",
        "held_display",
    ]
    list_display_links = ["reference_display", "subject_display"]
    list_filter = [
        UnansweredFilter,
        "status",
        ("assignee", admin.RelatedOnlyFieldListFilter),
        HeldMailFilter,
        "source",
    ]
    search_fields = ["customer_email", "customer_name", "subject", "order__number"]
    search_help_text = _("Search by reference (T-1042), email address, subject or order number.")
    ordering = ["-last_activity_at", "-id"]
    list_per_page = 50
    change_form_template = "support/admin/ticket_change.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Ticket]:
        return ticket_list_for_staff()

    @admin.display(description=_("reference"), ordering="id")
    def reference_display(self, ticket: Ticket) -> str:
        return ticket.reference

    @admin.display(description=_("subject"), ordering="subject")
    def subject_display(self, ticket: Ticket) -> str:
        return ticket.subject or gettext("(no subject)")

    @admin.display(description=_("held mail"))
    def held_display(self, ticket: Ticket) -> str:
        return str(ticket.held_count) if getattr(ticket, "held_count", 0) else ""

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[Ticket], search_term: str):
        match = _REFERENCE_SEARCH.fullmatch(search_term)
        if match:
            return queryset.filter(pk=int(match.group(1))), False
        return super().get_search_results(request, queryset, search_term)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:ticket_id>/attachments/<int:attachment_id>/",
                wrap(self.attachment_view),
                name="support_ticket_attachment",
            ),
            path(
                "<int:ticket_id>/messages/<int:message_id>/release/",
                wrap(self.release_view),
                name="support_ticket_release",
            ),
            *super().get_urls(),
        ]

    # The ticket page

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        ticket = ticket_get_for_staff(ticket_id=int(object_id)) if object_id.isdigit() else None
        if ticket is None:
            raise Http404(gettext("No such ticket."))
        if not self.has_view_or_change_permission(request, ticket):
            raise PermissionDenied
        status = 200
        if request.method == "POST":
            if not self.has_change_permission(request, ticket):
                raise PermissionDenied
            form = StaffReplyForm(request.POST, request.FILES, ticket=ticket)
            if form.is_valid():
                self._respond(request, ticket, form)
                return redirect(request.path)
            status = 400
        else:
            form = StaffReplyForm(ticket=ticket)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "title": f"{ticket.reference} · {ticket.subject or gettext('(no subject)')}",
            "ticket": ticket,
            "original": ticket,
            "thread": list(ticket.messages.all()),
            "events": list(ticket.events.all()),
            "form": form,
            "order_admin_url": _order_admin_url(ticket),
            "has_change_permission": self.has_change_permission(request, ticket),
            **(extra_context or {}),
        }
        return TemplateResponse(request, self.change_form_template, context, status=status)

    def _respond(self, request: HttpRequest, ticket: Ticket, form: StaffReplyForm) -> None:
        data = form.cleaned_data
        if data["body"].strip() or data["attachments"]:
            ticket_reply(
                ticket=ticket,
                author=request.user,
                body=data["body"],
                internal=data["internal"],
                attachments=data["attachments"],
            )
            if data["internal"]:
                messages.success(request, gettext("The internal note was added."))
            else:
                messages.success(request, gettext("Your reply was saved and is being sent to the customer."))
        changes = {"cc_emails": data["cc_emails"]}
        if data["status"] != form.initial["status"]:
            changes["status"] = data["status"]
        assignee = data["assignee"]
        if (assignee.pk if assignee else None) != form.initial["assignee"]:
            changes["assignee"] = assignee
        ticket_update(ticket=ticket, actor=request.user, **changes)

    def release_view(self, request: HttpRequest, ticket_id: int, message_id: int) -> HttpResponse:
        """Accept a held message (POST): its sender becomes a known CC of the ticket."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        message = Message.objects.filter(pk=message_id, ticket_id=ticket_id).select_related("ticket").first()
        if message is None:
            raise Http404(gettext("No such message."))
        if not self.has_change_permission(request, message.ticket):
            raise PermissionDenied
        try:
            message_release(message=message, actor=request.user)
        except MessageNotHeld:
            messages.warning(request, gettext("This message is not held."))
        else:
            messages.success(
                request,
                gettext("The message was accepted; mail from %(sender)s now counts as the customer's.")
                % {"sender": message.from_email},
            )
        return redirect("admin:support_ticket_change", ticket_id)

    def attachment_view(self, request: HttpRequest, ticket_id: int, attachment_id: int) -> HttpResponse:
        """Staff download a file: images whose bytes are images are shown, everything else is a download."""
        attachment = (
            Attachment.objects.select_related("message__ticket")
            .filter(pk=attachment_id, message__ticket_id=ticket_id)
            .first()
        )
        if attachment is None:
            raise Http404(gettext("No such attachment."))
        if not self.has_view_or_change_permission(request, attachment.message.ticket):
            raise PermissionDenied
        try:
            handle = attachment.file.open("rb")
        except OSError as error:
            raise Http404(gettext("The file is missing from storage.")) from error
        head = handle.read(16)
        handle.seek(0)
        inline = attachment.content_type in INLINE_IMAGE_TYPES and attachment_signature_ok(
            filename=attachment.filename, head=head
        )
        return private_file_response(
            handle,
            filename=attachment.filename,
            content_type=attachment.content_type if inline else "application/octet-stream",
            inline=inline,
        )


def _order_admin_url(ticket: Ticket) -> str:
    # The orders admin may not register orders; the page then shows the number only.
    if ticket.order_id is None:
        return ""
    try:
        return reverse("admin:orders_order_change", args=[ticket.order_id])
    except NoReverseMatch:
        return ""


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Read-only: which staff notices were sent, are retrying or failed, and why."""

    list_display = ["created_at", "kind", "ticket", "to_email", "delivery_status", "attempts", "sent_at"]
    list_filter = ["delivery_status", "kind"]
    search_fields = ["to_email", "message_id"]
    list_select_related = ["ticket"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
