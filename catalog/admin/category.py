"""The category admin: the category tree, each category listed right under its parent."""

from django.contrib import admin
from django.contrib.admin.views.main import ORDER_VAR, ChangeList
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from catalog.admin.forms import CategoryAdminForm, category_path, category_tree
from catalog.models import Category


class CategoryChangeList(ChangeList):
    """Categories in tree order (each right under its parent) until a column header is clicked."""

    def get_ordering(self, request: HttpRequest, queryset: QuerySet) -> list:
        if ORDER_VAR in self.params:
            return super().get_ordering(request, queryset)
        return ["tree_key", "pk"]

    def get_ordering_field_columns(self) -> dict[int, str]:
        if ORDER_VAR in self.params:
            return super().get_ordering_field_columns()
        return {self.list_display.index("tree_path"): "asc"}


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    form = CategoryAdminForm
    list_display = ["tree_path", "parent", "slug", "position", "is_active"]
    list_display_links = ["tree_path"]
    list_editable = ["position", "is_active"]
    list_filter = ["is_active"]
    list_select_related = ["parent"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Category]:
        return category_tree(super().get_queryset(request))

    def get_changelist(self, request: HttpRequest, **kwargs) -> type[ChangeList]:
        return CategoryChangeList

    @admin.display(description=_("category"), ordering="tree_key")
    def tree_path(self, obj: Category) -> str:
        return category_path(obj)
