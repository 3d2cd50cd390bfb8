"""A guest's wishlist joins the account at sign-in (Django's own signal: no app above is involved)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils.translation import get_language, ngettext

from catalog.cache import category_tree
from wishlists.services import wishlist_session_merge
from wishlists.session import wishlist_session_ids


@receiver(user_logged_in, dispatch_uid="wishlists.receivers.guest_wishlist_merge")
def guest_wishlist_merge(sender, request, user, **kwargs) -> None:
    session = getattr(request, "session", None)
    if session is None or not wishlist_session_ids(session=session):
        return
    merged = wishlist_session_merge(
        user=user, session=session, category_ids=category_tree(request).visible_ids, language=get_language()
    )
    if merged.left_out and hasattr(request, "_messages"):
        text = ngettext(
            "Your wishlist is full (%(limit)s products), so %(count)s product saved in this browser was "
            "not added to it.",
            "Your wishlist is full (%(limit)s products), so %(count)s products saved in this browser were "
            "not added to it.",
            merged.left_out,
        )
        messages.warning(request, text % {"limit": settings.WISHLIST_MAX_ITEMS, "count": merged.left_out})
