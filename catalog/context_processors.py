from functools import partial

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from catalog.cache import category_nav_get


def catalog(request: HttpRequest) -> dict:
    """``nav_categories`` for the layout, read only when a template uses it.

    On a warm cache it costs the request's one catalogue-revision read.
    """
    return {"nav_categories": SimpleLazyObject(partial(category_nav_get, request=request))}
