"""Write paths of promotions: taking and giving back a coupon's uses, making codes in bulk."""

from collections.abc import Iterable
from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from promotions.codes import CODE_MAX_LENGTH, coupon_code_canonical, coupon_code_random
from promotions.exceptions import (
    CouponAlreadyUsedByCustomer,
    CouponError,
    CouponExpired,
    CouponNotYetValid,
    CouponUnknown,
    CouponUsedUp,
)
from promotions.models import Coupon, CouponCustomerUse
from shop.audit import audit_record
from shop.models import AuditEvent


# No savepoint of its own (two round trips fewer per coupon order): a refusal leaves the
# caller's transaction to roll back, which placing an order does in any case.
@transaction.atomic(savepoint=False)
def coupon_use_take(*, coupon: Coupon, email_canonical: str, moment: datetime | None = None) -> None:
    """Count one use of ``coupon`` by the customer ``email_canonical``, or refuse.

    Runs inside the order-placing transaction, so the use stands or falls with the
    order; after a refusal that transaction must roll back. Each count is one
    conditional statement, exact under concurrency: of shoppers racing for the last
    uses, as many succeed as uses remain and the others get CouponUsedUp (or
    CouponAlreadyUsedByCustomer for the per-customer limit); the row locks they take
    are released when their transaction ends. The statement re-checks the row as it is
    once locked, so staff switching a code off (or shortening it) while a checkout waits
    on their save wins: the checkout gets CouponUnknown / CouponExpired / CouponUsedUp,
    and the per-customer limit is the row's current one.
    """
    moment = moment or timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {Coupon._meta.db_table} SET uses_count = uses_count + 1
            WHERE id = %s AND is_active
                AND (valid_from IS NULL OR valid_from <= %s)
                AND (valid_until IS NULL OR valid_until > %s)
                AND (uses_total IS NULL OR uses_count < uses_total)
            RETURNING uses_per_customer
            """,
            [coupon.pk, moment, moment],
        )
        taken = cursor.fetchone()
    if taken is None:
        raise _coupon_refusal(coupon_id=coupon.pk, code=coupon.code, moment=moment)
    (uses_per_customer,) = taken
    if uses_per_customer is None or not email_canonical:
        return
    # One statement inserts the customer's first use or counts another while under the limit.
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {CouponCustomerUse._meta.db_table} (coupon_id, email_canonical, uses)
            VALUES (%s, %s, 1)
            ON CONFLICT (coupon_id, email_canonical) DO UPDATE
                SET uses = {CouponCustomerUse._meta.db_table}.uses + 1
                WHERE {CouponCustomerUse._meta.db_table}.uses < %s
            RETURNING uses
            """,
            [coupon.pk, email_canonical, uses_per_customer],
        )
        counted = cursor.fetchone()
    if counted is None:
        raise CouponAlreadyUsedByCustomer(code=coupon.code)


def _coupon_refusal(*, coupon_id: int, code: str, moment: datetime) -> CouponError:
    """Why the conditional count found nothing to count: the coupon's row as it is now."""
    row = Coupon.objects.filter(pk=coupon_id).first()
    if row is None or not row.is_active:
        return CouponUnknown(code=code)
    if row.valid_from is not None and moment < row.valid_from:
        return CouponNotYetValid(code=code)
    if row.valid_until is not None and moment >= row.valid_until:
        return CouponExpired(code=code)
    return CouponUsedUp(code=code)


@transaction.atomic
def coupon_use_return(*, coupon_id: int, email_canonical: str) -> None:
    """Give back one use of a coupon (its order was cancelled unpaid).

    The caller makes sure it runs once per use (orders marks the order's discount
    returned under the order's row lock); counts never go below zero.
    """
    Coupon.objects.filter(pk=coupon_id, uses_count__gt=0).update(uses_count=F("uses_count") - 1)
    if email_canonical:
        CouponCustomerUse.objects.filter(
            coupon_id=coupon_id, email_canonical=email_canonical, uses__gt=0
        ).update(uses=F("uses") - 1)


COUPON_GENERATE_MAX = 10_000
# Random codes shorter than this are too easy to guess, and run out for a large batch.
COUPON_GENERATE_MIN_LENGTH = 6


@transaction.atomic(durable=True)
def coupons_generate(
    *,
    template: Coupon,
    count: int,
    prefix: str = "",
    length: int = 8,
    category_ids: Iterable[int] | None = None,
    product_ids: Iterable[int] | None = None,
) -> list[Coupon]:
    """Make ``count`` coupons like ``template`` (unsaved), each with its own unique random code.

    The coupons apply to ``category_ids`` and ``product_ids`` when given, else to the saved
    template's categories and products (an unsaved template has none). Codes that collide
    with existing ones are drawn again. Records who made how many in the audit trail.
    Raises ValueError for a count outside 1..COUPON_GENERATE_MAX, a prefix that is not a
    canonical code, a length under COUPON_GENERATE_MIN_LENGTH, or codes longer than
    CODE_MAX_LENGTH; nothing is written then. Must not run inside a transaction.
    """
    if not 1 <= count <= COUPON_GENERATE_MAX:
        raise ValueError(f"count must be between 1 and {COUPON_GENERATE_MAX}")
    if prefix and coupon_code_canonical(prefix) != prefix:
        raise ValueError(f"prefix {prefix!r} is not a canonical code")
    if not COUPON_GENERATE_MIN_LENGTH <= length <= CODE_MAX_LENGTH - len(prefix):
        raise ValueError(
            f"length must be between {COUPON_GENERATE_MIN_LENGTH} and {CODE_MAX_LENGTH - len(prefix)}"
        )
    # At least 32**6 (about a billion) codes per prefix, so drawing again soon ends.
    fields = {
        field.name: getattr(template, field.name)
        for field in Coupon._meta.concrete_fields
        if field.name not in ("id", "code", "uses_count", "created_at")
    }
    made: list[Coupon] = []
    while len(made) < count:
        wanted = count - len(made)
        codes = {coupon_code_random(prefix=prefix, length=length) for _ in range(wanted)}
        codes -= set(Coupon.objects.filter(code__in=codes).values_list("code", flat=True))
        try:
            with transaction.atomic():
                made += Coupon.objects.bulk_create([Coupon(code=code, **fields) for code in codes])
        except IntegrityError:  # a concurrent batch took one of the codes: draw again
            continue
    chosen = {
        "categories": list(category_ids) if category_ids is not None else None,
        "products": list(product_ids) if product_ids is not None else None,
    }
    for relation, target in (("categories", "category_id"), ("products", "product_id")):
        pks = chosen[relation]
        if pks is None:
            pks = list(getattr(template, relation).values_list("pk", flat=True)) if template.pk else []
        through = getattr(Coupon, relation).through
        through.objects.bulk_create(
            [through(coupon_id=coupon.pk, **{target: pk}) for coupon in made for pk in pks]
        )
    audit_record(
        action=AuditEvent.Action.COUPONS_GENERATED,
        target=f"campaign {template.campaign}" if template.campaign else "coupons",
        detail={"coupons": len(made), "campaign": template.campaign, "prefix": prefix, "kind": template.kind},
    )
    return made


@transaction.atomic(durable=True)
def coupons_deactivate(*, coupon_ids: Iterable[int]) -> int:
    """Switch these coupons off (shoppers can no longer use them); returns how many were on.

    The rows are locked in ascending id order first, so two staff switching off overlapping
    selections queue instead of deadlocking; orders already placed keep their discounts.
    Must not run inside a transaction.
    """
    ids = list(coupon_ids)
    locked = Coupon.objects.select_for_update().filter(pk__in=ids, is_active=True).order_by("pk")
    return Coupon.objects.filter(pk__in=list(locked.values_list("pk", flat=True))).update(is_active=False)
