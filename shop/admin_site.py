"""The admin site: the shop's sections for everyone, the machinery's only for superusers, last.

Installed in place of ``django.contrib.admin`` (INSTALLED_APPS names ``ShopAdminConfig``), so
``admin.site`` and ``@admin.register`` everywhere use this site.

Sign-in lockouts (django-axes), staff authenticators and backup codes (django-otp) and the
task queue's results (django-tasks) are kept for the person who runs the server: a superuser
lifts a lockout, removes a lost phone's authenticator or reads why a task failed. A shop owner
has no use for them on every visit, so the index shows them folded away at the end under
"Technical", with names that say what they are, and only to superusers. Other staff find them
neither on the index, nor in the sidebar, nor as section pages, whatever permissions they hold;
a direct link to one of their lists opens only with that model's permission, which no staff
role has.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

# App label -> the name the index shows instead of the package's own.
TECHNICAL_APPS = {
    "axes": _("Sign-in lockouts"),
    "otp_totp": _("Authenticator apps"),
    "otp_static": _("Backup codes"),
    "django_tasks_database": _("Background tasks"),
}


class ShopAdminSite(admin.AdminSite):
    """Django's admin site, with the technical apps kept apart (see the module's docstring)."""

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[dict]:
        apps = super().get_app_list(request, app_label)
        everyday = [app for app in apps if app["app_label"] not in TECHNICAL_APPS]
        if not (request.user.is_active and request.user.is_superuser):
            return everyday
        technical = [
            {**app, "name": str(TECHNICAL_APPS[app["app_label"]]), "technical": True}
            for app in apps
            if app["app_label"] in TECHNICAL_APPS
        ]
        return everyday + sorted(technical, key=lambda app: app["name"].lower())

    def index(self, request: HttpRequest, extra_context: dict | None = None) -> TemplateResponse:
        response = super().index(request, extra_context)
        apps = response.context_data["app_list"]
        response.context_data["app_list"] = [app for app in apps if not app.get("technical")]
        response.context_data["technical_app_list"] = [app for app in apps if app.get("technical")]
        return response


class ShopAdminConfig(AdminConfig):
    default_site = "shop.admin_site.ShopAdminSite"
