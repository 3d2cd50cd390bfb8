"""Links between a page's addresses in each language (see shop/i18n.py)."""

from django import template
from django.conf import settings
from django.utils.encoding import escape_uri_path
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from shop.i18n import language_alternates, path_without_language

register = template.Library()


@register.simple_tag(takes_context=True)
def alternate_links(context: template.Context, url: str = "") -> SafeString | str:
    """``<link rel="alternate" hreflang=...>`` for ``url`` (absolute), else for the request's path.

    A cached page is rendered without a request and passes its canonical URL; without either
    there is nothing to link.
    """
    if not url:
        request = context.get("request")
        if request is None:
            return ""
        url = f"{settings.SITE_URL}{escape_uri_path(request.path)}"
    return format_html_join(
        "\n  ", '<link rel="alternate" hreflang="{}" href="{}">', language_alternates(url)
    )


@register.simple_tag(takes_context=True)
def language_switch_next(context: template.Context) -> str:
    """Where the language switch returns to: this page without its ``lang`` parameter."""
    request = context.get("request")
    return path_without_language(request) if request is not None else ""
