"""Settings of accounts and staff security, read from the environment (imported by shop.settings).

accounts/middleware.py, accounts/lockout.py, accounts/two_factor.py, shop/ratelimit.py and
shop/audit.py read them.
"""

from datetime import timedelta

from django.core.exceptions import ImproperlyConfigured

from shop.settings import SHOP_NAME, env

# Where the admin lives; another path than "admin/" keeps it away from blind scans.
ADMIN_URL = env.str("ADMIN_URL", default="admin/").strip("/") + "/"
if ADMIN_URL == "/":
    raise ImproperlyConfigured("ADMIN_URL must not be empty: use a path such as 'admin/' or 'staff-area/'.")
# Sign-in throttling (django-axes, counted in PostgreSQL; accounts/lockout.py). Within the cool-off
# time, AXES_FAILURE_LIMIT wrong passwords for one address from one IP lock that pair;
# LOGIN_IP_FAILURE_LIMIT from one IP, whatever the addresses, lock the IP; and
# LOGIN_ACCOUNT_FAILURE_LIMIT for one address, whatever the IPs, lock the address, except for
# browsers that signed in to it before. Each lock lifts once its failures are older than the cool-off.
# The password checks of the email-change, password-change and delete-account forms count too.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_IP_FAILURE_LIMIT = env.int("LOGIN_IP_FAILURE_LIMIT", default=20)
LOGIN_ACCOUNT_FAILURE_LIMIT = env.int("LOGIN_ACCOUNT_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "accounts.lockout.TieredLockoutHandler"
# axes stores the posted fields of every failure; these never reach its rows or logs.
AXES_SENSITIVE_PARAMETERS = [
    "username",
    "ip_address",
    "current_password",
    "old_password",
    "new_password1",
    "new_password2",
]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "accounts.lockout.login_username"
AXES_CLIENT_IP_CALLABLE = "shop.ratelimit.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.login_locked_response"
AXES_RESET_ON_SUCCESS = True
# accounts/admin.py registers the failed attempts (a superuser deletes them to lift a lockout);
# axes' access logs and failure logs stay unregistered: with the settings here they are never written.
AXES_ENABLE_ADMIN = False
# Successful sign-ins are in the structured log already (accounts/receivers.py); no second copy.
AXES_DISABLE_ACCESS_LOG = True
# No start-up banner in every command's output; lockouts are still logged as warnings.
AXES_VERBOSE = False
# Two-factor sign-in for the admin (django-otp): the name authenticator apps show.
OTP_TOTP_ISSUER = SHOP_NAME
# The admin never shows anyone's TOTP secret or backup codes (superusers only remove devices).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Staff set up two-factor only through a one-time link a superuser sends (or `manage.py
# issue_two_factor_link` prints); it expires after this. A verified session asks for a code
# again once its verification is this old.
TWO_FACTOR_LINK_MAX_AGE = timedelta(hours=env.int("TWO_FACTOR_LINK_HOURS", default=72))
TWO_FACTOR_VERIFIED_MAX_AGE = timedelta(hours=env.int("TWO_FACTOR_REVERIFY_HOURS", default=12))
if min(TWO_FACTOR_LINK_MAX_AGE, TWO_FACTOR_VERIFIED_MAX_AGE) < timedelta(hours=1):
    raise ImproperlyConfigured("TWO_FACTOR_LINK_HOURS and TWO_FACTOR_REVERIFY_HOURS must be 1 or more.")
# The audit trail (shop.audit) keeps its events this long; `manage.py prune_audit_events` deletes
# older ones, and the database refuses any other change or delete.
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=365)
if AUDIT_RETENTION_DAYS < 1:
    raise ImproperlyConfigured("AUDIT_RETENTION_DAYS must be 1 or more.")
# Password reset, sign-up and email-change requests per address and per IP within the window.
# Sign-up and email change count every submission, valid or not, so typing mistakes count too.
ACCOUNT_RATE_LIMIT_WINDOW = timedelta(minutes=env.int("ACCOUNT_RATE_LIMIT_WINDOW_MINUTES", default=60))
PASSWORD_RESET_RATE_LIMIT_PER_EMAIL = env.int("PASSWORD_RESET_RATE_LIMIT_PER_EMAIL", default=3)
PASSWORD_RESET_RATE_LIMIT_PER_IP = env.int("PASSWORD_RESET_RATE_LIMIT_PER_IP", default=10)
SIGNUP_RATE_LIMIT_PER_EMAIL = env.int("SIGNUP_RATE_LIMIT_PER_EMAIL", default=5)
SIGNUP_RATE_LIMIT_PER_IP = env.int("SIGNUP_RATE_LIMIT_PER_IP", default=10)
EMAIL_CHANGE_RATE_LIMIT_PER_EMAIL = env.int("EMAIL_CHANGE_RATE_LIMIT_PER_EMAIL", default=5)
EMAIL_CHANGE_RATE_LIMIT_PER_IP = env.int("EMAIL_CHANGE_RATE_LIMIT_PER_IP", default=10)
