"""Custom views of the after-sales admin: the steps as small forms, the customer's photos, the report.

Every view is wrapped by ``admin_site.admin_view`` (staff only) and checks permissions
itself: steps need ``aftersales.change_aftersalesrequest`` (a refund also
``orders.refund_order``), photos and the report the view permission. A step's GET shows
its form; its POST calls one service. A refusal by the service (the request moved on,
the gateway said no, the exchange is out of stock) is an error message on the request
page and changes nothing.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from aftersales.admin.forms import (
    ApproveForm,
    CloseForm,
    ExchangeSendForm,
    ReceiveForm,
    RefundForm,
    RejectForm,
    ReturnReportForm,
    StepForm,
    TicketOpenForm,
)
from aftersales.exceptions import AfterSalesError
from aftersales.models import AfterSalesRequest
from aftersales.photos import photo_file_response
from aftersales.selectors import refunds_outside_after_sales, return_report
from aftersales.services import (
    after_sales_approve,
    after_sales_close,
    after_sales_exchange_send,
    after_sales_receive,
    after_sales_refund,
    after_sales_reject,
    after_sales_ticket_open,
    refund_quote,
)
from orders.admin.views import REFUND_PERMISSION
from payments.selectors import order_payment_paid_get
from shop.money import format_money

CHANGE_PERMISSION = "aftersales.change_aftersalesrequest"
Status = AfterSalesRequest.Status
# Image types the customer's upload was checked to be by its bytes: shown inline, anything else downloads.


@dataclass(frozen=True)
class Step:
    """A staff step: when it makes sense, its form, the service call and what the admin says."""

    label: Promise
    form: type[StepForm]
    available: Callable[[AfterSalesRequest], bool]
    run: Callable[[AfterSalesRequest, object, dict], AfterSalesRequest]
    done: Promise  # %(number)s is the request number
    moves_money: bool = False
    dangerous: bool = False
    # Money is decided in this state too (closing a request whose refund is due refunds nothing).
    money_when: Callable[[AfterSalesRequest], bool] | None = None
    # A further permission the step needs, and whether it changes the request as staff's work on it.
    permission: str = ""
    needs_change: bool = True

    def allowed_for(self, user, request: AfterSalesRequest) -> bool:
        if self.permission and not user.has_perm(self.permission):
            return False
        if self.needs_change and not user.has_perm(CHANGE_PERMISSION):
            return False
        money = self.moves_money or (self.money_when is not None and self.money_when(request))
        return not money or user.has_perm(REFUND_PERMISSION)


STEPS: dict[str, Step] = {
    "approve": Step(
        label=_("Approve"),
        form=ApproveForm,
        available=lambda request: request.status == Status.REQUESTED,
        run=lambda request, actor, data: after_sales_approve(
            request=request,
            actor=actor,
            return_address=data.get("return_address", ""),
            return_instructions=data.get("return_instructions", ""),
            note=data["note"],
        ),
        done=_("Request %(number)s is approved; the customer is told."),
    ),
    "reject": Step(
        label=_("Reject"),
        form=RejectForm,
        available=lambda request: request.status == Status.REQUESTED,
        run=lambda request, actor, data: after_sales_reject(
            request=request, actor=actor, reason=data["reason"]
        ),
        done=_("Request %(number)s is rejected; the customer is told why."),
        dangerous=True,
    ),
    "receive": Step(
        label=_("Mark received"),
        form=ReceiveForm,
        available=lambda request: (
            request.needs_goods_back and request.status in (Status.APPROVED, Status.RETURNING)
        ),
        run=lambda request, actor, data: after_sales_receive(
            request=request, actor=actor, restock=data["restock"], note=data["note"]
        ),
        done=_("The goods of request %(number)s are received and restocked as entered."),
    ),
    "refund": Step(
        label=_("Refund"),
        form=RefundForm,
        available=lambda request: request.refund_due,
        run=lambda request, actor, data: after_sales_refund(
            request=request,
            actor=actor,
            include_shipping=data["include_shipping"],
            reference=data.get("reference", ""),
            note=data["note"],
        ),
        done=_("Request %(number)s: %(amount)s refunded."),
        moves_money=True,
    ),
    "exchange": Step(
        label=_("Send the replacement"),
        form=ExchangeSendForm,
        available=lambda request: (
            request.kind == AfterSalesRequest.Kind.EXCHANGE and request.status == Status.RECEIVED
        ),
        run=lambda request, actor, data: after_sales_exchange_send(
            request=request,
            actor=actor,
            carrier=data["carrier_name"],
            tracking_number=data["tracking_number"],
            note=data["note"],
        ),
        done=_("The replacement of request %(number)s is sent; the customer is told."),
    ),
    "close": Step(
        label=_("Close"),
        form=CloseForm,
        available=lambda request: not request.is_final and request.status != Status.REFUNDING,
        run=lambda request, actor, data: after_sales_close(request=request, actor=actor, note=data["note"]),
        done=_("Request %(number)s is closed."),
        dangerous=True,
        money_when=lambda request: request.refund_due,
    ),
    "ticket": Step(
        label=_("Open a support ticket"),
        form=TicketOpenForm,
        available=lambda request: request.ticket_id is None,
        run=lambda request, actor, data: after_sales_ticket_open(
            request=request, actor=actor, body=data["body"]
        ),
        done=_("A support ticket about request %(number)s is open; the customer has your message."),
        # Whoever answers tickets may open one; the ticket is theirs to follow.
        permission="support.add_ticket",
        needs_change=False,
    ),
}


def step_list(*, request: AfterSalesRequest, user) -> list[tuple[str, Step]]:
    """The steps that make sense for the request now and that ``user`` may take."""
    return [
        (key, step)
        for key, step in STEPS.items()
        if step.available(request) and step.allowed_for(user, request)
    ]


def _change_url(request: AfterSalesRequest) -> str:
    return reverse("admin:aftersales_aftersalesrequest_change", args=[request.pk])


def _request_get(
    http: HttpRequest, model_admin: admin.ModelAdmin, object_id: str, *, change: bool
) -> AfterSalesRequest:
    """The request for a custom view, after the permission check (before it, so nothing is revealed)."""
    allowed = model_admin.has_change_permission if change else model_admin.has_view_permission
    if not allowed(http):
        raise PermissionDenied
    found = model_admin.get_object(http, unquote(object_id))
    if found is None:
        raise Http404(gettext("There is no after-sales request with this ID."))
    return found


def _page(
    http: HttpRequest, model_admin: admin.ModelAdmin, template: str, title: str, status: int = 200, **context
):
    context = {
        **model_admin.admin_site.each_context(http),
        "opts": model_admin.model._meta,
        "title": title,
        **context,
    }
    return TemplateResponse(http, f"admin/aftersales/aftersalesrequest/{template}", context, status=status)


def _form_for(step: Step, http: HttpRequest, request: AfterSalesRequest) -> StepForm:
    data = http.POST if http.method == "POST" else None
    if step.form is RefundForm:
        return RefundForm(
            data, request=request, online=order_payment_paid_get(order=request.order) is not None
        )
    return step.form(data, request=request)


def _cleaned(form: StepForm) -> dict:
    data = dict(form.cleaned_data)
    if isinstance(form, ReceiveForm):
        data["restock"] = form.restock()
    return data


def _refund_outcome(http: HttpRequest, model_admin: admin.ModelAdmin, request: AfterSalesRequest) -> None:
    """Say what the gateway (or the hand-recorded refund) did."""
    values = {"number": request.number, "amount": format_money(request.refund_amount or 0)}
    if request.status == Status.REFUNDED:
        model_admin.message_user(http, STEPS["refund"].done % values, messages.SUCCESS)
    elif request.status == Status.REFUNDING:
        pending = gettext("Request %(number)s: the gateway is processing the refund of %(amount)s.")
        model_admin.message_user(http, pending % values, messages.WARNING)
    else:
        last = request.events.order_by("-created_at", "-id").first()
        model_admin.message_user(http, last.note if last else gettext("The refund failed."), messages.ERROR)


def after_sales_step_view(
    http: HttpRequest, *, model_admin: admin.ModelAdmin, object_id: str, step_key: str
) -> HttpResponse:
    """GET: the step's form, filled with what fits; POST: take the step through its service."""
    step = STEPS.get(step_key)
    if step is None:
        raise Http404(gettext("Unknown after-sales step."))
    request = _request_get(http, model_admin, object_id, change=False)
    if not step.allowed_for(http.user, request):
        raise PermissionDenied
    if http.method == "GET" and not step.available(request):
        model_admin.message_user(
            http, gettext("This step does not fit the request as it is now."), messages.ERROR
        )
        return redirect(_change_url(request))
    form = _form_for(step, http, request)
    if form.is_valid():
        try:
            result = step.run(request, http.user, _cleaned(form))
        except AfterSalesError as error:
            model_admin.message_user(http, str(error), messages.ERROR)
        else:
            if step.moves_money:
                _refund_outcome(http, model_admin, result)
            else:
                model_admin.message_user(http, step.done % {"number": request.number}, messages.SUCCESS)
        return redirect(_change_url(request))
    context = {"request_obj": request, "form": form, "step": step, "step_key": step_key}
    if step.moves_money:
        context["quote"] = refund_quote(request=request)
        context["quote_with_shipping"] = refund_quote(request=request, include_shipping=True)
        context["refunds_elsewhere"] = refunds_outside_after_sales(order=request.order)
        context["quote_rows"] = [
            (line, context["quote"].lines.get(line.pk, 0))
            for line in request.lines.select_related("order_line")
        ]
    title = gettext("%(step)s: request %(number)s") % {"step": step.label, "number": request.number}
    return _page(http, model_admin, "step_form.html", title, status=400 if form.is_bound else 200, **context)


def after_sales_photo_view(
    http: HttpRequest, *, model_admin: admin.ModelAdmin, object_id: str, photo_id: int
) -> HttpResponse:
    """One of the customer's photos, served from private storage to staff who may see the request."""
    request = _request_get(http, model_admin, object_id, change=False)
    photo = request.photos.filter(pk=photo_id).first()
    if photo is None:
        raise Http404(gettext("There is no such photo."))
    return photo_file_response(photo)


def after_sales_report_view(http: HttpRequest, *, model_admin: admin.ModelAdmin) -> TemplateResponse:
    """Per product over a range of days: units sold, units asked back, the rate and the reasons.

    For staff who may see requests. Bad dates show the form's errors with a 400.
    """
    if not model_admin.has_view_permission(http):
        raise PermissionDenied
    form = ReturnReportForm(http.GET)
    rows = None
    if form.is_valid():
        start, end = form.period()
        rows = return_report(start=start, end=end)
    return _page(
        http,
        model_admin,
        "report.html",
        gettext("Returns report"),
        form=form,
        rows=rows,
        status=200 if rows is not None else 400,
    )
