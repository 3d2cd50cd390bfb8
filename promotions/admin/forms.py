"""Forms of the promotions admin: a coupon, a batch of generated coupons, a promotion and its tiers.

Every rule the database enforces with a constraint is checked here first, so staff read a
sentence beside the field instead of a server error.
"""

import unicodedata
from decimal import Decimal
from itertools import pairwise

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from promotions.codes import CODE_ALLOWED, CODE_MAX_LENGTH, coupon_code_canonical
from promotions.models import Coupon, Promotion, PromotionTier
from promotions.services import COUPON_GENERATE_MAX, COUPON_GENERATE_MIN_LENGTH
from shop.money import format_money

ZERO = Decimal("0")
HUNDRED = Decimal("100")

# The fields of a coupon that say what it is worth and to whom; a batch shares them.
COUPON_RULE_FIELDS = [
    "kind",
    "value",
    "max_discount",
    "min_spend",
    "valid_from",
    "valid_until",
    "uses_total",
    "uses_per_customer",
    "first_order_only",
    "categories",
    "products",
]


def _quoted(characters: list[str]) -> str:
    names = {" ": gettext("space"), "\t": gettext("tab")}
    return gettext(", ").join(f"“{names.get(character, character)}”" for character in characters)


def coupon_code_clean(typed: str) -> str:
    """The canonical form of a code staff typed, or a ValidationError saying what is wrong with it.

    Full-width letters and digits (a Chinese input method) are accepted; a code may not start
    with "-", which a spreadsheet reads as the start of a formula.
    """
    text = unicodedata.normalize("NFKC", typed).strip()
    bad = [ch for ch in dict.fromkeys(text) if not ch.isascii() or ch.upper() not in CODE_ALLOWED]
    if bad:
        raise ValidationError(
            _("A code may use only the letters A–Z, the digits 0–9, “-” and “_”, not %(characters)s."),  # noqa: RUF001
            code="code_characters",
            params={"characters": _quoted(bad)},
        )
    if len(text) > CODE_MAX_LENGTH:
        raise ValidationError(
            _("A code has at most %(max)d characters; this one has %(length)d."),
            code="code_length",
            params={"max": CODE_MAX_LENGTH, "length": len(text)},
        )
    if text.startswith("-"):
        raise ValidationError(
            _("A code cannot start with “-”: spreadsheets would read it as a formula."),
            code="code_dash",
        )
    canonical = coupon_code_canonical(text)
    if not canonical:
        raise ValidationError(_("Enter a code."), code="required")
    return canonical


class _CouponRulesMixin:
    """Checks of a coupon's value, limits and window that the model's constraints would refuse."""

    def _rules_clean(self, cleaned: dict) -> None:
        kind = cleaned.get("kind")
        value = cleaned.get("value")
        if kind == Coupon.Kind.FREE_SHIPPING:
            if value:
                self.add_error("value", _("A free-shipping coupon has no value: leave it at 0."))
            else:
                cleaned["value"] = ZERO
        elif kind == Coupon.Kind.PERCENTAGE and "value" not in self.errors:
            if value is None:
                self.add_error("value", _("Enter the percentage off."))
            elif not ZERO < value <= HUNDRED:
                self.add_error("value", _("A percentage off must be more than 0 and at most 100."))
        elif kind == Coupon.Kind.FIXED and "value" not in self.errors:
            if value is None:
                self.add_error("value", _("Enter the amount off."))
            elif value <= ZERO:
                self.add_error("value", _("An amount off must be more than 0."))
        max_discount = cleaned.get("max_discount")
        if max_discount is not None:
            if kind != Coupon.Kind.PERCENTAGE:
                self.add_error(
                    "max_discount", _("Only a percentage coupon has a maximum discount: leave it empty.")
                )
            elif max_discount <= ZERO:
                self.add_error("max_discount", _("A maximum discount must be more than 0."))
        min_spend = cleaned.get("min_spend")
        if min_spend is not None and min_spend < ZERO:
            self.add_error("min_spend", _("A minimum spend cannot be below 0."))
        for field in ("uses_total", "uses_per_customer"):
            if cleaned.get(field) == 0:
                self.add_error(field, _("At least 1; leave it empty for no limit."))
        window_clean(self, cleaned)


def window_clean(form: forms.BaseForm, cleaned: dict) -> None:
    """The end of a window must come after its start."""
    valid_from, valid_until = cleaned.get("valid_from"), cleaned.get("valid_until")
    if valid_from is not None and valid_until is not None and valid_until <= valid_from:
        form.add_error("valid_until", _("The end must be after the start."))


class CouponAdminForm(_CouponRulesMixin, forms.ModelForm):
    """One coupon: its code stored in canonical form, its rules checked."""

    class Meta:
        model = Coupon
        fields = [
            "code",
            "campaign",
            "is_active",
            *COUPON_RULE_FIELDS,
        ]
        error_messages = {"code": {"unique": _("There is already a coupon with this code.")}}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "value" in self.fields:
            self.fields["value"].required = False
            if self.instance.pk is None:
                # The model's 0 suits free shipping only; a new percentage coupon starts empty.
                self.initial["value"] = None

    def clean_code(self) -> str:
        return coupon_code_clean(self.cleaned_data["code"])

    def clean(self) -> dict:
        cleaned = super().clean()
        self._rules_clean(cleaned)
        uses_total = cleaned.get("uses_total")
        used = self.instance.uses_count if self.instance.pk else 0
        # The admin locks the coupon's row before this form is bound (CouponAdmin.get_object),
        # so a checkout cannot take another use before the change is saved.
        if uses_total and uses_total < used:
            self.add_error(
                "uses_total",
                ngettext(
                    "This coupon has been used %(count)d time already; the limit cannot be lower.",
                    "This coupon has been used %(count)d times already; the limit cannot be lower.",
                    used,
                )
                % {"count": used},
            )
        return cleaned


class CouponGenerateForm(_CouponRulesMixin, forms.ModelForm):
    """A batch of coupons alike but for their random codes: how many, their shape, their rules."""

    count = forms.IntegerField(
        label=_("How many codes"),
        min_value=1,
        max_value=COUPON_GENERATE_MAX,
        error_messages={
            "min_value": _("Make at least 1 code."),
            "max_value": _("At most %(limit_value)s codes at a time."),
        },
    )
    prefix = forms.CharField(
        label=_("Prefix"),
        required=False,
        max_length=CODE_MAX_LENGTH - COUPON_GENERATE_MIN_LENGTH,
        help_text=_("Optional, at the start of every code, e.g. SPRING-."),
    )
    length = forms.IntegerField(
        label=_("Random characters"),
        initial=8,
        min_value=COUPON_GENERATE_MIN_LENGTH,
        max_value=CODE_MAX_LENGTH,
        help_text=_("After the prefix; letters and digits that are not easily confused."),
    )

    class Meta:
        model = Coupon
        fields = ["campaign", *COUPON_RULE_FIELDS]
        labels = {"uses_total": _("Uses per code")}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["campaign"].required = True
        self.fields["value"].required = False
        self.initial["value"] = None
        self.initial["uses_total"] = 1

    def clean_prefix(self) -> str:
        prefix = self.cleaned_data["prefix"]
        return coupon_code_clean(prefix) if prefix.strip() else ""

    def clean(self) -> dict:
        cleaned = super().clean()
        self._rules_clean(cleaned)
        prefix, length = cleaned.get("prefix", ""), cleaned.get("length")
        if length is not None and len(prefix) + length > CODE_MAX_LENGTH:
            self.add_error(
                "length",
                _("With this prefix a code has room for at most %(max)d random characters.")
                % {"max": CODE_MAX_LENGTH - len(prefix)},
            )
        return cleaned


class PromotionAdminForm(forms.ModelForm):
    """An automatic promotion: a percentage promotion needs its percent, spend and save none."""

    class Meta:
        model = Promotion
        fields = [
            "name",
            "kind",
            "percent",
            "is_active",
            "valid_from",
            "valid_until",
            "categories",
            "products",
        ]

    def clean(self) -> dict:
        cleaned = super().clean()
        kind, percent = cleaned.get("kind"), cleaned.get("percent")
        if kind == Promotion.Kind.PERCENTAGE and "percent" not in self.errors:
            if percent is None:
                self.add_error("percent", _("Enter the percentage off."))
            elif not ZERO < percent <= HUNDRED:
                self.add_error("percent", _("A percentage off must be more than 0 and at most 100."))
        elif kind == Promotion.Kind.SPEND_AND_SAVE and percent is not None:
            self.add_error("percent", _("Only a percentage promotion has a percentage off: leave it empty."))
        window_clean(self, cleaned)
        return cleaned


class PromotionTierForm(forms.ModelForm):
    class Meta:
        model = PromotionTier
        fields = ["threshold", "amount"]

    def clean(self) -> dict:
        cleaned = super().clean()
        threshold, amount = cleaned.get("threshold"), cleaned.get("amount")
        if threshold is not None and threshold <= ZERO:
            self.add_error("threshold", _("Must be more than 0."))
        if amount is not None and amount <= ZERO:
            self.add_error("amount", _("Must be more than 0."))
        elif amount is not None and threshold is not None and threshold > ZERO and amount >= threshold:
            self.add_error("amount", _("The saving must be less than the spend it needs."))
        return cleaned


class PromotionTierFormSet(forms.BaseInlineFormSet):
    """The tiers of the promotion being saved (``self.instance``, with the kind just chosen)."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        tiers = sorted(
            (form.cleaned_data["threshold"], form.cleaned_data["amount"])
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        )
        kind = self.instance.kind
        if kind == Promotion.Kind.SPEND_AND_SAVE and not tiers:
            raise ValidationError(
                _("A spend-and-save promotion needs at least one tier."), code="tiers_missing"
            )
        if kind == Promotion.Kind.PERCENTAGE and tiers:
            raise ValidationError(
                _("A percentage promotion has no tiers: delete them, or choose spend and save."),
                code="tiers_unused",
            )
        for (_lower, lower_amount), (upper, upper_amount) in pairwise(tiers):
            if upper_amount <= lower_amount:
                raise ValidationError(
                    _("Each tier must save more than the one below; the tier from %(threshold)s does not."),
                    code="tiers_order",
                    params={"threshold": format_money(upper)},
                )
