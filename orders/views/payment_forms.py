"""What the shopper's pages share: the payment methods' origins their forms may post to."""

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse

from orders.payment_methods import payment_form_action_origins


def allows_payment_forms(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """View decorator: the page's forms may lead to a payment method's pages (checkout, the order page)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        # The CSP form-action also applies to the redirects that follow a form's submission.
        if origins := payment_form_action_origins():
            response._csp_update = {"form-action": origins}
        return response

    return wrapped
