"""Admin for the email-login user, and the admin site's titles."""

from collections.abc import Callable

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from shop.admin_readonly import ReadOnlyModelAdmin
from shop.identity import email_canonical
from shop.models import AuditEvent, User

admin.site.site_header = format_lazy(_("{shop_name} admin"), shop_name=settings.SHOP_NAME)
admin.site.site_title = format_lazy(_("{shop_name} admin"), shop_name=settings.SHOP_NAME)
admin.site.index_title = _("Shop administration")


class _UniqueEmailMixin:
    """Refuse an email address another user has, whatever its case, with a clear message.

    The case-insensitive unique constraint on ``User`` still settles races.
    """

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"]).strip()
        others = User.objects.filter(email_canonical=email_canonical(email))
        if self.instance.pk is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise ValidationError(_("A user with this email address already exists."), code="duplicate_email")
        return email


class UserAdminCreationForm(_UniqueEmailMixin, AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name")
        field_classes: dict[str, type[forms.Field]] = {}


class UserAdminChangeForm(_UniqueEmailMixin, UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"
        field_classes: dict[str, type[forms.Field]] = {}


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserAdminChangeForm
    add_form = UserAdminCreationForm
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("full_name",)}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "full_name", "usable_password", "password1", "password2"),
            },
        ),
    )
    list_display = ("email", "full_name", "is_staff", "is_active", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups")
    search_fields = ("email", "full_name")
    ordering = ("email",)
    readonly_fields = ("last_login", "date_joined")
    # Apps above shop add theirs (user_admin_action_add).
    actions: list[Callable] = []

    def has_superuser_permission(self, request: HttpRequest) -> bool:
        """For actions only superusers may run (``permissions=["superuser"]``)."""
        return request.user.is_active and request.user.is_superuser


def user_admin_action_add(action: Callable) -> None:
    """Offer another app's action on the user list (accounts adds "Send two-factor set-up link").

    For the apps above shop: call it from the app's admin module, which the admin imports at
    start-up, before its checks run. Adding the same action twice changes nothing.
    """
    if action not in UserAdmin.actions:
        UserAdmin.actions.append(action)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyModelAdmin):
    """The audit trail: superusers and the "Security auditors" group read it; nobody edits it.

    No add, change or delete for anyone, superusers included; the database refuses them too.
    """

    list_display = ("created_at", "action", "actor_email", "ip", "target")
    list_filter = ("action", "created_at")
    search_fields = ("actor_email", "ip", "target")
    date_hierarchy = "created_at"
    fields = ("created_at", "action", "actor", "actor_email", "ip", "target", "detail")
    readonly_fields = fields
    list_select_related = False
    show_full_result_count = False
