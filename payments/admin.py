"""Payments in the admin: read-only records; refunds go through payments.services."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from orders.admin.inlines import ORDER_VIEW_PERMISSIONS
from orders.admin.order import order_admin_inline_add
from orders.admin.views import REFUND_PERMISSION
from payments.forms import RefundForm
from payments.models import Payment, PaymentEvent, Refund
from payments.services import RefundNotAllowed, payment_refund
from shop.admin_readonly import ReadOnlyInline, ReadOnlyModelAdmin
from shop.money import format_money


class PaymentInline(ReadOnlyInline):
    """The order's online payment attempts, on the order page."""

    model = Payment
    view_permissions = ORDER_VIEW_PERMISSIONS
    fields = [
        "payment_link",
        "provider",
        "channel",
        "status",
        "amount",
        "amount_refunded",
        "surplus",
        "paid_at",
    ]
    verbose_name_plural = _("online payments")

    @admin.display(description=pgettext_lazy("payment", "reference"))
    def payment_link(self, payment: Payment) -> str:
        url = reverse("admin:payments_payment_change", args=[payment.pk])
        return format_html('<a href="{}">{}</a>', url, payment.reference)


# Whoever may see an order sees its payments on the order page, between its items and its history.
order_admin_inline_add(PaymentInline)


class RefundInline(ReadOnlyInline):
    model = Refund
    fields = ["reference", "amount", "status", "reason", "actor", "error", "created_at", "completed_at"]


class PaymentEventInline(ReadOnlyInline):
    model = PaymentEvent
    fk_name = "payment"
    fields = [
        "created_at",
        "kind",
        "verdict",
        "reason",
        "event_id",
        "status",
        "amount",
        "currency",
        "payload",
    ]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyModelAdmin):
    """Every attempt to pay online, its refunds and everything its gateway said."""

    list_display = [
        "reference",
        "order",
        "provider",
        "status",
        "amount",
        "amount_refunded",
        "surplus",
        "created_at",
    ]
    list_filter = ["provider", "status", "surplus"]
    search_fields = ["reference", "gateway_reference", "order__number", "order__email"]
    list_select_related = ["order"]
    date_hierarchy = "created_at"
    inlines = [RefundInline, PaymentEventInline]
    readonly_fields = [
        "order",
        "provider",
        "channel",
        "reference",
        "gateway_reference",
        "amount",
        "currency",
        "status",
        "amount_refunded",
        "surplus",
        "expires_at",
        "paid_at",
        "checked_at",
        "created_at",
        "updated_at",
    ]
    fields = readonly_fields
    change_form_template = "admin/payments/payment/change_form.html"

    def get_urls(self):
        refund = self.admin_site.admin_view(self.refund_view)
        return [path("<path:object_id>/refund/", refund, name="payments_payment_refund"), *super().get_urls()]

    def has_refund_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("payments.view_payment") and request.user.has_perm(REFUND_PERMISSION)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["can_refund"] = (
            obj is not None and obj.refundable_amount > 0 and self.has_refund_permission(request)
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def refund_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """GET: the refund form (amount, items returned, reason); POST: refund through the gateway.

        A POST with ``lines_amount`` ("Work out the amount") refunds nothing: it shows the
        form again with the amount paid for the items ticked.
        """
        if not self.has_refund_permission(request):
            raise PermissionDenied
        payment = self.get_object(request, unquote(object_id))
        if payment is None:
            raise Http404(gettext("There is no payment with this ID."))
        change_url = reverse("admin:payments_payment_change", args=[payment.pk])
        form = RefundForm(
            request.POST if request.method == "POST" else None,
            refundable=payment.refundable_amount,
            lines=list(payment.order.lines.all()),
        )
        if "lines_amount" in request.POST:
            form = form.with_lines_amount()
        elif form.is_valid():
            self._refund(request, payment, form)
            return redirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Refund payment %(reference)s") % {"reference": payment.reference},
            "payment": payment,
            "refundable": format_money(payment.refundable_amount),
            "form": form,
            "change_url": change_url,
        }
        return TemplateResponse(
            request, "admin/payments/payment/refund_form.html", context, status=400 if form.errors else 200
        )

    def _refund(self, request: HttpRequest, payment: Payment, form: RefundForm) -> None:
        try:
            refund = payment_refund(
                payment=payment,
                amount=form.cleaned_data["amount"],
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
        except RefundNotAllowed as error:
            self.message_user(request, error.message, messages.ERROR)
            return
        values = {"amount": format_money(refund.amount), "reference": refund.reference}
        if refund.status == Refund.Status.SUCCEEDED:
            self.message_user(
                request, gettext("%(amount)s refunded (%(reference)s).") % values, messages.SUCCESS
            )
        elif refund.status == Refund.Status.PENDING:
            self.message_user(
                request,
                gettext("Refund %(reference)s of %(amount)s is being processed by the gateway.") % values,
                messages.WARNING,
            )
        else:
            values["error"] = refund.error
            self.message_user(
                request,
                gettext("The gateway refused refund %(reference)s: %(error)s") % values,
                messages.ERROR,
            )


@admin.register(PaymentEvent)
class PaymentEventAdmin(ReadOnlyModelAdmin):
    """Every notification and query, refused ones included: where forged or replayed calls show up."""

    list_display = ["created_at", "provider", "kind", "verdict", "reason", "payment", "amount", "currency"]
    list_filter = ["provider", "kind", "verdict"]
    search_fields = ["event_id", "payment__reference", "payment__order__number", "reason"]
    list_select_related = ["payment"]
    date_hierarchy = "created_at"
