"""Input of the staff order actions: validated here, applied by orders.services."""

from datetime import date, datetime, time, timedelta

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import MaxValueValidator, MinValueValidator
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orders.models import Carrier, FapiaoRequest, Order, OrderLine
from orders.selectors import carrier_list
from shop.uploads import file_extension, upload_signature_ok

NOTE_MAX_LENGTH = 1000


def _note_field() -> forms.CharField:
    return forms.CharField(
        label=_("Note"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text=_("Kept in the order history; the customer does not see it."),
    )


class OrderTransitionForm(forms.Form):
    """An optional note for mark paid, mark delivered, cancel and refund."""

    note = _note_field()


def _carrier_field(*, required: bool) -> forms.ModelChoiceField:
    """The active carriers, by code (the admin's Carriers page adds, edits and retires them)."""
    return forms.ModelChoiceField(
        label=_("Carrier"),
        queryset=carrier_list(),
        to_field_name="code",
        required=required,
        empty_label=_("Choose a carrier"),
        error_messages={"invalid_choice": _("Choose one of the carriers in the list.")},
    )


class OrderShipForm(forms.Form):
    """One parcel: its carrier and tracking number, how many units of each line go in it, a note.

    ``lines`` are the order's lines with units still to ship, each as (line, units left); each
    gets a quantity field, filled with all that is left. The service checks the quantities
    again under the order's lock, so a parcel another clerk sent meanwhile is never shipped twice.
    """

    carrier = _carrier_field(required=True)
    tracking_number = forms.CharField(
        label=_("Tracking number"),
        max_length=Order._meta.get_field("tracking_number").max_length,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    note = _note_field()

    def __init__(self, *args, lines: list[tuple[OrderLine, int]] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lines = list(lines)
        for line, left in self.lines:
            self.fields[self._line_field(line)] = forms.IntegerField(
                label=_("Units of %(sku)s in this parcel") % {"sku": line.sku},
                min_value=0,
                max_value=left,
                initial=left,
                widget=forms.NumberInput(attrs={"class": "order-ship-quantity"}),
            )

    @staticmethod
    def _line_field(line: OrderLine) -> str:
        return f"line_{line.pk}"

    def clean_tracking_number(self) -> str:
        # Pasted numbers often carry spaces inside; carriers print them without.
        return "".join(self.cleaned_data["tracking_number"].split())

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.lines and not self.errors and not any(self.quantities().values()):
            raise forms.ValidationError(_("Put at least one item in the parcel."))
        return cleaned

    def parcel_fields(self) -> list[forms.BoundField]:
        """The carrier, tracking number and note (the quantities are shown per line)."""
        return [self["carrier"], self["tracking_number"], self["note"]]

    def line_rows(self) -> list[tuple[OrderLine, int, forms.BoundField]]:
        """Each line with units left, its units left and its quantity field."""
        return [(line, left, self[self._line_field(line)]) for line, left in self.lines]

    def quantities(self) -> dict[int, int] | None:
        """Units by order line id (once valid); None for an order without lines (ships as it is)."""
        if not self.lines:
            return None
        return {line.pk: self.cleaned_data.get(self._line_field(line)) or 0 for line, _left in self.lines}


class OrderShipRowForm(forms.Form):
    """One order of the "ship selected orders" action; both fields empty skips the order."""

    order = forms.ModelChoiceField(queryset=Order.objects.none(), widget=forms.HiddenInput)
    carrier = _carrier_field(required=False)
    tracking_number = forms.CharField(
        label=_("Tracking number"),
        required=False,
        max_length=Order._meta.get_field("tracking_number").max_length,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    clean_tracking_number = OrderShipForm.clean_tracking_number

    def clean(self) -> dict:
        cleaned = super().clean()
        if bool(cleaned.get("carrier")) != bool(cleaned.get("tracking_number")):
            raise forms.ValidationError(
                _("Choose the carrier and enter the tracking number, or leave both empty to skip this order.")
            )
        return cleaned

    @property
    def ships(self) -> bool:
        """Whether this row asks to ship its order (both fields filled)."""
        return bool(self.cleaned_data.get("carrier") and self.cleaned_data.get("tracking_number"))


class BaseOrderShipFormSet(forms.BaseFormSet):
    """The rows of the bulk ship page; ``orders`` limits which orders a row may name."""

    def __init__(self, *args, orders, **kwargs) -> None:
        self.orders = orders
        super().__init__(*args, **kwargs)

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        form.fields["order"].queryset = self.orders
        return form

    def clean(self) -> None:
        if any(self.errors):
            return
        chosen = [form.cleaned_data["order"].pk for form in self.forms]
        if len(chosen) != len(set(chosen)):
            raise forms.ValidationError(_("Each order may appear only once."))
        if not any(form.ships for form in self.forms):
            raise forms.ValidationError(_("Enter the carrier and tracking number of at least one order."))

    def shipments(self) -> list[tuple[Order, Carrier, str]]:
        """(order, carrier, tracking number) of every filled row, once the formset is valid."""
        return [
            (form.cleaned_data["order"], form.cleaned_data["carrier"], form.cleaned_data["tracking_number"])
            for form in self.forms
            if form.ships
        ]


OrderShipFormSet = forms.formset_factory(
    OrderShipRowForm,
    formset=BaseOrderShipFormSet,
    extra=0,
    min_num=1,
    validate_min=True,
    max_num=100,
    validate_max=True,
    absolute_max=100,
)


DISCOUNT_REPORT_DEFAULT_DAYS = 30
# Days a report may name: far enough either way for any shop, near enough that the
# arithmetic on them (the default start, midnight after the last day) never overflows.
REPORT_FIRST_DAY = date(2000, 1, 1)
REPORT_LAST_DAY = date(2999, 12, 31)


def _day_start(day: date) -> datetime:
    """Midnight starting ``day`` in the shop's time zone (TIME_ZONE), as an aware datetime."""
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


class DiscountReportForm(forms.Form):
    """The days the discounts report covers, both included, in the shop's time zone (default: the last 30)."""

    start = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[MinValueValidator(REPORT_FIRST_DAY), MaxValueValidator(REPORT_LAST_DAY)],
    )
    end = forms.DateField(
        label=_("Until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[MinValueValidator(REPORT_FIRST_DAY), MaxValueValidator(REPORT_LAST_DAY)],
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.errors:
            return cleaned
        today = timezone.localdate()
        end = cleaned.get("end") or today
        start = cleaned.get("start") or end - timedelta(days=DISCOUNT_REPORT_DEFAULT_DAYS - 1)
        if start > end:
            raise forms.ValidationError(_("The first day must not come after the last."))
        cleaned["start"], cleaned["end"] = start, end
        return cleaned

    def period(self) -> tuple[datetime, datetime]:
        """[start, end): from midnight of the first day to midnight after the last (call after is_valid())."""
        last = self.cleaned_data["end"]
        return _day_start(self.cleaned_data["start"]), _day_start(last + timedelta(days=1))


class FapiaoIssueForm(forms.Form):
    """Issue a fapiao: its number, its PDF, or both; the PDF is checked by its name, size and first bytes."""

    number = forms.CharField(
        label=_("Fapiao number"),
        max_length=FapiaoRequest._meta.get_field("number").max_length,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    pdf = forms.FileField(
        label=_("Fapiao PDF"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    def clean_number(self) -> str:
        # Pasted numbers often carry spaces inside; fapiao numbers have none.
        return "".join(self.cleaned_data["number"].split())

    def clean_pdf(self) -> UploadedFile | None:
        upload = self.cleaned_data.get("pdf")
        if not upload:
            return None
        if file_extension(upload.name) != "pdf" or not upload_signature_ok(upload):
            raise forms.ValidationError(
                _("%(name)s is not a PDF file.") % {"name": upload.name}, code="file_type"
            )
        if upload.size > settings.FAPIAO_PDF_MAX_BYTES:
            raise forms.ValidationError(
                _("%(name)s is too large (%(size)s). Files may be up to %(limit)s.")
                % {
                    "name": upload.name,
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(settings.FAPIAO_PDF_MAX_BYTES),
                },
                code="file_size",
            )
        return upload

    def clean(self) -> dict:
        cleaned = super().clean()
        if not self.errors and not cleaned.get("number") and not cleaned.get("pdf"):
            raise forms.ValidationError(_("Give the fapiao number or upload its PDF."), code="empty")
        return cleaned
