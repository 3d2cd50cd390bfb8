"""Storefront input: the product filter form, a product page's chosen option, the back-in-stock request."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from functools import lru_cache

from django import forms
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from catalog.models import Variant
from catalog.paging import cursor_decode, sort_is_keyset
from catalog.selectors import SEARCH_MAX_LENGTH, ProductFilters, Sort
from shop.identity import email_local_part_ascii_validator
from shop.money import quantize

PAGE_LAST = "last"

SORT_CHOICES = [
    (Sort.RELEVANCE, _("Relevance")),
    (Sort.NAME, pgettext_lazy("sort order", "Name")),
    (Sort.PRICE, _("Price: low to high")),
    (Sort.PRICE_DESC, _("Price: high to low")),
    (Sort.NEWEST, _("Newest")),
]


class ProductFilterForm(forms.Form):
    """Query-string filters of a product listing.

    Shoppers and crawlers send anything; ``filters()`` keeps every valid value
    and replaces each invalid one with its default, so a listing never fails.
    """

    q = forms.CharField(label=_("Search"), required=False)
    category = forms.SlugField(label=_("Category"), required=False, max_length=140)
    min_price = forms.DecimalField(
        label=_("Min price"), required=False, min_value=Decimal("0"), max_digits=12, decimal_places=2
    )
    max_price = forms.DecimalField(
        label=_("Max price"), required=False, min_value=Decimal("0"), max_digits=12, decimal_places=2
    )
    in_stock = forms.ChoiceField(label=_("In stock only"), required=False, choices=[("1", _("Yes"))])
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORT_CHOICES)
    page = forms.CharField(label=_("Page"), required=False, max_length=20)
    # Keyset cursors beyond the numbered pages (catalog.paging), valid for the chosen sort only.
    after = forms.CharField(label=_("Next page"), required=False)
    before = forms.CharField(label=_("Previous page"), required=False)

    def __init__(self, *args, with_category: bool = True, **kwargs) -> None:
        """``with_category=False`` drops the category filter (a category page has its own)."""
        super().__init__(*args, **kwargs)
        if not with_category:
            del self.fields["category"]

    def clean_q(self) -> str:
        # Collapse whitespace and cut overlong queries rather than reject them.
        return " ".join(self.cleaned_data["q"].split())[:SEARCH_MAX_LENGTH].strip()

    def clean_page(self) -> int | str:
        value = self.cleaned_data["page"].strip()
        if not value:
            return 1
        if value == PAGE_LAST:
            return value
        if not value.isascii() or not value.isdigit() or int(value) < 1:
            raise forms.ValidationError(_("Enter a page number."), code="invalid")
        return int(value)

    def clean(self) -> dict:
        cleaned = super().clean()
        q = cleaned.get("q") or ""
        sort = cleaned.get("sort") or ""
        effective = ProductFilters(q=q, sort="" if sort == Sort.RELEVANCE and not q else sort).effective_sort
        for name in ("after", "before"):
            token = cleaned.get(name) or ""
            if token and cursor_decode(token, sort=effective) is None:
                self.add_error(name, _("This link is out of date."))
        if cleaned.get("page") == PAGE_LAST and not sort_is_keyset(effective):
            self.add_error("page", _("Enter a page number."))
        low, high = cleaned.get("min_price"), cleaned.get("max_price")
        if low is not None and high is not None and low > high:
            message = _("The maximum price is below the minimum price.")
            self.add_error("min_price", message)
            self.add_error("max_price", message)
        return cleaned

    def filters(self) -> ProductFilters:
        """The valid filters; invalid or missing values fall back to defaults."""
        self.is_valid()
        data = self.cleaned_data
        q = data.get("q") or ""
        sort = data.get("sort") or ""
        if sort == Sort.RELEVANCE and not q:
            sort = ""
        return ProductFilters(
            q=q,
            category=data.get("category") or "",
            min_price=_normal_price(data.get("min_price")),
            max_price=_normal_price(data.get("max_price")),
            in_stock=data.get("in_stock") == "1",
            sort=sort,
            page=page if isinstance(page := data.get("page"), int) else 1,
            after=data.get("after") or "",
            before="" if data.get("after") else data.get("before") or "",
            last=data.get("page") == PAGE_LAST,
        )

    def ignored_fields(self) -> tuple[str, ...]:
        """Names of the fields whose values were invalid and have been ignored."""
        self.is_valid()
        return tuple(name for name in self.fields if name in self.errors)


def _normal_price(value: Decimal | None) -> Decimal | None:
    # "1E+2", "100" and "-0" mean 100.00 and 0.00: one spelling per amount
    # keeps links and cache keys canonical.
    return None if value is None else quantize(value).copy_abs()


def product_filters_parse(
    query: QueryDict, *, with_category: bool = True
) -> tuple[ProductFilters, tuple[str, ...]]:
    """The filters of a listing's query string and the names of the fields that were ignored.

    An empty query string (most visits) skips building the form, and a query string seen lately
    is not parsed again: building the form costs more than serving a cached page.
    """
    if not query:
        return ProductFilters(), ()
    return _filters_parse(tuple((key, tuple(values)) for key, values in query.lists()), with_category)


@lru_cache(maxsize=1024)
def _filters_parse(
    items: tuple[tuple[str, tuple[str, ...]], ...], with_category: bool
) -> tuple[ProductFilters, tuple[str, ...]]:
    # The result depends on the parameters alone (no language, no request), and both parts are immutable.
    query = QueryDict(mutable=True)
    for key, values in items:
        query.setlist(key, list(values))
    form = ProductFilterForm(query, with_category=with_category)
    return form.filters(), form.ignored_fields()


# The largest id a bigint primary key holds: anything larger is no variant.
_VARIANT_ID_MAX = 2**63 - 1


class ProductVariantForm(forms.Form):
    """The option a product page shows chosen: ``?variant=<id>``, so a shared link keeps the choice."""

    variant = forms.IntegerField(required=False, min_value=1, max_value=_VARIANT_ID_MAX)


def product_variant_parse(query: QueryDict) -> int | None:
    """The variant id a product page's query string asks for; None when there is none or it is no id.

    Whether the id is one of the product's options is for the page to decide.
    """
    if "variant" not in query:
        return None
    form = ProductVariantForm(query)
    return form.cleaned_data["variant"] if form.is_valid() else None


class BackInStockRequestForm(forms.Form):
    """A "notify me" request from a product page: which option, and the address to write to.

    The option must be one of the product's active variants (the service checks
    it is still sold out). The address may be left empty by a signed-in shopper:
    their account's address is used.
    """

    variant = forms.TypedChoiceField(
        label=_("Option"),
        coerce=int,
        error_messages={
            "required": _("Choose the option you are waiting for."),
            "invalid_choice": _("That option is not sold here."),
        },
    )
    email = forms.EmailField(
        label=_("Email"),
        required=False,
        max_length=254,
        validators=[email_local_part_ascii_validator],
        error_messages={"invalid": _("Enter a valid email address.")},
    )

    def __init__(
        self, *args, variants: Iterable[Variant], user: AbstractBaseUser | AnonymousUser, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["variant"].choices = [
            (variant.pk, variant.options_label or variant.sku) for variant in variants
        ]
        self.user = user

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        if email:
            return email
        if self.user.is_authenticated and self.user.email:
            return self.user.email
        raise forms.ValidationError(_("Enter your email address so we can tell you."), code="required")

    def error_text(self) -> str:
        """All errors as one sentence for the messages framework."""
        return " ".join(str(error) for errors in self.errors.values() for error in errors)
