"""Input of the shopper's after-sales pages: the request form and the return parcel. Never writes."""

from dataclasses import dataclass

from django import forms
from django.forms import BoundField
from django.utils.translation import gettext_lazy as _

from aftersales.models import AfterSalesRequest
from aftersales.rules import REASONS_BY_KIND, RequestLine, reason_fits_kind
from aftersales.selectors import LineAvailability
from catalog.models import Variant
from shop.uploads import MultipleFileField

Kind = AfterSalesRequest.Kind
Reason = AfterSalesRequest.Reason
DESCRIPTION_MAX_LENGTH = 2000


def _reason_choices() -> list:
    """The reasons grouped under the kind they fit, so the list itself says which go together."""
    return [("", _("Choose a reason"))] + [
        (kind.label, [(reason.value, reason.label) for reason in reasons])
        for kind, reasons in REASONS_BY_KIND.items()
    ]


def _option_label(variant: Variant, *, bought: Variant | None) -> str:
    label = variant.options_label or variant.sku
    if bought is not None and variant.pk == bought.pk:
        return _("%(option)s (the same as yours)") % {"option": label}
    return label


@dataclass(frozen=True)
class LineRow:
    """One order line as the form shows it: what is left to ask about, and its fields when any."""

    availability: LineAvailability
    quantity: BoundField | None
    exchange: BoundField | None


class AfterSalesRequestForm(forms.Form):
    """A request about some of an order's units: per line how many (and for an exchange the option wanted),
    the kind, a reason that fits it, a description and photos. The service checks the rest under the lock.
    """

    kind = forms.ChoiceField(
        label=_("What would you like?"),
        choices=Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a return, a refund or an exchange.")},
    )
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=_reason_choices,
        error_messages={"required": _("Choose a reason.")},
    )
    description = forms.CharField(
        label=_("Tell us more (optional)"),
        max_length=DESCRIPTION_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    photos = MultipleFileField(label=_("Photos (optional)"), limits_setting="AFTER_SALES_PHOTO")

    def __init__(
        self,
        *args,
        availability: list[LineAvailability],
        exchange_options: dict[int, list[Variant]],
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.availability = availability
        limits = self.fields["photos"].limits
        self.fields["photos"].help_text = _("Up to %(count)d photos (%(types)s).") % {
            "count": limits.max_count,
            "types": ", ".join(limits.extensions),
        }
        self.fields["photos"].widget.attrs["accept"] = ",".join(f".{ext}" for ext in limits.extensions)
        for available in availability:
            line = available.order_line
            if not available.available:
                continue
            self.fields[f"quantity_{line.pk}"] = forms.IntegerField(
                label=_("How many"),
                min_value=0,
                max_value=available.available,
                initial=0,
                required=False,
                error_messages={
                    "min_value": _("Enter 0 or more."),
                    "max_value": _("You can ask about at most %(limit_value)s."),
                    "invalid": _("Enter a whole number."),
                },
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )
            options = exchange_options.get(line.pk, [])
            if options:
                self.fields[f"exchange_{line.pk}"] = forms.ChoiceField(
                    label=_("Exchange for"),
                    choices=[(option.pk, _option_label(option, bought=line.variant)) for option in options],
                    initial=line.variant_id,
                    required=False,
                    help_text=_("Only used for an exchange."),
                    error_messages={"invalid_choice": _("Choose one of the options listed.")},
                )

    def line_rows(self) -> list[LineRow]:
        rows = []
        for available in self.availability:
            pk = available.order_line.pk
            rows.append(
                LineRow(
                    availability=available,
                    quantity=self[f"quantity_{pk}"] if f"quantity_{pk}" in self.fields else None,
                    exchange=self[f"exchange_{pk}"] if f"exchange_{pk}" in self.fields else None,
                )
            )
        return rows

    def clean(self) -> dict:
        cleaned = super().clean()
        kind, reason = cleaned.get("kind"), cleaned.get("reason")
        if kind and reason and not reason_fits_kind(kind=kind, reason=reason):
            self.add_error("reason", _("Choose a reason that fits what you are asking for."))
        asked = [
            available for available in self.availability if cleaned.get(f"quantity_{available.order_line.pk}")
        ]
        quantity_errors = any(name.startswith("quantity_") for name in self.errors)
        if not asked and not quantity_errors:
            raise forms.ValidationError(_("Choose at least one item and how many."), code="no_lines")
        if kind and kind != Kind.EXCHANGE:
            # The options wanted count only for an exchange: one gone meanwhile stops nothing else.
            for name in [name for name in self.errors if name.startswith("exchange_")]:
                del self.errors[name]
        if kind == Kind.EXCHANGE:
            for available in asked:
                name = f"exchange_{available.order_line.pk}"
                if name not in self.fields:
                    self.add_error(
                        None,
                        _("%(product)s cannot be exchanged: no option of it is on sale now.")
                        % {"product": available.order_line.product_name},
                    )
                elif not cleaned.get(name) and name not in self.errors:
                    self.add_error(
                        name,
                        _("Choose the option you want instead of %(product)s.")
                        % {"product": available.order_line.product_name},
                    )
        return cleaned

    def request_lines(self) -> list[RequestLine]:
        """The asked units as the service takes them (only after is_valid)."""
        exchange = self.cleaned_data.get("kind") == Kind.EXCHANGE
        lines = []
        for available in self.availability:
            pk = available.order_line.pk
            quantity = self.cleaned_data.get(f"quantity_{pk}") or 0
            if quantity <= 0:
                continue
            variant_id = self.cleaned_data.get(f"exchange_{pk}") if exchange else None
            lines.append(
                RequestLine(
                    order_line_id=pk,
                    quantity=quantity,
                    exchange_variant_id=int(variant_id) if variant_id else None,
                )
            )
        return lines

    def exchange_label(self, line: RequestLine) -> str:
        """The label of the option an exchange line asks for (as the form offered it)."""
        field = self.fields.get(f"exchange_{line.order_line_id}")
        if field is None or line.exchange_variant_id is None:
            return ""
        return dict((str(value), label) for value, label in field.choices).get(
            str(line.exchange_variant_id), ""
        )

    @property
    def only_photo_errors(self) -> bool:
        return bool(self.errors) and set(self.errors) == {"photos"}


class ReturnParcelForm(forms.Form):
    """The carrier and tracking number of the parcel the shopper sends back."""

    carrier = forms.CharField(
        label=_("Carrier"),
        max_length=100,
        error_messages={"required": _("Enter the carrier of your parcel.")},
    )
    tracking_number = forms.CharField(
        label=_("Tracking number"),
        max_length=100,
        error_messages={"required": _("Enter the tracking number of your parcel.")},
    )
