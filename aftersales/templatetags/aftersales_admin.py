"""After-sales on the admin index's dashboard: ``{% after_sales_to_review as count %}``."""

from django import template
from django.http import HttpRequest

from aftersales.selectors import request_to_review_count

register = template.Library()


@register.simple_tag(takes_context=True)
def after_sales_to_review(context: template.Context) -> int | None:
    """Requests waiting for staff's review, for staff who may see requests; None for everyone else."""
    request: HttpRequest | None = context.get("request")
    if request is None or not request.user.has_perm("aftersales.view_aftersalesrequest"):
        return None
    return request_to_review_count()
