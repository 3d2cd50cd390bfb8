"""The categories and products a coupon or promotion applies to, chosen by typing (there may be many)."""

from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.core.exceptions import ValidationError
from django.http import HttpRequest


class ForgivingAutocompleteSelectMultiple(AutocompleteSelectMultiple):
    """Django's widget, except that showing a refused form again skips ids that are not ids.

    Django looks the submitted values up to show them as chosen, and a value that is not a
    number ("abc") made that lookup, and so the page, fail with a server error.
    """

    def optgroups(self, name, value, attr=None):
        target = self.field.target_field

        def usable(item) -> bool:
            try:
                target.get_prep_value(target.to_python(item))
            except (ValidationError, ValueError, TypeError):
                return False
            return True

        return super().optgroups(name, [item for item in value if usable(item)], attr)


class ProductScopeAdminMixin:
    """Categories and products by autocomplete, with the widget above."""

    autocomplete_fields = ["categories", "products"]

    def formfield_for_manytomany(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = ForgivingAutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)
