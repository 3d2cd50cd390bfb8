"""What the shopper does: ask for after-sales, send the goods back, withdraw a request."""

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from aftersales.exceptions import RequestNotAllowed, StepNotAllowed
from aftersales.models import AfterSalesLine, AfterSalesPhoto, AfterSalesRequest, request_number_generate
from aftersales.rules import (
    NO_REASON_REASONS,
    RequestLine,
    reason_fits_kind,
    window_days,
    window_end,
    window_open,
)
from aftersales.selectors import (
    LineAvailability,
    order_after_sales_possible,
    order_line_availability,
    order_receipt_moment,
)
from aftersales.services._records import request_change_record, request_lock
from catalog.models import Variant
from orders.models import Order
from orders.services import order_lock
from shop.uploads import file_extension

logger = logging.getLogger(__name__)

Status = AfterSalesRequest.Status
NUMBER_ATTEMPTS = 5


def _window_check(*, order: Order, reason: str, now: datetime) -> None:
    receipt = order_receipt_moment(order=order)
    if window_open(received_at=receipt, reason=reason, now=now):
        return
    end = window_end(received_at=receipt, days=window_days(reason=reason))
    last_day = formats.date_format(timezone.localtime(end - timedelta(seconds=1)), "DATE_FORMAT")
    if reason in NO_REASON_REASONS:
        raise RequestNotAllowed(
            _("The %(days)d-day no-reason return for this order ended on %(date)s.")
            % {"days": window_days(reason=reason), "date": last_day}
        )
    raise RequestNotAllowed(
        _("Requests for this reason can be made up to %(days)d days after receipt; that was %(date)s.")
        % {"days": window_days(reason=reason), "date": last_day}
    )


def _exchange_variant_check(*, available: LineAvailability, variant_id: int | None) -> None:
    line = available.order_line
    if variant_id is None:
        raise RequestNotAllowed(
            _("Choose the option you want instead of %(product)s.") % {"product": line.product_name}
        )
    bought = line.variant
    wanted = Variant.objects.filter(pk=variant_id, is_active=True, product__is_active=True).first()
    if (
        bought is None
        or wanted is None
        or wanted.product_id != bought.product_id
        or wanted.price != bought.price
    ):
        raise RequestNotAllowed(
            _("%(product)s can only be exchanged for another option of the same product at the same price.")
            % {"product": line.product_name}
        )


def _lines_check(
    *, order: Order, kind: str, reason: str, lines: Sequence[RequestLine]
) -> list[tuple[LineAvailability, RequestLine]]:
    """The asked lines against what the order's lines still allow, under the order's lock."""
    if not lines or all(line.quantity <= 0 for line in lines):
        raise RequestNotAllowed(_("Choose at least one item and how many."))
    by_id = {available.order_line.pk: available for available in order_line_availability(order=order)}
    checked = []
    seen: set[int] = set()
    for asked in lines:
        if asked.quantity <= 0:
            continue
        available = by_id.get(asked.order_line_id)
        if available is None or asked.order_line_id in seen:
            raise RequestNotAllowed(_("One of the items is not part of this order."))
        seen.add(asked.order_line_id)
        name = available.order_line.product_name
        if asked.quantity > available.available:
            raise RequestNotAllowed(
                _("You can ask about at most %(count)d of %(product)s.")
                % {"count": available.available, "product": name}
                if available.available
                else _("%(product)s has no units left to ask about (in another request, or not shipped).")
                % {"product": name}
            )
        if reason in NO_REASON_REASONS and available.no_reason_exempt:
            raise RequestNotAllowed(
                _("%(product)s cannot be returned without a reason: %(exemption)s.")
                % {"product": name, "exemption": available.exemption_label}
            )
        if kind == AfterSalesRequest.Kind.EXCHANGE:
            _exchange_variant_check(available=available, variant_id=asked.exchange_variant_id)
        checked.append((available, asked))
    return checked


def _photos_store(*, request: AfterSalesRequest, photos: Sequence[UploadedFile], saved: list[str]) -> None:
    for upload in photos:
        photo = AfterSalesPhoto(
            request=request,
            filename=upload.name[:255],
            content_type=getattr(upload, "content_type", "")[:100],
            size=upload.size or 0,
        )
        extension = file_extension(upload.name)
        name = photo.file.field.generate_filename(photo, f"photo.{extension}" if extension else "photo")
        # Known before writing: a write that fails halfway leaves a partial file to remove too.
        saved.append(name)
        photo.file.name = photo.file.storage.save(name, upload, max_length=255)
        saved.append(photo.file.name)
        photo.save()


def _request_insert(
    *, order: Order, kind: str, reason: str, description: str, submit_token: str | None
) -> AfterSalesRequest:
    for attempt in range(NUMBER_ATTEMPTS):
        try:
            with transaction.atomic():
                return AfterSalesRequest.objects.create(
                    number=request_number_generate(),
                    order=order,
                    kind=kind,
                    reason=reason,
                    description=description,
                    submit_token=submit_token,
                )
        except IntegrityError:
            if attempt == NUMBER_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


@transaction.atomic(durable=True)
def _request_create(
    *,
    order: Order,
    kind: str,
    reason: str,
    description: str,
    lines: Sequence[RequestLine],
    photos: Sequence[UploadedFile],
    actor: AbstractBaseUser | AnonymousUser | None,
    saved: list[str],
    submit_token: str | None,
) -> AfterSalesRequest:
    order = order_lock(order)
    if submit_token:
        # Under the order's lock: a second send of the same review waits here and finds the first.
        sent = AfterSalesRequest.objects.filter(order=order, submit_token=submit_token).first()
        if sent is not None:
            return sent
    if not order_after_sales_possible(order=order):
        raise RequestNotAllowed(_("After-sales requests can be made once a paid order has shipped."))
    if kind not in AfterSalesRequest.Kind.values or not reason_fits_kind(kind=kind, reason=reason):
        raise RequestNotAllowed(_("Choose a reason that fits what you are asking for."))
    if len(photos) > settings.AFTER_SALES_PHOTO_MAX_COUNT:
        raise RequestNotAllowed(
            _("Attach at most %(count)d photos.") % {"count": settings.AFTER_SALES_PHOTO_MAX_COUNT}
        )
    if order.after_sales_requests.count() >= settings.AFTER_SALES_MAX_REQUESTS_PER_ORDER:
        raise RequestNotAllowed(
            _("This order has had as many requests as we take online. Please write to us instead.")
        )
    _window_check(order=order, reason=reason, now=timezone.now())
    checked = _lines_check(order=order, kind=kind, reason=reason, lines=lines)
    request = _request_insert(
        order=order,
        kind=kind,
        reason=reason,
        description=description.strip(),
        submit_token=submit_token or None,
    )
    AfterSalesLine.objects.bulk_create(
        AfterSalesLine(
            request=request,
            order_line=available.order_line,
            quantity=asked.quantity,
            exchange_variant_id=asked.exchange_variant_id
            if kind == AfterSalesRequest.Kind.EXCHANGE
            else None,
        )
        for available, asked in checked
    )
    _photos_store(request=request, photos=photos, saved=saved)
    request.order = order
    request_change_record(request=request, from_status="", actor=actor, note=request.get_kind_display())
    return request


def after_sales_request_create(
    *,
    order: Order,
    kind: str,
    reason: str,
    lines: Sequence[RequestLine],
    description: str = "",
    photos: Sequence[UploadedFile] = (),
    actor: AbstractBaseUser | AnonymousUser | None = None,
    submit_token: str = "",
) -> AfterSalesRequest:
    """Ask for a return, a refund without return or an exchange of some of a shipped order's units.

    Locks the order row and checks under it: the order is paid, not cancelled and has
    shipped; the reason fits the kind; the reason's window is open (docs/architecture.md,
    "After-sales"); each line is the order's, with no more units than were shipped and
    not already asked about; no line exempt from the no-reason return is asked back
    without a reason; an exchange names another active option of the same product at
    the same price; the order has had fewer than AFTER_SALES_MAX_REQUESTS_PER_ORDER
    requests. Raises RequestNotAllowed. Stores the photos (files removed again when
    anything fails), records the request on the order and emails the customer.
    ``submit_token`` (the hash of the review page's token): sent again, the request made
    the first time is returned and nothing is stored. Must not run inside a transaction.
    """
    saved: list[str] = []
    try:
        return _request_create(
            order=order,
            kind=kind,
            reason=reason,
            description=description,
            lines=lines,
            photos=photos,
            actor=actor,
            saved=saved,
            submit_token=submit_token,
        )
    except BaseException:
        for name in dict.fromkeys(saved):
            try:
                default_storage.delete(name)
            except OSError:
                logger.warning("Could not delete the photo %s of a failed after-sales request", name)
        raise


@transaction.atomic(durable=True)
def after_sales_return_parcel(
    *,
    request: AfterSalesRequest,
    carrier: str,
    tracking_number: str,
    actor: AbstractBaseUser | AnonymousUser | None = None,
) -> AfterSalesRequest:
    """The customer sent the goods back: record the carrier and tracking number (they may correct them).

    Locks the order row, then the request. Raises StepNotAllowed unless the request is
    an approved return or exchange (or already on its way back), and for an empty
    tracking number.
    """
    _order, request = request_lock(request=request)
    if not request.needs_goods_back or request.status not in (Status.APPROVED, Status.RETURNING):
        raise StepNotAllowed(_("A tracking number can be added once a return or an exchange is approved."))
    carrier, tracking_number = carrier.strip()[:100], tracking_number.strip()[:100]
    if not carrier or not tracking_number:
        raise StepNotAllowed(_("Enter the carrier and the tracking number of your parcel."))
    from_status = request.status
    request.return_carrier, request.return_tracking_number = carrier, tracking_number
    request.status = Status.RETURNING
    request_change_record(
        request=request,
        from_status=from_status,
        actor=actor,
        note=f"{carrier} {tracking_number}",
        fields=("return_carrier", "return_tracking_number"),
    )
    return request


@transaction.atomic(durable=True)
def after_sales_withdraw(
    *, request: AfterSalesRequest, actor: AbstractBaseUser | AnonymousUser | None = None
) -> AfterSalesRequest:
    """The customer takes the request back. Locks the order row, then the request.

    Raises StepNotAllowed once the goods are on their way back or the request has ended.
    Its units may be asked about again.
    """
    _order, request = request_lock(request=request)
    if request.status not in (Status.REQUESTED, Status.APPROVED):
        raise StepNotAllowed(_("This request can no longer be withdrawn."))
    from_status = request.status
    request.status = Status.WITHDRAWN
    request_change_record(request=request, from_status=from_status, actor=actor)
    return request
