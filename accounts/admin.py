"""The accounts app's part of the admin: staff's two-factor set-up link, and sign-in lockouts.

Of django-axes' three lists only the failed attempts are registered (AXES_ENABLE_ADMIN is off):
they are what a lockout counts, so a superuser deletes an address's rows to lift its lockout
at once. Its access logs and failure logs are never written with our settings and would only
ever show empty lists. The admin site shows the attempts under "Technical", to superusers only
(shop/admin_site.py).
"""

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from accounts.exceptions import AlreadyEnrolled, NotStaff
from accounts.two_factor import two_factor_setup_link_send
from shop.admin import user_admin_action_add


@admin.action(description=gettext_lazy("Send two-factor set-up link"), permissions=["superuser"])
def two_factor_link_send_selected(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet
) -> None:
    """Email each selected staff member a one-time link to set up their authenticator (superusers only)."""
    for user in queryset.order_by("pk"):
        try:
            two_factor_setup_link_send(user=user, issued_by=request.user, language=get_language())
        except NotStaff:
            modeladmin.message_user(
                request,
                _("%(email)s is not an active staff member, so no set-up link was sent.")
                % {"email": user.email},
                messages.WARNING,
            )
        except AlreadyEnrolled:
            modeladmin.message_user(
                request,
                _(
                    "%(email)s has two-factor sign-in already. To give them a new set-up link, delete "
                    "their TOTP device first."
                )
                % {"email": user.email},
                messages.WARNING,
            )
        else:
            modeladmin.message_user(
                request, _("A two-factor set-up link was sent to %(email)s.") % {"email": user.email}
            )


user_admin_action_add(two_factor_link_send_selected)

admin.site.register(AccessAttempt, AccessAttemptAdmin)
