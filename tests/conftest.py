import pytest
from django.core.cache import cache
from django.utils import translation

from shop.divisions import division_rows_load
from shop.models import Division


@pytest.fixture(autouse=True)
def _isolated_media_and_cache(settings, tmp_path):
    """Each test writes media into its own folder and starts with an empty cache."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()
    # A request in Chinese leaves Chinese active in this thread (LocaleMiddleware never
    # deactivates): the next test starts in the default language again.
    translation.deactivate()


@pytest.fixture(autouse=True)
def _divisions_loaded(request):
    """A transactional test starts with the divisions the migration loaded.

    Such a test empties every table when it ends, the migration's data included, so the
    next one would find no province to choose.
    """
    marker = request.node.get_closest_marker("django_db")
    transactional = marker is not None and (marker.kwargs.get("transaction") or marker.args[:1] == (True,))
    if transactional:
        request.getfixturevalue("transactional_db")
        if not Division.objects.exists():
            division_rows_load(model=Division)
