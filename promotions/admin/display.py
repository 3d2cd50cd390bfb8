"""How the promotions admin shows a discount, a time window, uses and a status, in list and form."""

from decimal import Decimal

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext

from promotions.models import Coupon, Promotion
from shop.money import format_money


def percent_text(percent: Decimal) -> str:
    """12.50 as "12.5", 10.00 as "10"."""
    return f"{percent.normalize():f}"


def _moment(moment) -> str:
    return date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def window_html(row: Coupon | Promotion) -> str:
    """The start over the end, in the shop's time zone; "—" for a window open at both ends."""
    parts = []
    if row.valid_from is not None:
        parts.append(gettext("from %(moment)s") % {"moment": _moment(row.valid_from)})
    if row.valid_until is not None:
        parts.append(gettext("until %(moment)s") % {"moment": _moment(row.valid_until)})
    if not parts:
        parts.append(gettext("Any time"))
    return format_html_join("", '<span class="promo-line promo-quiet">{}</span>', ((part,) for part in parts))


def status_html(row: Coupon | Promotion) -> str:
    status = row.status_at(timezone.now())
    return format_html('<span class="status-badge promo-badge-{}">{}</span>', status.value, status.label)


def _lines(first: str, *more: str) -> str:
    """The first fact, and each further one on a quieter line under it."""
    return format_html(
        "{}{}",
        first,
        format_html_join("", '<span class="promo-line promo-quiet">{}</span>', ((line,) for line in more)),
    )


def coupon_discount_html(coupon: Coupon) -> str:
    """What a coupon takes off (10% off, ¥20.00 off, free shipping), with its maximum and minimum spend."""
    if coupon.kind == Coupon.Kind.FREE_SHIPPING:
        text = coupon.get_kind_display()
    elif coupon.kind == Coupon.Kind.FIXED:
        text = gettext("%(amount)s off") % {"amount": format_money(coupon.value)}
    else:
        text = gettext("%(percent)s%% off") % {"percent": percent_text(coupon.value)}
    more = []
    if coupon.max_discount is not None:
        more.append(gettext("at most %(amount)s") % {"amount": format_money(coupon.max_discount)})
    if coupon.min_spend:
        more.append(gettext("spend %(amount)s or more") % {"amount": format_money(coupon.min_spend)})
    return _lines(text, *more)


def coupon_uses_text(coupon: Coupon) -> str:
    """Uses taken out of how many, as 3 / 10; 3 / ∞ without a limit."""
    limit = "∞" if coupon.uses_total is None else str(coupon.uses_total)
    return f"{coupon.uses_count} / {limit}"


def coupon_uses_html(coupon: Coupon) -> str:
    """The uses, with the limit per customer and "first order only" under them."""
    more = []
    if coupon.uses_per_customer is not None:
        more.append(
            ngettext("%(count)d per customer", "%(count)d per customer", coupon.uses_per_customer)
            % {"count": coupon.uses_per_customer}
        )
    if coupon.first_order_only:
        more.append(gettext("first order only"))
    return _lines(coupon_uses_text(coupon), *more)


def promotion_discount_html(promotion: Promotion) -> str:
    """A percentage promotion's percent off, or each tier as ¥20.00 off from ¥200.00 (tiers prefetched)."""
    if promotion.kind == Promotion.Kind.PERCENTAGE:
        return gettext("%(percent)s%% off") % {"percent": percent_text(promotion.percent or Decimal(0))}
    tiers = [
        gettext("%(amount)s off from %(threshold)s")
        % {"amount": format_money(tier.amount), "threshold": format_money(tier.threshold)}
        for tier in promotion.tiers.all()
    ]
    if not tiers:
        return "—"
    return format_html_join("", '<span class="promo-line">{}</span>', ((tier,) for tier in tiers))
