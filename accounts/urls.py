from django.urls import path

from accounts.views import account as views
from accounts.views import addresses as address_views
from accounts.views import two_factor as two_factor_views

app_name = "account"

urlpatterns = [
    path("", views.account_home, name="home"),
    path("signup/", views.signup, name="signup"),
    path("signup/sent/", views.signup_done, name="signup_done"),
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", views.SignOutView.as_view(), name="logout"),
    path("orders/", views.order_list, name="orders"),
    path("details/", views.profile_edit, name="profile"),
    path("addresses/", address_views.address_list, name="addresses"),
    path("addresses/new/", address_views.address_add, name="address_add"),
    path("addresses/<int:address_id>/", address_views.address_edit, name="address_edit"),
    path("addresses/<int:address_id>/delete/", address_views.address_delete, name="address_delete"),
    path("addresses/<int:address_id>/default/", address_views.address_default_set, name="address_default"),
    path("email/", views.email_change, name="email_change"),
    path("email/confirm/<str:token>/", views.email_change_confirm, name="email_change_confirm"),
    path("verify/", views.verification_resend, name="verification_resend"),
    path("verify/<str:token>/", views.email_verify, name="email_verify"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("password/reset/done/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("privacy/", views.privacy, name="privacy"),
    path("privacy/download/", views.privacy_download, name="privacy_download"),
    path("privacy/delete/", views.account_delete_view, name="account_delete"),
    path("two-factor/", two_factor_views.two_factor_setup, name="two_factor"),
    path("two-factor/set-up/<str:token>/", two_factor_views.two_factor_link, name="two_factor_link"),
    path("two-factor/verify/", two_factor_views.two_factor_verify_view, name="two_factor_verify"),
    path(
        "two-factor/backup-codes/", two_factor_views.two_factor_backup_codes, name="two_factor_backup_codes"
    ),
    path("two-factor/remove/", two_factor_views.two_factor_remove, name="two_factor_remove"),
]
