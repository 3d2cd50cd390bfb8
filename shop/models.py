from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shop.addresses import PostalAddress
from shop.identity import email_canonical


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields) -> "User":
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields) -> "User":
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        if not extra_fields["is_staff"] or not extra_fields["is_superuser"]:
            raise ValueError("A superuser must have is_staff=True and is_superuser=True.")
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username: str) -> "User":
        return self.get(email_canonical=email_canonical(username))


class User(AbstractBaseUser, PermissionsMixin, PostalAddress):
    """A customer or a member of staff; the email address is the login.

    The phone and postal address columns (``PostalAddress``) are no longer read: a customer's
    addresses are in their address book (accounts.models.SavedAddress), where migration
    accounts/0003 moved them. A later release drops the columns.
    """

    # unique=True satisfies auth.E003 (the USERNAME_FIELD must be unique);
    # the lower(email) constraint below is what makes it case-insensitive.
    email = models.EmailField(_("email address"), max_length=254, unique=True)
    # The address as identity is decided on (shop.identity), kept in step by save(): sign-in,
    # guest orders, tickets and throttling compare it exactly, never case-insensitively.
    email_canonical = models.CharField(
        _("canonical email address"), max_length=254, unique=True, editable=False
    )
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    is_staff = models.BooleanField(
        _("staff status"), default=False, help_text=_("Whether the user can log into the admin site.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    # Set when the owner proves they read mail at `email` (verification or
    # email-change link); guest orders placed with that address then show in
    # the account.
    email_verified_at = models.DateTimeField(_("email verified at"), null=True, blank=True)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.email

    def save(self, *args, **kwargs) -> None:
        self.email_canonical = email_canonical(self.email)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "email" in update_fields:
            kwargs["update_fields"] = {*update_fields, "email_canonical"}
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email)

    @property
    def email_is_verified(self) -> bool:
        return self.email_verified_at is not None

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class RateLimitHit(models.Model):
    """One counted request (a password reset, a sign-up) for a rate limit (shop/ratelimit.py).

    The key is a keyed hash of what is limited (an address, an IP), never the value itself.
    """

    scope = models.CharField(_("scope"), max_length=40)
    key_hash = models.CharField(_("key hash"), max_length=64)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)

    class Meta:
        verbose_name = _("rate limit hit")
        verbose_name_plural = _("rate limit hits")
        indexes = [models.Index(fields=["scope", "key_hash", "created_at"], name="shop_ratelimit_key_time")]

    def __str__(self) -> str:
        return f"{self.scope} {self.created_at:%Y-%m-%d %H:%M:%S}"


class AuditEvent(models.Model):
    """One security-relevant event staff can read back: who did what, when, from which IP.

    Append-only: written by shop.audit.audit_record, never changed; a database trigger refuses
    every UPDATE (except the SET NULL of a deleted actor) and every DELETE but the pruning of
    rows past AUDIT_RETENTION_DAYS (see migration 0007). ``detail`` never holds a password,
    token or secret.
    """

    class Action(models.TextChoices):
        SIGN_IN = "sign_in", _("Staff sign-in")
        SIGN_IN_FAILED = "sign_in_failed", _("Sign-in failed")
        LOCKED_OUT = "locked_out", _("Sign-in locked out")
        TWO_FACTOR_ENROLLED = "two_factor_enrolled", _("Two-factor set up")
        TWO_FACTOR_REMOVED = "two_factor_removed", _("Two-factor removed")
        TWO_FACTOR_LINK_ISSUED = "two_factor_link_issued", _("Two-factor set-up link issued")
        STAFF_PERMISSIONS_CHANGED = "staff_permissions_changed", _("Staff permissions changed")
        STAFF_GROUPS_CHANGED = "staff_groups_changed", _("Staff groups changed")
        STAFF_STATUS_CHANGED = "staff_status_changed", _("Staff status changed")
        EXPORT_DOWNLOADED = "export_downloaded", _("Export downloaded (CSV)")
        PRIVACY_DOWNLOADED = "privacy_downloaded", _("Privacy data downloaded")
        ORDER_MARKED_PAID = "order_marked_paid", _("Order marked paid")
        ORDER_REFUNDED = "order_refunded", _("Order refunded")
        PAYMENT_REFUNDED = "payment_refunded", _("Payment refund started")
        COUPONS_GENERATED = "coupons_generated", _("Coupon codes generated")

    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    action = models.CharField(_("action"), max_length=40, choices=Action.choices)
    actor = models.ForeignKey(
        "shop.User",
        verbose_name=_("who"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The actor's address when it happened: stays when the account is renamed or removed.
    actor_email = models.CharField(_("who (email)"), max_length=254, blank=True)
    ip = models.CharField(_("IP address"), max_length=64, blank=True)
    target = models.CharField(_("target"), max_length=200, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.created_at:%Y-%m-%d %H:%M:%S}"


class Division(models.Model):
    """One administrative division of mainland China: a province, a city or a district (GB/T 2260).

    Loaded from the data files under shop/data/divisions by a migration and never edited. A
    municipality's city level, "市辖区" in the data, is stored under the province's name, which is
    what shoppers and couriers write (北京市, 北京市, 东城区).
    """

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")
        DISTRICT = "district", _("District")

    code = models.CharField(_("code"), max_length=6, unique=True)
    name = models.CharField(_("name"), max_length=50)
    level = models.CharField(_("level"), max_length=8, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        to_field="code",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )

    class Meta:
        verbose_name = _("administrative division")
        verbose_name_plural = _("administrative divisions")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(level="province", parent__isnull=True, code__regex=r"^[0-9]{2}$"))
                | (models.Q(level="city", parent__isnull=False, code__regex=r"^[0-9]{4}$"))
                | (models.Q(level="district", parent__isnull=False, code__regex=r"^[0-9]{6}$")),
                name="shop_division_level_shape",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
