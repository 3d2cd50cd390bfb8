"""Write paths of promotions: taking and giving back a coupon's uses, making codes in bulk."""

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q

from promotions.codes import coupon_code_random
from promotions.exceptions import CouponAlreadyUsedByCustomer, CouponUsedUp
from promotions.models import Coupon, CouponCustomerUse


# No savepoint of its own (two round trips fewer per coupon order): a refusal leaves the
# caller's transaction to roll back, which placing an order does in any case.
@transaction.atomic(savepoint=False)
def coupon_use_take(*, coupon: Coupon, email_canonical: str) -> None:
    """Count one use of ``coupon`` by the customer ``email_canonical``, or refuse.

    Runs inside the order-placing transaction, so the use stands or falls with the
    order; after a refusal that transaction must roll back. Each count is one
    conditional statement, exact under concurrency: of shoppers racing for the last
    uses, as many succeed as uses remain and the others get CouponUsedUp (or
    CouponAlreadyUsedByCustomer for the per-customer limit); the row locks they take
    are released when their transaction ends.
    """
    taken = (
        Coupon.objects.filter(pk=coupon.pk)
        .filter(Q(uses_total__isnull=True) | Q(uses_count__lt=F("uses_total")))
        .update(uses_count=F("uses_count") + 1)
    )
    if not taken:
        raise CouponUsedUp(code=coupon.code)
    if coupon.uses_per_customer is None or not email_canonical:
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
            [coupon.pk, email_canonical, coupon.uses_per_customer],
        )
        counted = cursor.fetchone()
    if counted is None:
        raise CouponAlreadyUsedByCustomer(code=coupon.code)


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


@transaction.atomic(durable=True)
def coupons_generate(*, template: Coupon, count: int, prefix: str = "", length: int = 8) -> list[Coupon]:
    """Make ``count`` coupons like ``template`` (unsaved), each with its own unique random code.

    The template's categories and products are copied when it is saved; an unsaved
    template's are not (there are none). Codes that collide with existing ones are
    drawn again. Raises ValueError for a count outside 1..COUPON_GENERATE_MAX.
    """
    if not 1 <= count <= COUPON_GENERATE_MAX:
        raise ValueError(f"count must be between 1 and {COUPON_GENERATE_MAX}")
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
    if template.pk is not None:
        for relation, target in (("categories", "category_id"), ("products", "product_id")):
            through = getattr(Coupon, relation).through
            chosen = list(getattr(template, relation).values_list("pk", flat=True))
            through.objects.bulk_create(
                [through(coupon_id=coupon.pk, **{target: pk}) for coupon in made for pk in chosen]
            )
    return made
