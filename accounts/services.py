"""Write paths of customer accounts: sign-up, email verification, email change, profile."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.emails import AccountEmail
from accounts.exceptions import EmailTaken, InvalidToken
from accounts.selectors import user_get_by_email, user_language_get
from accounts.tasks import account_email_send
from accounts.tokens import email_change_token_read, email_verification_token_read
from shop.identity import email_canonical
from shop.models import User


@transaction.atomic(durable=True)
def user_sign_up(*, email: str, password: str, full_name: str, language: str) -> User | None:
    """Create a customer account and enqueue its verification email in the same transaction.

    When the address already has an account (in any letter case), nothing is created and its
    owner is emailed instead (SIGNUP_ADDRESS_TAKEN), so whoever signs up learns nothing from
    the answer; returns None then. The lower(email) unique constraint decides, inside a
    savepoint, so two concurrent sign-ups with one address make one account.
    """
    user = User(email=User.objects.normalize_email(email), full_name=full_name)
    # Hashed in both cases, so a taken address answers no faster than a new one.
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as error:
        if not _is_email_conflict(error):
            raise
        _address_owner_notify(kind=AccountEmail.SIGNUP_ADDRESS_TAKEN, email=user.email, language=language)
        return None
    account_email_send.enqueue(kind=AccountEmail.EMAIL_VERIFY.value, user_id=user.pk, language=language)
    return user


@transaction.atomic(durable=True)
def user_verification_resend(*, user: User, language: str) -> bool:
    """Enqueue a fresh verification email; returns False (and sends nothing) when already verified."""
    if user.email_verified_at is not None:
        return False
    account_email_send.enqueue(kind=AccountEmail.EMAIL_VERIFY.value, user_id=user.pk, language=language)
    return True


@transaction.atomic(durable=True)
def user_email_verify(*, token: str) -> User:
    """Mark the account's address verified from a verification link. Idempotent.

    Locks the user row. Raises InvalidToken when the token is tampered with, expired, or the
    account's address changed since the link was made; nothing changes then.
    """
    user_id, email = email_verification_token_read(token=token)
    user = User.objects.select_for_update().filter(pk=user_id, is_active=True).first()
    if user is None or user.email_canonical != email_canonical(email):
        raise InvalidToken()
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
    return user


@transaction.atomic(durable=True)
def user_password_reset_request(*, user: User, language: str) -> None:
    """Enqueue the password reset email; the task makes the reset link when it sends."""
    account_email_send.enqueue(kind=AccountEmail.PASSWORD_RESET.value, user_id=user.pk, language=language)


@transaction.atomic(durable=True)
def user_email_change_request(*, user: User, new_email: str, language: str) -> None:
    """Send a confirmation link to new_email and tell the current address about the request.

    The caller has checked the current password. Nothing changes on the account until the
    link is opened (user_email_change_confirm). When another account uses new_email, no link
    goes out: that account's owner is told instead (EMAIL_CHANGE_ADDRESS_TAKEN), and the
    current address gets the same notice as ever, so the requester cannot tell the cases apart.
    Whether the address is free is decided again, under the constraint, when a link is opened.
    """
    new_email = User.objects.normalize_email(new_email)
    owner = user_get_by_email(email=new_email)
    if owner is not None and owner.pk != user.pk:
        _address_owner_notify(
            kind=AccountEmail.EMAIL_CHANGE_ADDRESS_TAKEN, email=new_email, language=language
        )
    else:
        account_email_send.enqueue(
            kind=AccountEmail.EMAIL_CHANGE_CONFIRM.value,
            user_id=user.pk,
            language=language,
            new_email=new_email,
            old_email=user.email,
        )
    account_email_send.enqueue(
        kind=AccountEmail.EMAIL_CHANGE_REQUESTED.value,
        user_id=user.pk,
        language=language,
        new_email=new_email,
        old_email=user.email,
    )


@transaction.atomic(durable=True)
def user_email_change_confirm(*, token: str, language: str) -> User:
    """Move the account to the address in an email-change link, verified, and tell the old address.

    Locks the user row. Raises InvalidToken when the token is tampered with, expired, or the
    account's address is no longer the one the link was made for (so a link works once), and
    EmailTaken when another account took the new address meanwhile; nothing changes on either.
    """
    change = email_change_token_read(token=token)
    user = User.objects.select_for_update().filter(pk=change.user_id, is_active=True).first()
    if user is None or user.email_canonical != email_canonical(change.old_email):
        raise InvalidToken()
    old_email = user.email
    user.email = change.new_email
    user.email_verified_at = timezone.now()
    try:
        user.save(update_fields=["email", "email_verified_at"])
    except IntegrityError as error:
        if _is_email_conflict(error):
            raise EmailTaken() from error
        raise
    account_email_send.enqueue(
        kind=AccountEmail.EMAIL_CHANGED.value,
        user_id=user.pk,
        language=language,
        new_email=user.email,
        old_email=old_email,
    )
    return user


@transaction.atomic(durable=True)
def user_profile_update(
    *,
    user: User,
    full_name: str,
    phone: str,
    country: str,
    province: str,
    city: str,
    postal_code: str,
    address_line1: str,
    address_line2: str,
    district: str = "",
    province_code: str = "",
    city_code: str = "",
    district_code: str = "",
) -> User:
    """Save the customer's name, phone and default shipping address."""
    values = {
        "full_name": full_name,
        "phone": phone,
        "country": country,
        "province": province,
        "city": city,
        "district": district,
        "province_code": province_code,
        "city_code": city_code,
        "district_code": district_code,
        "postal_code": postal_code,
        "address_line1": address_line1,
        "address_line2": address_line2,
    }
    for name, value in values.items():
        setattr(user, name, value)
    user.save(update_fields=list(values))
    return user


def _address_owner_notify(*, kind: AccountEmail, email: str, language: str) -> None:
    # Written to the owner in their language where we know it; `language` is only the
    # requester's, who may be someone else.
    owner = user_get_by_email(email=email)
    if owner is None:  # the conflicting account was deleted meanwhile
        return
    account_email_send.enqueue(
        kind=kind.value,
        user_id=owner.pk,
        language=user_language_get(user=owner, default=language),
        new_email=owner.email,
    )


def _is_email_conflict(error: IntegrityError) -> bool:
    constraint = getattr(getattr(error.__cause__, "diag", None), "constraint_name", None) or ""
    return "email" in constraint
