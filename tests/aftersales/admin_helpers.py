"""Helpers of the after-sales admin tests: URLs, staff with chosen permissions, messages, state."""

from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.db.models import Q
from django.urls import reverse

from aftersales.models import AfterSalesRequest
from tests.factories import UserFactory
from tests.helpers import staff_login


def change_url(request: AfterSalesRequest) -> str:
    return reverse("admin:aftersales_aftersalesrequest_change", args=[request.pk])


def step_url(request: AfterSalesRequest, step: str) -> str:
    return reverse("admin:aftersales_aftersalesrequest_step", args=[request.pk, step])


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def staff_with(client, *permissions: str):
    """A staff member (not a superuser) holding only these "app.codename" permissions, signed in."""
    user = UserFactory(is_staff=True)
    wanted = Q(pk__in=[])
    for permission in permissions:
        app_label, codename = permission.split(".")
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    user.user_permissions.set(Permission.objects.filter(wanted))
    staff_login(client, user)
    return user


def state(request: AfterSalesRequest) -> tuple:
    """What a refused step must leave unchanged: status, events, the order's emails."""
    request.refresh_from_db()
    return (request.status, request.events.count(), request.order.emails.count(), request.refund_amount)
