"""Write paths of customer accounts: sign-up, email verification, email change, profile, address book."""

from collections.abc import Mapping

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.emails import AccountEmail
from accounts.exceptions import AddressBookFull, EmailTaken, InvalidToken, SavedAddressNotFound
from accounts.models import ADDRESS_BOOK_LIMIT, SavedAddress
from accounts.selectors import user_get_by_email, user_language_get
from accounts.tasks import account_email_send
from accounts.tokens import email_change_token_read, email_verification_token_read
from orders.address_book import BOOK_FIELDS
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
def user_profile_update(*, user: User, full_name: str) -> User:
    """Save the customer's name (addresses live in the address book)."""
    user.full_name = full_name
    user.save(update_fields=["full_name"])
    return user


# The address book. Every change locks the customer's user row first, then reads or writes
# their addresses under it (docs/architecture.md, "Lock order"): two tabs making different
# addresses the default, or deleting the default while adding one, queue on that row, so
# a customer with addresses always has exactly one default.


def _book_lock(*, user: User) -> list[SavedAddress]:
    User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True).get()
    return list(SavedAddress.objects.filter(user=user).order_by("-is_default", "-created_at", "-id"))


def _book_values(values: Mapping[str, str]) -> dict[str, str]:
    return {name: values[name] for name in BOOK_FIELDS}


def _book_add(*, user: User, values: Mapping[str, str], make_default: bool) -> SavedAddress:
    book = _book_lock(user=user)
    if len(book) >= ADDRESS_BOOK_LIMIT:
        raise AddressBookFull()
    make_default = make_default or not book
    if make_default and book and book[0].is_default:
        SavedAddress.objects.filter(pk=book[0].pk).update(is_default=False)
    return SavedAddress.objects.create(user=user, is_default=make_default, **_book_values(values))


@transaction.atomic(durable=True)
def saved_address_create(
    *, user: User, values: Mapping[str, str], make_default: bool = False
) -> SavedAddress:
    """Add an address to the customer's book; the first one, or with ``make_default``, becomes the default.

    ``values`` holds every name in orders.address_book.BOOK_FIELDS, as SavedAddressForm cleans
    them. Locks the user row. Raises AddressBookFull when the book holds ADDRESS_BOOK_LIMIT
    addresses; nothing changes then.
    """
    return _book_add(user=user, values=values, make_default=make_default)


@transaction.atomic
def saved_address_create_for_order(*, user: User, values: Mapping[str, str]) -> bool:
    """Add the address an order ships to, inside the order's transaction; False when the book is full.

    Runs in ``order_place``'s transaction (so a repeated submit, which rolls back on the
    order's unique token, saves nothing twice). Locks the user row. A full book is not an
    error here: the order is placed and the address is not saved.
    """
    try:
        _book_add(user=user, values=values, make_default=False)
    except AddressBookFull:  # raised before anything is written
        return False
    return True


@transaction.atomic(durable=True)
def saved_address_update(*, user: User, address_id: int, values: Mapping[str, str]) -> SavedAddress:
    """Change one of the customer's addresses. Locks the user row.

    Raises SavedAddressNotFound for an address that is not in this customer's book.
    """
    address = next((entry for entry in _book_lock(user=user) if entry.pk == address_id), None)
    if address is None:
        raise SavedAddressNotFound()
    for name, value in _book_values(values).items():
        setattr(address, name, value)
    address.save(update_fields=[*BOOK_FIELDS, "updated_at"])
    return address


@transaction.atomic(durable=True)
def saved_address_default_set(*, user: User, address_id: int) -> SavedAddress:
    """Make one of the customer's addresses the default (the old default stops being it). Idempotent.

    Locks the user row. Raises SavedAddressNotFound for an address not in this customer's book.
    """
    book = _book_lock(user=user)
    address = next((entry for entry in book if entry.pk == address_id), None)
    if address is None:
        raise SavedAddressNotFound()
    if not address.is_default:
        # The old default goes first: the partial unique index allows one at any moment.
        SavedAddress.objects.filter(user=user, is_default=True).update(is_default=False)
        SavedAddress.objects.filter(pk=address.pk).update(is_default=True)
        address.is_default = True
    return address


@transaction.atomic(durable=True)
def saved_address_delete(*, user: User, address_id: int) -> None:
    """Delete one of the customer's addresses; when it was the default, the newest other one becomes it.

    Locks the user row. Raises SavedAddressNotFound for an address not in this customer's book
    (deleted already in another tab, or another customer's); nothing changes then.
    """
    book = _book_lock(user=user)
    address = next((entry for entry in book if entry.pk == address_id), None)
    if address is None:
        raise SavedAddressNotFound()
    rest = [entry for entry in book if entry.pk != address_id]
    address.delete()
    if address.is_default and rest:
        SavedAddress.objects.filter(pk=rest[0].pk).update(is_default=True)


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
