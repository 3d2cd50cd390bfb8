"""Admin building blocks for records nobody edits by hand (orders, payments, emails, events)."""

from django.contrib import admin
from django.http import HttpRequest


class ReadOnlyInline(admin.TabularInline):
    """Rows shown beside their parent and never edited; ``view_permissions``: any one lets a user see them."""

    extra = 0
    can_delete = False
    show_change_link = False
    # Empty: the inline model's own view permission decides.
    view_permissions: tuple[str, ...] = ()

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return self.fields

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        if self.view_permissions:
            return any(request.user.has_perm(permission) for permission in self.view_permissions)
        return super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """A record list for reading: no adding, changing or deleting through the admin."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
