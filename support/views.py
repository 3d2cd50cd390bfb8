"""The shopper's side of support: the contact form and its thank-you page."""

from email.utils import parseaddr

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from orders.selectors import order_list_for_customer
from support.exceptions import TicketRateLimited
from support.forms import ContactForm
from support.services import ticket_open_from_form

SESSION_KEY = "support_ticket_opened"
CUSTOMER_ORDERS_SHOWN = 50
RATE_LIMITED_MESSAGE = gettext_lazy(
    "You have sent us several messages in a short time. "
    "Please try again later, or reply to one of our emails instead."
)


def _client_ip(request: HttpRequest) -> str:
    # Behind our proxy the client is the last address it appended; anything
    # further left in X-Forwarded-For is whatever the client claimed.
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if settings.SECURE_PROXY_SSL_HEADER and forwarded:
        return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def _contact_form(request: HttpRequest) -> ContactForm:
    user = request.user
    orders = list(order_list_for_customer(user=user)[:CUSTOMER_ORDERS_SHOWN])
    initial = {"email": user.email, "name": user.full_name} if user.is_authenticated else {}
    initial["order_number"] = request.GET.get("order", "").strip().upper()[:32]
    if request.method == "POST":
        return ContactForm(request.POST, request.FILES, orders=orders, initial=initial)
    return ContactForm(orders=orders, initial=initial)


def _form_page(request: HttpRequest, form: ContactForm, status: int = 200) -> HttpResponse:
    context = {"form": form, "support_email": parseaddr(settings.SUPPORT_EMAIL)[1]}
    return render(request, "support/contact_form.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def contact(request: HttpRequest) -> HttpResponse:
    """The contact form: a valid submission opens a ticket and goes on to the thank-you page."""
    form = _contact_form(request)
    if request.method == "GET":
        return _form_page(request, form)
    if not form.is_valid():
        return _form_page(request, form, status=400)
    data = form.cleaned_data
    try:
        ticket = ticket_open_from_form(
            email=data["email"],
            name=data["name"],
            subject=data["subject"],
            body=data["message"],
            order_number=data["order_number"],
            attachments=data["attachments"],
            user=request.user,
            ip_address=_client_ip(request),
            language=get_language(),
        )
    except TicketRateLimited:
        form.add_error(None, RATE_LIMITED_MESSAGE)
        return _form_page(request, form, status=429)
    request.session[SESSION_KEY] = {"reference": ticket.reference, "email": ticket.customer_email}
    return redirect("support:thanks")


@never_cache
@require_GET
def thanks(request: HttpRequest) -> HttpResponse:
    """Confirms the ticket just opened in this session, with its reference; else back to the form."""
    opened = request.session.get(SESSION_KEY)
    if not opened:
        return redirect("support:contact")
    return render(
        request, "support/contact_thanks.html", {"reference": opened["reference"], "email": opened["email"]}
    )
