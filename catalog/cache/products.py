"""Product pages, cached whole with holes."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.cache import caches
from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext, pgettext

from catalog.cache.base import (
    MISSING,
    absolute_url,
    cache_key,
    cache_seconds,
    canonical_url,
    category_tree,
    has_session,
    holes_fill,
    layout_context,
    media_url,
    meta_summary,
    page_holes,
    page_store,
    page_title,
    product_cards,
    request_cache_get_or_build,
    request_moment,
    top_category_slug,
)
from catalog.cache.cards import RECENTLY_VIEWED_COUNT, product_cards_get
from catalog.models import Product, ProductImage, ReturnExemption, Variant
from catalog.recently_viewed import recently_viewed_ids, recently_viewed_record
from catalog.recommendations import product_list_recommended
from catalog.selectors import product_get_visible
from shop.i18n import language_from_query
from shop.money import format_money

RECOMMENDATION_COUNT = 6

# Product page -----------------------------------------------------------------------------------


def product_page(*, request: HttpRequest, slug: str, variant_id: int | None = None) -> HttpResponse:
    """A product page with its variant choice, add-to-cart form and recommendations.

    ``variant_id`` (``?variant=`` of a shared link) shows that option chosen:
    its price, stock and photo. An id that is none of the product's active
    options gets the page as without one, so a stale or made-up link still
    shows the product, and only real options get cache entries of their own.
    Raises ``Http404`` for hidden products. Remembers the product in the
    shopper's recently viewed list when they have a session; no session is
    started just for that, so crawlers and cookie-less clients cost nothing.
    """
    page = _product_page_get(request, slug=slug, variant_id=None)
    if variant_id is not None and variant_id in page["variant_ids"]:
        page = _product_page_get(request, slug=slug, variant_id=variant_id)
    product_id = page["product_id"]
    fills = {"recent": _recently_viewed_html(request, exclude_id=product_id)}
    if "email" in page["html"][1]:
        fills["email"] = escape(_account_email(request))
    if has_session(request):
        recently_viewed_record(session=request.session, product_id=product_id)
    return HttpResponse(holes_fill(page["html"], request, **fills))


def _product_page_get(request: HttpRequest, *, slug: str, variant_id: int | None) -> dict:
    """The cached page as ``{"html", "product_id", "variant_ids"}``; raises ``Http404`` for a hidden one."""

    def render() -> dict | str:
        page = _product_build(request=request, slug=slug, variant_id=variant_id)
        if page is None:
            return MISSING
        template_name, context = page
        product = context["product"]
        return {
            "html": page_store(template_name, context),
            "product_id": product["id"],
            "variant_ids": [variant["id"] for variant in product["variants"]],
        }

    # A ``?lang=`` page names itself as canonical, so it is a page of its own.
    parts = (slug, language_from_query(request), *(() if variant_id is None else (variant_id,)))
    page = request_cache_get_or_build(request, cache_key(request, "product", *parts), render)
    if page == MISSING:
        raise Http404("No such page.")
    return page


def _account_email(request: HttpRequest) -> str:
    # Only a visitor with a session can be signed in; the rest cost no query.
    if has_session(request) and request.user.is_authenticated:
        return request.user.email
    return ""


def _recently_viewed_html(request: HttpRequest, *, exclude_id: int) -> str:
    """The product page's recently viewed section, rendered once per revision, language and list."""
    if not has_session(request):
        return ""
    ids = tuple(pk for pk in recently_viewed_ids(session=request.session) if pk != exclude_id)
    if not ids:
        return ""

    def render() -> str:
        cards = product_cards_get(request=request, product_ids=ids)[:RECENTLY_VIEWED_COUNT]
        return render_to_string("catalog/_recently_viewed.html", {"products": cards}) if cards else ""

    return request_cache_get_or_build(request, cache_key(request, "recently-viewed", ids), render)


def _product_build(*, request: HttpRequest, slug: str, variant_id: int | None) -> tuple[str, dict] | None:
    tree = category_tree(request)
    try:
        product = product_get_visible(slug=slug, category_ids=tree.visible_ids)
    except Http404:
        return None
    storage = ProductImage._meta.get_field("image").storage
    images = [
        {
            "url": media_url(image.thumbnail_large.name or image.image.name),
            "full_url": storage.url(image.image.name),
            "alt": image.alt_text or product.name,
            "variant_id": image.variant_id,
        }
        for image in product.ordered_images
        if image.image
    ]
    moment = request_moment(request)
    variants = [_variant_view(variant, images, moment=moment) for variant in product.active_variants]
    prices = [variant["price"] for variant in variants]
    regular_from_price = min(variant["regular_price"] for variant in variants)
    in_stock_ids = [variant["id"] for variant in variants if variant["in_stock"]]
    url = product.get_absolute_url()
    data = {
        "id": product.pk,
        "name": product.name,
        "slug": product.slug,
        "url": url,
        "description": product.description,
        "breadcrumbs": tree.ancestors(product.category_id),
        "images": images,
        "variants": variants,
        "from_price": min(prices),
        # The lowest price without sales, struck through when sales bring the lowest price below it.
        "was_from_price": regular_from_price if regular_from_price > min(prices) else None,
        "on_sale": any(variant["on_sale"] for variant in variants),
        "price_varies": min(prices) != max(prices),
        "in_stock": bool(in_stock_ids),
        "default_variant_id": in_stock_ids[0] if in_stock_ids else None,
        "title": page_title(product.name),
        "meta_description": meta_summary(product.description)
        or gettext("Buy %(product)s at %(shop)s.") % {"product": product.name, "shop": settings.SHOP_NAME},
        "canonical": canonical_url(request, url),
        # Product data, cached with the page: the return window shoppers are promised, or why there is none.
        "no_reason_days": settings.AFTER_SALES_NO_REASON_DAYS,
        "return_exemption": str(ReturnExemption(product.return_exemption).label)
        if product.return_exemption
        else "",
    }
    data["structured_data"] = _product_structured_data(data)
    data["sold_out_variants"] = [variant for variant in variants if not variant["in_stock"]]
    data["back_in_stock_url"] = reverse("catalog:back_in_stock_request", kwargs={"slug": product.slug})
    data.update(_product_choice(data, chosen_id=variant_id))
    _own_card_store(request, product, data)
    recommended = list(
        product_list_recommended(
            product_ids=[product.pk], category_ids=tree.visible_ids, limit=RECOMMENDATION_COUNT, at=moment
        )
    )
    holes = page_holes()
    context = {
        "product": data,
        "current_category_slug": top_category_slug(tree, product.category_id),
        "recommendations": product_cards(recommended),
        "recommendations_also_bought": any(
            item.pin_position is not None or item.also_bought_score is not None for item in recommended
        ),
        "category_name": tree.node(product.category_id)["name"],
        "recently_viewed_hole": mark_safe(holes["recent"]),
        "account_email_hole": holes["email"],
    }
    return "catalog/product_detail.html", {**layout_context(tree), **context}


def _variant_view(variant: Variant, images: list[dict], *, moment: datetime) -> dict:
    """One option as the page shows it at ``moment``: price and stock line in the page's language."""
    if not variant.in_stock:
        stock_state, stock_text = "out", gettext("Out of stock")
    elif variant.is_low_stock:
        stock_state = "low"
        stock_text = ngettext("Only %(counter)s left", "Only %(counter)s left", variant.stock) % {
            "counter": variant.stock
        }
    else:
        stock_state, stock_text = "in", gettext("In stock")
    on_sale = variant.is_on_sale_at(moment)
    return {
        "id": variant.pk,
        "sku": variant.sku,
        "options_label": variant.options_label,
        "price": variant.price_at(moment),
        "price_text": format_money(variant.price_at(moment)),
        "regular_price": variant.regular_price,
        "on_sale": on_sale,
        # Struck through after the price while the sale is on.
        "was_text": format_money(variant.regular_price) if on_sale else None,
        "sale_ends_at": variant.sale_ends_at if on_sale else None,
        "stock": variant.stock,
        "in_stock": variant.in_stock,
        "is_low_stock": variant.is_low_stock,
        "stock_state": stock_state,
        "stock_text": stock_text,
        "image": next((image for image in images if image["variant_id"] == variant.pk), None),
    }


def _product_choice(data: dict, *, chosen_id: int | None) -> dict:
    """The parts of the page that follow the chosen option: headline price, stock line, photo, checked radio.

    Without a choice the headline keeps "From" when prices differ and the
    first option in stock is checked. A chosen option that is sold out is
    shown (its price, "Out of stock", preselected in the back-in-stock form)
    but left unchecked: its radio is disabled, so the shopper picks another.
    Also the same as JSON for the script that follows the choice in the browser.
    """
    variants = data["variants"]
    chosen = next((variant for variant in variants if variant["id"] == chosen_id), None)
    if data["price_varies"]:
        general_price = gettext("From %(price)s") % {"price": format_money(data["from_price"])}
    else:
        general_price = format_money(data["from_price"])
    general_was = format_money(data["was_from_price"]) if data["was_from_price"] is not None else None
    general_stock = None
    if not data["in_stock"]:
        general_stock = {"state": "out", "text": gettext("Out of stock")}
    elif len(variants) == 1:
        general_stock = {"state": variants[0]["stock_state"], "text": variants[0]["stock_text"]}
    general_image = data["images"][0] if data["images"] else None
    if chosen is None:
        price, was, stock, image = general_price, general_was, general_stock, general_image
        checked_id = data["default_variant_id"]
    else:
        price, was = chosen["price_text"], chosen["was_text"]
        stock = {"state": chosen["stock_state"], "text": chosen["stock_text"]}
        image = chosen["image"] or general_image
        checked_id = chosen["id"] if chosen["in_stock"] else None
    script = {
        "chosen": chosen["id"] if chosen else None,
        "checked": checked_id,
        "image": _image_script(general_image),
        "was_label": pgettext("the regular price, struck through after a sale price", "was"),
        "variants": {
            str(variant["id"]): {
                "price": variant["price_text"],
                "was": variant["was_text"],
                "stock": {"state": variant["stock_state"], "text": variant["stock_text"]},
                "image": _image_script(variant["image"]),
            }
            for variant in variants
        },
    }
    return {
        "chosen": chosen,
        "shown_price": price,
        "shown_was": was,
        "shown_stock": stock,
        "main_image": image,
        "checked_variant_id": checked_id,
        "back_in_stock_variant_id": chosen["id"] if chosen and not chosen["in_stock"] else None,
        "script_data": script,
    }


def _image_script(image: dict | None) -> dict | None:
    return {"url": image["url"], "full_url": image["full_url"], "alt": image["alt"]} if image else None


def _own_card_store(request: HttpRequest, product: Product, data: dict) -> None:
    """Cache the product's card as listings show it, for recently viewed lists (no query)."""
    key = cache_key(request, "card", product.pk, per_language=False)
    if key is None:
        return
    first = product.ordered_images[0] if product.ordered_images else None
    card = {
        "id": product.pk,
        "name": product.name,
        "url": data["url"],
        "from_price": data["from_price"],
        "was_price": data["was_from_price"],
        "on_sale": data["on_sale"],
        "price_varies": data["price_varies"],
        "in_stock": data["in_stock"],
        "image_url": media_url((first.thumbnail_small.name or first.image.name) if first else None),
        "image_alt": (first.alt_text if first else "") or product.name,
    }
    caches["default"].set(key, card, cache_seconds(request))


def _absolute_media(url: str) -> str:
    return url if "://" in url else absolute_url(url)


def _offer(variant: dict, *, url: str) -> dict:
    """A schema.org Offer: the price a shopper pays now, until the sale ends when one is on."""
    offer = {
        "@type": "Offer",
        "sku": variant["sku"],
        "price": str(variant["price"]),
        "priceCurrency": settings.SHOP_CURRENCY,
        "availability": "https://schema.org/InStock"
        if variant["in_stock"]
        else "https://schema.org/OutOfStock",
        "url": url,
    }
    if variant["sale_ends_at"] is not None:
        offer["priceValidUntil"] = timezone.localtime(variant["sale_ends_at"]).date().isoformat()
    return offer


def _product_structured_data(data: dict) -> dict:
    """schema.org Product with one Offer per active variant."""
    offers = [_offer(variant, url=data["canonical"]) for variant in data["variants"]]
    structured = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": data["name"],
        "description": data["description"] or data["name"],
        "sku": data["variants"][0]["sku"],
        "url": data["canonical"],
        "offers": offers[0] if len(offers) == 1 else offers,
    }
    if data["images"]:
        structured["image"] = [_absolute_media(image["full_url"]) for image in data["images"]]
    return structured
