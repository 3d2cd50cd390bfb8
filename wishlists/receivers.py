"""A guest's wishlist joins the account at sign-in (Django's own signal: no app above is involved)."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils.translation import get_language

from wishlists.services import wishlist_session_merge


@receiver(user_logged_in, dispatch_uid="wishlists.receivers.guest_wishlist_merge")
def guest_wishlist_merge(sender, request, user, **kwargs) -> None:
    session = getattr(request, "session", None)
    if session is not None:
        wishlist_session_merge(user=user, session=session, language=get_language())
