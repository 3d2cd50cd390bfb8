"""Every URL pattern of the project as a fillable template, and the admin's pages per model."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.regex_helper import normalize

from tests.security.hostile.values import quote_component


@dataclass(frozen=True)
class Route:
    """One URL pattern of the project, as a template with %(name)s holes and each hole's converter."""

    template: str
    converters: tuple[tuple[str, str], ...]
    admin: bool
    admin_prefix: str = "admin/"

    @property
    def thorough(self) -> bool:
        """Whether Hypothesis explores beyond the explicit probes.

        Everything but Django's generic ModelAdmin pages of other apps' models, and the
        trivial ones (object redirect, history) of ours: the same code, probed already.
        """
        if not self.admin:
            return True
        parts = self.template.removeprefix(self.admin_prefix).split("/")
        if len(parts) < 3 or parts[0] not in PROJECT_APPS:
            return len(parts) < 3
        return not (parts[-2] == "history" or parts[-2:] == ["%(object_id)s", ""])

    @property
    def label(self) -> str:
        holes = dict(self.converters)
        text = self.template
        for name, kind in holes.items():
            text = text.replace(f"%({name})s", f"<{kind}:{name}>")
        return "/" + text

    def url(self, values: dict[str, str]) -> str:
        path = self.template
        for name, kind in self.converters:
            path = path.replace(
                f"%({name})s", quote_component(values[name], safe="/" if kind == "path" else "")
            )
        return "/" + path


def _converter_kind(pattern, name: str) -> str:
    converter = getattr(pattern, "converters", {}).get(name)
    if converter is None:
        return "regex"
    kind = type(converter).__name__.removesuffix("Converter").lower()
    return {"string": "str"}.get(kind, kind)


PROJECT_APPS = ("shop", "catalog", "promotions", "cart", "orders", "support")


def routes() -> list[Route]:
    """Every URL pattern reachable from ROOT_URLCONF, nested includes and the admin included."""
    found: dict[str, Route] = {}
    admin_prefix = getattr(settings, "ADMIN_URL", "admin/")

    def walk(resolver: URLResolver, prefix: str, converters: tuple[tuple[str, str], ...]) -> None:
        for entry in resolver.url_patterns:
            template, params = normalize(entry.pattern.regex.pattern)[0]
            kinds = converters + tuple((name, _converter_kind(entry.pattern, name)) for name in params)
            if isinstance(entry, URLResolver):
                walk(entry, prefix + template, kinds)
            elif isinstance(entry, URLPattern):
                route = Route(
                    template=prefix + template,
                    converters=kinds,
                    admin=prefix.startswith(admin_prefix),
                    admin_prefix=admin_prefix,
                )
                found.setdefault(route.template, route)

    walk(get_resolver(), "", ())
    return sorted(found.values(), key=lambda route: route.template)


def admin_pages(*, keep_pk: int) -> list[str]:
    """Every registered model's changelist and add page, and change and delete of its first row
    (never the row ``keep_pk``, the signed-in staff member)."""
    pages = []
    for model in admin.site._registry:
        base = f"/{settings.ADMIN_URL}{model._meta.app_label}/{model._meta.model_name}/"
        pages += [base, f"{base}add/"]
        instance = model._default_manager.exclude(pk=keep_pk).order_by("pk").first()
        if instance is not None:
            pages += [f"{base}{instance.pk}/change/", f"{base}{instance.pk}/delete/"]
    return pages
