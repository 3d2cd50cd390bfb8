"""The orders dashboard on the admin index: ``{% orders_dashboard as dashboard %}``."""

from django import template
from django.http import HttpRequest

from orders.dashboard import OrderDashboard, dashboard_get

register = template.Library()


@register.simple_tag(takes_context=True)
def orders_dashboard(context: template.Context) -> OrderDashboard | None:
    """Today's numbers for staff who may see orders; None for everyone else."""
    request: HttpRequest | None = context.get("request")
    if request is None or not request.user.has_perm("orders.view_order"):
        return None
    return dashboard_get()
