"""A support ticket about a request, opened by staff: the customer's replies thread into it."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import override

from aftersales.exceptions import StepNotAllowed
from aftersales.models import AfterSalesRequest
from aftersales.services._records import request_change_record, request_lock
from support.exceptions import EmptyReply
from support.services import ticket_open_for_customer


@transaction.atomic(durable=True)
def after_sales_ticket_open(
    *, request: AfterSalesRequest, actor: AbstractBaseUser, body: str
) -> AfterSalesRequest:
    """Open a support ticket about the request, mailing ``body`` to the customer, and link it.

    Locks the order row, then the request row, so two clicks open one ticket; the step is
    in the request's and the order's history. Raises
    StepNotAllowed when the request has a ticket already (staff follow the link instead)
    or without a message; nothing is stored then.
    """
    order, request = request_lock(request=request)
    if request.ticket_id is not None:
        raise StepNotAllowed(_("This request has a support ticket already: answer the customer there."))
    with override(order.language):
        subject = _("After-sales request %(number)s (order %(order)s)") % {
            "number": request.number,
            "order": order.number,
        }
    try:
        ticket = ticket_open_for_customer(
            order=order, subject=subject, body=body, actor=actor, language=order.language
        )
    except EmptyReply as error:
        raise StepNotAllowed(_("Write the first message to the customer.")) from error
    request.ticket = ticket
    # In the request's and the order's history; the customer has the ticket's own mail.
    request_change_record(
        request=request,
        from_status=request.status,
        actor=actor,
        note=_("Support ticket %(reference)s opened.") % {"reference": ticket.reference},
        fields=("ticket",),
        email=False,
    )
    return request
