"""Flash messages, stored as Django's ``FallbackStorage`` stores them, with its stores made on first use."""

from functools import cached_property
from typing import Any

from django.contrib.messages.storage.base import BaseStorage
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.messages.storage.fallback import FallbackStorage
from django.http import HttpRequest


class LazyFallbackStorage(FallbackStorage):
    """Django's ``FallbackStorage`` (a signed cookie, then the session), whose stores are made when used.

    ``MessageMiddleware`` gives every request a storage, and making the cookie store derives its
    signing key, while most requests (a cached catalogue page for a first visit, a crawler) never
    read or add a message. A visitor who sent no messages cookie has no stored messages (the
    session keeps only what the cookie has no room for, and the cookie says so), so reading theirs
    makes no store either, nor does storing nothing. Adding
    and storing messages work as in Django: the stores are made then.
    """

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        # BaseStorage's set-up only: FallbackStorage's own makes both stores at once.
        BaseStorage.__init__(self, request, *args, **kwargs)
        self._store_arguments = (args, kwargs)
        self._used_storages = set()

    @cached_property
    def storages(self) -> list[BaseStorage]:
        args, kwargs = self._store_arguments
        return [storage_class(self.request, *args, **kwargs) for storage_class in self.storage_classes]

    def _get(self, *args: Any, **kwargs: Any) -> tuple[list, bool]:
        # Django reads the session only when the cookie says more messages are kept there.
        if CookieStorage.cookie_name not in self.request.COOKIES:
            return [], True
        return super()._get(*args, **kwargs)

    def _store(self, messages: list, response: Any, *args: Any, **kwargs: Any) -> list:
        # Nothing to store and no store read messages that now need clearing: Django's loop
        # over the stores would do nothing but make them.
        if not messages and not self._used_storages:
            return []
        return super()._store(messages, response, *args, **kwargs)
