"""Back in stock: a shopper's request for one email when a sold-out variant returns.

Asking (``back_in_stock_request_create``), the notification when stock comes
back (``back_in_stock_requests_notify``, called by the catalogue's signals and
by ``catalog.stock.stock_return``), and unsubscribing through the email's link.
The errors a request can meet are in ``catalog.exceptions``; the email itself
is built in ``catalog.emails`` and sent by ``catalog.tasks``.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.base_user import AbstractBaseUser
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from catalog.emails import UNSUBSCRIBE_SALT
from catalog.exceptions import TooManyWaiting, VariantInStock, VariantUnavailable
from catalog.models import BackInStockRequest, Variant
from catalog.tasks import send_back_in_stock_email
from shop.identity import email_canonical

# Anyone may type any address into the form: this caps the mail one address can be sent.
BACK_IN_STOCK_MAX_WAITING = 20


def back_in_stock_email_normalize(email: str) -> str:
    """The canonical form (shop.identity), so the unique (variant, email) constraint sees duplicates."""
    return email_canonical(email)


@transaction.atomic(durable=True)
def back_in_stock_request_create(
    *, variant_id: int, email: str, user: AbstractBaseUser | None = None, language: str
) -> tuple[BackInStockRequest, bool]:
    """Ask for one email when a sold-out variant is back; returns the request and whether it is new.

    Locks the variant row and checks it is sold out under the lock, so a
    restock either comes after this request (and notifies it) or before (and
    this raises ``VariantInStock``). One request per variant and address (a
    unique constraint settles races): asking again returns the same request,
    waiting again if it had already been notified or unsubscribed. Raises
    ``VariantUnavailable`` for an unknown or withdrawn variant, and
    ``TooManyWaiting`` when the address already waits for
    BACK_IN_STOCK_MAX_WAITING other variants; on any error nothing is written.
    """
    variant = (
        Variant.objects.select_for_update(of=("self",))
        .select_related("product")
        .filter(pk=variant_id)
        .first()
    )
    if variant is None or not variant.is_active or not variant.product.is_active:
        raise VariantUnavailable()
    if variant.stock > 0:
        raise VariantInStock()
    email = back_in_stock_email_normalize(email)
    waiting = BackInStockRequest.objects.filter(email=email, status=BackInStockRequest.Status.PENDING)
    if waiting.exclude(variant=variant).count() >= BACK_IN_STOCK_MAX_WAITING:
        raise TooManyWaiting()
    account = user if user is not None and user.is_authenticated else None
    try:
        with transaction.atomic():
            stock_request = BackInStockRequest.objects.create(
                variant=variant, email=email, user=account, language=language
            )
        return stock_request, True
    except IntegrityError:
        pass
    stock_request = BackInStockRequest.objects.select_for_update().get(variant=variant, email=email)
    stock_request.language = language
    stock_request.user = stock_request.user or account
    if stock_request.status != BackInStockRequest.Status.PENDING:
        stock_request.status = BackInStockRequest.Status.PENDING
        stock_request.notified_at = stock_request.sent_at = None
        stock_request.attempts = 0
        stock_request.last_error = ""
    stock_request.save()
    return stock_request, False


def back_in_stock_requests_notify(
    *, variant_ids: Iterable[int] = (), product_ids: Iterable[int] = ()
) -> list[int]:
    """Queue the one email of every waiting request whose variant is for sale again.

    Call it whenever stock may have come back (a variant saved with stock, a
    product re-activated, ``catalog.stock.stock_return``). Waiting requests
    exist only for variants that were sold out when asked, so a waiting request
    of a variant in stock means its stock went from 0 to more. Each request is
    marked notified and its email enqueued in the caller's transaction, so the
    email exists exactly when the stock does, and exactly once: rows are
    locked (SKIP LOCKED, so a concurrent call takes the others) and only
    waiting ones are taken. Costs one query when nobody waits.
    Returns the ids of the requests notified.
    """
    scope = Q(variant_id__in=list(variant_ids)) | Q(variant__product_id__in=list(product_ids))
    # Inside the caller's transaction when there is one (no savepoint needed), else in its own.
    with transaction.atomic(savepoint=False):
        ids = list(
            BackInStockRequest.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                scope,
                status=BackInStockRequest.Status.PENDING,
                variant__stock__gt=0,
                variant__is_active=True,
                variant__product__is_active=True,
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not ids:
            return []
        BackInStockRequest.objects.filter(pk__in=ids).update(
            status=BackInStockRequest.Status.NOTIFIED, notified_at=timezone.now()
        )
        for request_id in ids:
            send_back_in_stock_email.enqueue(request_id=request_id)
    return ids


def back_in_stock_request_get(*, token: str) -> BackInStockRequest | None:
    """The request an unsubscribe token was made for; ``None`` for a forged, mangled or stale token."""
    try:
        request_id = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(request_id, int) or isinstance(request_id, bool):
        return None
    return BackInStockRequest.objects.select_related("variant__product").filter(pk=request_id).first()


@transaction.atomic(durable=True)
def back_in_stock_unsubscribe(*, stock_request: BackInStockRequest) -> int:
    """Stop every waiting back-in-stock request of this request's address; returns how many.

    Idempotent: a second call finds nothing waiting and returns 0. Asking again
    on a product page later is a new, explicit wish and waits again.
    """
    return BackInStockRequest.objects.filter(
        email=stock_request.email, status=BackInStockRequest.Status.PENDING
    ).update(status=BackInStockRequest.Status.UNSUBSCRIBED)
