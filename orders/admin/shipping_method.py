"""The shipping admin: methods with their prices and, per zone, their rates; and the zones."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from orders.models import ShippingMethod, ShippingRate, ShippingZone
from shop.addresses import Country
from shop.divisions import division_province_list


def _province_choices() -> list[tuple[str, str]]:
    return [(province.code, province.name) for province in division_province_list()]


class ShippingZoneAdminForm(forms.ModelForm):
    """Staff tick provinces and countries; the codes are what the zone stores."""

    # Read when the form is built: the provinces come from the division table.
    provinces = forms.MultipleChoiceField(
        label=_("Provinces"),
        choices=_province_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "zone-choices"}),
        help_text=_("Mainland provinces this zone holds."),
    )
    countries = forms.MultipleChoiceField(
        label=_("Countries or regions"),
        choices=Country.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "zone-choices"}),
        help_text=_(
            "Or countries this zone holds; China (mainland) covers the provinces no earlier zone holds."
        ),
    )

    class Meta:
        model = ShippingZone
        fields = ["name", "position", "provinces", "countries"]


@admin.register(ShippingZone)
class ShippingZoneAdmin(admin.ModelAdmin):
    """An address belongs to the first zone, by position, that holds its province or its country."""

    form = ShippingZoneAdminForm
    list_display = ["name", "position"]  # and the places: get_list_display
    list_editable = ["position"]
    ordering = ["position", "id"]

    def changelist_view(self, request, extra_context=None):
        # The province names, read once for the page's rows (on the request: the admin is shared).
        request.province_names = dict(_province_choices())
        return super().changelist_view(request, extra_context)

    def get_list_display(self, request):
        names = getattr(request, "province_names", {})

        @admin.display(description=_("places"))
        def places(zone: ShippingZone) -> str:
            if zone.provinces:
                return "、".join(names.get(code, code) for code in zone.provinces)
            return ", ".join(str(Country(code).label) for code in zone.countries if code in Country.values)

        return ["name", "position", places]


class ShippingRateInline(admin.StackedInline):
    model = ShippingRate
    extra = 0
    fields = [
        "zone",
        "kind",
        "price",
        ("first_weight_grams", "additional_unit_grams", "additional_unit_price"),
        ("free_above", "surcharge"),
    ]
    verbose_name_plural = _("rates by zone (none: the price above applies everywhere)")


@admin.register(ShippingMethod)
class ShippingMethodAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "price", "free_above", "is_active", "position"]
    list_editable = ["is_active", "position"]
    prepopulated_fields = {"code": ["name"]}
    ordering = ["position", "id"]
    inlines = [ShippingRateInline]
