from django.http import HttpRequest, HttpResponse

# Fixed and tiny: the baseline is the cost of Django and its middleware alone,
# with no template, no query and no cache.
BARE_PAGE = (
    b'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>Bench</title></head>'
    b"<body><p>Bare view.</p></body></html>\n"
)


def bare(request: HttpRequest) -> HttpResponse:
    """The benchmark's baseline page; exists only under ``benchmarks.settings``."""
    return HttpResponse(BARE_PAGE)
