"""Forms and fields of the catalogue admin: staff never type JSON."""

from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db.models import CharField, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from catalog.images import image_validate
from catalog.models import Category, ProductImage, Variant
from shop.money import format_money

OPTION_NAME_MAX_LENGTH = 50
OPTION_VALUE_MAX_LENGTH = 100
CATEGORY_PATH_SEPARATOR = " › "  # noqa: RUF001

# The chain from a category up to its root, with one recursive query per row
# (the tree is small). The depth bound stops on a cycle already in the data.
_CATEGORY_ANCESTORS = """
WITH RECURSIVE ancestor(id, parent_id, name, position, depth) AS (
    SELECT c.id, c.parent_id, c.name, c.position, 0
      FROM catalog_category c
     WHERE c.id = "catalog_category"."id"
    UNION ALL
    SELECT p.id, p.parent_id, p.name, p.position, ancestor.depth + 1
      FROM catalog_category p
      JOIN ancestor ON p.id = ancestor.parent_id
     WHERE ancestor.depth < 50
)
"""
# Names from the root down to the category.
_CATEGORY_PATH_SQL = f"""({_CATEGORY_ANCESTORS}
SELECT array_agg(ancestor.name::text ORDER BY ancestor.depth DESC) FROM ancestor)"""
# (position, name, id) of each level from the root down: sorting by it lists
# every category right after its parent, siblings by position then name.
_CATEGORY_TREE_KEY_SQL = f"""({_CATEGORY_ANCESTORS}
SELECT array_agg(ROW(ancestor.position, ancestor.name, ancestor.id) ORDER BY ancestor.depth DESC)
  FROM ancestor)"""


def category_tree(queryset: QuerySet[Category] | None = None) -> QuerySet[Category]:
    """Categories in tree order, each annotated with ``tree_names`` (root first).

    ``tree_key`` is an alias to order by. The SQL refers to the main table by
    its name, so use the result as a top-level query, not as a subquery.
    """
    queryset = Category.objects.all() if queryset is None else queryset
    return (
        queryset.annotate(tree_names=RawSQL(_CATEGORY_PATH_SQL, (), output_field=ArrayField(CharField())))
        .alias(tree_key=RawSQL(_CATEGORY_TREE_KEY_SQL, (), output_field=CharField()))
        .order_by("tree_key")
    )


def category_path(category: Category) -> str:
    """The full path of a category annotated by ``category_tree``, e.g. ``Clothing › Men``."""  # noqa: RUF002
    names = getattr(category, "tree_names", None) or [category.name]
    return CATEGORY_PATH_SEPARATOR.join(names)


class CategoryChoiceField(forms.ModelChoiceField):
    """A category select that shows full paths in tree order."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("queryset", category_tree())
        super().__init__(**kwargs)

    def label_from_instance(self, obj: Category) -> str:
        return category_path(obj)


def options_parse(text: str) -> dict[str, str]:
    """Parse ``Size: M, Colour: Blue`` (commas or one pair a line) into ``{"Size": "M", ...}``.

    A comma-separated piece without a colon continues the previous value, so
    ``Material: Cotton, Linen`` keeps its comma. Raises ``ValidationError``
    (all problems at once) on a piece that is not ``Name: Value``, an empty
    name or value, an over-long one or a name given twice.
    """
    options: dict[str, str] = {}
    seen: dict[str, str] = {}
    errors: list[ValidationError] = []
    last_name: str | None = None
    for line in text.splitlines():
        for piece in line.split(","):
            piece = piece.strip()
            if not piece:
                continue
            if ":" not in piece:
                if last_name is None:
                    errors.append(
                        ValidationError(
                            _("“%(piece)s” is not an option. Write options as Name: Value, e.g. Size: M."),
                            code="not_a_pair",
                            params={"piece": piece},
                        )
                    )
                else:
                    options[last_name] = f"{options[last_name]}, {piece}"
                continue
            name, value = (part.strip() for part in piece.split(":", 1))
            last_name = None
            if not name or not value:
                errors.append(
                    ValidationError(
                        _("“%(piece)s” needs both an option name and a value, e.g. Size: M."),
                        code="incomplete_pair",
                        params={"piece": piece},
                    )
                )
                continue
            if name.casefold() in seen:
                errors.append(
                    ValidationError(
                        _("The option “%(name)s” is given more than once."),
                        code="duplicate_name",
                        params={"name": name},
                    )
                )
                continue
            seen[name.casefold()] = name
            options[name] = value
            last_name = name
    for name, value in options.items():
        if len(name) > OPTION_NAME_MAX_LENGTH or len(value) > OPTION_VALUE_MAX_LENGTH:
            errors.append(
                ValidationError(
                    _(
                        "The option “%(name)s” is too long: names may have at most %(name_max)s "
                        "characters and values at most %(value_max)s."
                    ),
                    code="too_long",
                    params={
                        "name": name[:OPTION_NAME_MAX_LENGTH],
                        "name_max": OPTION_NAME_MAX_LENGTH,
                        "value_max": OPTION_VALUE_MAX_LENGTH,
                    },
                )
            )
    if errors:
        raise ValidationError(errors)
    return options


def options_format(options: dict | None) -> str:
    """Show stored options the way staff type them: ``Size: M, Colour: Blue``."""
    return ", ".join(f"{name}: {value}" for name, value in (options or {}).items())


class OptionsField(forms.Field):
    """Variant options as text (``Size: M, Colour: Blue``), cleaned to a dict."""

    widget = forms.TextInput(attrs={"size": 28, "placeholder": _("e.g. Size: M, Colour: Blue")})
    empty_values = (None, "", {})

    def prepare_value(self, value):
        if isinstance(value, dict):
            return options_format(value)
        return value

    def to_python(self, value) -> dict[str, str]:
        if isinstance(value, dict):
            return value
        if value in self.empty_values:
            return {}
        return options_parse(str(value))

    def has_changed(self, initial, data) -> bool:
        try:
            return self.to_python(initial) != self.to_python(data)
        except ValidationError:
            return True


class ProductImageField(forms.ImageField):
    """An image upload checked by ``catalog.images.image_validate`` (type, bytes, pixels)."""

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs["accept"] = "image/jpeg,image/png,image/webp,image/gif"
        return attrs

    def to_python(self, data):
        # FileField's checks only: image_validate does a stricter job than
        # ImageField's (which would decode a decompression bomb's header and
        # give a vaguer message).
        uploaded = forms.FileField.to_python(self, data)
        if uploaded is None:
            return None
        image_format = image_validate(uploaded)
        uploaded.content_type = f"image/{image_format.lower()}"
        return uploaded


SALE_MOMENT_FORMAT = "%Y-%m-%dT%H:%M"


class SaleWidget(forms.MultiWidget):
    """A variant's sale in one table cell: sale price, start and end stacked, each labelled.

    One cell instead of three keeps the product page's variant rows within 1280 px. The inputs
    post as ``sale_price``, ``sale_starts_at`` and ``sale_ends_at``; the times are one compact
    date-and-time input each, typed to the minute.
    """

    def __init__(self, attrs: dict | None = None) -> None:
        moment = {"type": "datetime-local"}
        super().__init__(
            widgets={
                "price": forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
                "starts_at": forms.DateTimeInput(attrs=moment, format=SALE_MOMENT_FORMAT),
                "ends_at": forms.DateTimeInput(attrs=moment, format=SALE_MOMENT_FORMAT),
            },
            attrs=attrs,
        )

    def decompress(self, value) -> list:
        return list(value) if value else [None, None, None]

    def render(self, name, value, attrs=None, renderer=None) -> str:
        context = self.get_context(name, value, attrs)
        labels = [gettext("price"), gettext("starts"), gettext("ends")]
        parts = [
            format_html(
                '<label class="sale-part"><span class="sale-part-label">{}</span>{}</label>',
                label,
                widget._render(widget.template_name, {"widget": part}, renderer),
            )
            for label, widget, part in zip(labels, self.widgets, context["widget"]["subwidgets"], strict=True)
        ]
        return format_html(
            '<div class="sale-parts">{}</div>', format_html_join("", "{}", ((part,) for part in parts))
        )


class SaleField(forms.MultiValueField):
    """A sale as ``(sale_price, starts_at, ends_at)``, each part optional; the form checks they fit."""

    widget = SaleWidget

    def __init__(self, **kwargs) -> None:
        fields = (
            forms.DecimalField(required=False, max_digits=12, decimal_places=2),
            forms.DateTimeField(required=False),
            forms.DateTimeField(required=False),
        )
        super().__init__(fields=fields, require_all_fields=False, required=False, **kwargs)

    def compress(self, data_list) -> tuple:
        return tuple(data_list) if data_list else (None, None, None)


class VariantAdminForm(forms.ModelForm):
    options = OptionsField(
        label=_("options"),
        required=False,
        help_text=_("Name: Value pairs separated by commas, e.g. Size: M, Colour: Blue."),
    )
    sale = SaleField()

    class Meta:
        model = Variant
        fields = ["sku", "options", "price", "stock", "weight_grams", "is_active", "position"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        variant = self.instance
        # Typed and shown in the shop's time zone (the admin does not switch zones per user).
        self.initial.setdefault(
            "sale",
            [
                variant.sale_price,
                timezone.localtime(variant.sale_starts_at) if variant.sale_starts_at else None,
                timezone.localtime(variant.sale_ends_at) if variant.sale_ends_at else None,
            ],
        )
        zone = {"zone": settings.TIME_ZONE}
        self.fields["sale"].label = gettext("sale (times in %(zone)s)") % zone
        self.fields["sale"].help_text = (
            gettext(
                "Shoppers pay the sale price instead of the price from the start until the end, "
                "with the price struck through; it must be below the price. Times are to the minute "
                "in the shop's time zone (%(zone)s): leave the start empty to start at once, the end "
                "empty for a sale without an end, and the sale price empty for no sale."
            )
            % zone
        )

    def clean_sku(self) -> str:
        return self.cleaned_data["sku"].strip()

    def clean_price(self) -> Decimal:
        price = self.cleaned_data["price"]
        if price is not None and price < 0:
            raise ValidationError(_("The price cannot be negative."), code="negative_price")
        return price

    def clean(self) -> dict:
        # The database constraints say the same; checked here first so the message sits by the sale.
        cleaned = super().clean()
        if "sale" not in cleaned:
            return cleaned  # a part did not parse: the field says which
        sale_price, starts, ends = cleaned["sale"]
        price = cleaned.get("price")
        if sale_price is not None and sale_price < 0:
            self.add_error("sale", ValidationError(_("The sale price cannot be negative."), code="negative"))
        elif price is not None and sale_price is not None and sale_price >= price:
            self.add_error(
                "sale",
                ValidationError(
                    _("The sale price must be below the price (%(price)s)."),
                    code="sale_price_not_below_price",
                    params={"price": format_money(price)},
                ),
            )
        if sale_price is None and (starts or ends):
            self.add_error(
                "sale",
                ValidationError(
                    _("Enter a sale price, or leave the sale times empty."), code="times_without_price"
                ),
            )
        if starts is not None and ends is not None and ends <= starts:
            self.add_error(
                "sale", ValidationError(_("The sale must end after it starts."), code="ends_before_start")
            )
        if "sale" in self.cleaned_data:
            # Not model fields of this form (one cell holds all three): set on the row it saves.
            variant = self.instance
            variant.sale_price, variant.sale_starts_at, variant.sale_ends_at = sale_price, starts, ends
        return cleaned


class VariantOptionChoiceField(forms.ModelChoiceField):
    """One of a product's variants, named by its options as shoppers see them."""

    def label_from_instance(self, obj: Variant) -> str:
        return obj.options_label or obj.sku


class ProductImageAdminForm(forms.ModelForm):
    image = ProductImageField(label=_("image"))

    class Meta:
        model = ProductImage
        fields = ["image", "alt_text", "variant", "position"]
        # Built afresh with each form class, so the inline can narrow it to one product's variants.
        field_classes = {"variant": VariantOptionChoiceField}


class CategoryAdminForm(forms.ModelForm):
    parent = CategoryChoiceField(label=_("parent category"), required=False)

    class Meta:
        model = Category
        fields = ["name", "slug", "parent", "description", "position", "is_active"]

    def clean_parent(self) -> Category | None:
        parent = self.cleaned_data["parent"]
        if parent is None or self.instance.pk is None:
            return parent
        # Walk up from the chosen parent; meeting this category means a cycle.
        # The visited set also stops on a cycle already in the data.
        visited: set[int] = set()
        ancestor_id: int | None = parent.pk
        while ancestor_id is not None and ancestor_id not in visited:
            if ancestor_id == self.instance.pk:
                raise ValidationError(
                    _("A category cannot be placed inside itself or inside one of its own sub-categories."),
                    code="category_cycle",
                )
            visited.add(ancestor_id)
            ancestor_id = Category.objects.filter(pk=ancestor_id).values_list("parent_id", flat=True).first()
        return parent
