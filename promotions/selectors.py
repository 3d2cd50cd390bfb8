"""Reads of promotions: the rules live now, and a coupon checked for a customer."""

from datetime import datetime

from django.contrib.postgres.fields import ArrayField
from django.db import connection, models
from django.db.models import F, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from catalog.models import Category
from promotions.codes import coupon_code_canonical
from promotions.exceptions import (
    CouponAlreadyUsedByCustomer,
    CouponExpired,
    CouponFirstOrderOnly,
    CouponNotYetValid,
    CouponUnknown,
    CouponUsedUp,
)
from promotions.models import (
    Coupon,
    CouponCustomerUse,
    Promotion,
    PromotionTier,
    WindowStatus,
)
from promotions.pricing import CouponRule, PromotionRule, Scope


def _descendants(category_ids: set[int]) -> frozenset[int]:
    """The categories and every sub-category below them (one query when any are chosen)."""
    if not category_ids:
        return frozenset()
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in Category.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    found: set[int] = set()
    stack = list(category_ids)
    while stack:
        pk = stack.pop()
        if pk not in found:
            found.add(pk)
            stack.extend(children.get(pk, []))
    return frozenset(found)


def _scope(row) -> Scope:
    return Scope(
        product_ids=frozenset(product.pk for product in row.products.all()),
        category_ids=_descendants({category.pk for category in row.categories.all()}),
    )


# The live promotions with their products, categories and tiers in one statement. Read on every
# cart, checkout page and order placed: the ORM query with its three prefetches cost about 0.6 ms
# of CPU a read to build, ten times what the statement costs the database. The window test is
# is_live_at's (promotions.models), in SQL: active, valid_from <= moment < valid_until, either end open.
_LIVE_PROMOTIONS_SQL = f"""
    SELECT p.id, p.name, p.kind, p.percent,
        ARRAY(SELECT s.product_id FROM {Promotion.products.through._meta.db_table} s
              WHERE s.promotion_id = p.id),
        ARRAY(SELECT s.category_id FROM {Promotion.categories.through._meta.db_table} s
              WHERE s.promotion_id = p.id),
        ARRAY(SELECT ARRAY[t.threshold, t.amount] FROM {PromotionTier._meta.db_table} t
              WHERE t.promotion_id = p.id ORDER BY t.threshold)
    FROM {Promotion._meta.db_table} p
    WHERE p.is_active
        AND (p.valid_from IS NULL OR p.valid_from <= %(moment)s)
        AND (p.valid_until IS NULL OR p.valid_until > %(moment)s)
    ORDER BY p.id
"""


def promotion_rules_live(*, moment: datetime | None = None) -> list[PromotionRule]:
    """The automatic promotions that apply at ``moment`` (now), as rules for promotions.pricing.

    One query, whatever the number of promotions.
    """
    with connection.cursor() as cursor:
        cursor.execute(_LIVE_PROMOTIONS_SQL, {"moment": moment or timezone.now()})
        rows = cursor.fetchall()
    return [
        PromotionRule(
            id=pk,
            name=name,
            kind=kind,
            scope=Scope(product_ids=frozenset(product_ids), category_ids=_descendants(set(category_ids))),
            percent=percent,
            tiers=tuple((threshold, amount) for threshold, amount in tiers),
        )
        for pk, name, kind, percent, product_ids, category_ids, tiers in rows
    ]


def _coupon_scope_ids() -> dict[str, RawSQL]:
    """A coupon's products and categories as arrays of ids in its own row: no prefetch, two queries fewer.

    Written as SQL because it is read on every checkout with a code: compiling two ORM
    subqueries cost about 0.6 ms a read, twice what the whole query costs the database.
    """
    coupon = Coupon._meta.db_table
    ids = ArrayField(models.BigIntegerField())
    return {
        f"scope_{name}_ids": RawSQL(
            f"ARRAY(SELECT s.{column} FROM {through._meta.db_table} s WHERE s.coupon_id = {coupon}.id)",
            [],
            output_field=ids,
        )
        for name, column, through in (
            ("product", "product_id", Coupon.products.through),
            ("category", "category_id", Coupon.categories.through),
        )
    }


def coupon_rule(coupon: Coupon) -> CouponRule:
    if hasattr(coupon, "scope_product_ids"):  # read by coupon_get_usable
        scope = Scope(
            product_ids=frozenset(coupon.scope_product_ids),
            category_ids=_descendants(set(coupon.scope_category_ids)),
        )
    else:
        scope = _scope(coupon)
    return CouponRule(
        id=coupon.pk,
        code=coupon.code,
        kind=coupon.kind,
        value=coupon.value,
        scope=scope,
        max_discount=coupon.max_discount,
        min_spend=coupon.min_spend,
    )


def coupon_get_usable(
    *,
    code: str,
    email_canonical: str = "",
    first_order: bool | None = None,
    moment: datetime | None = None,
) -> Coupon:
    """The coupon ``code`` names, when it may be used now by this customer.

    ``email_canonical`` and ``first_order`` are checked when known (at checkout);
    the cart, which knows neither, passes neither. Raises CouponUnknown (no such
    code, or switched off), CouponNotYetValid, CouponExpired, CouponUsedUp,
    CouponAlreadyUsedByCustomer or CouponFirstOrderOnly. What it is worth for the
    cart (products, minimum spend) is for promotions.pricing to say.
    """
    canonical = coupon_code_canonical(code)
    shown = canonical or code.strip()
    if not canonical:
        raise CouponUnknown(code=shown)
    try:
        coupon = Coupon.objects.annotate(**_coupon_scope_ids()).get(code=canonical, is_active=True)
    except Coupon.DoesNotExist:
        raise CouponUnknown(code=shown) from None
    moment = moment or timezone.now()
    if coupon.valid_from is not None and moment < coupon.valid_from:
        raise CouponNotYetValid(code=coupon.code)
    if coupon.valid_until is not None and moment >= coupon.valid_until:
        raise CouponExpired(code=coupon.code)
    if coupon.uses_total is not None and coupon.uses_count >= coupon.uses_total:
        raise CouponUsedUp(code=coupon.code)
    if first_order is False and coupon.first_order_only:
        raise CouponFirstOrderOnly(code=coupon.code)
    if email_canonical and coupon.uses_per_customer is not None:
        used = (
            CouponCustomerUse.objects.filter(coupon=coupon, email_canonical=email_canonical)
            .values_list("uses", flat=True)
            .first()
        )
        if (used or 0) >= coupon.uses_per_customer:
            raise CouponAlreadyUsedByCustomer(code=coupon.code)
    return coupon


def _window_status_filter(*, status: str, moment: datetime | None, counts_uses: bool) -> Q:
    moment = moment or timezone.now()
    ended = Q(valid_until__isnull=False, valid_until__lte=moment)
    running = Q(valid_until__isnull=True) | Q(valid_until__gt=moment)
    started = Q(valid_from__isnull=True) | Q(valid_from__lte=moment)
    used_up = Q(uses_total__isnull=False, uses_count__gte=F("uses_total"))
    match status:
        case WindowStatus.ENDED:
            return ended
        case WindowStatus.OFF:
            return running & Q(is_active=False)
        case WindowStatus.SCHEDULED:
            return running & Q(is_active=True) & ~started
        case WindowStatus.USED_UP if counts_uses:
            return running & Q(is_active=True) & started & used_up
        case WindowStatus.LIVE:
            live = running & Q(is_active=True) & started
            return live & ~used_up if counts_uses else live
    raise ValueError(f"unknown status {status!r}")


def coupon_status_filter(*, status: str, moment: datetime | None = None) -> Q:
    """The coupons whose ``Coupon.status_at(moment)`` (now) is ``status``, as a filter for the database.

    Raises ValueError for a status that is not a WindowStatus.
    """
    return _window_status_filter(status=status, moment=moment, counts_uses=True)


def promotion_status_filter(*, status: str, moment: datetime | None = None) -> Q:
    """The promotions whose ``status_at(moment)`` (now) is ``status``; no promotion is ever used up.

    Raises ValueError for a status that is not a WindowStatus, or for "used up".
    """
    return _window_status_filter(status=status, moment=moment, counts_uses=False)
