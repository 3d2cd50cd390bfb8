"""Account pages: bind a form, call one service or selector, redirect after POST."""

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.messages.views import SuccessMessageMixin
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.exceptions import AccountHasOpenOrders, EmailTaken, InvalidToken, StaffAccountNotDeletable
from accounts.forms import (
    AccountDeleteForm,
    AccountPasswordChangeForm,
    AccountPasswordResetForm,
    EmailChangeForm,
    ProfileForm,
    SignInForm,
    SignUpForm,
)
from accounts.lockout import known_device_remember
from accounts.privacy import account_delete, privacy_export
from accounts.selectors import email_change_request_get, saved_address_list
from accounts.services import (
    user_email_change_confirm,
    user_email_change_request,
    user_email_verify,
    user_profile_update,
    user_sign_up,
    user_verification_resend,
)
from accounts.tokens import email_verification_token_read
from orders.selectors import order_list_for_customer
from shop.audit import audit_record
from shop.models import AuditEvent
from shop.ratelimit import account_rate_limit_hit, client_ip

ORDERS_PER_PAGE = 20
RECENT_ORDERS = 5
RATE_LIMITED_MESSAGE = gettext_lazy(
    "Too many requests from your network or for this email address. Please try again in an hour."
)


def _safe_next(request: HttpRequest) -> str | None:
    url = request.POST.get("next") or request.GET.get("next")
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return None


def _posted(request: HttpRequest) -> dict | None:
    return request.POST if request.method == "POST" else None


def _link_invalid(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "account/link_invalid.html", {"message": message}, status=400)


def _rate_limited(request: HttpRequest, *, action: str, email_field: str) -> bool:
    # Counted before the form is validated, for every submission: otherwise
    # invalid or refused ones could probe addresses without limit.
    email = request.POST.get(email_field, "")
    return not account_rate_limit_hit(action=action, ip_address=client_ip(request), email=email)


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Create an account, then show "check your email"; a taken address gets the very same answer.

    The new account is not signed in: that would tell a new address from a taken one. Its owner
    signs in with the password just chosen; the owner of a taken address gets an email instead.
    """
    if request.user.is_authenticated:
        return redirect(_safe_next(request) or "account:home")
    form = SignUpForm(_posted(request))
    context = {"form": form, "next": _safe_next(request)}
    if request.method == "POST":
        if _rate_limited(request, action="signup", email_field="email"):
            # Refused before validation: an unbound form keeps what was typed and checks nothing.
            typed = {name: request.POST.get(name, "") for name in ("email", "full_name")}
            context |= {"form": SignUpForm(initial=typed), "refused_message": RATE_LIMITED_MESSAGE}
            return render(request, "account/signup_form.html", context, status=429)
        if form.is_valid():
            user_sign_up(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
                full_name=form.cleaned_data["full_name"],
                language=translation.get_language(),
            )
            messages.success(
                request, _("We sent an email to %(email)s.") % {"email": form.cleaned_data["email"]}
            )
            done = reverse("account:signup_done")
            if context["next"]:
                done += "?" + urlencode({"next": context["next"]})
            return redirect(done)
    return render(request, "account/signup_form.html", context)


@require_GET
def signup_done(request: HttpRequest) -> HttpResponse:
    """Check your email: the same page whether the address was new or had an account already."""
    return render(request, "account/signup_done.html", {"next": _safe_next(request)})


class SignInView(auth_views.LoginView):
    template_name = "account/login_form.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form: SignInForm) -> HttpResponse:
        response = super().form_valid(form)
        known_device_remember(response=response, user=form.get_user())
        return response


class SignOutView(auth_views.LogoutView):
    # Django's LogoutView answers POST only (GET is 405): signing out changes state.
    next_page = "catalog:home"


class PasswordChangeView(SuccessMessageMixin, auth_views.PasswordChangeView):
    template_name = "account/password_change_form.html"
    form_class = AccountPasswordChangeForm
    success_url = reverse_lazy("account:home")
    success_message = gettext_lazy("Your password has been changed.")

    def get_form_kwargs(self) -> dict:
        return {**super().get_form_kwargs(), "request": self.request}


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "account/password_reset_form.html"
    form_class = AccountPasswordResetForm
    success_url = reverse_lazy("account:password_reset_done")

    def form_valid(self, form: AccountPasswordResetForm) -> HttpResponse:
        # Counted for every address, known or not, so the answer reveals no account.
        if not account_rate_limit_hit(
            action="password_reset", ip_address=client_ip(self.request), email=form.cleaned_data["email"]
        ):
            form.add_error(None, RATE_LIMITED_MESSAGE)
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "account/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "account/password_reset_confirm.html"
    success_url = reverse_lazy("account:password_reset_complete")

    def form_valid(self, form: SetPasswordForm) -> HttpResponse:
        # The reset link proved the mailbox: this browser is spared the address-wide lockout.
        response = super().form_valid(form)
        known_device_remember(response=response, user=form.user)
        return response

    def dispatch(self, *args, **kwargs) -> HttpResponse:
        response = super().dispatch(*args, **kwargs)
        if not self.validlink and response.status_code == 200:
            # The page explains the bad link; the status says it too.
            response.status_code = 400
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "account/password_reset_complete.html"


@login_required
def account_home(request: HttpRequest) -> HttpResponse:
    """Who you are, your default address and your latest orders."""
    orders = list(order_list_for_customer(user=request.user)[:RECENT_ORDERS])
    default_address = next(iter(saved_address_list(user=request.user)), None)
    return render(
        request, "account/account_home.html", {"orders": orders, "default_address": default_address}
    )


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    """All your orders, newest first, including guest orders placed with your verified address."""
    page = Paginator(order_list_for_customer(user=request.user), ORDERS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "account/order_list.html", {"page": page, "orders": page.object_list})


@require_http_methods(["GET", "POST"])
@login_required
def profile_edit(request: HttpRequest) -> HttpResponse:
    """Edit your name."""
    form = ProfileForm.for_user(request.user, data=_posted(request))
    if request.method == "POST" and form.is_valid():
        user_profile_update(user=request.user, full_name=form.cleaned_data["full_name"])
        messages.success(request, _("Your details have been saved."))
        return redirect("account:home")
    return render(request, "account/profile_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
@login_required
def email_change(request: HttpRequest) -> HttpResponse:
    """Ask for a new address; a link sent there completes the change.

    An address another account uses gets the same answer (its owner is told by email instead).
    """
    form = EmailChangeForm(_posted(request), user=request.user, request=request)
    if request.method == "POST":
        if _rate_limited(request, action="email_change", email_field="new_email"):
            # Refused before validation, so the answer says nothing about the password either.
            form = EmailChangeForm(
                initial={"new_email": request.POST.get("new_email", "")}, user=request.user, request=request
            )
            context = {"form": form, "refused_message": RATE_LIMITED_MESSAGE}
            return render(request, "account/email_change_form.html", context, status=429)
        if form.is_valid():
            new_email = form.cleaned_data["new_email"]
            user_email_change_request(
                user=request.user, new_email=new_email, language=translation.get_language()
            )
            messages.success(
                request,
                _("We sent a confirmation link to %(email)s. Your email address changes when you open it.")
                % {"email": new_email},
            )
            return redirect("account:home")
    return render(request, "account/email_change_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
def email_change_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows the change a link asks for; POST makes it.

    Mail scanners that prefetch links only GET, so they change nothing.
    """
    try:
        change = email_change_request_get(token=token)
        if request.method == "POST":
            user_email_change_confirm(token=token, language=translation.get_language())
            messages.success(request, _("Your email address is now %(email)s.") % {"email": change.new_email})
            return redirect("account:home" if request.user.is_authenticated else "account:login")
    except InvalidToken:
        return _link_invalid(request, _("This email change link is invalid, expired or already used."))
    except EmailTaken:
        # Only whoever reads mail at the new address holds this link, and they may learn
        # that it has an account (a password reset would tell them too); nothing more is said.
        return _link_invalid(
            request, _("This email address already belongs to an account, so your address was not changed.")
        )
    return render(request, "account/email_change_confirm.html", {"new_email": change.new_email})


@require_http_methods(["GET", "POST"])
def email_verify(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a confirm button; POST marks the address verified."""
    try:
        email_verification_token_read(token=token)
        if request.method == "POST":
            user_email_verify(token=token)
            messages.success(request, _("Thank you, your email address is verified."))
            return redirect("account:home" if request.user.is_authenticated else "account:login")
    except InvalidToken:
        return _link_invalid(request, _("This verification link is invalid or expired. Ask for a new one."))
    return render(request, "account/email_verify_confirm.html")


@require_POST
@login_required
def verification_resend(request: HttpRequest) -> HttpResponse:
    """Send a new verification link to the account's address."""
    if user_verification_resend(user=request.user, language=translation.get_language()):
        messages.success(
            request, _("We sent a new verification link to %(email)s.") % {"email": request.user.email}
        )
    else:
        messages.info(request, _("Your email address is already verified."))
    return redirect(reverse("account:home"))


@require_GET
@login_required
def privacy(request: HttpRequest) -> HttpResponse:
    """Your data: download a copy, or delete the account."""
    return render(request, "account/privacy.html")


@never_cache
@require_GET
@login_required
def privacy_download(request: HttpRequest) -> HttpResponse:
    """A JSON file of everything the shop keeps about you."""
    data = json.dumps(privacy_export(user=request.user), ensure_ascii=False, indent=2)
    audit_record(
        action=AuditEvent.Action.PRIVACY_DOWNLOADED, request=request, target=f"user {request.user.pk}"
    )
    response = HttpResponse(data, content_type="application/json; charset=utf-8")
    filename = f"my-data-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def account_delete_view(request: HttpRequest) -> HttpResponse:
    """Delete the account after the password; orders stay for the books, anonymised."""
    form = AccountDeleteForm(_posted(request), user=request.user, request=request)
    if request.method == "POST" and form.is_valid():
        try:
            account_delete(user=request.user)
        except AccountHasOpenOrders as error:
            form.add_error(None, _open_orders_message(error.numbers))
        except StaffAccountNotDeletable:
            form.add_error(None, _("Staff accounts are removed by an administrator in the admin."))
        else:
            logout(request)
            messages.success(request, _("Your account is deleted. Thank you for shopping with us."))
            return redirect("catalog:home")
    status = 400 if form.errors else 200
    return render(request, "account/account_delete_form.html", {"form": form}, status=status)


def _open_orders_message(numbers: list[str]) -> str:
    return _(
        "Your account cannot be deleted while these orders are still open: %(numbers)s. "
        "Try again once they are delivered or cancelled, or contact us."
    ) % {"numbers": ", ".join(numbers)}
